"""Every date rule the Stalking Protection Act 2019 sets, as pure functions of dates.

Plain dates in, plain results out: no database, no settings, no Django. The services
validate with these, the pages and queues show what they derive, and the table of cases in
`docs/workflows/spo-lifecycle.md` ("Statutory dates") is executed against this module by
`desist/orders/tests/test_law.py`. Each rule's docstring names its section of the Act and
says what it does in our own words.

End dates are inclusive throughout: an order "ending on" a date is in force for all of it.
"""

from __future__ import annotations

import datetime as dt

TWO_YEARS = 2


# --- duration of a full order (s.3) ---------------------------------------------------------


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
    """Whether an order made on `made_on` and ending on `ends_on` (inclusive) lasts long enough.

    Stalking Protection Act 2019, section 3 (duration): at least two years beginning with
    the day it was made, so any end on or after `minimum_fixed_period_end(made_on)`.

    >>> fixed_period_long_enough(dt.date(2026, 12, 4), dt.date(2028, 12, 3))
    True
    >>> fixed_period_long_enough(dt.date(2026, 12, 4), dt.date(2028, 12, 2))
    False
    """
    return ends_on >= minimum_fixed_period_end(made_on)


# --- interim orders (s.5) --------------------------------------------------------------------


def interim_expiry_valid(made_on: dt.date, expires_on: dt.date) -> bool:
    """Whether an interim order made on `made_on` may be recorded as ending on `expires_on`.

    Stalking Protection Act 2019, section 5 (interim orders), in our own words: an interim
    order has effect only for the fixed period the court specifies. A period that ends on
    or before the day the order was made is no period, so the end must be after that day.

    >>> interim_expiry_valid(dt.date(2026, 12, 4), dt.date(2026, 12, 5))
    True
    >>> interim_expiry_valid(dt.date(2026, 12, 4), dt.date(2026, 12, 4))
    False
    """
    return expires_on > made_on


def interim_last_day(expires_on: dt.date, application_decided_on: dt.date | None) -> dt.date:
    """The last day an interim order has effect.

    Stalking Protection Act 2019, section 5 (interim orders), in our own words: an interim
    order lasts for the period the court specifies and ends, if earlier, when the main
    application is determined (a full order made, or the application refused or withdrawn).
    End dates are inclusive, so the interim order has effect on the day of the decision.

    >>> interim_last_day(dt.date(2027, 1, 31), None)
    datetime.date(2027, 1, 31)
    >>> interim_last_day(dt.date(2027, 1, 31), dt.date(2027, 1, 10))
    datetime.date(2027, 1, 10)
    """
    if application_decided_on is None:
        return expires_on
    return min(expires_on, application_decided_on)


def interim_days_left(expires_on: dt.date, today: dt.date) -> int | None:
    """Whole days an undecided interim order has left after today, or None once it has lapsed.

    Stalking Protection Act 2019, section 5 (interim orders), in our own words: without a
    decision on the main application, the interim order lapses at the end of its fixed
    period. It is in force on its last day (0 days left then) and has lapsed from the next
    day; queues use this to show orders about to lapse.

    >>> interim_days_left(dt.date(2027, 1, 31), dt.date(2027, 1, 24))
    7
    >>> interim_days_left(dt.date(2027, 1, 31), dt.date(2027, 2, 1)) is None
    True
    """
    if today > expires_on:
        return None
    return (expires_on - today).days


# --- notification (s.9) ----------------------------------------------------------------------

NOTIFICATION_DAYS = 3


def _within_days_of(trigger: dt.date) -> dt.date:
    # "Within 3 days of" with the trigger day as day 1: the trigger day and the next two.
    return trigger + dt.timedelta(days=NOTIFICATION_DAYS - 1)


def initial_notification_due(served_on: dt.date) -> dt.date:
    """The last day for the initial notification of names and home address.

    Stalking Protection Act 2019, section 9(1) (notification requirements), in our own
    words: a person subject to a stalking protection order or an interim order must notify
    the police of every name they use and their home address within 3 days of service of
    the order. The day of service counts as day 1, so the last day is two days after it.

    >>> initial_notification_due(dt.date(2026, 12, 4))
    datetime.date(2026, 12, 6)
    >>> initial_notification_due(dt.date(2028, 2, 28))  # a leap year: 28, 29 Feb, 1 Mar
    datetime.date(2028, 3, 1)
    """
    return _within_days_of(served_on)


def change_notification_due(changed_on: dt.date) -> dt.date:
    """The last day to notify a change of name or home address.

    Stalking Protection Act 2019, section 9(4) (notification requirements), in our own
    words: a person subject to a stalking protection order or an interim order who uses a
    name not yet notified, or changes home address, must notify the police within 3 days
    of the change; the day of the change is day 1.

    >>> change_notification_due(dt.date(2026, 12, 31))
    datetime.date(2027, 1, 2)
    """
    return _within_days_of(changed_on)


def initial_notification_owed(
    *, full_order: bool, replaces_interim: bool, on_sex_offender_notification: bool
) -> bool:
    """Whether serving an order starts an initial notification.

    Stalking Protection Act 2019, section 9 (notification requirements), in our own words:
    the requirements do not apply to a person already subject to the notification
    requirements for sex offenders (Sexual Offences Act 2003, Part 2), and a full order
    made while an interim order is in force does not restart the initial notification (the
    person has already notified under the interim order). A full order made on appeal after
    a refusal replaces nothing (the interim order ended with the refusal), so it does.

    >>> initial_notification_owed(
    ...     full_order=True, replaces_interim=True, on_sex_offender_notification=False
    ... )
    False
    >>> initial_notification_owed(
    ...     full_order=False, replaces_interim=False, on_sex_offender_notification=False
    ... )
    True
    """
    if on_sex_offender_notification:
        return False
    return not (full_order and replaces_interim)


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


# --- variation, renewal and discharge (s.7) --------------------------------------------------


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
    `made_on`.

    Stalking Protection Act 2019, section 7 (variation, renewal and discharge): after the
    two-year period beginning with the day the order was made, or within it only with the
    consent of both the defendant and the chief officer of police.

    >>> discharge_allowed(made_on=dt.date(2026, 12, 4), decided_on=dt.date(2026, 12, 5),
    ...     defendant_consents=True, chief_officer_consents=False)
    False
    """
    if decided_on > discharge_needs_consent_until(made_on):
        return True
    return defendant_consents and chief_officer_consents


def renewal_end_valid(current_ends_on: dt.date | None, new_ends_on: dt.date) -> bool:
    """Whether a renewal may set `new_ends_on` as a full order's end date.

    Stalking Protection Act 2019, section 7 (variation, renewal and discharge), in our own
    words: on an application by the chief officer of police or the defendant the court may
    renew an order, which continues it beyond its current fixed period; a renewal that
    ends the order on or before its current end date renews nothing. An order made until a
    further order (`current_ends_on` None) has no end to move, so any date is taken.

    >>> renewal_end_valid(dt.date(2028, 12, 3), dt.date(2028, 12, 4))
    True
    >>> renewal_end_valid(dt.date(2028, 12, 3), dt.date(2028, 12, 3))
    False
    """
    return current_ends_on is None or new_ends_on > current_ends_on


def variation_end_valid(made_on: dt.date, new_ends_on: dt.date) -> bool:
    """Whether a variation may set `new_ends_on` as the end date of a full order made on
    `made_on`.

    Stalking Protection Act 2019, section 7 (variation, renewal and discharge), read with
    section 3 (duration), in our own words: a variation changes the order's terms or its
    fixed period, but the period must still be at least two years beginning with the day
    the order was made. Ending an order sooner than that is a discharge, which section 7
    restricts separately (`discharge_allowed`).

    >>> variation_end_valid(dt.date(2026, 12, 4), dt.date(2028, 12, 3))
    True
    >>> variation_end_valid(dt.date(2026, 12, 4), dt.date(2028, 12, 2))
    False
    """
    return fixed_period_long_enough(made_on, new_ends_on)


def decision_date_valid(in_force_from: dt.date, decided_on: dt.date) -> bool:
    """Whether a court may have varied, renewed or discharged an order on `decided_on`.

    Stalking Protection Act 2019, section 7 (variation, renewal and discharge), in our own
    words: the court varies, renews or discharges an order that exists, so the decision
    cannot be dated before the day the order (interim or full) first had effect.

    >>> decision_date_valid(dt.date(2026, 12, 4), dt.date(2026, 12, 4))
    True
    >>> decision_date_valid(dt.date(2026, 12, 4), dt.date(2026, 12, 3))
    False
    """
    return decided_on >= in_force_from
