"""A file that opens with its protective marking alone on the first line (as Desist's own
exports do, ADR 0030, and a force's exports may) is read past it, its rows keeping their line
numbers; an unmarked file is read from its headings."""

from __future__ import annotations

import pytest

from desist.imports import reader, synthetic


def _lines(marking: str | None) -> bytes:
    text = synthetic.as_csv(list(synthetic.rows(2))).decode()
    return ((marking + "\r\n") if marking is not None else "").encode() + text.encode()


@pytest.mark.parametrize(
    "marking", ["OFFICIAL-SENSITIVE", '"OFFICIAL-SENSITIVE"', "OFFICIAL", "official sensitive,,"]
)
def test_a_marked_file_is_read_past_its_marking(marking: str) -> None:
    rows = reader.read(_lines(marking), "csv", "generic")
    assert [n for n, _ in rows] == [3, 4]  # marking line 1, headings line 2
    assert rows[0][1] == next(synthetic.rows(1))


def test_an_unmarked_file_is_read_from_its_headings() -> None:
    rows = reader.read(_lines(None), "csv", "generic")
    assert [n for n, _ in rows] == [2, 3]


def test_a_first_line_that_only_starts_like_a_marking_is_headings() -> None:
    with pytest.raises(reader.Unreadable, match="no column called"):
        reader.read(_lines("OFFICIAL-SENSITIVE,subject_ref"), "csv", "generic")
