"""Every write in the intervention programme. Each service checks the policy, validates with
GOV.UK messages, then writes and audits in one transaction.

`referral_transition` is the one place a referral's status changes; it enforces the table in
`workflow.py` (roles and coded reasons) and the capacity rule (the waiting list).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from desist import policy
from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.core.concurrency import StaleRecordError, save_versioned
from desist.core.roles import RoleCode
from desist.policy import Perm
from desist.programme import workflow
from desist.programme.models import (
    CLOSED_STATUSES,
    FIDELITY_ITEMS,
    MODULE_LABELS,
    MODULES,
    OPEN_STATUSES,
    PLACE_STATUSES,
    Attendance,
    CalendarToken,
    ClinicalNote,
    DisclosureUrgency,
    EndReport,
    EngagementRating,
    Expenditure,
    Measure,
    Phase,
    Programme,
    ProgrammeSession,
    ProgrammeVersion,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    RiskDisclosure,
    SessionState,
    SpendCategory,
    SupervisionEntry,
    Timepoint,
    default_session_plan,
)
from desist.sharing import events, shown
from desist.sharing.redaction import RedactionBlocked, guard_text, victim_identifier_kinds

S = ReferralStatus
MAX_TEXT = 10_000
MISSES_FOR_AT_RISK = 2


def _roles(actor: Any) -> frozenset[str]:
    return frozenset(actor.role_codes)


def _clean(value: str | None) -> str:
    return (value or "").strip()


def _raise(errors: Mapping[str, list[str]]) -> None:
    if errors:
        raise ValidationError(dict(errors))


def _save(obj: Any, *, version: int, changes: Mapping[str, Any]) -> None:
    before = {name: getattr(obj, name) for name in changes}
    for name, value in changes.items():
        setattr(obj, name, value)
    try:
        save_versioned(obj, expected_version=version, fields=list(changes))
    except StaleRecordError:
        for name, value in before.items():
            setattr(obj, name, value)
        raise


def _guard(subject: Any, fields: Mapping[str, str], *, actor: Any, where: str) -> None:
    """The redaction guard (before the write's transaction: a blocked attempt is audited in
    its own); RedactionBlocked propagates for the view to show."""
    present = {k: v for k, v in fields.items() if v}
    if present:
        guard_text(actor=actor, subject=subject, fields=present, where=where)


# --- programme settings ---------------------------------------------------------------------


def _settings_snapshot(p: Programme) -> dict[str, Any]:
    return {
        "name": p.name,
        "provider": p.provider_id,
        "forces": sorted(p.forces.values_list("pk", flat=True)),
        "capacity": p.capacity,
        "funding": str(p.funding),
        "funding_source": p.funding_source,
        "sessions": p.sessions,
        "modules": list(p.modules),
        "session_plan": list(p.session_plan),
        "caseload_limit": p.caseload_limit,
        "review_every": p.review_every,
    }


def check_session_plan(
    plan: Iterable[Mapping[str, Any]], *, sessions: int, modules: Iterable[str]
) -> list[dict[str, Any]]:
    """A plan with one row per session 1..sessions, each with a known phase and a module the
    programme teaches."""
    allowed = set(modules)
    rows = sorted(plan, key=lambda r: int(r.get("session", 0)))
    if [int(r.get("session", 0)) for r in rows] != list(range(1, sessions + 1)):
        raise ValidationError({"session_plan": ["Give a module for every session"]})
    out = []
    for r in rows:
        if r.get("phase") not in Phase.values:
            raise ValidationError({"session_plan": ["Select a phase for every session"]})
        if r.get("module") not in allowed:
            raise ValidationError(
                {"session_plan": [f"Session {r['session']}: select one of the programme's modules"]}
            )
        out.append({"session": int(r["session"]), "phase": r["phase"], "module": r["module"]})
    return out


def _check_modules_in_plan(plan: Iterable[Mapping[str, Any]], module_codes: list[str]) -> None:
    """A module the session plan still uses cannot be removed on the settings page: the error
    belongs next to the modules, naming the sessions to change first."""
    used: dict[str, list[str]] = {}
    for r in sorted(plan, key=lambda r: int(r.get("session", 0))):
        if r.get("module") in MODULE_LABELS and r["module"] not in module_codes:
            used.setdefault(r["module"], []).append(str(r["session"]))
    if used:
        messages = [
            f"{MODULE_LABELS[m]} is used by session{'s' if len(n) > 1 else ''} "
            f"{', '.join(n)} of the session plan. Change {'those sessions' if len(n) > 1 else 'that session'} "
            "to another module in the session plan first, then remove it"
            for m, n in used.items()
        ]
        raise ValidationError({"modules": messages})


def programme_save(
    *,
    actor: Any,
    programme: Programme | None = None,
    version: int | None = None,
    name: str,
    provider: Any,
    forces: Iterable[Any],
    capacity: int | None,
    funding: Decimal | None,
    funding_source: str = "",
    sessions: int | None = 12,
    modules: Iterable[str] | None = None,
    session_plan: Iterable[Mapping[str, Any]] | None = None,
    caseload_limit: int | None = 8,
    review_every: int | None = 1,
) -> Programme:
    """Create or change a programme's settings. Each save adds a ProgrammeVersion; people
    already started keep the version they started under."""
    policy.require_perm(actor, Perm.PROGRAMME_SETTINGS)
    if programme is not None:
        policy.require(actor, Perm.PROGRAMME_SETTINGS, programme)
    errors: dict[str, list[str]] = {}
    name = _clean(name)
    forces = list(forces)
    if not name:
        errors["name"] = ["Enter the name of the programme"]
    if provider is None or provider.kind != "provider":
        errors["provider"] = ["Select the intervention provider"]
    if not forces or any(f.kind != "police_force" for f in forces):
        errors["forces"] = ["Select the police forces the programme serves"]
    elif any(f.pk not in policy.partnership_force_ids(actor) for f in forces):
        errors["forces"] = ["Select only police forces in your partnerships"]
    if capacity is None or capacity < 1:
        errors["capacity"] = ["Enter the number of places, 1 or more"]
    if funding is None or funding < 0:
        errors["funding"] = ["Enter the funding in pounds, 0 or more"]
    if sessions is None or not 1 <= sessions <= 52:
        errors["sessions"] = ["Enter the number of sessions, between 1 and 52"]
    if caseload_limit is None or caseload_limit < 1:
        errors["caseload_limit"] = ["Enter the most referrals one practitioner may hold, 1 or more"]
    if review_every is None or review_every < 1:
        errors["review_every"] = ["Enter how often sessions are reviewed: 1 for every session"]
    module_codes = [m for m in (modules or [c for c, _ in MODULES]) if m in MODULE_LABELS]
    if not module_codes:
        errors["modules"] = ["Select the modules the programme teaches"]
    _raise(errors)
    assert sessions is not None
    if session_plan is None or not list(session_plan):
        plan = [
            r if r["module"] in module_codes else {**r, "module": module_codes[0]}
            for r in default_session_plan(sessions)
        ]
    else:
        _check_modules_in_plan(session_plan, module_codes)
        plan = check_session_plan(session_plan, sessions=sessions, modules=module_codes)
    values: dict[str, Any] = {
        "name": name,
        "provider": provider,
        "capacity": capacity,
        "funding": funding,
        "funding_source": _clean(funding_source),
        "sessions": sessions,
        "modules": module_codes,
        "session_plan": plan,
        "caseload_limit": caseload_limit,
        "review_every": review_every,
    }
    with transaction.atomic():
        if programme is None:
            programme = Programme.objects.create(**values)
            old = None
        else:
            old = _settings_snapshot(programme)
            assert version is not None
            _save(programme, version=version, changes=values)
        programme.forces.set(forces)
        snapshot = _settings_snapshot(programme)
        number = (
            programme.versions.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
        ProgrammeVersion.objects.create(
            programme=programme, number=number, settings=snapshot, created_by=actor
        )
        audit_record(
            actor=actor,
            category=Category.COLLECTION if old is None else Category.ALTERATION,
            verb="programme.settings_save",
            obj=programme,
            old=old,
            new={**snapshot, "settings_version": number},
        )
    return programme


# --- spending -------------------------------------------------------------------------------

MAX_EXPENDITURE = Decimal("1000000")


def expenditure_record(
    *,
    actor: Any,
    programme: Programme,
    spent_on: dt.date | None,
    category: str,
    amount: Decimal | None,
    description: str,
) -> Expenditure:
    """Record money spent on a programme (programme managers of that programme)."""
    policy.require(actor, Perm.PROGRAMME_SETTINGS, programme)
    errors: dict[str, list[str]] = {}
    description = _clean(description)
    if spent_on is None:
        errors["spent_on"] = ["Enter the date the money was spent"]
    elif spent_on > timezone.localdate():
        errors["spent_on"] = ["The date the money was spent must be today or in the past"]
    elif spent_on < timezone.localdate() - dt.timedelta(days=3653):
        errors["spent_on"] = ["The date the money was spent must be within the last 10 years"]
    if category not in SpendCategory.values:
        errors["category"] = ["Select what the money was spent on"]
    if amount is None:
        errors["amount"] = ["Enter the amount in pounds"]
    elif amount <= 0:
        errors["amount"] = ["The amount must be more than £0"]
    elif amount > MAX_EXPENDITURE:
        errors["amount"] = ["The amount must be £1,000,000 or less: split larger sums"]
    elif amount != amount.quantize(Decimal("0.01")):
        errors["amount"] = ["Enter the amount in pounds and pence, like 1250.50"]
    if not description:
        errors["description"] = ["Enter what the money was spent on"]
    elif len(description) > 200:
        errors["description"] = ["The description must be 200 characters or fewer"]
    _raise(errors)
    assert spent_on is not None and amount is not None
    with transaction.atomic():
        line = Expenditure.objects.create(
            programme=programme,
            spent_on=spent_on,
            category=category,
            amount=amount,
            description=description,
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            category=Category.COLLECTION,
            verb="programme.expenditure_record",
            obj=line,
            new={
                "programme": programme.pk,
                "spent_on": str(spent_on),
                "category": category,
                "amount": str(amount),
            },
        )
    return line


def expenditure_withdraw(*, actor: Any, line: Expenditure, reason: str) -> Expenditure:
    """Take a mistaken line out of the totals. The line and who withdrew it are kept."""
    policy.require(actor, Perm.PROGRAMME_SETTINGS, line)
    reason = _clean(reason)
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = ["Enter why this line is being withdrawn"]
    elif len(reason) > 200:
        errors["reason"] = ["The reason must be 200 characters or fewer"]
    _raise(errors)
    with transaction.atomic():
        # Row lock and a re-check: two managers withdrawing at once must not both succeed.
        locked = Expenditure.objects.select_for_update().get(pk=line.pk)
        if locked.withdrawn_at is not None:
            raise ValidationError({"reason": ["This line has already been withdrawn"]})
        locked.withdrawn_at = timezone.now()
        locked.withdrawn_by = actor
        locked.withdrawn_reason = reason
        locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb="programme.expenditure_withdraw",
            obj=locked,
            old={"withdrawn": False},
            new={"withdrawn": True},
        )
    return locked


def _current_version(programme: Programme) -> ProgrammeVersion | None:
    return programme.versions.order_by("-number").first()


# --- referrals ------------------------------------------------------------------------------


def places_held(programme: Programme) -> int:
    return Referral.objects.filter(programme=programme, status__in=PLACE_STATUSES).count()


def waiting_queue(programme: Programme) -> list[int]:
    return list(
        Referral.objects.filter(programme=programme, status=S.WAITING)
        .order_by("waiting_since", "id")
        .values_list("pk", flat=True)
    )


def place_free_for_new(programme: Programme) -> bool:
    """A newly suitable person may take a place only if one is free and nobody is waiting."""
    return places_held(programme) < programme.capacity and not waiting_queue(programme)


def _next_reference() -> str:
    last = Referral.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return f"PR{last + 1:06d}"


def referral_put_forward(
    *,
    actor: Any,
    subject: Any,
    programme: Programme | None,
    order: Any = None,
    risk_assessment: Any = None,
    risk_summary: str = "",
    put_forward_on: dt.date | None = None,
    record_decision: bool = True,
) -> Referral:
    """Police put a subject forward for the programme, attaching the order (its terms) and the
    latest risk assessment by reference."""
    policy.require(actor, Perm.REFERRAL_PUT_FORWARD, subject)
    workflow.check_transition(role_codes=_roles(actor), source=workflow.NEW, target=S.PUT_FORWARD)
    errors: dict[str, list[str]] = {}
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
    risk_summary = _clean(risk_summary)
    if len(risk_summary) > MAX_TEXT:
        errors["risk_summary"] = [f"The risk summary must be {MAX_TEXT:,} characters or fewer"]
    _raise(errors)
    assert programme is not None
    _guard(
        subject, {"risk_summary": risk_summary}, actor=actor, where="programme.referral_put_forward"
    )
    with transaction.atomic():
        referral = Referral.objects.create(
            programme=programme,
            subject=subject,
            force_id=subject.force_id,
            reference=_next_reference(),
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
        if record_decision and policy.can(actor, Perm.INTERVENTION_DECIDE, subject):
            from desist.people.models import InterventionDecision
            from desist.people.services import intervention_decision_record

            intervention_decision_record(
                actor=actor,
                subject=subject,
                decision=InterventionDecision.Decision.PUT_FORWARD,
                reason=f"Referred to {programme.name} ({referral.reference})",
                decided_on=put_forward_on,
            )
    return referral


def open_caseload(practitioner: Any) -> int:
    return Referral.objects.filter(practitioner=practitioner, status__in=OPEN_STATUSES).count()


def _check_practitioner(referral: Referral, practitioner: Any) -> str | None:
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


def referral_transition(
    *,
    actor: Any,
    referral: Referral,
    version: int,
    target: str,
    reason_code: str = "",
    reason: str = "",
    effective_on: dt.date | None = None,
    practitioner: Any = None,
    sharing_explained: str = "",
    attendance_required_by_order: bool | None = None,
) -> ReferralStatusChange:
    """Change a referral's status as the table allows (roles, coded reasons), with the rules
    that go with each change: allocation and caseload limits, places and the waiting list,
    consent, the start and the end. Writes the history row and the audit event."""
    policy.require(actor, Perm.REFERRAL_VIEW, referral)
    source = referral.status
    workflow.check_transition(
        role_codes=_roles(actor), source=source, target=target, reason_code=reason_code
    )
    today = timezone.localdate()
    effective_on = effective_on or today
    reason = _clean(reason)
    errors: dict[str, list[str]] = {}
    if effective_on > today:
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
    programme = referral.programme
    changes: dict[str, Any] = {"status": target}
    if target == S.ALLOCATED:
        problem = _check_practitioner(referral, practitioner)
        if problem:
            errors["practitioner"] = [problem]
        changes["practitioner"] = practitioner
    if target == S.SUITABLE:
        if source == S.WAITING:
            queue = waiting_queue(programme)
            if places_held(programme) >= programme.capacity:
                errors["status"] = [
                    "The programme is full: no place can be offered until one is free"
                ]
            elif queue and queue[0] != referral.pk:
                errors["status"] = [
                    "Someone is ahead of this person on the waiting list: offer the place "
                    "to the first person on the list"
                ]
        elif not place_free_for_new(programme):
            errors["status"] = [
                "The programme is full (or people are waiting): record the person as "
                "suitable with no place free, so they join the waiting list"
            ]
    if target == S.WAITING:
        if place_free_for_new(programme):
            errors["status"] = [
                "A place is free: record the person as suitable and offer them the place"
            ]
        changes["waiting_since"] = timezone.now()
    if target in (S.SUITABLE, S.WAITING, S.NOT_SUITABLE, S.NOT_READY) and source in (
        S.ALLOCATED,
        S.NOT_READY,
    ):
        changes["assessed_on"] = effective_on
        changes["suitability_codes"] = [reason_code] if reason_code else []
    if target == S.CONSENTED:
        sharing_explained = _clean(sharing_explained)
        if not sharing_explained:
            errors["sharing_explained"] = [
                "Enter what the person was told about how information is shared"
            ]
        if attendance_required_by_order is None:
            errors["attendance_required_by_order"] = [
                "Select whether attending is a requirement of the order"
            ]
        changes.update(
            consent_on=effective_on,
            sharing_explained=sharing_explained,
            attendance_required_by_order=attendance_required_by_order,
        )
    if target == S.DECLINED:
        changes["consent_on"] = effective_on
    if target == S.ACTIVE:
        changes["started_on"] = effective_on
        changes["programme_version"] = _current_version(programme)
        changes["at_risk"] = False
    if target in CLOSED_STATUSES:
        changes["ended_on"] = effective_on
        changes["end_reason_code"] = reason_code
    _raise(errors)
    _guard(
        referral.subject,
        {"reason": reason, "sharing_explained": sharing_explained},
        actor=actor,
        where="programme.referral_transition",
    )
    with transaction.atomic():
        _save(referral, version=version, changes=changes)
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
        if source == S.ACTIVE:
            # Attendance can no longer be recorded: reminders for its sessions are closed.
            for session in referral.sessions.filter(
                state=SessionState.SCHEDULED, attendance="", starts_at__lt=timezone.now()
            ):
                _resolve_reminders(actor, session, "Closed: the intervention is no longer active")
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
    return change


def referral_assess(
    *,
    actor: Any,
    referral: Referral,
    version: int,
    outcome: str,
    reason_code: str = "",
    reason: str = "",
    effective_on: dt.date | None = None,
) -> ReferralStatusChange:
    """The suitability assessment: suitable, not suitable, or suitable but not ready. A
    suitable person takes a place if one is free, otherwise joins the waiting list."""
    policy.require(actor, Perm.REFERRAL_ASSESS, referral)
    if outcome not in ("suitable", S.NOT_SUITABLE, S.NOT_READY):
        raise ValidationError({"outcome": ["Select the outcome of the suitability assessment"]})
    target = outcome
    if outcome == "suitable":
        target = S.SUITABLE if place_free_for_new(referral.programme) else S.WAITING
    return referral_transition(
        actor=actor,
        referral=referral,
        version=version,
        target=target,
        reason_code=reason_code,
        reason=reason,
        effective_on=effective_on,
    )


# --- sessions -------------------------------------------------------------------------------


def _plan_for(referral: Referral) -> list[dict[str, Any]]:
    version = referral.programme_version
    settings = (
        version.settings
        if version is not None
        else {"session_plan": referral.programme.session_plan}
    )
    return list(settings.get("session_plan") or [])


def _live_sessions(referral: Referral) -> Any:
    return referral.sessions.filter(state=SessionState.SCHEDULED)


def _check_slot(
    errors: dict[str, list[str]],
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


def session_schedule(
    *,
    actor: Any,
    referral: Referral,
    starts_at: dt.datetime | None,
    duration_minutes: int | None = 60,
    remote: bool | None = False,
    place: str = "",
    practitioner: Any = None,
) -> ProgrammeSession:
    policy.require(actor, Perm.SESSION_MANAGE, referral)
    errors: dict[str, list[str]] = {}
    place = _clean(place)
    if referral.status not in (S.CONSENTED, S.ACTIVE):
        errors["starts_at"] = [
            "Sessions can be booked only once consent is given and until the intervention ends"
        ]
    _check_slot(errors, starts_at=starts_at, duration=duration_minutes, remote=remote, place=place)
    practitioner = practitioner or referral.practitioner or actor
    if practitioner.organisation_id != referral.programme.provider_id:
        errors["practitioner"] = ["Select a practitioner of the provider"]
    number = _live_sessions(referral).count() + 1
    plan = {int(r["session"]): r for r in _plan_for(referral)}
    if plan and number > len(plan):
        errors["starts_at"] = [f"All {len(plan)} sessions of the programme are already booked"]
    _raise(errors)
    assert starts_at is not None and duration_minutes is not None
    row = plan.get(number, {})
    with transaction.atomic():
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


def _require_open_session(
    session: ProgrammeSession, errors: dict[str, list[str]], field: str
) -> None:
    if session.state != SessionState.SCHEDULED:
        errors[field] = ["This session was rescheduled or cancelled: it can no longer be changed"]


def session_reschedule(
    *,
    actor: Any,
    session: ProgrammeSession,
    version: int,
    starts_at: dt.datetime | None,
    duration_minutes: int | None,
    remote: bool | None,
    place: str,
    reason: str,
) -> ProgrammeSession:
    """Move a session: the old one is kept as superseded (with the reason), a new one replaces it."""
    referral = session.referral
    policy.require(actor, Perm.SESSION_MANAGE, referral)
    errors: dict[str, list[str]] = {}
    reason, place = _clean(reason), _clean(place)
    _require_open_session(session, errors, "starts_at")
    if session.attendance:
        errors["starts_at"] = ["Attendance is recorded for this session: it cannot be moved"]
    _check_slot(errors, starts_at=starts_at, duration=duration_minutes, remote=remote, place=place)
    if not reason:
        errors["reason"] = ["Enter why the session is being moved"]
    _raise(errors)
    assert starts_at is not None and duration_minutes is not None
    _guard(referral.subject, {"reason": reason}, actor=actor, where="programme.session_reschedule")
    with transaction.atomic():
        _save(
            session,
            version=version,
            changes={"state": SessionState.SUPERSEDED, "change_reason": reason},
        )
        new = ProgrammeSession.objects.create(
            referral=referral,
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
        _resolve_reminders(actor, session, "Closed: the session was moved")
    return new


def _resolve_reminders(actor: Any, session: ProgrammeSession, reason: str) -> None:
    """An attendance reminder for this session has nothing left to ask once attendance is
    recorded or the session is moved or cancelled: take it out of the inboxes."""
    events.resolve(
        kind=events.EventKind.ATTENDANCE_UNRECORDED, actor=actor, source=session, reason=reason
    )


def session_cancel(
    *, actor: Any, session: ProgrammeSession, version: int, reason: str
) -> ProgrammeSession:
    referral = session.referral
    policy.require(actor, Perm.SESSION_MANAGE, referral)
    errors: dict[str, list[str]] = {}
    reason = _clean(reason)
    _require_open_session(session, errors, "reason")
    if session.attendance:
        errors["reason"] = ["Attendance is recorded for this session: it cannot be cancelled"]
    if not reason:
        errors["reason"] = errors.get("reason") or ["Enter why the session is cancelled"]
    _raise(errors)
    _guard(referral.subject, {"reason": reason}, actor=actor, where="programme.session_cancel")
    with transaction.atomic():
        _save(
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
        _resolve_reminders(actor, session, "Closed: the session was cancelled")
    return session


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


def session_record_attendance(
    *,
    actor: Any,
    session: ProgrammeSession,
    version: int,
    attendance: str,
    absence_acceptable: bool | None = None,
    absence_reason: str = "",
) -> ProgrammeSession:
    """Record attendance. A second unacceptable absence in a row marks the person at risk of
    disengaging (police see it at once) and publishes a missed-sessions event."""
    referral = session.referral
    policy.require(actor, Perm.SESSION_MANAGE, referral)
    errors: dict[str, list[str]] = {}
    absence_reason = _clean(absence_reason)
    _require_open_session(session, errors, "attendance")
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
    _raise(errors)
    _guard(
        referral.subject,
        {"absence_reason": absence_reason},
        actor=actor,
        where="programme.session_record_attendance",
    )
    old = {"attendance": session.attendance, "absence_acceptable": session.absence_acceptable}
    with transaction.atomic():
        _save(
            session,
            version=version,
            changes={
                "attendance": attendance,
                "absence_acceptable": absence_acceptable,
                "absence_reason": absence_reason,
                "attendance_recorded_at": timezone.now(),
            },
        )
        run = consecutive_unacceptable_misses(referral)
        at_risk = run >= MISSES_FOR_AT_RISK
        newly_at_risk = at_risk and not referral.at_risk
        if at_risk != referral.at_risk:
            Referral.objects.filter(pk=referral.pk).update(at_risk=at_risk)
            referral.at_risk = at_risk
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
        _resolve_reminders(actor, session, "Closed: attendance was recorded")
        if newly_at_risk:
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
    return session


def session_record_delivery(
    *,
    actor: Any,
    session: ProgrammeSession,
    version: int,
    module_delivered: str,
    content: str,
    fidelity: Iterable[str],
    engagement: str,
) -> ProgrammeSession:
    referral = session.referral
    policy.require(actor, Perm.SESSION_MANAGE, referral)
    errors: dict[str, list[str]] = {}
    content = _clean(content)
    fidelity = [f for f in fidelity if f in dict(FIDELITY_ITEMS)]
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
    _raise(errors)
    _guard(
        referral.subject,
        {"content": content},
        actor=actor,
        where="programme.session_record_delivery",
    )
    with transaction.atomic():
        _save(
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


def clinical_note_save(
    *, actor: Any, session: ProgrammeSession, text: str, base_revision: int
) -> ClinicalNote:
    """Add a revision of the session's clinical notes (earlier revisions are kept).

    `base_revision` is the revision the writer read (0 when there were none). If someone saved
    another revision since, StaleRecordError: their text must not become an "earlier revision"
    that nobody chose to replace.
    """
    referral = session.referral
    policy.require(actor, Perm.CLINICAL_NOTES, referral)
    text = _clean(text)
    if not text:
        raise ValidationError({"text": ["Enter the clinical notes"]})
    if len(text) > MAX_TEXT * 2:
        raise ValidationError(
            {"text": [f"Clinical notes must be {MAX_TEXT * 2:,} characters or fewer"]}
        )
    try:
        _guard(referral.subject, {"text": text}, actor=actor, where="programme.clinical_note_save")
    except RedactionBlocked:
        # Refused, but not an oracle: repeated attempts reach the clinical supervisor and police.
        shown.notes_block_count_check(
            actor=actor,
            subject=referral.subject,
            source=session,
            where="programme.clinical_note_save",
        )
        raise
    with transaction.atomic():
        last = session.notes.order_by("-revision").values_list("revision", flat=True).first() or 0
        if last != base_revision:
            raise StaleRecordError(StaleRecordError.message)
        try:
            # The unique (session, revision) constraint is the lock: of two writers who both
            # read `last`, only one can insert `last + 1`.
            with transaction.atomic():
                note = ClinicalNote.objects.create(
                    session=session, revision=last + 1, text=text, written_by=actor
                )
        except IntegrityError:
            raise StaleRecordError(StaleRecordError.message) from None
        audit_record(
            actor=actor,
            category=Category.COLLECTION if last == 0 else Category.ALTERATION,
            verb="programme.clinical_note_save",
            obj=session,
            new={"revision": note.revision, "note": note.pk},
        )
    return note


def risk_disclosure_record(
    *, actor: Any, session: ProgrammeSession, disclosed: str, urgency: str
) -> RiskDisclosure:
    """A concern raised in a session. Creates the disclosure record and publishes it for the
    sharing app to route to the police and advocates."""
    referral = session.referral
    policy.require(actor, Perm.SESSION_MANAGE, referral)
    errors: dict[str, list[str]] = {}
    disclosed = _clean(disclosed)
    if not disclosed:
        errors["disclosed"] = ["Enter what was disclosed"]
    elif len(disclosed) > MAX_TEXT:
        errors["disclosed"] = [f"The disclosure must be {MAX_TEXT:,} characters or fewer"]
    if urgency not in DisclosureUrgency.values:
        errors["urgency"] = ["Select how urgent this is"]
    _raise(errors)
    # Risk information is never refused (police and advocates may know the victim's details);
    # wording that names the victim is withheld on provider pages when shown (sharing.shown).
    kinds = victim_identifier_kinds(disclosed, subject=referral.subject)
    with transaction.atomic():
        record = RiskDisclosure.objects.create(
            referral=referral,
            session=session,
            disclosed=disclosed,
            urgency=urgency,
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            category=Category.COLLECTION,
            verb="programme.risk_disclosure",
            obj=record,
            new={"referral": referral.pk, "session": session.pk, "urgency": urgency},
        )
        if kinds:
            audit_record(
                actor=actor,
                category=Category.SECURITY,
                verb="redaction.withheld_from_provider",
                obj=record,
                new={"where": "programme.risk_disclosure_record", "kinds": kinds},
            )
        events.publish(
            kind=events.EventKind.RISK_DISCLOSURE,
            actor=actor,
            subject=referral.subject,
            source=record,
            summary=f"Referral {referral.reference}, session {session.number}: {disclosed}",
            urgency=events.Urgency(urgency),
        )
    return record


def session_review(
    *, actor: Any, session: ProgrammeSession, version: int, comment: str
) -> ProgrammeSession:
    """A clinical supervisor signs a session off, with a comment that goes into the
    practitioner's supervision log."""
    referral = session.referral
    policy.require(actor, Perm.SESSION_REVIEW, referral)
    comment = _clean(comment)
    errors: dict[str, list[str]] = {}
    if not comment:
        errors["comment"] = ["Enter your comment on the session"]
    if session.reviewed_at is not None:
        errors["comment"] = ["This session has already been signed off"]
    if not session.attendance:
        errors["comment"] = errors.get("comment") or ["Attendance must be recorded before review"]
    _raise(errors)
    _guard(referral.subject, {"comment": comment}, actor=actor, where="programme.session_review")
    now = timezone.now()
    with transaction.atomic():
        _save(
            session,
            version=version,
            changes={"reviewed_by": actor, "reviewed_at": now, "review_comment": comment},
        )
        entry = SupervisionEntry.objects.create(
            practitioner=session.practitioner,
            supervisor=actor,
            session=session,
            occurred_on=timezone.localdate(),
            comment=comment,
        )
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb="programme.session_review",
            obj=session,
            new={"reviewed_by": actor.pk, "supervision_entry": entry.pk},
        )
    return session


def supervision_entry_add(
    *, actor: Any, practitioner: Any, occurred_on: dt.date | None, comment: str
) -> SupervisionEntry:
    policy.require_perm(actor, Perm.SESSION_REVIEW)
    errors: dict[str, list[str]] = {}
    comment = _clean(comment)
    if practitioner is None or practitioner.organisation_id != actor.organisation_id:
        raise PermissionDenied("supervision")
    if occurred_on is None:
        errors["occurred_on"] = ["Enter the date of the supervision"]
    elif occurred_on > timezone.localdate():
        errors["occurred_on"] = ["The date of the supervision must be today or in the past"]
    if not comment:
        errors["comment"] = ["Enter a note of the supervision"]
    _raise(errors)
    assert occurred_on is not None
    with transaction.atomic():
        entry = SupervisionEntry.objects.create(
            practitioner=practitioner, supervisor=actor, occurred_on=occurred_on, comment=comment
        )
        audit_record(
            actor=actor,
            category=Category.COLLECTION,
            verb="programme.supervision_entry",
            obj=entry,
            new={"practitioner": practitioner.pk, "occurred_on": occurred_on},
        )
    return entry


# --- measures -------------------------------------------------------------------------------


def measure_instruments() -> Any:
    from desist.risk.models import Instrument, InstrumentKind

    return Instrument.objects.filter(
        kind=InstrumentKind.OUTCOME_MEASURE, is_active=True, owner__isnull=True
    )


def measure_record(
    *,
    actor: Any,
    referral: Referral,
    instrument: Any,
    timepoint: str,
    assessed_on: dt.date | None,
    answers: Mapping[str, Any],
) -> Measure:
    """Score an outcome measure with the risk instrument engine and save it."""
    from desist.risk.engine import OUTCOME_MEASURE
    from desist.risk.loader import definition_of
    from desist.risk.services import answer_field

    policy.require(actor, Perm.MEASURE_RECORD, referral)
    errors: dict[str, list[str]] = {}
    if instrument is None or not measure_instruments().filter(pk=instrument.pk).exists():
        raise ValidationError({"instrument": ["Select an outcome measure"]})
    d = definition_of(instrument)
    if d.kind != OUTCOME_MEASURE:
        raise ValidationError({"instrument": ["Select an outcome measure"]})
    if timepoint not in Timepoint.values:
        errors["timepoint"] = ["Select when the measure was given"]
    if assessed_on is None:
        errors["assessed_on"] = ["Enter the date the measure was given"]
    elif assessed_on > timezone.localdate():
        errors["assessed_on"] = ["The date the measure was given must be today or in the past"]
    cleaned, item_errors = d.check_answers(answers, assessed_on=assessed_on)
    for item_id, message in item_errors.items():
        errors[answer_field(item_id)] = [message]
    _raise(errors)
    assert assessed_on is not None
    outcome = d.score(cleaned)
    with transaction.atomic():
        measure = Measure.objects.create(
            referral=referral,
            instrument=instrument,
            timepoint=timepoint,
            assessed_on=assessed_on,
            answers=cleaned,
            score=outcome.score.quantize(Decimal("0.0001")) if outcome.score is not None else None,
            risk_level=outcome.level or "",
            assessor=actor,
        )
        audit_record(
            actor=actor,
            category=Category.COLLECTION,
            verb="programme.measure_record",
            obj=measure,
            new={
                "referral": referral.pk,
                "instrument": instrument.pk,
                "timepoint": timepoint,
                "assessed_on": assessed_on,
                "score": str(measure.score) if measure.score is not None else None,
            },
        )
    return measure


# --- the end-of-intervention report -----------------------------------------------------------

END_REPORT_STATUSES = (S.ACTIVE, S.COMPLETED, S.DISENGAGED, S.WITHDRAWN, S.EXCLUDED)


def end_report_save(
    *,
    actor: Any,
    referral: Referral,
    version: int | None,
    practitioner_assessment: str,
    warning_signs: str,
    skills_to_use: str,
    contacts: str,
    police_summary: str = "",
) -> EndReport:
    policy.require(actor, Perm.END_REPORT_WRITE, referral)
    values = {
        "practitioner_assessment": _clean(practitioner_assessment),
        "warning_signs": _clean(warning_signs),
        "skills_to_use": _clean(skills_to_use),
        "contacts": _clean(contacts),
        "police_summary": _clean(police_summary),
    }
    required = {
        "practitioner_assessment": "Enter your assessment of the person's progress",
        "warning_signs": "Enter the warning signs",
        "skills_to_use": "Enter the skills to use",
        "contacts": "Enter who to contact",
    }
    errors = {k: [m] for k, m in required.items() if not values[k]}
    for k, v in values.items():
        if len(v) > MAX_TEXT:
            errors[k] = [f"This must be {MAX_TEXT:,} characters or fewer"]
    if referral.status not in END_REPORT_STATUSES:
        errors["practitioner_assessment"] = [
            "The end report can be written only once the intervention has started"
        ]
    _raise(errors)
    _guard(referral.subject, values, actor=actor, where="programme.end_report_save")
    with transaction.atomic():
        existing = EndReport.objects.filter(referral=referral).first()
        if existing is None:
            report = EndReport.objects.create(referral=referral, written_by=actor, **values)
            category = Category.COLLECTION
        else:
            if version is None:
                raise StaleRecordError(StaleRecordError.message)
            _save(
                existing,
                version=version,
                changes={**values, "written_by": actor, "written_at": timezone.now()},
            )
            report = existing
            category = Category.ALTERATION
        audit_record(
            actor=actor,
            category=category,
            verb="programme.end_report_save",
            obj=report,
            new={"referral": referral.pk, "version": report.version},
        )
    return report


# --- the calendar feed ----------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_token_create(*, actor: Any) -> str:
    """A new secret feed address for the actor's sessions; any earlier one stops working.
    Returns the token (shown once; only its hash is stored)."""
    policy.require_perm(actor, Perm.SESSION_MANAGE)
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        CalendarToken.objects.filter(user=actor, revoked_at__isnull=True).update(revoked_at=now)
        row = CalendarToken.objects.create(user=actor, token_hash=token_hash(token))
        audit_record(
            actor=actor, category=Category.SECURITY, verb="programme.calendar_token_create", obj=row
        )
    return token


def calendar_token_revoke(*, actor: Any) -> int:
    policy.require_perm(actor, Perm.SESSION_MANAGE)
    with transaction.atomic():
        n = CalendarToken.objects.filter(user=actor, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        audit_record(
            actor=actor,
            category=Category.SECURITY,
            verb="programme.calendar_token_revoke",
            new={"revoked": n},
        )
    return n
