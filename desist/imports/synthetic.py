"""Synthetic import rows for the tests and benchmarks/import.py: made-up people, references
and dates, never real data. Every subject has three cases, so rows share subjects as real
exports do."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator

from desist.core import safecsv
from desist.imports.sources import FIELDS, MAPPINGS
from desist.people.models import pnc_check_letter

_FIRST = ("Alex", "Sam", "Jo", "Chris", "Robin", "Kit", "Lee", "Max", "Ash", "Jamie")
_LAST = ("Example", "Sample", "Testwood", "Placeholder", "Fictional", "Madeup", "Dummy")
CASES_PER_SUBJECT = 3


def pnc_for(n: int) -> str:
    year, serial = "2019", f"{n % 10_000_000:07d}"
    return f"{year}/{serial}{pnc_check_letter(year, serial)}"


def row(n: int) -> dict[str, str]:
    """Row n (from 0) in Desist's field names."""
    person = n // CASES_PER_SUBJECT
    born = dt.date(1960, 1, 1) + dt.timedelta(days=(person * 37) % 15000)
    reported = dt.date(2020, 1, 1) + dt.timedelta(days=n % 1800)
    return {
        "subject_ref": f"P{person:07d}",
        "first_names": _FIRST[person % len(_FIRST)],
        "last_name": f"{_LAST[person % len(_LAST)]}{person}",
        "date_of_birth": born.strftime("%d/%m/%Y"),
        "pnc_number": pnc_for(person + 1) if person % 2 == 0 else "",
        "case_ref": f"C{n:08d}",
        "crime_reference": f"SYN/{n:08d}/26",
        "offence_date": (reported - dt.timedelta(days=3)).strftime("%d/%m/%Y"),
        "reported_date": reported.strftime("%d/%m/%Y"),
        "summary": f"Synthetic case {n}: repeated unwanted messages.",
    }


def rows(count: int, source: str = "generic") -> Iterator[dict[str, str]]:
    mapping = MAPPINGS[source]
    for n in range(count):
        yield {mapping[f]: v for f, v in row(n).items()}


def as_csv(items: list[dict[str, str]], source: str = "generic") -> bytes:
    out = io.StringIO()
    writer = safecsv.DictWriter(out, fieldnames=[MAPPINGS[source][f] for f in FIELDS])
    writer.writeheader()
    writer.writerows(items)
    # As the police system writes it: without the marking line Desist's own exports open with
    # (the reader accepts either; test_reader.py).
    return out.getvalue().partition("\n")[2].encode()


def as_json(items: list[dict[str, str]]) -> bytes:
    return json.dumps(items).encode()
