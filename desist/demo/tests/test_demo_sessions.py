"""The demo's sessions keep the booking rules (issue 20): no practitioner double-booked, no
person in two sessions at once, and no session on a bank holiday in England and Wales."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.utils import timezone

from desist.demo import seed
from desist.programme.actions.sessions import bank_holiday
from desist.programme.models import ProgrammeSession, SessionState


def overlaps(rows: list[tuple[int, dt.datetime, int, int]]) -> list[tuple[int, int]]:
    """(session, session) pairs of one owner whose times overlap, from (owner, start,
    minutes, session id) rows."""
    by_owner: dict[int, list[tuple[dt.datetime, dt.datetime, int]]] = defaultdict(list)
    for owner, start, minutes, pk in rows:
        by_owner[owner].append((start, start + dt.timedelta(minutes=minutes), pk))
    found = []
    for spans in by_owner.values():
        spans.sort()
        for (_, end, a), (start, _, b) in zip(spans, spans[1:], strict=False):
            if start < end:
                found.append((a, b))
    return found


def test_the_demo_double_books_nobody_and_works_no_bank_holiday(db: Any) -> None:
    seed.seed(volume=True)
    held = ProgrammeSession.objects.filter(state=SessionState.SCHEDULED)
    assert held.count() > 100
    by_practitioner = list(
        held.values_list("practitioner_id", "starts_at", "duration_minutes", "id")
    )
    by_person = list(
        held.values_list("referral__subject_id", "starts_at", "duration_minutes", "id")
    )
    assert overlaps(by_practitioner) == []
    assert overlaps(by_person) == []
    on_holidays = [
        (pk, timezone.localdate(start))
        for _, start, _, pk in by_practitioner
        if bank_holiday(timezone.localdate(start))
    ]
    assert on_holidays == []


def test_overlaps_finds_a_double_booking() -> None:
    at = dt.datetime(2026, 3, 3, 10, tzinfo=dt.UTC)
    rows = [(1, at, 60, 1), (1, at + dt.timedelta(minutes=30), 60, 2), (2, at, 60, 3)]
    assert overlaps(rows) == [(1, 2)]
    assert overlaps([(1, at, 60, 1), (1, at + dt.timedelta(hours=1), 60, 2)]) == []
