"""The one CSV writer for every export: the stdlib csv module, with formula cells neutralised.

Spreadsheet programs run a cell that starts with = + - @ (or a tab or carriage return, which
some strip before looking) as a formula, so text a user typed (a break-glass reason, a reset
reason, a court name) could run in the reader's spreadsheet: `=HYPERLINK("http://…"&B2)`
sends a neighbouring cell away. Such text cells get a leading apostrophe, which spreadsheets
show as text and do not evaluate (OWASP's advice for CSV injection). Numbers, dates and empty
cells pass unchanged, so a negative number stays a number.

Every CSV starts with one line, the protective marking (core.marking), before the headings:
readers skip it (`marked_rows` below; pandas `skiprows=1`; R `skip = 1`). See docs/adr/0030.

XLSX goes through here too (`xlsx_bytes`): openpyxl stores a string starting with = as a
formula, so the same neutralising applies. No other module builds a csv.writer or an
openpyxl Workbook (tests/security/test_csv_exports.py walks the code and the URL list).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from desist.core.export_purpose import ExportPurpose
from desist.core.marking import MARKING

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A plain signed number ("-0.154", "+3", "-1.5e-3") is no formula: left as it is, so a
# spreadsheet, R or pandas reads it as a number (tester finding: the evaluation report's
# negative differences came out as text). Anything more ("-1+2", "+44 7700") is escaped.
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """The cell as a spreadsheet will show it without evaluating it."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        if PLAIN_NUMBER.fullmatch(value):
            return value
        return "'" + value
    return value


class SafeWriter:
    """csv.writer's interface; every cell goes through `neutralise` first, and the file's
    first line is the protective marking, a row of one cell, before the headings (ADR 0030).

    The marking goes in the content so that a renamed or pasted copy keeps it; programs skip
    the one line (pandas `read_csv(..., skiprows=1)`, R `read.csv(..., skip = 1)`). The
    first `writerow` returns what both writes returned (a streaming response's echo buffer
    returns the text written, so the marking travels in the first chunk)."""

    def __init__(self, f: Any, *args: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(f, *args, **kwargs)
        self._marked = False

    @property
    def dialect(self) -> Any:
        return self._writer.dialect

    def writerow(self, row: Iterable[Any]) -> Any:
        cells = [neutralise(c) for c in row]
        if self._marked:
            return self._writer.writerow(cells)
        self._marked = True
        return self._writer.writerow([MARKING]) + self._writer.writerow(cells)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(f: Any, *args: Any, **kwargs: Any) -> SafeWriter:
    return SafeWriter(f, *args, **kwargs)


class DictWriter(csv.DictWriter):  # type: ignore[type-arg]
    """csv.DictWriter whose rows (and header) are written through `SafeWriter`, so the
    marking line comes first here too."""

    def __init__(self, f: Any, fieldnames: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(f, fieldnames, *args, **kwargs)
        self.writer = SafeWriter(f, self.writer.dialect)  # type: ignore[assignment]


def marked_rows(text: str) -> list[list[str]]:
    """The rows of a CSV this module wrote, after its marking line, which must be there (a
    file without it was not written here, or was cut)."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or rows[0] != [MARKING]:
        raise ValueError(f"The first line of the file is not the marking {MARKING}")
    return rows[1:]


def marked_dicts(text: str) -> list[dict[str, str]]:
    """`marked_rows` as csv.DictReader gives them: one dict per row, keyed by the headings."""
    header, *rows = marked_rows(text)
    return [dict(zip(header, row, strict=False)) for row in rows]


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(title: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """A one-sheet workbook of header and rows, every cell neutralised as in the CSV writer."""
    from openpyxl import Workbook  # imported here: only the XLSX exports need it

    book = Workbook(write_only=True)
    book.properties.category = MARKING
    sheet = book.create_sheet(title)
    # The marking on every printed page, top and bottom, outside the cells: the sheet's first
    # row stays the header row for programs that read it (docs/adr/0030).
    sheet.oddHeader.center.text = MARKING
    sheet.oddFooter.center.text = MARKING
    sheet.append([neutralise(c) for c in header])
    for row in rows:
        sheet.append([neutralise(c) for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_facts(
    *,
    file_format: str,
    rows: int,
    purpose: ExportPurpose,
    filters: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What every export's audit row records: the format, the filters (their names and the
    values chosen, never the rows themselves), the row count and the purpose the user gave
    (core.export_purpose; the reason only for Other). No rows, so no personal data."""
    return {
        "format": file_format,
        "filters": {k: str(v) for k, v in (filters or {}).items() if v not in (None, "", [])},
        "rows": rows,
        **purpose.facts(),
    }
