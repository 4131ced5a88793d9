"""What happened at a session: attendance (and the at-risk rule) and what was delivered."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.policy import Perm
from desist.programme.actions.common import (
    MAX_TEXT,
    clean,
    guard,
    referral_of_session,
    resolve_reminders,
    save_changes,
)
from desist.programme.actions.sessions import require_open_session
from desist.programme.models import (
    FIDELITY_ITEMS,
    MODULE_LABELS,
    Attendance,
    EngagementRating,
    ProgrammeSession,
    Referral,
    ReferralStatus,
    SessionState,
)
from desist.sharing import events

if TYPE_CHECKING:
    from desist.accounts.models import User

S = ReferralStatus
MISSES_FOR_AT_RISK = 2


def consecutive_unacceptable_misses(referral: Referral) -> int:
    """Unacceptable absences in a row at the end of the attendance record. An acceptable
    absence neither counts nor breaks the run; attending breaks it."""
    run = 0
    recorded = (
        referral.sessions.filter(state=SessionState.SCHEDULED)
        .exclude(attendance="")
        .order_by("-starts_at", "-id")
        .values_list("attendance", "absence_acceptable")
    )
    for attendance, acceptable in recorded:
        if attendance != Attendance.DNA:
            break
        if acceptable:
            continue
        run += 1
    return run


def _slot_refilled(session: ProgrammeSession) -> bool:
    """Whether another live session holds this missed session's slot of the plan."""
    return (
        session.referral.sessions.filter(state=SessionState.SCHEDULED, number=session.number)
        .exclude(attendance=Attendance.DNA)
        .exclude(pk=session.pk)
        .exists()
    )


def _attendance_check(
    *,
    actor: User,
    session: ProgrammeSession,
    attendance: str,
    absence_acceptable: bool | None = None,
    absence_reason: str = "",
    **_: object,
) -> dict[str, Any]:
    referral = session.referral
    errors = Errors()
    absence_reason = clean(absence_reason)
    require_open_session(session, errors, "attendance")
    if attendance not in Attendance.values:
        errors["attendance"] = ["Select whether the person attended"]
    elif session.starts_at > timezone.now():
        errors["attendance"] = ["Attendance can be recorded only once the session has started"]
    if attendance == Attendance.DNA:
        if absence_acceptable is None:
            errors["absence_acceptable"] = ["Select whether the absence was acceptable"]
        if not absence_reason:
            errors["absence_reason"] = ["Enter the reason for the absence"]
    else:
        absence_acceptable, absence_reason = None, ""
    if referral.status != S.ACTIVE:
        errors["attendance"] = ["Attendance can be recorded only while the intervention is active"]
    if (
        session.attendance == Attendance.DNA
        and attendance != Attendance.DNA
        and _slot_refilled(session)
    ):
        errors["attendance"] = [
            f"Session {session.number} was booked again after this absence: record attendance "
            "at that session"
        ]
    errors.raise_if_any()
    guard(
        referral.subject,
        {"absence_reason": absence_reason},
        actor=actor,
        where="programme.session_record_attendance",
    )
    return {"absence_acceptable": absence_acceptable, "absence_reason": absence_reason}


def _update_at_risk(referral: Referral) -> tuple[int, bool, bool]:
    """The run of unacceptable misses, whether the person is at risk of disengaging now, and
    whether they just became so."""
    run = consecutive_unacceptable_misses(referral)
    at_risk = run >= MISSES_FOR_AT_RISK
    newly_at_risk = at_risk and not referral.at_risk
    if at_risk != referral.at_risk:
        Referral.objects.filter(pk=referral.pk).update(at_risk=at_risk)
        referral.at_risk = at_risk
    return run, at_risk, newly_at_risk


def _publish_missed(actor: User, referral: Referral, run: int) -> None:
    events.publish(
        kind=events.EventKind.MISSED_SESSIONS,
        actor=actor,
        subject=referral.subject,
        source=referral,
        summary=(
            f"Referral {referral.reference}: {run} sessions missed in a row without an "
            "acceptable reason. The person is at risk of disengaging."
        ),
        urgency=events.Urgency.HIGH,
    )


@command(Perm.SESSION_MANAGE, on=referral_of_session, check=_attendance_check)
def session_record_attendance(
    *,
    actor: User,
    session: ProgrammeSession,
    version: int,
    attendance: str,
    absence_acceptable: bool | None = None,
    absence_reason: str = "",
) -> ProgrammeSession:
    """Record attendance. A second unacceptable absence in a row marks the person at risk of
    disengaging (police see it at once) and publishes a missed-sessions event."""
    referral = session.referral
    old = {"attendance": session.attendance, "absence_acceptable": session.absence_acceptable}
    save_changes(
        session,
        version=version,
        changes={
            "attendance": attendance,
            "absence_acceptable": absence_acceptable,
            "absence_reason": absence_reason,
            "attendance_recorded_at": timezone.now(),
        },
    )
    run, at_risk, newly_at_risk = _update_at_risk(referral)
    audit_record(
        actor=actor,
        category=Category.ALTERATION if old["attendance"] else Category.COLLECTION,
        verb="programme.attendance_record",
        obj=session,
        old=old,
        new={
            "attendance": attendance,
            "absence_acceptable": absence_acceptable,
            "consecutive_misses": run,
            "at_risk": at_risk,
        },
    )
    resolve_reminders(actor, session, "Closed: attendance was recorded")
    if newly_at_risk:
        _publish_missed(actor, referral, run)
    return session


def _delivery_check(
    *,
    actor: User,
    session: ProgrammeSession,
    module_delivered: str,
    content: str,
    fidelity: Iterable[str],
    engagement: str,
    **_: object,
) -> dict[str, Any]:
    errors = Errors()
    content = clean(content)
    if session.attendance not in (Attendance.ATTENDED, Attendance.LATE):
        errors["module_delivered"] = [
            "Record that the person attended before recording what was delivered"
        ]
    if module_delivered not in MODULE_LABELS:
        errors["module_delivered"] = errors.get("module_delivered") or [
            "Select the module delivered"
        ]
    if not content:
        errors["content"] = ["Enter the content delivered"]
    elif len(content) > MAX_TEXT:
        errors["content"] = [f"The content must be {MAX_TEXT:,} characters or fewer"]
    if engagement not in EngagementRating.values:
        errors["engagement"] = ["Select how the person engaged"]
    errors.raise_if_any()
    guard(
        session.referral.subject,
        {"content": content},
        actor=actor,
        where="programme.session_record_delivery",
    )
    return {"content": content, "fidelity": [f for f in fidelity if f in dict(FIDELITY_ITEMS)]}


@command(Perm.SESSION_MANAGE, on=referral_of_session, check=_delivery_check)
def session_record_delivery(
    *,
    actor: User,
    session: ProgrammeSession,
    version: int,
    module_delivered: str,
    content: str,
    fidelity: Iterable[str],
    engagement: str,
) -> ProgrammeSession:
    """Record the module delivered, its content, the fidelity checklist and engagement."""
    fidelity = list(fidelity)
    save_changes(
        session,
        version=version,
        changes={
            "module_delivered": module_delivered,
            "content": content,
            "fidelity": fidelity,
            "engagement": engagement,
        },
    )
    audit_record(
        actor=actor,
        category=Category.COLLECTION,
        verb="programme.session_delivery",
        obj=session,
        new={
            "module_delivered": module_delivered,
            "fidelity": fidelity,
            "engagement": engagement,
        },
    )
    return session
