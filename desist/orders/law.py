"""Periods set by the Stalking Protection Act 2019, as pure functions of dates.

No database and no settings: the services validate with these, the pages show what they
derive, and `docs/workflows/spo-date-rules.md` has a table of worked examples that a test
executes against this module.

End dates are inclusive throughout: an order "ending on" a date is in force for all of it.
"""

from __future__ import annotations

import datetime as dt

TWO_YEARS = 2


def anniversary(day: dt.date, years: int) -> dt.date:
    """The day `years` years after `day`: the same day and month. 29 February has no such
    day in a common year, so its anniversary there is 1 March (the first day on which the
    whole number of years has passed)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return dt.date(day.year + years, 3, 1)


def last_day_of_period(first_day: dt.date, years: int) -> dt.date:
    """The last day of a period of `years` years *beginning with* `first_day` (the first
    day counts): the day before the anniversary.

    >>> last_day_of_period(dt.date(2026, 12, 4), 2)
    datetime.date(2028, 12, 3)
    >>> last_day_of_period(dt.date(2026, 3, 1), 2)  # 2028 is a leap year
    datetime.date(2028, 2, 29)
    >>> last_day_of_period(dt.date(2028, 2, 29), 2)  # no 29 February in 2030
    datetime.date(2030, 2, 28)
    """
    return anniversary(first_day, years) - dt.timedelta(days=1)


def minimum_fixed_period_end(made_on: dt.date) -> dt.date:
    """The earliest end date for a fixed-period stalking protection order made on `made_on`.

    Stalking Protection Act 2019, section 3 (duration), in our own words: an order has effect
    for a fixed period it specifies or until a further order, and a fixed period must be at
    least two years *beginning with the day on which the order is made*. The day it is made
    is the first day of the period, so with inclusive end dates the earliest end is the day
    before the second anniversary.

    >>> minimum_fixed_period_end(dt.date(2026, 12, 4))
    datetime.date(2028, 12, 3)
    >>> minimum_fixed_period_end(dt.date(2024, 2, 29))
    datetime.date(2026, 2, 28)
    >>> minimum_fixed_period_end(dt.date(2024, 2, 28))
    datetime.date(2026, 2, 27)
    """
    return last_day_of_period(made_on, TWO_YEARS)


def fixed_period_long_enough(made_on: dt.date, ends_on: dt.date) -> bool:
    """Whether an order made on `made_on` and ending on `ends_on` (inclusive) lasts at least
    two years beginning with the day it was made (s.3)."""
    return ends_on >= minimum_fixed_period_end(made_on)


def discharge_needs_consent_until(made_on: dt.date) -> dt.date:
    """The last day on which discharging a full order made on `made_on` needs consent.

    Stalking Protection Act 2019, section 7 (variation, renewal and discharge), in our own
    words: the court may not discharge an order before the end of the period of two years
    beginning with the day on which it was made unless both the defendant and the chief
    officer of police (for the area where the defendant lives) consent. From the day after
    this date a discharge may be granted without those consents.

    >>> discharge_needs_consent_until(dt.date(2026, 12, 4))
    datetime.date(2028, 12, 3)
    """
    return last_day_of_period(made_on, TWO_YEARS)


def discharge_allowed(
    *,
    made_on: dt.date,
    decided_on: dt.date,
    defendant_consents: bool,
    chief_officer_consents: bool,
) -> bool:
    """Whether a discharge decided on `decided_on` is allowed for a full order made on
    `made_on` (s.7): after the two-year period, or within it with both consents."""
    if decided_on > discharge_needs_consent_until(made_on):
        return True
    return defendant_consents and chief_officer_consents


def notification_requirements_from(
    interim_served_on: dt.date | None, full_served_on: dt.date | None
) -> dt.date | None:
    """The first day the notification requirements applied to the subject, or None if no
    order has been served.

    Stalking Protection Act 2019, section 9 (notification requirements), in our own
    words: the requirements apply from service of an interim order as well as of a full one,
    so a change of name or address made after an interim order was served is notifiable even
    if the full order was served later. The earlier service date counts.

    >>> notification_requirements_from(dt.date(2026, 1, 5), dt.date(2026, 3, 1))
    datetime.date(2026, 1, 5)
    >>> notification_requirements_from(None, dt.date(2026, 3, 1))
    datetime.date(2026, 3, 1)
    """
    served = [d for d in (interim_served_on, full_served_on) if d is not None]
    return min(served) if served else None
