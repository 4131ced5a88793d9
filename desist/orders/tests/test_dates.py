"""The SPO date rules: unit tests and properties."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desist.orders import dates, law

D = dt.date
days = st.integers(min_value=0, max_value=3000)
any_date = st.dates(min_value=D(2000, 1, 1), max_value=D(2100, 12, 31))


# --- notification: 3 days, the day of service is day 1 ------------------------------------


@pytest.mark.parametrize(
    ("served", "due"),
    [
        (D(2026, 3, 2), D(2026, 3, 4)),  # Monday -> Wednesday
        (D(2026, 2, 27), D(2026, 3, 1)),  # over the end of February
        (D(2024, 2, 28), D(2024, 3, 1)),  # leap year: 28, 29 Feb, 1 Mar
        (D(2025, 12, 31), D(2026, 1, 2)),  # over the new year
    ],
)
def test_notification_due(served: dt.date, due: dt.date) -> None:
    assert law.initial_notification_due(served) == due


@given(any_date)
def test_notification_window_is_three_days_counting_the_first(served: dt.date) -> None:
    due = law.initial_notification_due(served)
    window = [served + dt.timedelta(days=i) for i in range((due - served).days + 1)]
    assert len(window) == law.NOTIFICATION_DAYS == 3
    assert window[0] == served and window[-1] == due


@given(any_date, days, days)
def test_notification_states_partition(due: dt.date, a: int, b: int) -> None:
    today = due + dt.timedelta(days=a - 1500)
    received = None if b % 3 == 0 else due + dt.timedelta(days=b % 7 - 3)
    state = dates.notification_state(due, received, today)
    overdue = dates.is_overdue(due, received, today)
    assert overdue == (state == dates.NotificationState.OVERDUE)
    if received is None:
        assert state in {"due", "overdue"}
        assert overdue == (today > due)
        assert dates.days_overdue(due, None, today) == max(0, (today - due).days)
    else:
        assert state in {"on_time", "late"}
        assert (state == "late") == (received > due)


def test_notification_state_examples() -> None:
    due = D(2026, 3, 4)
    assert dates.notification_state(due, None, D(2026, 3, 4)) == "due"
    assert dates.notification_state(due, None, D(2026, 3, 5)) == "overdue"
    assert dates.notification_state(due, D(2026, 3, 4), D(2026, 9, 1)) == "on_time"
    assert dates.notification_state(due, D(2026, 3, 5), D(2026, 9, 1)) == "late"
    assert dates.days_overdue(due, None, D(2026, 3, 8)) == 4


# --- full order: at least 2 years beginning with the day it is made (see test_law.py) ---------


def test_add_years_keeps_the_corresponding_date() -> None:
    # add_years (used for other periods) keeps the corresponding date.
    assert dates.add_years(D(2024, 2, 29), 4) == D(2028, 2, 29)
    assert dates.add_years(D(2024, 2, 29), 2) == D(2026, 2, 28)


# --- interim expiry ---------------------------------------------------------------------------


@given(any_date, st.integers(min_value=-30, max_value=400))
def test_interim_expiry_must_follow_the_day_made(made: dt.date, offset: int) -> None:
    assert law.interim_expiry_valid(made, made + dt.timedelta(days=offset)) == (offset > 0)


# --- renewal review window --------------------------------------------------------------------


def test_review_window_setting(settings: Any) -> None:
    settings.DESIST_ORDER_REVIEW_WINDOW_DAYS = 90
    assert dates.review_window_days() == 90
    del settings.DESIST_ORDER_REVIEW_WINDOW_DAYS
    assert dates.review_window_days() == dates.DEFAULT_REVIEW_WINDOW_DAYS == 56


def test_review_window_examples() -> None:
    today = D(2026, 3, 1)
    assert dates.in_review_window(D(2026, 3, 1), today, 56)
    assert dates.in_review_window(D(2026, 4, 26), today, 56)  # 56 days ahead
    assert not dates.in_review_window(D(2026, 4, 27), today, 56)
    assert not dates.in_review_window(D(2026, 2, 28), today, 56)  # already ended
    assert dates.review_opens(D(2026, 4, 26), 56) == today


@given(any_date, any_date, st.integers(min_value=0, max_value=365))
def test_review_window_matches_its_bounds(ends: dt.date, today: dt.date, window: int) -> None:
    first, last = dates.review_window_bounds(today, window)
    assert dates.in_review_window(ends, today, window) == (first <= ends <= last)
    assert dates.in_review_window(ends, today, window) == (
        dates.review_opens(ends, window) <= today <= ends
    )


# --- in force -----------------------------------------------------------------------------------


def test_in_force_and_ended() -> None:
    start, end = D(2026, 1, 1), D(2026, 6, 30)
    assert dates.in_force_between(start, end, start)
    assert dates.in_force_between(start, end, end)
    assert not dates.in_force_between(start, end, D(2026, 7, 1))
    assert not dates.in_force_between(start, end, D(2025, 12, 31))
    assert dates.in_force_between(start, None, D(2040, 1, 1))
    assert not dates.in_force_between(None, None, D(2026, 1, 1))
    assert not dates.has_ended(end, end)
    assert dates.has_ended(end, D(2026, 7, 1))
    assert not dates.has_ended(None, D(2040, 1, 1))
