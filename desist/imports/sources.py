"""The column mapping of each source system: its export's headings to Desist's fields.

One table, not a parser per system (docs/integration.md shows it). Headings are matched with
case and surrounding spaces ignored. A source not listed here is refused.
"""

from __future__ import annotations

from collections.abc import Mapping

# Desist's fields for one row (one case, carrying its subject), in report order.
FIELDS: tuple[str, ...] = (
    "subject_ref",
    "first_names",
    "last_name",
    "date_of_birth",
    "pnc_number",
    "case_ref",
    "crime_reference",
    "offence_date",
    "reported_date",
    "summary",
)
REQUIRED: frozenset[str] = frozenset(
    {"subject_ref", "first_names", "last_name", "case_ref", "crime_reference", "reported_date"}
)

# What each field is called in the row-level messages.
LABELS: Mapping[str, str] = {
    "subject_ref": "the person's reference",
    "first_names": "the subject's first names",
    "last_name": "the subject's last name",
    "date_of_birth": "the date of birth",
    "pnc_number": "the PNC number",
    "case_ref": "the case's reference",
    "crime_reference": "the crime reference",
    "offence_date": "the offence date",
    "reported_date": "the date it was reported",
    "summary": "the summary",
}

# source -> {Desist field: the source's heading}.
MAPPINGS: Mapping[str, Mapping[str, str]] = {
    "niche": {
        "subject_ref": "Nominal ID",
        "first_names": "Forenames",
        "last_name": "Surname",
        "date_of_birth": "DOB",
        "pnc_number": "PNC ID",
        "case_ref": "Occurrence ID",
        "crime_reference": "Crime Number",
        "offence_date": "Offence Date",
        "reported_date": "Reported Date",
        "summary": "MO Summary",
    },
    "athena": {
        "subject_ref": "Person URN",
        "first_names": "Given Names",
        "last_name": "Family Name",
        "date_of_birth": "Date of Birth",
        "pnc_number": "PNC Number",
        "case_ref": "Investigation URN",
        "crime_reference": "Crime Reference",
        "offence_date": "Committed On",
        "reported_date": "Date Reported",
        "summary": "Investigation Summary",
    },
    "generic": {name: name for name in FIELDS},
}

SOURCES: tuple[str, ...] = tuple(MAPPINGS)
SOURCE_CHOICES = [
    ("niche", "Niche RMS"),
    ("athena", "Athena"),
    ("generic", "Generic (Desist's own headings)"),
]


def heading_key(heading: str) -> str:
    return " ".join(str(heading).split()).casefold()


def missing_headings(source: str, headings: list[str]) -> list[str]:
    """The source's headings for required fields that the file lacks."""
    have = {heading_key(h) for h in headings}
    mapping = MAPPINGS[source]
    return [mapping[f] for f in FIELDS if f in REQUIRED and heading_key(mapping[f]) not in have]


def map_row(source: str, row: Mapping[str, object]) -> dict[str, str]:
    """One row of the file as Desist's fields (text, trimmed; absent or null is '')."""
    by_key = {heading_key(k): v for k, v in row.items() if k is not None}
    out = {}
    for field, heading in MAPPINGS[source].items():
        value = by_key.get(heading_key(heading))
        out[field] = "" if value is None else str(value).strip()
    return out
