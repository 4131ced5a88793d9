"""The demo is a realistic caseload (issue 20): its sessions keep the booking rules (no
practitioner double-booked, no person in two sessions at once, no session on a bank holiday in
England and Wales), no clinician holds more referrals than the programme's caseload limit, and
no item on any demo user's home queues is long overdue. One seed for all: it takes minutes."""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections import defaultdict
from typing import Any

import pytest
from django.db.models import F
from django.utils import timezone

from desist.accounts.models import User
from desist.core.dates import bank_holiday
from desist.core.reach import reach_from
from desist.core.roles import RoleCode
from desist.demo import seed
from desist.home.queues import queues_for
from desist.programme import selectors
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


# A date as the home queues write it: "7 December 2026" (or "7 Dec 2026").
DATE = re.compile(
    r"(?<!Born )\b(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* (\d{4})\b"
)
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
# How far past its date a queue item may be: a few weeks behind, never months or years.
OVERDUE_AT_MOST = dt.timedelta(days=60)


def dates_in(text: str) -> list[dt.date]:
    return [dt.date(int(y), MONTHS.index(m) + 1, int(d)) for d, m, y in DATE.findall(text)]


def home_queue_dates(monkeypatch: Any) -> list[tuple[str, str, str, dt.date]]:
    """(user, queue, row, date) for every date on every row of every demo account's home
    queues, each role's, in the view a home opens on; every row, not the first five."""
    for name, module in list(sys.modules.items()):
        if name.startswith("desist.") and name.endswith("queues") and hasattr(module, "LIMIT"):
            monkeypatch.setattr(module, "LIMIT", 10_000)
    found = []
    for account in seed.ACCOUNTS:
        user = User.objects.get(username=account.username)
        for code in user.role_codes:
            for spec in queues_for(RoleCode(code)):
                result = spec.result(user, reach_from(None))
                for row in result.rows if result else []:
                    for day in dates_in(f"{row.label} {row.detail}"):
                        found.append((user.username, spec.key, row.label, day))
    return found


@pytest.mark.timeout(1200)  # the whole demo, seeded once: minutes on a busy machine
def test_the_demo_is_a_realistic_caseload(db: Any, monkeypatch: Any) -> None:
    seed.seed(volume=True)

    # No home queue item is long overdue (tester finding: 2023 sessions on the practitioner's
    # and the clinical supervisor's homes).
    dated = home_queue_dates(monkeypatch)
    assert len({q for _, q, _, _ in dated}) >= 10  # the check reads real queues
    oldest = timezone.localdate() - OVERDUE_AT_MOST
    assert [row for row in dated if row[3] < oldest] == []

    # Nobody holds more open referrals than the programme allows.
    supervisor = User.objects.get(username="clinical.supervisor")
    limit = selectors.caseload_limit_for(actor=supervisor)
    loads = {p.username: p.caseload for p in selectors.provider_practitioners(actor=supervisor)}
    assert limit is not None and len(loads) >= 3
    assert {u: n for u, n in loads.items() if n > limit} == {}
    assert loads["practitioner"] > 0 and loads["clinical.supervisor"] > 0

    # The clinical supervisor's own sessions are reviewed too, by the second clinical
    # supervisor (tester finding: nobody may review their own, so with one none were).
    second = User.objects.get(username=seed.SECOND_CLINICAL_SUPERVISOR)
    own = ProgrammeSession.objects.filter(practitioner=supervisor, reviewed_at__isnull=False)
    assert own.exists() and set(own.values_list("reviewed_by", flat=True)) == {second.pk}
    assert not ProgrammeSession.objects.filter(reviewed_by_id=F("practitioner_id")).exists()

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
    # The service works Monday to Friday (tester finding: Saturday sessions).
    weekend = [
        pk for _, start, _, pk in by_practitioner if timezone.localdate(start).weekday() >= 5
    ]
    assert weekend == []
    # The practitioner's coming week has sessions in it, and a recent ending's paperwork waits.
    today = timezone.localdate()
    coming = held.filter(
        practitioner__username="practitioner",
        starts_at__date__gte=today,
        starts_at__date__lt=today + dt.timedelta(days=8),
    )
    assert coming.exists()
    practitioner = User.objects.get(username="practitioner")
    recent_endings = [
        day
        for who, spec, _, day in dated
        if who == "practitioner" and spec == "provider.end_reports"
    ]
    assert recent_endings and min(recent_endings) >= today - dt.timedelta(days=21), recent_endings
    assert selectors.measures_due_for(actor=practitioner).exists()


def test_overlaps_finds_a_double_booking() -> None:
    at = dt.datetime(2026, 3, 3, 10, tzinfo=dt.UTC)
    rows = [(1, at, 60, 1), (1, at + dt.timedelta(minutes=30), 60, 2), (2, at, 60, 3)]
    assert overlaps(rows) == [(1, 2)]
    assert overlaps([(1, at, 60, 1), (1, at + dt.timedelta(hours=1), 60, 2)]) == []


def test_dates_in_reads_the_queue_formats_but_not_a_birth_date() -> None:
    text = "Allocated 7 Dec 2026; due by 17 December 2026, 09:00; Born 3 Mar 1980"
    assert dates_in(text) == [dt.date(2026, 12, 7), dt.date(2026, 12, 17)]
