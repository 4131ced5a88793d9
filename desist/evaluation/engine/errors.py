"""Errors the engine raises for bad input, naming the row and column at fault."""

from __future__ import annotations


class EngineInputError(ValueError):
    """Input the engine cannot use. ``row`` and ``column`` say where, when known.

    ``row`` is whatever identifies the row to a person: a spreadsheet row number for a CSV file
    (the header is row 1), or a ``person_id`` for a programme frame.
    """

    def __init__(self, message: str, *, row: int | str | None = None, column: str | None = None):
        self.row = row
        self.column = column
        self.detail = message
        where = []
        if row is not None:
            where.append(f"Row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class EngineModelError(RuntimeError):
    """A model the user asked for could not be fitted (``desist evaluate`` exits 1 on it).

    ``reason`` is ``"collinear"``, ``"separation"`` or ``"no_fit"``; ``columns`` names the
    covariates at fault where known. The message is one plain line.
    """

    def __init__(self, message: str, *, reason: str = "no_fit", columns: list[str] | None = None):
        self.reason = reason
        self.columns = list(columns or [])
        super().__init__(message.splitlines()[0] if message else "the model could not be fitted")
