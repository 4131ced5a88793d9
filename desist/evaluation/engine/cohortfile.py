"""Reading a cohort CSV file strictly for ``evaluate_cohort`` (docs/evaluation.md, ADR 0021).

The reader never guesses. The encoding (UTF-8, with or without a byte-order mark, or UTF-16 with
one), the line endings (LF, CRLF, old-Mac CR) and the delimiter (comma, semicolon, tab or
vertical bar, from the header row) are detected by explicit rules and reported. Numbers are
ASCII digits with "." as the decimal point; a decimal comma or a thousands separator is an
error with a hint, never a reinterpretation. Missing values are the tokens in
``MISSING_TOKENS``; the caller chooses to stop at the first (``missing="error"``) or to drop
the rows that have one (``missing="drop"``), and the counts are reported.

Every problem is an ``EngineInputError`` naming the spreadsheet row (the header is row 1, the
first data row is row 2), the column and the value, e.g. ``Row 14, column 'week': 'abc' is not
a number``.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from desist.evaluation.engine.errors import EngineInputError

TRUE = {"1", "true", "yes", "y", "t"}
FALSE = {"0", "false", "no", "n", "f"}
FIRST_DATA_ROW = 2
MISSING_CHOICES = ("error", "drop")
# Cells read as missing (after trimming spaces). Anything else must be a valid value.
MISSING_TOKENS = frozenset({"", "NA", "N/A", "n/a", "na", "NaN", "nan", "NULL", "null", "."})
# Engine-internal columns all start with "_" (_time, _event, _w, ...); one-hot columns are
# named "column[level]". A file column that could collide with either is refused.
RESERVED_PREFIX = "_"
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}

# A sentinel field appended to every record lets pandas' fast C parser expose short rows,
# which it would otherwise pad with empty strings (ADR 0021).
_SENTINEL = "\x01"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0, 9), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_OTHER_BYTES = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
_CONTENT = re.compile(r"\S").search
_FIRST_LINE = re.compile(r"[^\r\n]*")
_NUMBER_CHARS = re.compile(r"[0-9.eE+\-]*").fullmatch
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?").fullmatch
_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?").fullmatch
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]{1,3}(?:\.[0-9]{3})*,[0-9]+|[+-]?[0-9]+,[0-9]+").fullmatch
_NOT_FINITE = {"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}
# Larger values are refused: squared in the model's variance they overflow, and a model fitted
# on them fails with a misleading message (collinearity, separation) instead of naming the cell.
MAX_MAGNITUDE = 1e12


def is_reserved(name: str) -> bool:
    """A column name the engine uses (or could use) for its own columns."""
    return name.startswith(RESERVED_PREFIX) or "[" in name or "]" in name


@dataclass
class CohortFile:
    """A checked cohort frame and what the reader found on the way."""

    frame: pd.DataFrame
    encoding: str
    delimiter: str
    line_endings: str
    missing: str
    rows_read: int
    missing_by_column: dict[str, int] = field(default_factory=dict)
    rows_dropped: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "encoding": self.encoding,
            "delimiter": DELIMITERS[self.delimiter],
            "line_endings": self.line_endings,
            "missing": self.missing,
            "rows_read": self.rows_read,
            "rows_used": len(self.frame),
            "rows_dropped_missing": self.rows_dropped,
            "missing_by_column": dict(self.missing_by_column),
        }


def read_cohort(
    source: str | Path | IO[str] | IO[bytes],
    time_col: str,
    event_col: str,
    group_col: str | None = None,
    covariates: Sequence[str] = (),
    *,
    missing: str = "error",
    categorical: Sequence[str] = (),
) -> pd.DataFrame:
    """Read, check and type a cohort file. Returns a frame of just the named columns."""
    return read_cohort_file(
        source,
        time_col,
        event_col,
        group_col,
        covariates,
        missing=missing,
        categorical=categorical,
    ).frame


@dataclass(frozen=True)
class _Roles:
    time: str
    event: str
    group: str | None
    covariates: tuple[str, ...]
    categorical: tuple[str, ...]

    @property
    def wanted(self) -> list[str]:
        return [self.time, self.event, *([self.group] if self.group else []), *self.covariates]


def read_cohort_file(
    source: str | Path | IO[str] | IO[bytes],
    time_col: str,
    event_col: str,
    group_col: str | None = None,
    covariates: Sequence[str] = (),
    *,
    missing: str = "error",
    categorical: Sequence[str] = (),
    fast: bool = True,
) -> CohortFile:
    """As ``read_cohort``, with the encoding, dialect and missing-value counts.

    ``fast=False`` skips the fast path (tests check that both paths agree)."""
    if missing not in MISSING_CHOICES:
        raise EngineInputError(f"missing must be one of {', '.join(MISSING_CHOICES)}")
    roles = _Roles(time_col, event_col, group_col, tuple(covariates), tuple(categorical))
    _check_roles(roles.wanted, covariates, categorical)
    raw_text, encoding = _read_text(source)
    endings = _line_endings(raw_text)
    if not _CONTENT(raw_text):
        raise EngineInputError("the file is empty")
    if fast and endings in _TERMINATORS:  # one kind of line ending: the fast path may try
        _no_control_characters(raw_text, raw_checked=encoding.startswith("UTF-8"))
        delimiter = _sniff_delimiter(raw_text)
        quick = _fast_frame(raw_text, delimiter, roles, _TERMINATORS[endings])
        if quick is not None:
            return CohortFile(
                frame=quick,
                encoding=encoding,
                delimiter=delimiter,
                line_endings=endings,
                missing=missing,
                rows_read=len(quick),
            )
    text = _normalise_newlines(raw_text)
    _no_control_characters(text, raw_checked=encoding.startswith("UTF-8"))
    delimiter = _sniff_delimiter(text)
    table = _parse(text, delimiter)
    header = _header(table)
    cells, lines = _data_cells(table, header, roles.wanted)
    cells, lines, counts, dropped = _apply_missing(cells, lines, roles.wanted, missing)
    if len(lines) < 2:
        why = f" after dropping {dropped} with missing values" if dropped else ""
        raise EngineInputError(f"the file needs at least two data rows{why}")
    frame = _typed_frame(cells, lines, roles)
    return CohortFile(
        frame=frame,
        missing=missing,
        rows_read=len(lines) + dropped,
        missing_by_column=counts,
        rows_dropped=dropped,
        encoding=encoding,
        delimiter=delimiter,
        line_endings=endings,
    )


# ------------------------------------------------------------------------ text and dialect


def _check_roles(wanted: list[str], covariates: Sequence[str], categorical: Sequence[str]) -> None:
    for col in wanted:
        if is_reserved(col):
            raise EngineInputError(
                "this name is reserved for the engine's own columns (names starting with '_' "
                "or containing '[' or ']'): rename the column in the file",
                column=col,
            )
    if len(set(wanted)) != len(wanted):
        raise EngineInputError("the same column is named for two roles", column=_first_dup(wanted))
    for col in categorical:
        if col not in covariates:
            raise EngineInputError("is named as categorical but is not a covariate", column=col)


def _read_text(source: str | Path | IO[str] | IO[bytes]) -> tuple[str, str]:
    if hasattr(source, "read"):
        content = source.read()
        if isinstance(content, str):
            return content.lstrip("\ufeff"), "text"
        return _decode(content)
    path = Path(source)
    if not path.exists():
        raise EngineInputError(f"no such file: {path}")
    if path.is_dir():
        raise EngineInputError(f"{path} is a folder, not a file: give the path of a CSV file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise EngineInputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return _decode(raw)


def _decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith(b"PK\x03\x04"):
        raise EngineInputError(
            "this looks like an Excel workbook (.xlsx), not a CSV file: "
            "save it as 'CSV UTF-8 (comma delimited)'"
        )
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "UTF-16 (with byte-order mark)"
        except UnicodeDecodeError as exc:
            raise EngineInputError("the file starts as UTF-16 but is not valid UTF-16") from exc
    bom = raw.startswith(codecs.BOM_UTF8)
    if raw.translate(None, _OTHER_BYTES):  # a control byte somewhere: find it in the text
        text = raw.decode("utf-8-sig", errors="replace")
        _no_control_characters(_normalise_newlines(text), raw_checked=False)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1
        raise EngineInputError(
            "the file is not UTF-8 text (perhaps Windows-1252 or Latin-1): save it as 'CSV UTF-8'",
            row=line,
        ) from exc
    return text, "UTF-8 (with byte-order mark)" if bom else "UTF-8"


_TERMINATORS = {"LF": "\n", "CRLF": "\r\n", "CR": "\r", "none": "\n"}


def _first_line(text: str) -> str:
    found = _FIRST_LINE.match(text)
    return found.group() if found else ""


def _line_endings(text: str) -> str:
    if "\r" not in text:
        return "LF" if "\n" in text else "none"
    crlf = text.count("\r\n")
    cr = text.count("\r") - crlf
    lf = text.count("\n") - crlf
    kinds = [name for name, n in (("CRLF", crlf), ("CR", cr), ("LF", lf)) if n]
    return " and ".join(kinds)


def _normalise_newlines(text: str) -> str:
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _no_control_characters(text: str, *, raw_checked: bool) -> None:
    if raw_checked:
        return
    found = _CONTROL.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        what = "NUL bytes" if found.group() == "\x00" else "a control character"
        raise EngineInputError(
            f"the file contains {what} ({found.group()!r}): it is not a plain-text CSV file",
            row=line,
        )


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header row into the most fields; a tie is refused."""
    first = _first_line(text)
    if not first.strip():
        raise EngineInputError("the first row is empty: it must be the header", row=1)
    widths = {d: len(next(csv.reader([first], delimiter=d))) for d in DELIMITERS}
    best = max(widths.values())
    winners = [d for d, w in widths.items() if w == best]
    if best <= 1:
        return ","
    if len(winners) > 1:
        names = " and ".join(DELIMITERS[d] for d in winners)
        raise EngineInputError(
            f"cannot tell the delimiter: the header splits equally on {names}", row=1
        )
    return winners[0]


def _parse(text: str, delimiter: str) -> pd.DataFrame:
    body = text if text.endswith("\n") else text + "\n"
    body = body.replace("\n", f"{delimiter}{_SENTINEL}\n")
    try:
        table = pd.read_csv(
            io.StringIO(body),
            sep=delimiter,
            header=None,
            dtype=str,
            na_filter=False,
            skip_blank_lines=False,
            quotechar='"',
            doublequote=True,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        raise _parser_error(str(exc)) from exc
    except pd.errors.EmptyDataError as exc:
        raise EngineInputError("the file is empty") from exc
    return table


def _parser_error(message: str) -> EngineInputError:
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if fields:
        header, row, seen = (int(g) for g in fields.groups())
        return EngineInputError(f"has {seen - 1} fields but the header has {header - 1}", row=row)
    quote = re.search(r"EOF inside string starting at row (\d+)", message)
    if quote:
        return EngineInputError(
            'a quoted value is never closed (a " without its closing ")',
            row=int(quote.group(1)) + 1,
        )
    return EngineInputError(f"the file cannot be read as CSV: {message.strip()}")


def _header(table: pd.DataFrame) -> list[str]:
    width = table.shape[1] - 1
    raw = [str(h) for h in table.iloc[0, :width]]
    if table.iloc[0, width] != _SENTINEL or any(_SENTINEL in h for h in raw):
        raise EngineInputError("a column name runs over more than one line", row=1)
    return _header_names(raw)


def _header_names(raw: list[str]) -> list[str]:
    header = [h.strip() for h in raw]
    if not any(header):
        raise EngineInputError("the first row is empty: it must be the header", row=1)
    seen: set[str] = set()
    for j, h in enumerate(header):
        if h == "":
            raise EngineInputError(f"column {j + 1} has no name", row=1)
        if h in seen:
            raise EngineInputError("this column name appears more than once", row=1, column=h)
        seen.add(h)
    return header


def _require_columns(header: list[str], wanted: list[str]) -> None:
    for col in wanted:
        if col not in header:
            raise EngineInputError(
                f"there is no such column; the file's columns are {', '.join(header)}",
                row=1,
                column=col,
            )


def _data_cells(
    table: pd.DataFrame, header: list[str], wanted: list[str]
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The wanted columns' cells (trimmed), without blank rows, and each row's number."""
    _require_columns(header, wanted)
    width = len(header)
    data = table.iloc[1:]
    lines = np.arange(FIRST_DATA_ROW, FIRST_DATA_ROW + len(data))
    values = data.to_numpy(dtype=object)
    short = values[:, width] != _SENTINEL
    blank = np.ones(len(data), dtype=bool)
    for j in range(width):
        blank &= (values[:, j] == "") | (values[:, j] == _SENTINEL)
    for k in np.flatnonzero(short & ~blank):
        row = values[k]
        n = next(j for j in range(width) if row[j] == _SENTINEL)
        raise EngineInputError(f"has {n} fields but the header has {width}", row=int(lines[k]))
    keep = ~blank
    cells: dict[str, np.ndarray] = {}
    for col in wanted:
        column = values[keep, header.index(col)]
        cells[col] = _trim(column, col, lines[keep])
    return cells, lines[keep]


def _trim(column: np.ndarray, col: str, lines: np.ndarray) -> np.ndarray:
    joined = "".join(column)
    if _SENTINEL in joined:
        k = next(i for i, v in enumerate(column) if _SENTINEL in v)
        raise EngineInputError(
            "the value runs over more than one line", row=int(lines[k]), column=col
        )
    if " " in joined or "\t" in joined or "\u00a0" in joined:
        return np.array([v.strip() for v in column], dtype=object)
    return column


# --------------------------------------------------------------------------------- fast path


def _fast_frame(text: str, delimiter: str, roles: _Roles, newline: str) -> pd.DataFrame | None:
    """A clean file typed by pandas' C parser, or None to take the strict cell-by-cell path.

    Only what both paths read identically is accepted here: every row complete (the sentinel
    last), numbers pandas parsed with nothing missing or infinite, events 0/1, text columns
    with no missing token, padding or number in them. Anything else, valid or not, goes to the
    strict path, which gives the answer and the message.
    """
    head = _first_line(text)
    if '"' in head:
        return None
    header = _header_names(next(csv.reader([head], delimiter=delimiter)))
    _require_columns(header, roles.wanted)
    # Here the sentinel is "0": a complete row ends with it, a short one leaves the column empty.
    body = (text if text.endswith(newline) else text + newline).replace(newline, f"{delimiter}0\n")
    width = len(header)
    try:
        table = pd.read_csv(
            io.BytesIO(body.encode("utf-8")),  # bytes: pandas reads them faster than text
            sep=delimiter,
            header=None,
            skiprows=1,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=False,
            quotechar='"',
            engine="c",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return None
    # No usecols: with it pandas would silently accept rows with extra fields.
    if len(table) < 2 or table.shape[1] != width + 1 or not (table[width] == 0).all():
        return None
    out = {col: _fast_column(table[header.index(col)], col, roles) for col in roles.wanted}
    if any(v is None for v in out.values()):
        return None
    frame = pd.DataFrame(out)
    frame.index = pd.Index(np.arange(FIRST_DATA_ROW, FIRST_DATA_ROW + len(table)), name="row")
    return frame


def _fast_column(column: pd.Series, col: str, roles: _Roles) -> pd.Series | None:
    numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
    if col in roles.categorical:
        return None
    if numeric:
        values = column.to_numpy(dtype=float)
        if not np.isfinite(values).all() or np.abs(values).max() > MAX_MAGNITUDE:
            return None
        if col == roles.event:
            whole = column.dtype.kind in "iu" and np.isin(values, (0, 1)).all()
            return pd.Series(values.astype(int)) if whole else None
        if col == roles.time:
            return pd.Series(values) if (values >= 0).all() else None
        if col == roles.group:
            return pd.Series(column.to_numpy()) if column.dtype.kind in "iu" else None
        return pd.Series(values)
    if col in (roles.time, roles.event) or column.dtype != object:
        return None
    for v in pd.unique(column):
        text = v if isinstance(v, str) else ""
        if not text or text != text.strip() or text in MISSING_TOKENS or "\n" in text:
            return None
        if _NUMBER(text) or _DECIMAL_COMMA(text) or _THOUSANDS(text):
            return None
    return pd.Series(column.to_numpy(), dtype=object)


# ---------------------------------------------------------------------------- missing values


def _apply_missing(
    cells: dict[str, np.ndarray], lines: np.ndarray, wanted: list[str], missing: str
) -> tuple[dict[str, np.ndarray], np.ndarray, dict[str, int], int]:
    masks = {col: pd.Series(cells[col]).isin(MISSING_TOKENS).to_numpy() for col in wanted}
    counts = {col: int(m.sum()) for col, m in masks.items() if m.any()}
    if not counts:
        return cells, lines, {}, 0
    any_missing = np.zeros(len(lines), dtype=bool)
    for m in masks.values():
        any_missing |= m
    if missing == "error":
        k = int(np.flatnonzero(any_missing)[0])
        col = next(c for c in wanted if masks[c][k])
        shown = f"'{cells[col][k]}'" if cells[col][k] else "an empty cell"
        raise EngineInputError(
            f"the value is missing ({shown}); give --missing drop to leave out the rows "
            "with a missing value, or fill it in",
            row=int(lines[k]),
            column=col,
        )
    keep = ~any_missing
    return {c: v[keep] for c, v in cells.items()}, lines[keep], counts, int(any_missing.sum())


# ------------------------------------------------------------------------------------ typing


def _typed_frame(cells: dict[str, np.ndarray], lines: np.ndarray, roles: _Roles) -> pd.DataFrame:
    time_col, event_col, group_col = roles.time, roles.event, roles.group
    out: dict[str, Any] = {}
    times = _numbers(cells[time_col], time_col, lines)
    negative = np.flatnonzero(times < 0)
    if len(negative):
        k = int(negative[0])
        raise EngineInputError(
            f"{cells[time_col][k]} is negative: times must be 0 or more",
            row=int(lines[k]),
            column=time_col,
        )
    out[time_col] = times
    out[event_col] = _events(cells[event_col], event_col, lines)
    if group_col:
        out[group_col] = _group(cells[group_col])
    for cov in roles.covariates:
        if cov in roles.categorical:
            out[cov] = pd.Series(cells[cov], dtype=object)
        else:
            out[cov] = _covariate(cells[cov], cov, lines)
    df = pd.DataFrame(out)
    df.index = pd.Index(lines, name="row")
    return df


def number_problem(value: str) -> str | None:
    """Why ``value`` is not a number Desist reads, or None if it is one."""
    if _NUMBER(value):
        number = float(value)
        if not np.isfinite(number):
            return f"{value} is too large to be a number"
        if abs(number) > MAX_MAGNITUDE:
            return (
                f"{value} is out of range: Desist reads numbers from -1e12 to 1e12 "
                "(rescale the column, e.g. to thousands)"
            )
        return None
    if _DECIMAL_COMMA(value) and not _THOUSANDS(value):
        return (
            f"'{value}' looks like a number with a decimal comma: Desist reads only '.' as the "
            "decimal point and never guesses the locale (write 1234.5, not 1.234,5)"
        )
    if _THOUSANDS(value):
        return (
            f"'{value}' has a comma, which Desist does not read as a thousands separator "
            "(1,234 means 1234 in some locales and 1.234 in others): write it without commas"
        )
    if value.lower() in _NOT_FINITE:
        return f"'{value}' is not a finite number"
    return f"'{value}' is not a number"


def _numbers(values: np.ndarray, col: str, lines: np.ndarray) -> np.ndarray:
    """Strict numbers: a vectorised fast path, and a cell-by-cell search for the culprit."""
    if _NUMBER_CHARS("".join(values)):
        try:
            out = values.astype(float)
        except ValueError:
            out = None
        if out is not None and np.isfinite(out).all() and np.abs(out).max() <= MAX_MAGNITUDE:
            return out
    for v, line in zip(values, lines, strict=True):
        problem = number_problem(v)
        if problem:
            raise EngineInputError(problem, row=int(line), column=col)
    raise AssertionError("unreachable: a cell failed the fast path but passed one by one")


def _events(values: np.ndarray, col: str, lines: np.ndarray) -> np.ndarray:
    ones, zeros = values == "1", values == "0"
    if (ones | zeros).all():
        return ones.astype(int)
    low = np.array([v.lower() for v in values], dtype=object)
    true = np.isin(low, list(TRUE))
    false = np.isin(low, list(FALSE))
    bad = np.flatnonzero(~(true | false))
    if len(bad):
        k = int(bad[0])
        raise EngineInputError(
            f"'{values[k]}' is not an event indicator (use 1 for an event, 0 for censored)",
            row=int(lines[k]),
            column=col,
        )
    return true.astype(int)


def _group(values: np.ndarray) -> pd.Series:
    if all(_NUMBER(v) for v in values):
        arr = values.astype(float)
        if np.all(arr == np.round(arr)):
            return pd.Series(arr.astype(int))
        return pd.Series(arr)
    return pd.Series(values, dtype=object)


def _covariate(values: np.ndarray, col: str, lines: np.ndarray) -> pd.Series:
    """Numeric if every value is a number, categorical if none is; a mix is an error."""
    numeric = np.array([_NUMBER(v) is not None for v in values])
    if numeric.all():
        return pd.Series(_numbers(values, col, lines))
    if not numeric.any():
        return _categorical_unless_locale(values, col, lines)
    bad = np.flatnonzero(~numeric)
    # A number written in another locale beside plain numbers is named, whatever the majority
    # (else the message would name a good number and advise --categorical).
    locale = [int(k) for k in bad if _DECIMAL_COMMA(values[k]) or _THOUSANDS(values[k])]
    if numeric.sum() >= len(values) / 2 or locale:
        k = int(bad[0]) if numeric.sum() >= len(values) / 2 else locale[0]
        raise EngineInputError(
            f"{number_problem(values[k])} (the other values in this column are numbers)",
            row=int(lines[k]),
            column=col,
        )
    k = int(np.flatnonzero(numeric)[0])
    raise EngineInputError(
        f"'{values[k]}' is a number but most values in this column are not: name the column "
        "in --categorical to read all its values as categories",
        row=int(lines[k]),
        column=col,
    )


def _categorical_unless_locale(values: np.ndarray, col: str, lines: np.ndarray) -> pd.Series:
    """Text categories, except a column of numbers written in another locale (a mistake)."""
    for v in values:
        if not (_DECIMAL_COMMA(v) or _THOUSANDS(v)):
            return pd.Series(values, dtype=object)
    raise EngineInputError(number_problem(values[0]) or "", row=int(lines[0]), column=col)


def _first_dup(items: Iterable[str]) -> str:
    seen: set[str] = set()
    for x in items:
        if x in seen:
            return x
        seen.add(x)
    return ""
