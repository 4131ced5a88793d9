"""Reading an import file: CSV with a heading row, or JSON as a list of objects.

Row numbers are what the person will look for: in a CSV file the spreadsheet's row (the
headings are row 1, so the first record is row 2); in JSON the object's place in the list,
counting from 1.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from desist.imports.sources import MAPPINGS, missing_headings

FORMATS = ("csv", "json")
# Most fields are short; a summary may be long. The csv module refuses longer fields.
csv.field_size_limit(1_000_000)


class Unreadable(Exception):
    """The file as a whole cannot be imported; the message says why, GOV.UK style."""


def format_of(filename: str) -> str | None:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return suffix if suffix in FORMATS else None


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unreadable(
            "The selected file could not be read: save it as UTF-8 text and try again"
        ) from None


# A file may open with its protective marking alone on the first line, as every CSV Desist
# writes does (ADR 0030) and as a force's own exports may: skipped, the rows keep their lines.
MARKING_LINE = re.compile(
    r'"?(OFFICIAL([- ]SENSITIVE)?|SECRET|TOP SECRET)([ :-][A-Z -]*)?"?,*', re.IGNORECASE
)


def _csv_rows(text: str) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    first, _, rest = text.partition("\n")
    marked = bool(MARKING_LINE.fullmatch(first.strip()))
    try:
        reader = csv.DictReader(io.StringIO(rest if marked else text, newline=""))
        headings = list(reader.fieldnames or [])
        rows = [(n, row) for n, row in enumerate(reader, start=3 if marked else 2)]
    except csv.Error:
        raise Unreadable("The selected file could not be read as CSV") from None
    return headings, rows


def _json_rows(text: str) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    try:
        data = json.loads(text)
    except ValueError:
        raise Unreadable("The selected file could not be read as JSON") from None
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise Unreadable("The selected file must be a JSON list of objects, one for each case")
    headings = list(dict.fromkeys(key for item in data for key in item))
    return headings, list(enumerate(data, start=1))


def read(data: bytes, fmt: str, source: str) -> list[tuple[int, dict[str, Any]]]:
    """Every row of the file, numbered, or Unreadable if the file as a whole is not usable."""
    if source not in MAPPINGS:
        raise Unreadable("Select the system the file comes from")
    if fmt not in FORMATS:
        raise Unreadable("The selected file must be a CSV or JSON file")
    headings, rows = (_csv_rows if fmt == "csv" else _json_rows)(_text(data))
    if not rows:
        raise Unreadable("The selected file has no rows to import")
    missing = missing_headings(source, headings)
    if missing:
        raise Unreadable(
            "The selected file has no column called "
            + ", ".join(f"“{m}”" for m in missing)
            + ". Check you chose the system the file comes from"
        )
    return rows
