"""Referrals: police put a subject forward, and every later change of status.

`referral_transition` is the one place a referral's status changes; it enforces the table in
`workflow.py` (roles and coded reasons) and the capacity rule (the waiting list).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import F, Max
from django.utils import timezone

from desist import policy
from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.core.dates import long_date
from desist.core.roles import RoleCode
from desist.people.models import InterventionDecision, Subject
from desist.people.services import intervention_decision_record
from desist.policy import Perm
from desist.programme import completion, suitability, workflow
from desist.programme.actions.common import (
    MAX_TEXT,
    clean,
    guard,
    resolve_reminders,
    role_codes,
    save_changes,
)
from desist.programme.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    PLACE_STATUSES,
    Programme,
    ProgrammeVersion,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    SessionState,
    SuitabilityAssessment,
    status_reached_on,
)
from desist.sharing import events

if TYPE_CHECKING:
    from desist.accounts.models import User

S = ReferralStatus


# --- places and the waiting list --------------------------------------------------------------


def places_held(programme: Programme) -> int:
    return Referral.objects.filter(programme=programme, status__in=PLACE_STATUSES).count()


def waiting_queue(programme: Programme) -> list[int]:
    return list(
        Referral.objects.filter(programme=programme, status=S.WAITING)
        .annotate(waiting_on=status_reached_on(S.WAITING))
        .order_by(F("waiting_on").asc(nulls_last=True), "waiting_since", "id")
        .values_list("pk", flat=True)
    )


def place_free_for_new(programme: Programme) -> bool:
    """A newly suitable person may take a place only if one is free and nobody is waiting."""
    return places_held(programme) < programme.capacity and not waiting_queue(programme)


def open_caseload(practitioner: User) -> int:
    return Referral.objects.filter(practitioner=practitioner, status__in=OPEN_STATUSES).count()


# --- putting a subject forward ----------------------------------------------------------------


def _next_referral_reference() -> str:
    last = Referral.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return f"PR{last + 1:06d}"


def _put_forward_check(
    *,
    actor: User,
    subject: Subject,
    programme: Programme | None,
    order: Any = None,
    risk_assessment: Any = None,
    risk_summary: str = "",
    put_forward_on: dt.date | None = None,
    **_: object,
) -> dict[str, Any]:
    workflow.check_transition(
        role_codes=role_codes(actor), source=workflow.NEW, target=S.PUT_FORWARD
    )
    errors = Errors()
    put_forward_on = put_forward_on or timezone.localdate()
    if programme is None or not programme.forces.filter(pk=subject.force_id).exists():
        errors["programme"] = ["Select a programme that serves your force"]
    if order is not None and order.subject_id != subject.pk:
        errors["order"] = ["Select one of this subject's orders"]
    if risk_assessment is not None and risk_assessment.subject_id != subject.pk:
        errors["risk_assessment"] = ["Select one of this subject's risk assessments"]
    if put_forward_on > timezone.localdate():
        errors["put_forward_on"] = ["The date must be today or in the past"]
    if Referral.objects.filter(subject=subject, status__in=OPEN_STATUSES).exists():
        errors["programme"] = ["This subject already has an open referral to the programme"]
    risk_summary = clean(risk_summary)
    if len(risk_summary) > MAX_TEXT:
        errors["risk_summary"] = [f"The risk summary must be {MAX_TEXT:,} characters or fewer"]
    errors.raise_if_any()
    guard(
        subject, {"risk_summary": risk_summary}, actor=actor, where="programme.referral_put_forward"
    )
    return {"put_forward_on": put_forward_on, "risk_summary": risk_summary}


def _record_decision(actor: User, subject: Subject, referral: Referral) -> None:
    """The subject's intervention decision follows the referral, when the actor may record it."""
    if not policy.can(actor, Perm.INTERVENTION_DECIDE, subject):
        return
    intervention_decision_record(
        actor=actor,
        subject=subject,
        decision=InterventionDecision.Decision.PUT_FORWARD,
        reason=f"Referred to {referral.programme.name} ({referral.reference})",
        decided_on=referral.put_forward_on,
    )


@command(Perm.REFERRAL_PUT_FORWARD, on="subject", check=_put_forward_check)
def referral_put_forward(
    *,
    actor: User,
    subject: Subject,
    programme: Programme | None,
    order: Any = None,
    risk_assessment: Any = None,
    risk_summary: str = "",
    put_forward_on: dt.date | None = None,
    record_decision: bool = True,
) -> Referral:
    """Police put a subject forward for the programme, attaching the order (its terms) and the
    latest risk assessment by reference."""
    assert programme is not None and put_forward_on is not None
    referral = Referral.objects.create(
        programme=programme,
        subject=subject,
        force_id=subject.force_id,
        reference=_next_referral_reference(),
        status=S.PUT_FORWARD,
        order=order,
        risk_assessment=risk_assessment,
        risk_summary=risk_summary,
        put_forward_on=put_forward_on,
        created_by=actor,
    )
    ReferralStatusChange.objects.create(
        referral=referral,
        from_status="",
        to_status=S.PUT_FORWARD,
        effective_on=put_forward_on,
        changed_by=actor,
    )
    audit_record(
        actor=actor,
        category=Category.DISCLOSURE,
        verb="referral.put_forward",
        obj=referral,
        recipients=[programme.provider.name],
        justification="Referral to the intervention programme",
        new={
            "subject": subject.pk,
            "programme": programme.pk,
            "order": order.pk if order is not None else None,
            "risk_assessment": risk_assessment.pk if risk_assessment is not None else None,
            "put_forward_on": put_forward_on,
        },
    )
    if record_decision:
        _record_decision(actor, subject, referral)
    return referral


# --- changing a referral's status -------------------------------------------------------------


def _check_practitioner(referral: Referral, practitioner: User | None) -> str | None:
    if practitioner is None:
        return "Select the practitioner"
    if (
        practitioner.organisation_id != referral.programme.provider_id
        or not {RoleCode.PRACTITIONER, RoleCode.CLINICAL_SUPERVISOR} & set(practitioner.role_codes)
        or not practitioner.is_active
    ):
        return "Select a practitioner of the provider"
    if open_caseload(practitioner) >= referral.programme.caseload_limit:
        return (
            f"{practitioner.get_full_name() or practitioner.username} already holds "
            f"{referral.programme.caseload_limit} open referrals, the most allowed. "
            "Select another practitioner"
        )
    return None


def _date_and_reason_errors(
    errors: Errors, referral: Referral, *, effective_on: dt.date, reason_code: str, reason: str
) -> None:
    if effective_on > timezone.localdate():
        errors["effective_on"] = ["The date of the change must be today or in the past"]
    elif effective_on < referral.put_forward_on:
        errors["effective_on"] = [
            "The date of the change must be the same as or after the date the referral was "
            "put forward"
        ]
    if reason_code == "other" and not reason:
        errors["reason"] = ["Enter the reason for this change"]
    if len(reason) > MAX_TEXT:
        errors["reason"] = [f"The reason must be {MAX_TEXT:,} characters or fewer"]


def _place_error(referral: Referral, *, source: str, target: str) -> str | None:
    """The capacity rule: a place is offered only when one is free, to the first person
    waiting; anyone else who is suitable joins the waiting list."""
    programme = referral.programme
    if target == S.SUITABLE and source == S.WAITING:
        queue = waiting_queue(programme)
        if places_held(programme) >= programme.capacity:
            return "The programme is full: no place can be offered until one is free"
        if queue and queue[0] != referral.pk:
            return (
                "Someone is ahead of this person on the waiting list: offer the place "
                "to the first person on the list"
            )
    elif target == S.SUITABLE and not place_free_for_new(programme):
        return (
            "The programme is full (or people are waiting): record the person as "
            "suitable with no place free, so they join the waiting list"
        )
    elif target == S.WAITING and place_free_for_new(programme):
        return "A place is free: record the person as suitable and offer them the place"
    return None


def _consent_errors(
    errors: Errors, *, sharing_explained: str, attendance_required_by_order: bool | None
) -> None:
    if not sharing_explained:
        errors["sharing_explained"] = [
            "Enter what the person was told about how information is shared"
        ]
    if attendance_required_by_order is None:
        errors["attendance_required_by_order"] = [
            "Select whether attending is a requirement of the order"
        ]


def _transition_errors(
    errors: Errors,
    *,
    actor: User,
    referral: Referral,
    target: str,
    reason_code: str,
    reason: str,
    effective_on: dt.date,
    practitioner: User | None = None,
) -> None:
    """What every change checks: the table (roles, coded reason), the date, the practitioner
    for an allocation, the places and the completion rule."""
    source = referral.status
    workflow.check_transition(
        role_codes=role_codes(actor), source=source, target=target, reason_code=reason_code
    )
    _date_and_reason_errors(
        errors, referral, effective_on=effective_on, reason_code=reason_code, reason=reason
    )
    if target == S.ALLOCATED and (problem := _check_practitioner(referral, practitioner)):
        errors["practitioner"] = [problem]
    if problem := _place_error(referral, source=source, target=target):
        errors["status"] = [problem]
    if target == S.COMPLETED and (problem := completion.shortfall(*completion.progress(referral))):
        errors["status"] = [problem]


def _transition_check(
    *,
    actor: User,
    referral: Referral,
    target: str,
    reason_code: str = "",
    reason: str = "",
    effective_on: dt.date | None = None,
    practitioner: User | None = None,
    sharing_explained: str = "",
    attendance_required_by_order: bool | None = None,
    **_: object,
) -> dict[str, Any]:
    if (referral.status, target) in workflow.ASSESSMENT_CHANGES:
        # Only the assessment, with its answers, may make these changes.
        raise ValidationError({"status": ["Record the suitability assessment to make this change"]})
    effective_on = effective_on or timezone.localdate()
    reason = clean(reason)
    errors = Errors()
    _transition_errors(
        errors,
        actor=actor,
        referral=referral,
        target=target,
        reason_code=reason_code,
        reason=reason,
        effective_on=effective_on,
        practitioner=practitioner,
    )
    if target == S.CONSENTED:
        sharing_explained = clean(sharing_explained)
        _consent_errors(
            errors,
            sharing_explained=sharing_explained,
            attendance_required_by_order=attendance_required_by_order,
        )
    errors.raise_if_any()
    guard(
        referral.subject,
        {"reason": reason, "sharing_explained": sharing_explained},
        actor=actor,
        where="programme.referral_transition",
    )
    return {"effective_on": effective_on, "reason": reason, "sharing_explained": sharing_explained}


def _current_version(programme: Programme) -> ProgrammeVersion | None:
    return programme.versions.order_by("-number").first()


def _status_changes(
    referral: Referral,
    *,
    source: str,
    target: str,
    reason_code: str,
    effective_on: dt.date,
    practitioner: User | None,
    sharing_explained: str,
    attendance_required_by_order: bool | None,
) -> dict[str, Any]:
    """The fields that go with each change: allocation, the waiting list, the assessment,
    consent, the start and the end."""
    changes: dict[str, Any] = {"status": target}
    if target == S.ALLOCATED:
        changes["practitioner"] = practitioner
    if target == S.WAITING:
        changes["waiting_since"] = timezone.now()
    if source == S.NOT_READY:
        changes["review_on"] = None  # no review is due once the person is no longer waiting
    if target == S.CONSENTED:
        changes.update(
            consent_on=effective_on,
            sharing_explained=sharing_explained,
            attendance_required_by_order=attendance_required_by_order,
        )
    if target == S.DECLINED:
        changes["consent_on"] = effective_on
    if target == S.ACTIVE:
        changes["started_on"] = effective_on
        changes["programme_version"] = _current_version(referral.programme)
        changes["at_risk"] = False
    if target in CLOSED_STATUSES:
        changes["ended_on"] = effective_on
        changes["end_reason_code"] = reason_code
    return changes


def _cancel_future_sessions(actor: User, referral: Referral, *, target: str) -> int:
    """An intervention that ends keeps no session still to come: each is cancelled with the
    reason (so it leaves the calendar and the feed) and audited."""
    reason = f"The intervention ended: {workflow.status_label(target).lower()}"
    future = list(
        referral.sessions.select_for_update().filter(
            state=SessionState.SCHEDULED, attendance="", starts_at__gt=timezone.now()
        )
    )
    for session in future:
        save_changes(
            session,
            version=session.version,
            changes={"state": SessionState.CANCELLED, "change_reason": reason},
        )
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb="programme.session_cancel",
            obj=session,
            old={"state": SessionState.SCHEDULED},
            new={
                "state": SessionState.CANCELLED,
                "because": "intervention_ended",
                "referral_status": target,
            },
        )
    return len(future)


# Engagement news for victims who asked for it (issue 20): the status and its date only,
# never the reason (which may say where the person is) or anything clinical. Disengaging is
# told by its own alert, which reaches the same advocates.
_NEWS: dict[str, tuple[events.EventKind, str]] = {
    S.ACTIVE: (events.EventKind.ENGAGEMENT_STARTED, "started"),
    S.COMPLETED: (events.EventKind.ENGAGEMENT_COMPLETED, "was completed"),
    S.WITHDRAWN: (events.EventKind.ENGAGEMENT_ENDED_EARLY, "ended early: withdrawn"),
    S.EXCLUDED: (events.EventKind.ENGAGEMENT_ENDED_EARLY, "ended early: excluded"),
}


def _engagement_news(actor: User, referral: Referral, *, source: str, target: str) -> None:
    news = _NEWS.get(target)
    if news is None or (target != S.ACTIVE and source != S.ACTIVE):
        return  # an end before the start is not engagement news
    kind, what = news
    on = (referral.ended_on if target != S.ACTIVE else referral.started_on) or timezone.localdate()
    events.publish(
        kind=kind,
        actor=actor,
        subject=referral.subject,
        source=referral,
        summary=f"The person's intervention {what} on {long_date(on)} (referral "
        f"{referral.reference}). No details of the sessions are shared.",
        dedupe_key=f"engagement:{kind}:{referral.pk}",
    )


def _after_transition(
    actor: User, referral: Referral, *, source: str, target: str, reason_code: str
) -> None:
    _engagement_news(actor, referral, source=source, target=target)
    if target in CLOSED_STATUSES:
        _cancel_future_sessions(actor, referral, target=target)
    if source == S.ACTIVE:
        # Attendance can no longer be recorded: reminders for its sessions are closed.
        for session in referral.sessions.filter(
            state=SessionState.SCHEDULED, attendance="", starts_at__lt=timezone.now()
        ):
            resolve_reminders(actor, session, "Closed: the intervention is no longer active")
    if target == S.DISENGAGED:
        events.publish(
            kind=events.EventKind.DISENGAGED,
            actor=actor,
            subject=referral.subject,
            source=referral,
            summary=(
                f"Referral {referral.reference}: the person has disengaged from the "
                f"intervention ({workflow.reason_label(reason_code).lower()})."
            ),
            urgency=events.Urgency.HIGH,
        )


def _apply_transition(
    *,
    actor: User,
    referral: Referral,
    version: int,
    target: str,
    reason_code: str,
    reason: str,
    effective_on: dt.date,
    practitioner: User | None = None,
    sharing_explained: str = "",
    attendance_required_by_order: bool | None = None,
    extra_changes: dict[str, Any] | None = None,
) -> ReferralStatusChange:
    """The write of a checked change: the referral's fields, the history row, the audit event
    and what follows. Callers run inside a command's transaction."""
    source = referral.status
    changes = _status_changes(
        referral,
        source=source,
        target=target,
        reason_code=reason_code,
        effective_on=effective_on,
        practitioner=practitioner,
        sharing_explained=sharing_explained,
        attendance_required_by_order=attendance_required_by_order,
    )
    changes.update(extra_changes or {})
    save_changes(referral, version=version, changes=changes)
    change = ReferralStatusChange.objects.create(
        referral=referral,
        from_status=source,
        to_status=target,
        reason_code=reason_code,
        reason=reason,
        effective_on=effective_on,
        changed_by=actor,
    )
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="referral.status_change",
        obj=referral,
        old={"status": source, "version": version},
        new={
            "status": target,
            "reason_code": reason_code,
            "effective_on": effective_on,
            "practitioner": practitioner.pk if practitioner is not None else None,
            "version": referral.version,
            "status_change_id": change.pk,
        },
    )
    _after_transition(actor, referral, source=source, target=target, reason_code=reason_code)
    return change


@command(Perm.REFERRAL_VIEW, on="referral", check=_transition_check)
def referral_transition(
    *,
    actor: User,
    referral: Referral,
    version: int,
    target: str,
    reason_code: str = "",
    reason: str = "",
    effective_on: dt.date | None = None,
    practitioner: User | None = None,
    sharing_explained: str = "",
    attendance_required_by_order: bool | None = None,
) -> ReferralStatusChange:
    """Change a referral's status as the table allows (roles, coded reasons), with the rules
    that go with each change. Writes the history row and the audit event. The changes an
    assessment makes are refused here: `referral_assess` makes them."""
    assert effective_on is not None
    return _apply_transition(
        actor=actor,
        referral=referral,
        version=version,
        target=target,
        reason_code=reason_code,
        reason=reason,
        effective_on=effective_on,
        practitioner=practitioner,
        sharing_explained=sharing_explained,
        attendance_required_by_order=attendance_required_by_order,
    )


# --- the suitability assessment ---------------------------------------------------------------


def assessment_target(referral: Referral, outcome: str) -> str:
    """The status an assessment leads to (the referral's own when nothing changes): a suitable
    person takes a free place or joins the waiting list, and keeps their place on it."""
    if outcome == suitability.SUITABLE:
        if referral.status == S.WAITING:
            return S.WAITING
        return S.SUITABLE if place_free_for_new(referral.programme) else S.WAITING
    return outcome


def _assessment_errors(
    errors: Errors,
    referral: Referral,
    *,
    outcome: str,
    answers: dict[str, dict[str, str]],
    reason_code: str,
    review_on: dt.date | None,
) -> None:
    """The answers, then the outcome they allow, then the reason and the review date."""
    for field_name, message in suitability.answer_errors(answers).items():
        errors.add(field_name, message)
    if outcome not in suitability.OUTCOME_LABELS:
        errors.add("outcome", "Select the outcome of the suitability assessment")
        return
    if referral.status == S.WAITING and outcome == suitability.NOT_READY:
        errors.add(
            "outcome",
            "Someone on the waiting list keeps their place: select 'Suitable' or 'Not suitable'",
        )
    elif not errors and (problem := suitability.outcome_error(outcome, answers)):
        errors.add("outcome", problem)
    if problem := suitability.reason_error(outcome, reason_code, answers):
        errors.add("reason_code", problem)
    if problem := suitability.review_error(outcome, review_on, today=timezone.localdate()):
        errors.add("review_on", problem)


def _assess_check(
    *,
    actor: User,
    referral: Referral,
    outcome: str,
    answers: dict[str, dict[str, str]],
    reason_code: str = "",
    reason: str = "",
    effective_on: dt.date | None = None,
    review_on: dt.date | None = None,
    **_: object,
) -> dict[str, Any]:
    if referral.status not in workflow.ASSESSABLE:
        raise ValidationError(
            {
                "outcome": [
                    "A suitability assessment is recorded only for a referral allocated to a "
                    "practitioner, not ready yet, or on the waiting list"
                ]
            }
        )
    effective_on = effective_on or timezone.localdate()
    reason = clean(reason)
    answers = suitability.clean_answers(answers)
    errors = Errors()
    _assessment_errors(
        errors,
        referral,
        outcome=outcome,
        answers=answers,
        reason_code=reason_code,
        review_on=review_on,
    )
    target = assessment_target(referral, outcome) if outcome in suitability.OUTCOME_LABELS else ""
    # The table's own check (roles, its coded reason) only once the assessment's rules pass:
    # it raises at once, and its message is vaguer than theirs.
    if target and target != referral.status and not errors:
        _transition_errors(
            errors,
            actor=actor,
            referral=referral,
            target=target,
            reason_code=reason_code,
            reason=reason,
            effective_on=effective_on,
        )
    else:
        _date_and_reason_errors(
            errors, referral, effective_on=effective_on, reason_code=reason_code, reason=reason
        )
    errors.raise_if_any()
    notes = {f"c_{code}_note": a["note"] for code, a in answers.items()}
    guard(
        referral.subject,
        {"reason": reason, **notes},
        actor=actor,
        where="programme.referral_assess",
    )
    return {"answers": answers, "effective_on": effective_on, "reason": reason}


@command(Perm.REFERRAL_ASSESS, on="referral", check=_assess_check)
def referral_assess(
    *,
    actor: User,
    referral: Referral,
    version: int,
    outcome: str,
    answers: dict[str, dict[str, str]],
    reason_code: str = "",
    reason: str = "",
    effective_on: dt.date | None = None,
    review_on: dt.date | None = None,
) -> SuitabilityAssessment:
    """The suitability assessment (or a reassessment): each criterion answered, an outcome
    that follows from the answers, a reason that fits the outcome, and for 'not ready yet' a
    review date. A suitable person takes a place if one is free, otherwise joins the waiting
    list; a reassessment that changes nothing about the status is kept all the same."""
    assert effective_on is not None
    source = referral.status
    target = assessment_target(referral, outcome)
    fields: dict[str, Any] = {
        "assessed_on": effective_on,
        "review_on": review_on if outcome == suitability.NOT_READY else None,
        "suitability_codes": [reason_code] if reason_code else [],
    }
    change = None
    if target != source:
        change = _apply_transition(
            actor=actor,
            referral=referral,
            version=version,
            target=target,
            reason_code=reason_code,
            reason=reason,
            effective_on=effective_on,
            extra_changes=fields,
        )
    else:
        save_changes(referral, version=version, changes=fields)
    last = referral.suitability_assessments.aggregate(n=Max("number"))["n"] or 0
    assessment = SuitabilityAssessment.objects.create(
        referral=referral,
        number=last + 1,
        answers=answers,
        outcome=outcome,
        reason_code=reason_code,
        reason=reason,
        assessed_on=effective_on,
        review_on=fields["review_on"],
        status_change=change,
        assessor=actor,
    )
    audit_record(
        actor=actor,
        category=Category.COLLECTION,
        verb="referral.suitability_assess",
        obj=referral,
        old={"status": source, "version": version},
        new={
            "assessment_id": assessment.pk,
            "number": assessment.number,
            "criteria_version": assessment.criteria_version,
            # Codes only: the notes are free text about the person.
            "answers": {code: a["answer"] for code, a in answers.items()},
            "outcome": outcome,
            "reason_code": reason_code,
            "review_on": fields["review_on"],
            "status": target,
            "version": referral.version,
        },
    )
    return assessment
