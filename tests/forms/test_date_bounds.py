"""Implausible dates are refused (issue 12, Low 4): an SPO ending 9999-12-31 and an incident on
0001-01-01 get GOV.UK messages, and every date field of every form in the project carries the
shared bounds of `desist.core.dates`."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
from collections.abc import Iterator

import pytest
from django import forms
from django.utils import timezone

import desist
from desist.cases.forms import IncidentForm
from desist.core.dates import CASEWORK, LIFETIME, PlausibleDate
from desist.core.forms import GovukDateField
from desist.orders.forms import FullForm
from desist.people.forms import SubjectForm


def _latest() -> str:
    year = timezone.localdate().year + CASEWORK.years_ahead
    return f"1 January {year}"


def test_an_order_ending_in_9999_is_refused() -> None:
    form = FullForm(data={"version": 1, "made_on": "2026-01-05", "ends_on": "9999-12-31"})
    assert not form.is_valid()
    assert form.errors["ends_on"] == [f"The date the order ends must be before {_latest()}"]


def test_an_incident_in_year_one_is_refused() -> None:
    form = IncidentForm(data={"occurred_on": "0001-01-01", "incident_type": "other"})
    assert not form.is_valid()
    assert form.errors["occurred_on"] == ["The date of the incident must be after 1 January 1990"]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (dt.date(1990, 1, 1), False),
        (dt.date(1990, 1, 2), True),
        (dt.date(2028, 12, 3), True),
        (dt.date(timezone.localdate().year + CASEWORK.years_ahead - 1, 12, 31), True),
        (dt.date(timezone.localdate().year + CASEWORK.years_ahead, 1, 1), False),
        (dt.date.max, False),
        (dt.date.min, False),
    ],
)
def test_casework_bounds(value: dt.date, ok: bool) -> None:
    assert CASEWORK.contains(value) is ok


def test_a_date_of_birth_may_reach_back_a_lifetime() -> None:
    form = SubjectForm(
        data={"first_names": "Ada", "last_name": "Quill", "date_of_birth": "1931-05-02"}
    )
    form.is_valid()
    assert "date_of_birth" not in form.errors
    form = SubjectForm(
        data={"first_names": "Ada", "last_name": "Quill", "date_of_birth": "1899-05-02"}
    )
    assert form.errors["date_of_birth"] == ["The date of birth must be after 1 January 1900"]
    assert LIFETIME.earliest < CASEWORK.earliest


def test_a_date_and_time_is_bounded_by_its_day() -> None:
    check = PlausibleDate("the date of the session")
    check(timezone.now())
    with pytest.raises(forms.ValidationError, match="must be before"):
        check(dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC))


# --- every date field in the project -----------------------------------------------------------


def _modules() -> Iterator[str]:
    for info in pkgutil.walk_packages(desist.__path__, prefix="desist."):
        parts = info.name.split(".")
        if {"tests", "migrations", "management"} & set(parts):
            continue
        yield info.name


def _form_classes() -> Iterator[type[forms.BaseForm]]:
    for name in _modules():
        module = importlib.import_module(name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, forms.BaseForm) and obj.__module__ == name:
                yield obj


def test_every_date_field_in_every_form_has_bounds() -> None:
    date_fields = []
    unbounded = []
    pickers = []  # issue 19: every date is the GOV.UK date input, not the browser's picker
    for form_class in _form_classes():
        for field_name, field in form_class.base_fields.items():
            if not isinstance(field, forms.DateField | forms.DateTimeField):
                continue
            where = f"{form_class.__module__}.{form_class.__name__}.{field_name}"
            date_fields.append(where)
            if not isinstance(field, forms.DateTimeField | GovukDateField):
                pickers.append(where)
            # A composed validator (people.forms' first-error chain) shows its parts.
            validators = [
                inner for v in field.validators for inner in (*getattr(v, "validators", ()), v)
            ]
            if not any(isinstance(v, PlausibleDate) for v in validators):
                unbounded.append(where)
    # The walk must find the forms at all (orders, cases, people, programme, risk, ...).
    assert len(date_fields) > 30, date_fields
    assert {f.split(".")[1] for f in date_fields} >= {
        "orders",
        "cases",
        "people",
        "programme",
        "safeguarding",
        "risk",
        "evaluation",
    }
    assert not unbounded, "Date fields without desist.core.dates bounds:\n" + "\n".join(unbounded)
    assert not pickers, "Date fields not made with core.forms.date_field or GovukDateField:\n" + (
        "\n".join(pickers)
    )
