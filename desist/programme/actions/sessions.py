"""Booking sessions: schedule, move (the old one is kept, superseded) and cancel."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils import timezone

from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.core.dates import bank_holiday, long_date
from desist.policy import Perm
from desist.programme.actions.common import (
    clean,
    guard,
    referral_of_session,
    resolve_reminders,
    save_changes,
)
from desist.programme.models import (
    Attendance,
    ProgrammeSession,
    Referral,
    ReferralStatus,
    SessionState,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from desist.accounts.models import User

S = ReferralStatus


def _plan_for(referral: Referral) -> list[dict[str, Any]]:
    version = referral.programme_version
    settings = (
        version.settings
        if version is not None
        else {"session_plan": referral.programme.session_plan}
    )
    return list(settings.get("session_plan") or [])


def _live_sessions(referral: Referral) -> QuerySet[ProgrammeSession]:
    """The sessions holding a slot of the plan: booked and not missed. A cancelled, moved
    (superseded) or missed session leaves its slot open for a new booking."""
    return referral.sessions.filter(state=SessionState.SCHEDULED).exclude(attendance=Attendance.DNA)


def plan_slots(referral: Referral) -> dict[int, dict[str, Any]]:
    """The numbered slots of the referral's plan (its programme version's settings), each with
    its phase and module. Without a plan, the programme's number of sessions, no module."""
    plan = {int(row["session"]): row for row in _plan_for(referral)}
    if plan:
        return plan
    return {n: {"session": n} for n in range(1, (referral.programme.sessions or 0) + 1)}


def open_slots(referral: Referral) -> list[int]:
    """The slot numbers no live session holds, lowest first."""
    taken = set(_live_sessions(referral).values_list("number", flat=True))
    return sorted(n for n in plan_slots(referral) if n not in taken)


def _check_slot(
    errors: Errors,
    *,
    starts_at: dt.datetime | None,
    duration: int | None,
    remote: bool | None,
    place: str,
) -> None:
    if starts_at is None:
        errors["starts_at"] = ["Enter the date and time of the session"]
    if duration is None or not 15 <= duration <= 240:
        errors["duration_minutes"] = ["Enter the length of the session, between 15 and 240 minutes"]
    if remote is None:
        errors["remote"] = ["Select whether the session is in person or remote"]
    elif not remote and not place:
        errors["place"] = ["Enter where the session will be held"]


def start_date(referral: Referral) -> dt.date:
    """The first day a session may be held: the intervention's start, else consent, else the
    day the referral was put forward."""
    return referral.started_on or referral.consent_on or referral.put_forward_on


def _check_not_before_start(
    errors: Errors, referral: Referral, starts_at: dt.datetime | None
) -> None:
    first = start_date(referral)
    if starts_at is not None and timezone.localdate(starts_at) < first:
        # Say what the date is: the start, else consent (not started yet), else put forward.
        if referral.started_on:
            what = "the day the intervention started"
        elif referral.consent_on:
            what = "the day consent was given"
        else:
            what = "the day the referral was put forward"
        errors.add("starts_at", f"The session must be on or after {first:%-d %B %Y}, {what}")


LONGEST = dt.timedelta(minutes=240)  # the longest session `_check_slot` allows


def room_key(place: str) -> str:
    """A room is free text: "Room 2, Harbour House" and "room 2,harbour  house" are one room
    (compared without case or spaces; docs/workflows/programme-sessions.md)."""
    return "".join(place.split()).casefold()


def session_clashes(
    *,
    practitioner: User,
    subject_id: int,
    starts_at: dt.datetime,
    duration_minutes: int,
    exclude: int | None = None,
    place: str = "",
    provider_id: int | None = None,
) -> list[ProgrammeSession]:
    """Booked sessions (not moved or cancelled) of the practitioner, or of the person, or in
    the same room of the provider (`place`, in person), that overlap the given time; the
    practitioner's and the person's first. One query."""
    ends_at = starts_at + dt.timedelta(minutes=duration_minutes)
    who = Q(practitioner=practitioner) | Q(referral__subject_id=subject_id)
    room = room_key(place)
    if room and provider_id is not None:
        who |= Q(referral__programme__provider_id=provider_id, remote=False) & ~Q(place="")
    near = ProgrammeSession.objects.filter(
        who,
        state=SessionState.SCHEDULED,
        starts_at__lt=ends_at,
        starts_at__gt=starts_at - LONGEST,
    ).select_related("practitioner", "referral")
    if exclude is not None:
        near = near.exclude(pk=exclude)
    found = [s for s in near if s.starts_at + dt.timedelta(minutes=s.duration_minutes) > starts_at]
    personal = [
        s
        for s in found
        if s.practitioner_id == practitioner.pk or s.referral.subject_id == subject_id
    ]
    same_room = [
        s for s in found if s not in personal and not s.remote and room_key(s.place) == room
    ]
    return personal + (same_room if room else [])


def _span(session: ProgrammeSession) -> str:
    start = timezone.localtime(session.starts_at)
    end = start + dt.timedelta(minutes=session.duration_minutes)
    return f"from {start:%H:%M} to {end:%H:%M} on {long_date(start.date())}"


def _check_clashes(
    errors: Errors,
    *,
    practitioner: User,
    referral: Referral,
    starts_at: dt.datetime | None,
    duration_minutes: int | None,
    exclude: int | None = None,
    place: str = "",
) -> None:
    """No session on a bank holiday, none that double-books the practitioner, the person or
    the room (`place`: empty for a remote session)."""
    if starts_at is None or duration_minutes is None:
        return
    day = timezone.localdate(starts_at)
    if name := bank_holiday(day):
        errors.add(
            "starts_at",
            f"{long_date(day)} is a bank holiday ({name}) in England and Wales: choose another day",
        )
    clashes = session_clashes(
        practitioner=practitioner,
        subject_id=referral.subject_id,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        exclude=exclude,
        place=place,
        provider_id=referral.programme.provider_id,
    )
    for other in clashes[:1]:
        if other.practitioner_id == practitioner.pk:
            who = f"{practitioner.get_full_name() or practitioner.username} already has"
        elif other.referral.subject_id == referral.subject_id:
            who = "This person already has"
        else:
            errors.add(
                "place",
                f"{other.place} is already booked {_span(other)}: choose another room or time",
            )
            continue
        errors.add("starts_at", f"{who} a session {_span(other)}: choose another time")


def lock_practitioner(practitioner: User) -> None:
    """Bookings for one practitioner wait for each other, so two cannot take one hour."""
    type(practitioner).objects.select_for_update().filter(pk=practitioner.pk).first()


SESSION_CLOSED = "This session was rescheduled or cancelled: it can no longer be changed"


def session_closed(session: ProgrammeSession) -> str:
    """Why a booking can no longer be changed (attendance, move, cancel), or ""."""
    return SESSION_CLOSED if session.state != SessionState.SCHEDULED else ""


def require_open_session(session: ProgrammeSession, errors: Errors, field: str) -> None:
    if refused := session_closed(session):
        errors[field] = [refused]


@command(Perm.SESSION_MANAGE, on="referral")
def session_schedule(
    *,
    actor: User,
    referral: Referral,
    starts_at: dt.datetime | None,
    duration_minutes: int | None = 60,
    remote: bool | None = False,
    place: str = "",
    practitioner: User | None = None,
    number: int | None = None,
) -> ProgrammeSession:
    """Book a slot of the plan (`number`, or the lowest open one) with the phase and module the
    plan gives that slot. The referral row is locked so two bookings cannot take one slot."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    errors = Errors()
    place = clean(place)
    if referral.status not in (S.CONSENTED, S.ACTIVE):
        errors["starts_at"] = [
            "Sessions can be booked only once consent is given and until the intervention ends"
        ]
    _check_slot(errors, starts_at=starts_at, duration=duration_minutes, remote=remote, place=place)
    _check_not_before_start(errors, referral, starts_at)
    practitioner = practitioner or referral.practitioner or actor
    if practitioner.organisation_id != referral.programme.provider_id:
        errors["practitioner"] = ["Select a practitioner of the provider"]
    plan, free = plan_slots(referral), open_slots(referral)
    if not free:
        errors["starts_at"] = [f"All {len(plan)} sessions of the programme are already booked"]
    elif number is None:
        number = free[0]
    elif number not in free:
        errors["number"] = ["Select a session of the plan that is not already booked"]
    lock_practitioner(practitioner)
    _check_clashes(
        errors,
        practitioner=practitioner,
        referral=referral,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        place="" if remote else place,
    )
    errors.raise_if_any()
    assert starts_at is not None and duration_minutes is not None and number is not None
    row = plan[number]
    session = ProgrammeSession.objects.create(
        referral=referral,
        number=number,
        phase=row.get("phase", ""),
        module=row.get("module", ""),
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        remote=bool(remote),
        place="" if remote else place,
        practitioner=practitioner,
    )
    audit_record(
        actor=actor,
        category=Category.COLLECTION,
        verb="programme.session_schedule",
        obj=session,
        new={
            "referral": referral.pk,
            "number": number,
            "starts_at": starts_at,
            "remote": bool(remote),
            "practitioner": practitioner.pk,
        },
    )
    return session


def _reschedule_check(
    *,
    actor: User,
    session: ProgrammeSession,
    starts_at: dt.datetime | None,
    duration_minutes: int | None,
    remote: bool | None,
    place: str,
    reason: str,
    **_: object,
) -> dict[str, Any]:
    errors = Errors()
    reason, place = clean(reason), clean(place)
    require_open_session(session, errors, "starts_at")
    if session.attendance:
        errors["starts_at"] = ["Attendance is recorded for this session: it cannot be moved"]
    _check_slot(errors, starts_at=starts_at, duration=duration_minutes, remote=remote, place=place)
    _check_not_before_start(errors, session.referral, starts_at)
    if not reason:
        errors["reason"] = ["Enter why the session is being moved"]
    errors.raise_if_any()
    guard(
        session.referral.subject,
        {"reason": reason},
        actor=actor,
        where="programme.session_reschedule",
    )
    return {"reason": reason, "place": place}


@command(Perm.SESSION_MANAGE, on=referral_of_session, check=_reschedule_check)
def session_reschedule(
    *,
    actor: User,
    session: ProgrammeSession,
    version: int,
    starts_at: dt.datetime | None,
    duration_minutes: int | None,
    remote: bool | None,
    place: str,
    reason: str,
) -> ProgrammeSession:
    """Move a session: the old one is kept as superseded (with the reason), a new one replaces it."""
    assert starts_at is not None and duration_minutes is not None
    lock_practitioner(session.practitioner)
    errors = Errors()
    _check_clashes(
        errors,
        practitioner=session.practitioner,
        referral=session.referral,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        exclude=session.pk,
        place="" if remote else clean(place),
    )
    errors.raise_if_any()
    save_changes(
        session,
        version=version,
        changes={"state": SessionState.SUPERSEDED, "change_reason": reason},
    )
    new = ProgrammeSession.objects.create(
        referral=session.referral,
        number=session.number,
        phase=session.phase,
        module=session.module,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        remote=bool(remote),
        place="" if remote else place,
        practitioner=session.practitioner,
        replaces=session,
    )
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="programme.session_reschedule",
        obj=session,
        old={"starts_at": session.starts_at, "state": SessionState.SCHEDULED},
        new={"replaced_by": new.pk, "starts_at": starts_at, "state": SessionState.SUPERSEDED},
    )
    resolve_reminders(actor, session, "Closed: the session was moved")
    return new


def _cancel_check(
    *, actor: User, session: ProgrammeSession, reason: str, **_: object
) -> dict[str, Any]:
    errors = Errors()
    reason = clean(reason)
    require_open_session(session, errors, "reason")
    if session.attendance:
        errors["reason"] = ["Attendance is recorded for this session: it cannot be cancelled"]
    if not reason:
        errors["reason"] = errors.get("reason") or ["Enter why the session is cancelled"]
    errors.raise_if_any()
    guard(
        session.referral.subject, {"reason": reason}, actor=actor, where="programme.session_cancel"
    )
    return {"reason": reason}


@command(Perm.SESSION_MANAGE, on=referral_of_session, check=_cancel_check)
def session_cancel(
    *, actor: User, session: ProgrammeSession, version: int, reason: str
) -> ProgrammeSession:
    """Cancel a session; the row is kept with the reason."""
    save_changes(
        session,
        version=version,
        changes={"state": SessionState.CANCELLED, "change_reason": reason},
    )
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="programme.session_cancel",
        obj=session,
        old={"state": SessionState.SCHEDULED},
        new={"state": SessionState.CANCELLED},
    )
    resolve_reminders(actor, session, "Closed: the session was cancelled")
    return session
