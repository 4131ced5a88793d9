"""Date rules for Stalking Protection Orders (Stalking Protection Act 2019; see domain.md).

Pure functions of dates: no database, and no settings except `review_window_days()`, which
reads the one configurable number. Services validate with these; pages show what they derive.

Conventions used throughout:
- An order is in force up to and including its end date (`ends_on`, `expires_on`).
- Every rule the Act itself sets (the fixed period, notification deadlines, interim orders,
  variation, renewal and discharge) is in `desist.orders.law`, and only there. This module
  holds the project's own rules: notification states, the renewal review window, in force.
"""

from __future__ import annotations

import calendar
import datetime as dt
from enum import StrEnum

DEFAULT_REVIEW_WINDOW_DAYS = 56  # 8 weeks
RECENT_BREACH_DAYS = 30
# An interim order this close to lapsing (s.5) is listed on the police home page.
INTERIM_LAPSE_WARNING_DAYS = 7


def review_window_days() -> int:
    """The renewal review window in days: settings.DESIST_ORDER_REVIEW_WINDOW_DAYS, default 56."""
    from django.conf import settings

    return int(getattr(settings, "DESIST_ORDER_REVIEW_WINDOW_DAYS", DEFAULT_REVIEW_WINDOW_DAYS))


# --- notifications ------------------------------------------------------------------------


class NotificationState(StrEnum):
    DUE = "due"  # not yet received, deadline not passed
    OVERDUE = "overdue"  # not received, deadline passed
    ON_TIME = "on_time"  # received on or before the due date
    LATE = "late"  # received after the due date
    LAPSED = "lapsed"  # not received, owed under an interim order that has since ended


def notification_state(due_on: dt.date, received_on: dt.date | None, today: dt.date) -> str:
    if received_on is None:
        return NotificationState.OVERDUE if today > due_on else NotificationState.DUE
    return NotificationState.LATE if received_on > due_on else NotificationState.ON_TIME


def notification_lapsed(*, received_on: dt.date | None, duty_ended_on: dt.date | None) -> bool:
    """Not given, and no longer owed: the order it was owed under has ended (ADR 0019)."""
    return received_on is None and duty_ended_on is not None


def notification_failed(
    *,
    due_on: dt.date,
    received_on: dt.date | None,
    duty_ended_on: dt.date | None,
    today: dt.date,
) -> bool:
    """Not given by its due date while it was owed (ADR 0019): given late, or not given and
    the due date passed before the duty ended. One that lapsed on or before its due date was
    never missed; one missed before the order ended stays a failure (the offence was complete)."""
    if received_on is not None:
        return received_on > due_on
    last_owed = today if duty_ended_on is None else min(today, duty_ended_on)
    return last_owed > due_on


def is_overdue(due_on: dt.date, received_on: dt.date | None, today: dt.date) -> bool:
    return received_on is None and today > due_on


def days_overdue(due_on: dt.date, received_on: dt.date | None, today: dt.date) -> int:
    """Whole days past the due date (0 if not overdue)."""
    end = received_on or today
    return max(0, (end - due_on).days)


# --- other periods -----------------------------------------------------------------------


def add_years(day: dt.date, years: int) -> dt.date:
    """The corresponding date `years` later; 29 February becomes 28 February in a common year."""
    year = day.year + years
    last = calendar.monthrange(year, day.month)[1]
    return day.replace(year=year, day=min(day.day, last))


# --- renewal review -----------------------------------------------------------------------


def review_opens(ends_on: dt.date, window_days: int) -> dt.date:
    """The first day an order ending on `ends_on` is in the renewal review window."""
    return ends_on - dt.timedelta(days=window_days)


def in_review_window(ends_on: dt.date, today: dt.date, window_days: int) -> bool:
    """True if the order ends today or within the next `window_days` days."""
    return today <= ends_on <= today + dt.timedelta(days=window_days)


def review_window_bounds(today: dt.date, window_days: int) -> tuple[dt.date, dt.date]:
    """(first, last) end dates that put an order in the review window today."""
    return today, today + dt.timedelta(days=window_days)


# --- in force ---------------------------------------------------------------------------


def in_force_between(start: dt.date | None, end: dt.date | None, day: dt.date) -> bool:
    """Whether `day` falls in [start, end]; an open end means still in force."""
    if start is None or day < start:
        return False
    return end is None or day <= end


def has_ended(end: dt.date | None, today: dt.date) -> bool:
    """An order in force up to and including `end` has ended from the next day."""
    return end is not None and today > end
