"""Checking one row of an import with the pages' own fields and rules.

The subject's fields are the subject form's (names, date of birth, PNC number); the crime
reference and summary are the case form's; the two case dates use the same date helper,
bounds and "not in the future" rule as every date on the pages. What needs the database
(a PNC number or crime reference already used by another record) is checked per batch in
`engine.py`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from desist.cases.forms import CaseForm
from desist.cases.services import normalise_crime_reference
from desist.core.forms import date_field
from desist.imports.sources import LABELS
from desist.people.forms import SubjectForm
from desist.people.validators import pnc_canonical

REPORTED_FUTURE = "The date it was reported must be today or in the past"
OFFENCE_FUTURE = "The offence date must be today or in the past"
OFFENCE_AFTER_REPORT = "The offence date must be the same as or before the date it was reported"
# An example of a date as the file may give it, for a date that could not be read.
DATE_EXAMPLE = ", like 27 3 1985"


def _reference(what: str) -> forms.CharField:
    return forms.CharField(
        max_length=40,
        error_messages={
            "required": f"Enter {what}",
            "max_length": f"{what[0].upper()}{what[1:]} must be 40 characters or fewer",
        },
    )


_SUBJECT = SubjectForm.base_fields
_CASE = CaseForm.base_fields
FIELD_CHECKS: dict[str, forms.Field] = {
    "subject_ref": _reference(LABELS["subject_ref"]),
    "first_names": _SUBJECT["first_names"],
    "last_name": _SUBJECT["last_name"],
    "date_of_birth": _SUBJECT["date_of_birth"],
    "pnc_number": _SUBJECT["pnc_number"],
    "case_ref": _reference(LABELS["case_ref"]),
    "crime_reference": _CASE["crime_reference"],
    "offence_date": date_field(
        "Offence date", what=LABELS["offence_date"], required=False, future_message=OFFENCE_FUTURE
    ),
    "reported_date": date_field(
        "Reported date", what=LABELS["reported_date"], future_message=REPORTED_FUTURE
    ),
    "summary": _CASE["summary"],
}
DATE_FIELDS = frozenset({"date_of_birth", "offence_date", "reported_date"})


@dataclass
class RowProblem:
    row: int
    reference: str  # the row's case reference as given, so the force can find it
    field: str
    reason: str

    @property
    def message(self) -> str:
        return f"Row {self.row}: {self.reason}"


@dataclass(frozen=True)
class SubjectValues:
    external_ref: str
    first_names: str
    last_name: str
    date_of_birth: dt.date | None
    pnc_number: str


@dataclass(frozen=True)
class CaseValues:
    external_ref: str
    crime_reference: str
    offence_on: dt.date | None
    opened_on: dt.date
    summary: str


@dataclass
class CleanRow:
    row: int
    subject: SubjectValues
    case: CaseValues


def _check(name: str, raw: str) -> tuple[Any, str | None]:
    field = FIELD_CHECKS[name]
    try:
        return field.clean(raw), None
    except ValidationError as exc:
        message = exc.messages[0]
        if name in DATE_FIELDS and exc.error_list[0].code == "invalid":
            message += DATE_EXAMPLE
        return None, message


def clean_row(number: int, mapped: dict[str, str]) -> tuple[CleanRow | None, list[RowProblem]]:
    """The row's values, cleaned as the pages clean them, or its problems (all of them)."""
    values: dict[str, Any] = {}
    problems: list[RowProblem] = []
    reference = mapped.get("case_ref", "")
    for name in FIELD_CHECKS:
        value, problem = _check(name, mapped.get(name, ""))
        if problem:
            problems.append(RowProblem(number, reference, name, problem))
        values[name] = value
    offence, reported = values.get("offence_date"), values.get("reported_date")
    if offence and reported and offence > reported:
        problems.append(RowProblem(number, reference, "offence_date", OFFENCE_AFTER_REPORT))
    if problems:
        return None, problems
    subject = SubjectValues(
        external_ref=values["subject_ref"].strip(),
        first_names=" ".join(values["first_names"].split()),
        last_name=" ".join(values["last_name"].split()),
        date_of_birth=values["date_of_birth"],
        pnc_number=pnc_canonical(values["pnc_number"]) if values["pnc_number"] else "",
    )
    case = CaseValues(
        external_ref=values["case_ref"].strip(),
        crime_reference=normalise_crime_reference(values["crime_reference"]),
        offence_on=offence,
        opened_on=values["reported_date"],
        summary=(values["summary"] or "").strip(),
    )
    return CleanRow(number, subject, case), []
