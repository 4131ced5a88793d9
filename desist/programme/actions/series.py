"""Series booking (issue 20): the referral's open slots, one a week at one day and time,
previewed with each row's clashes; confirming books the rows that have none.

Why book the clear rows rather than refuse the whole series: one bank holiday or one clash
should not hold back eleven good bookings. The clashing slots stay open (their numbers and
modules kept) and are listed, so the practitioner books each on another day with "Book a
session". The preview says so before anything is booked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils import timezone

from desist import policy
from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.core.dates import bank_holiday, long_date
from desist.policy import Perm
from desist.programme.actions.common import clean
from desist.programme.actions.sessions import (
    LONGEST,
    lock_practitioner,
    open_slots,
    plan_slots,
    room_key,
    start_date,
)
from desist.programme.models import (
    MODULE_LABELS,
    ProgrammeSession,
    Referral,
    ReferralStatus,
    SessionState,
)

if TYPE_CHECKING:
    from desist.accounts.models import User

S = ReferralStatus


@dataclass(frozen=True)
class SeriesRow:
    """One proposed session: its slot of the plan, when, and what stops it being booked."""

    number: int
    phase: str
    module: str
    starts_at: dt.datetime
    duration_minutes: int
    problems: tuple[str, ...]

    @property
    def module_label(self) -> str:
        return MODULE_LABELS.get(self.module, self.module) or "No module set"

    @property
    def clear(self) -> bool:
        return not self.problems

    @property
    def weekend_day(self) -> str:
        """ "Saturday" or "Sunday", else "". Allowed, as in single booking (a provider may run
        weekend sessions), but the preview flags it."""
        day = timezone.localdate(self.starts_at)
        return ("Saturday", "Sunday")[day.weekday() - 5] if day.weekday() >= 5 else ""


@dataclass(frozen=True)
class SeriesRequest:
    """What the practitioner asked for: the first session's day and time, weekly after it."""

    first_day: dt.date | None
    at: dt.time | None
    duration_minutes: int | None
    remote: bool | None
    place: str


def _validate(referral: Referral, request: SeriesRequest, practitioner: User) -> None:
    errors = Errors()
    if referral.status not in (S.CONSENTED, S.ACTIVE):
        errors.add(
            "first_day",
            "Sessions can be booked only once consent is given and until the intervention ends",
        )
    if request.first_day is None:
        errors.add("first_day", "Enter the date of the first session")
    elif request.first_day < timezone.localdate():
        errors.add("first_day", "The date of the first session must be today or in the future")
    if request.at is None:
        errors.add("at", "Enter the time of the sessions")
    duration = request.duration_minutes
    if duration is None or not 15 <= duration <= 240:
        errors.add(
            "duration_minutes", "Enter the length of each session, between 15 and 240 minutes"
        )
    if request.remote is None:
        errors.add("remote", "Select whether the sessions are in person or remote")
    elif not request.remote and not clean(request.place):
        errors.add("place", "Enter where the sessions will be held")
    if practitioner.organisation_id != referral.programme.provider_id:
        errors.add("first_day", "Only a practitioner of the provider can hold the sessions")
    if not errors and not open_slots(referral):
        errors.add(
            "first_day", f"All {len(plan_slots(referral))} sessions of the plan are already booked"
        )
    errors.raise_if_any()


def _span(session: ProgrammeSession) -> str:
    start = timezone.localtime(session.starts_at)
    end = start + dt.timedelta(minutes=session.duration_minutes)
    return f"from {start:%H:%M} to {end:%H:%M}"


def _problems(
    referral: Referral,
    practitioner: User,
    starts_at: dt.datetime,
    duration: int,
    near: list[ProgrammeSession],
    room: str = "",
) -> tuple[str, ...]:
    day = timezone.localdate(starts_at)
    found: list[str] = []
    first = start_date(referral)
    if day < first:
        found.append(f"Before the intervention's start on {long_date(first)}")
    if name := bank_holiday(day):
        found.append(f"Bank holiday in England and Wales ({name})")
    ends_at = starts_at + dt.timedelta(minutes=duration)
    for other in near:
        other_end = other.starts_at + dt.timedelta(minutes=other.duration_minutes)
        if not (other.starts_at < ends_at and other_end > starts_at):
            continue
        if other.practitioner_id == practitioner.pk:
            who = practitioner.get_full_name() or practitioner.username
            found.append(f"{who} already has a session {_span(other)}")
        elif other.referral.subject_id == referral.subject_id:
            found.append(f"This person already has a session {_span(other)}")
        elif room and not other.remote and room_key(other.place) == room:
            found.append(f"{other.place} is already booked {_span(other)}")
    return tuple(found)


def _rows(referral: Referral, request: SeriesRequest, practitioner: User) -> list[SeriesRow]:
    """The open slots, lowest first, one a week from the first day. The sessions they could
    clash with come in one query."""
    assert request.first_day is not None and request.at is not None
    duration = request.duration_minutes or 60
    plan = plan_slots(referral)
    slots = open_slots(referral)
    times = [
        timezone.make_aware(
            dt.datetime.combine(request.first_day + dt.timedelta(weeks=i), request.at)
        )
        for i in range(len(slots))
    ]
    room = "" if request.remote else room_key(request.place)
    who = Q(practitioner=practitioner) | Q(referral__subject_id=referral.subject_id)
    if room:  # the same room of the provider, whoever holds the session there
        who |= Q(referral__programme__provider_id=referral.programme.provider_id, remote=False)
    near = list(
        ProgrammeSession.objects.filter(
            who,
            state=SessionState.SCHEDULED,
            starts_at__lt=times[-1] + dt.timedelta(minutes=duration),
            starts_at__gt=times[0] - LONGEST,
        ).select_related("referral")
    )
    return [
        SeriesRow(
            number=number,
            phase=str(plan[number].get("phase", "")),
            module=str(plan[number].get("module", "")),
            starts_at=starts_at,
            duration_minutes=duration,
            problems=_problems(referral, practitioner, starts_at, duration, near, room),
        )
        for number, starts_at in zip(slots, times, strict=True)
    ]


def session_series_preview(
    *, actor: User, referral: Referral, request: SeriesRequest
) -> list[SeriesRow]:
    """The proposed sessions, each with its clashes. Nothing is written."""
    policy.require(actor, Perm.SESSION_MANAGE, referral)
    practitioner = referral.practitioner or actor
    _validate(referral, request, practitioner)
    return _rows(referral, request, practitioner)


@command(Perm.SESSION_MANAGE, on="referral")
def session_series_book(
    *, actor: User, referral: Referral, request: SeriesRequest
) -> tuple[list[ProgrammeSession], list[SeriesRow]]:
    """Book the rows without a clash; return the sessions booked and the rows left open. The
    rows are worked out again under the locks, so a clash that arose since the preview is
    still caught."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    practitioner = referral.practitioner or actor
    _validate(referral, request, practitioner)
    lock_practitioner(practitioner)
    rows = _rows(referral, request, practitioner)
    clear = [row for row in rows if row.clear]
    if not clear:
        errors = Errors()
        errors.add("first_day", "Every proposed session has a clash: choose another day or time")
        errors.raise_if_any()
    remote, place = bool(request.remote), "" if request.remote else clean(request.place)
    booked = []
    for row in clear:
        session = ProgrammeSession.objects.create(
            referral=referral,
            number=row.number,
            phase=row.phase,
            module=row.module,
            starts_at=row.starts_at,
            duration_minutes=row.duration_minutes,
            remote=remote,
            place=place,
            practitioner=practitioner,
        )
        audit_record(
            actor=actor,
            category=Category.COLLECTION,
            verb="programme.session_schedule",
            obj=session,
            new={
                "referral": referral.pk,
                "number": row.number,
                "starts_at": row.starts_at,
                "remote": remote,
                "practitioner": practitioner.pk,
                "series": True,
            },
        )
        booked.append(session)
    return booked, [row for row in rows if not row.clear]
