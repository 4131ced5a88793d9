"""Fixtures for the programme tests: a partnership, a programme, subjects and referrals."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from desist.core.dates import bank_holiday
from desist.core.models import Partnership
from desist.core.roles import RoleCode
from desist.people.services import subject_create
from desist.programme import actions
from desist.programme.actions.sessions import session_clashes
from desist.programme.models import (
    Attendance,
    Programme,
    ProgrammeSession,
    Referral,
    ReferralStatus,
)

R = RoleCode
S = ReferralStatus
_seq = itertools.count(1)


@pytest.fixture
def partnership(orgs: dict[str, Any]) -> Partnership:
    p = Partnership.objects.create(code="pilot", name="Pilot")
    p.organisations.add(
        orgs["police_force"], orgs["provider"], orgs["commissioner"], orgs["advocacy"]
    )
    return p


@pytest.fixture
def programme(users: dict[RoleCode, Any], orgs: dict[str, Any], partnership: Any) -> Programme:
    return actions.programme_save(
        actor=users[R.PROGRAMME_MANAGER],
        name="Pilot programme",
        provider=orgs["provider"],
        forces=[orgs["police_force"]],
        capacity=30,
        funding=Decimal("98000"),
        sessions=12,
    )


@pytest.fixture
def officer(users: dict[RoleCode, Any]) -> Any:
    return users[R.POLICE_OFFICER]


@pytest.fixture
def practitioner(users: dict[RoleCode, Any]) -> Any:
    return users[R.PRACTITIONER]


@pytest.fixture
def clin(users: dict[RoleCode, Any]) -> Any:
    return users[R.CLINICAL_SUPERVISOR]


def make_subject(officer: Any, name: str = "") -> Any:
    n = next(_seq)
    return subject_create(
        actor=officer,
        first_names=name or f"Test{n}",
        last_name=f"Subject{n}",
        date_of_birth=dt.date(1980, 1, 1),
    )


def referral_at(
    programme: Programme, officer: Any, status: str, *, practitioner: Any = None
) -> Referral:
    """A referral put forward through the service, then set straight to `status` (test data)."""
    subject = make_subject(officer)
    referral = actions.referral_put_forward(
        actor=officer,
        subject=subject,
        programme=programme,
        put_forward_on=timezone.localdate() - dt.timedelta(days=100),
    )
    extra: dict[str, Any] = {"status": status}
    if practitioner is not None:
        extra["practitioner"] = practitioner
    if status == S.WAITING:
        extra["waiting_since"] = timezone.now()
    if status == S.ACTIVE:
        started = timezone.localdate() - dt.timedelta(days=90)
        # Neither it nor the day before a bank holiday (tests book on both).
        while bank_holiday(started) or bank_holiday(started - dt.timedelta(days=1)):
            started -= dt.timedelta(days=1)
        extra["started_on"] = started
        extra["programme_version"] = programme.versions.order_by("-number").first()
    Referral.objects.filter(pk=referral.pk).update(**extra)
    referral.refresh_from_db()
    return referral


def free_time(
    practitioner: Any, referral: Referral, when: dt.datetime, minutes: int = 60
) -> dt.datetime:
    """`when`, or the nearest earlier time on no bank holiday that double-books nobody: the
    helpers here book many sessions for one practitioner, on any day the suite runs."""
    while bank_holiday(timezone.localdate(when)):
        when -= dt.timedelta(days=1)
    while session_clashes(
        practitioner=practitioner,
        subject_id=referral.subject_id,
        starts_at=when,
        duration_minutes=minutes,
    ):
        when -= dt.timedelta(minutes=90)
        while bank_holiday(timezone.localdate(when)):
            when -= dt.timedelta(days=1)
    return when


def book(actor: Any, referral: Referral, days_ago: int) -> ProgrammeSession:
    worker = referral.practitioner or actor
    return actions.session_schedule(
        actor=actor,
        referral=referral,
        starts_at=free_time(worker, referral, timezone.now() - dt.timedelta(days=days_ago)),
        duration_minutes=60,
        remote=False,
        place="Harbour House, room 2",
    )


@pytest.fixture
def active(programme: Programme, officer: Any, practitioner: Any) -> Referral:
    return referral_at(programme, officer, S.ACTIVE, practitioner=practitioner)


def held_sessions(
    practitioner: Any, referral: Referral, slots: list[int], *, days_ago: int = 60
) -> None:
    """Book the given slots of the plan, an hour apart on one past day, and attend each."""
    base = timezone.now().replace(hour=8, minute=0, second=0, microsecond=0)
    base -= dt.timedelta(days=days_ago)
    for i, slot in enumerate(slots):
        s = actions.session_schedule(
            actor=practitioner,
            referral=referral,
            starts_at=free_time(practitioner, referral, base + dt.timedelta(hours=i), 45),
            duration_minutes=45,
            remote=True,
            place="",
            number=slot,
        )
        actions.session_record_attendance(
            actor=practitioner, session=s, version=s.version, attendance=Attendance.ATTENDED
        )


# The pilot's completion rule met: ten sessions attended, one of them maintenance (slot 11).
COMPLETING_SLOTS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11]
