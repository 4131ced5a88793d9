"""Plausible dates: the one place that says how early or late a date typed into Desist may be.

Without bounds a typo (9999-12-31, 0001-01-01) is stored, breaks date arithmetic (an order's
notification deadline, a calendar week) and skews the evaluation. Every date field in every form
carries `plausible_date` (a test walks the forms to keep it so); services still make the
domain checks (not in the future, after the order was made, ...).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import holidays
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.text import capfirst

# Casework dates (incidents, orders, hearings, referrals, sessions, contacts, reviews): nothing
# the partnership records starts before 1990, years before the Protection from Harassment Act
# 1997 first made stalking behaviour an offence, so an earlier date is a typo.
CASEWORK_EARLIEST = dt.date(1990, 1, 1)
# Dates of birth and addresses lived at reach back a lifetime.
LIFETIME_EARLIEST = dt.date(1900, 1, 1)
# Future dates (an order's end, a hearing, a review): a full SPO is for a fixed period of at
# least 2 years or until further order (no end date at all); fixed periods of 10 years are made
# and renewals extend them. 25 years ahead allows any real term and still catches year 9999.
YEARS_AHEAD = 25


@dataclass(frozen=True)
class DateBounds:
    """Dates strictly after `earliest` and strictly before 1 January of `years_ahead` years on."""

    earliest: dt.date
    years_ahead: int = YEARS_AHEAD

    def latest(self, today: dt.date | None = None) -> dt.date:
        today = today or timezone.localdate()
        return dt.date(today.year + self.years_ahead, 1, 1)

    def contains(self, value: dt.date) -> bool:
        return self.earliest < value < self.latest()


CASEWORK = DateBounds(CASEWORK_EARLIEST)
LIFETIME = DateBounds(LIFETIME_EARLIEST)


def long_date(day: dt.date) -> str:
    """'1 January 1990', as GOV.UK writes dates."""
    return f"{day.day} {day:%B} {day.year}"


def long_datetime(moment: dt.datetime) -> str:
    """'1 January 1990, 14:05' in local time: settings.DATETIME_FORMAT, for text written in
    Python (alerts, queues, messages)."""
    local = timezone.localtime(moment)
    return f"{long_date(local.date())}, {local:%H:%M}"


@deconstructible
class PlausibleDate:
    """Field validator: refuses a date (or date and time) outside `bounds`, saying which way.

    `what` names the date as in the field's other messages ('the date of the incident').
    """

    def __init__(self, what: str, bounds: DateBounds = CASEWORK) -> None:
        self.what = what
        self.bounds = bounds

    def __call__(self, value: Any) -> None:
        if value is None:
            return
        day = value.date() if isinstance(value, dt.datetime) else value
        name = capfirst(self.what)
        if day <= self.bounds.earliest:
            raise ValidationError(
                f"{name} must be after {long_date(self.bounds.earliest)}", code="date_too_early"
            )
        latest = self.bounds.latest()
        if day >= latest:
            raise ValidationError(
                f"{name} must be before {long_date(latest)}", code="date_too_late"
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PlausibleDate) and (self.what, self.bounds) == (
            other.what,
            other.bounds,
        )


def plausible_date(what: str, bounds: DateBounds = CASEWORK) -> PlausibleDate:
    """`validators=[plausible_date("the date of the incident")]` on a form's date field."""
    return PlausibleDate(what, bounds)


def check_not_future(value: dt.date | None, message: str) -> None:
    """The one 'not in the future' rule, for services and (through `core.forms`) forms."""
    if value is not None and value > timezone.localdate():
        raise ValidationError(message)


# Bank holidays in England and Wales (the same days in both; Scotland and Northern Ireland
# differ). The `holidays` package expands each year on first use. One calendar for the
# programme's booking rules and the Victims' Code deadlines.
_BANK_HOLIDAYS = holidays.country_holidays("GB", subdiv="ENG")


def bank_holiday(day: dt.date) -> str:
    """The name of the bank holiday in England and Wales on `day`, or ""."""
    return str(_BANK_HOLIDAYS.get(day) or "")


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The `n`th working day after `day` (Monday to Friday, not a bank holiday): an event on a
    Friday, 1 working day, is Monday."""
    while n > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and not bank_holiday(day):
            n -= 1
    return day
