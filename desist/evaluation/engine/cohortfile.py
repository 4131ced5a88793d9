"""Reading and checking a cohort CSV file for ``evaluate_cohort``.

Every problem is an ``EngineInputError`` naming the spreadsheet row (the header is row 1, the
first data row is row 2) and the column, e.g. ``Row 14, column 'week': 'abc' is not a number``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from desist.evaluation.engine.errors import EngineInputError

TRUE = {"1", "true", "yes", "y", "t"}
FALSE = {"0", "false", "no", "n", "f"}
FIRST_DATA_ROW = 2


def _number(value: str) -> float | None:
    try:
        x = float(value.replace(",", "")) if value.count(",") and "." in value else float(value)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def read_cohort(
    source: str | Path | IO[str],
    time_col: str,
    event_col: str,
    group_col: str | None = None,
    covariates: Sequence[str] = (),
) -> pd.DataFrame:
    """Read, check and type a cohort file. Returns a frame of just the named columns."""
    text = _read_text(source)
    rows = list(csv.reader(io.StringIO(text)))
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()  # trailing blank lines
    if not rows:
        raise EngineInputError("the file is empty")
    header = [h.strip() for h in rows[0]]
    seen: set[str] = set()
    for h in header:
        if h in seen:
            raise EngineInputError("this column name appears more than once", row=1, column=h)
        seen.add(h)
    wanted = [time_col, event_col, *([group_col] if group_col else []), *covariates]
    for col in wanted:
        if col not in header:
            raise EngineInputError(
                f"there is no such column; the file's columns are {', '.join(header)}",
                row=1,
                column=col,
            )
    if len(set(wanted)) != len(wanted):
        raise EngineInputError("the same column is named for two roles", column=_first_dup(wanted))
    data = rows[1:]
    if len(data) < 2:
        raise EngineInputError("the file needs at least two data rows")
    width = len(header)
    for i, r in enumerate(data):
        if len(r) != width and any(cell.strip() for cell in r):
            raise EngineInputError(
                f"has {len(r)} fields but the header has {width}", row=i + FIRST_DATA_ROW
            )
    data = [r for r in data if any(cell.strip() for cell in r)]
    pos = {h: j for j, h in enumerate(header)}
    line_numbers = [i + FIRST_DATA_ROW for i, r in enumerate(rows[1:]) if any(c.strip() for c in r)]

    def column(name: str) -> list[str]:
        j = pos[name]
        return [r[j].strip() for r in data]

    out: dict[str, object] = {}
    out[time_col] = _numbers(column(time_col), time_col, line_numbers, non_negative=True)
    out[event_col] = _events(column(event_col), event_col, line_numbers)
    if group_col:
        g = column(group_col)
        _no_empty(g, group_col, line_numbers, "every row needs a group")
        out[group_col] = _maybe_numeric_group(g)
    for cov in covariates:
        out[cov] = _covariate(column(cov), cov, line_numbers)
    df = pd.DataFrame(out)
    df.index = pd.Index(line_numbers, name="row")
    return df


def _read_text(source: str | Path | IO[str]) -> str:
    if hasattr(source, "read"):
        content = source.read()  # type: ignore[union-attr]
        return (
            content.decode("utf-8-sig")
            if isinstance(content, bytes)
            else str(content).lstrip("\ufeff")
        )
    path = Path(source)
    if not path.exists():
        raise EngineInputError(f"no such file: {path}")
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise EngineInputError(
            "the file is not UTF-8 text (save it as CSV UTF-8)", row=line
        ) from exc


def _first_dup(items: Iterable[str]) -> str:
    seen: set[str] = set()
    for x in items:
        if x in seen:
            return x
        seen.add(x)
    return ""


def _no_empty(values: list[str], col: str, lines: list[int], why: str) -> None:
    for v, line in zip(values, lines, strict=True):
        if v == "":
            raise EngineInputError(f"is empty: {why}", row=line, column=col)


def _numbers(values: list[str], col: str, lines: list[int], *, non_negative: bool) -> np.ndarray:
    out = np.empty(len(values))
    for k, (v, line) in enumerate(zip(values, lines, strict=True)):
        if v == "":
            raise EngineInputError("is empty: a number is needed", row=line, column=col)
        x = _number(v)
        if x is None:
            raise EngineInputError(f"'{v}' is not a number", row=line, column=col)
        if non_negative and x < 0:
            raise EngineInputError(
                f"{v} is negative: times must be 0 or more", row=line, column=col
            )
        out[k] = x
    return out


def _events(values: list[str], col: str, lines: list[int]) -> np.ndarray:
    out = np.empty(len(values), dtype=int)
    for k, (v, line) in enumerate(zip(values, lines, strict=True)):
        low = v.lower()
        if low in TRUE:
            out[k] = 1
        elif low in FALSE:
            out[k] = 0
        else:
            shown = v if v else "(empty)"
            raise EngineInputError(
                f"'{shown}' is not an event indicator (use 1 for an event, 0 for censored)",
                row=line,
                column=col,
            )
    return out


def _maybe_numeric_group(values: list[str]) -> pd.Series:
    nums = [_number(v) for v in values]
    if all(x is not None for x in nums):
        arr = np.array(nums, dtype=float)
        if np.all(arr == np.round(arr)):
            return pd.Series(arr.astype(int))
        return pd.Series(arr)
    return pd.Series(values, dtype=object)


def _covariate(values: list[str], col: str, lines: list[int]) -> pd.Series:
    _no_empty(values, col, lines, "covariates need a value in every row")
    nums = [_number(v) for v in values]
    numeric = sum(x is not None for x in nums)
    if numeric == len(values):
        return pd.Series(np.array(nums, dtype=float))
    if numeric >= 0.9 * len(values):
        k = next(i for i, x in enumerate(nums) if x is None)
        raise EngineInputError(
            f"'{values[k]}' is not a number (the other values in this column are)",
            row=lines[k],
            column=col,
        )
    return pd.Series(values, dtype=object)
