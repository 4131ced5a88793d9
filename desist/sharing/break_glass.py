"""Writes for break-glass access: request, a second person's decision, each page used, and the
overseer's review (ADR 0006, governance from issue 12).

A request opens its one record at once, unless `policy.break_glass_approval_reasons` says it
needs a second person (over the daily cap, or police reaching a force outside their
partnerships); then it waits, opening nothing, until a supervisor of the requester's own
organisation approves it. Whenever a record opens, the police supervisors of the force that
holds it are alerted at once. Every step is a security audit event in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from desist import policy
from desist.accounts.models import User
from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.core.concurrency import StaleRecordError, save_versioned
from desist.core.models import Organisation, OrganisationKind
from desist.policy import Perm
from desist.sharing import clock, events, grants, rules
from desist.sharing.kinds import EventKind
from desist.sharing.models import BreakGlassGrant

log = logging.getLogger(__name__)
T = BreakGlassGrant.RecordType
S = BreakGlassGrant.Status

RECORD_URL_NAMES: dict[str, list[str]] = {
    "people.Subject": ["people:detail"],
    "cases.Case": ["cases:detail"],
    "orders.Order": ["orders:detail"],
    "safeguarding.Victim": ["safeguarding:victim", "safeguarding:victim_detail"],
}


def record_url(record_type: str, record_id: int) -> str:
    """Where the record opens, or "" if its page does not exist (yet)."""
    for name in RECORD_URL_NAMES.get(str(record_type), []):
        try:
            return reverse(name, args=[record_id])
        except NoReverseMatch:
            continue
    return ""


def break_glass_minutes() -> int:
    return int(getattr(settings, "DESIST_BREAK_GLASS_MINUTES", 30))


def break_glass_daily_cap() -> int:
    """Requests a user may make in one (local) day before each needs a second approver."""
    return int(getattr(settings, "DESIST_BREAK_GLASS_DAILY_CAP", 3))


def break_glass_requests_today(*, actor: User, now: dt.datetime) -> int:
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return BreakGlassGrant.objects.filter(
        user_id=actor.pk, requested_at__gte=start, requested_at__lte=now
    ).count()


def _organisation_of(actor: User) -> Organisation:
    """The actor's organisation: breaking glass needs a role, and roles are held in one."""
    if actor.organisation is None:
        raise PermissionDenied(Perm.BREAK_GLASS_REQUEST.value)
    return actor.organisation


def break_glass_allowed_types(actor: User) -> list[str]:
    """Police break glass to another force's subjects, cases and orders; advocates to victims
    of their partnership not referred to them. Nobody else (provider roles lack the Perm)."""
    if not policy.has_perm(actor, Perm.BREAK_GLASS_REQUEST):
        return []
    kind = _organisation_of(actor).kind
    if kind == OrganisationKind.POLICE_FORCE:
        return [T.SUBJECT, T.CASE, T.ORDER]
    if kind == OrganisationKind.ADVOCACY:
        return [T.VICTIM]
    return []


def _in_normal_scope(actor: User, record: Any) -> bool:
    scopes = {
        "people.Subject": policy.scope_subjects,
        "cases.Case": policy.scope_cases,
        "orders.Order": policy.scope_orders,
        "safeguarding.Victim": policy.scope_victims,
    }
    scope = scopes[record._meta.label]
    qs = type(record)._default_manager.filter(pk=record.pk)
    granted = grants.live_record_ids(actor, record._meta.label)
    return bool(scope(actor, qs).exclude(pk__in=granted).exists())


def _request_errors(actor: User, record: Any, justification: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if record._meta.label not in break_glass_allowed_types(actor):
        errors["record_type"] = ["You cannot use break-glass access for this kind of record"]
    if not justification:
        errors["justification"] = ["Enter a reason for emergency access"]
    elif len(justification) < 20:
        errors["justification"] = [
            "Explain why you need this record now, in at least 20 characters"
        ]
    elif len(justification) > 2000:
        errors["justification"] = ["The reason must be 2000 characters or fewer"]
    if not errors and _in_normal_scope(actor, record):
        errors["reference"] = [
            "You can already open this record. Break-glass access is only for records outside "
            "your normal access"
        ]
    if (
        not errors
        and record._meta.label == T.VICTIM
        and record.force_id not in policy.partnership_organisation_ids(actor)
    ):
        errors["reference"] = ["This victim was not recorded by a police force in your partnership"]
    return errors


def _subject_of(record: Any) -> Any:
    label = record._meta.label
    if label == T.SUBJECT:
        return record
    if label in (T.CASE, T.ORDER):
        return record.subject
    return None  # a victim: the alert names no one


def break_glass_record_of(grant: BreakGlassGrant) -> Any:
    """The record a grant names, for its reference in alerts (never shown through a scope)."""
    return apps.get_model(grant.record_type)._default_manager.get(pk=grant.record_id)


def record_reference(record_type: str, record: Any) -> str:
    """The record as its users know it: "Stalking Protection Order SPO/2026/0012", never its
    database id (a subject by force reference or PNC number)."""
    ref = (
        getattr(record, "crime_reference", "")
        or getattr(record, "reference", "")
        or getattr(record, "force_reference", "")
        or getattr(record, "pnc_number", "")
    )
    kind = dict(T.choices).get(record_type, record_type)
    return f"{kind} {ref}" if ref else f"{kind} with no reference"


def with_record_references(grants: Iterable[BreakGlassGrant]) -> list[BreakGlassGrant]:
    """The grants, each given `record_reference` for the pages that list or show it: one
    query per kind of record, however many grants."""
    grants = list(grants)
    wanted: dict[str, set[int]] = {}
    for g in grants:
        wanted.setdefault(g.record_type, set()).add(g.record_id)
    found = {
        label: apps.get_model(label)._default_manager.in_bulk(ids) for label, ids in wanted.items()
    }
    for g in grants:
        record = found[g.record_type].get(g.record_id)
        kind = g.get_record_type_display()
        g.record_reference = (  # type: ignore[attr-defined]
            record_reference(g.record_type, record) if record else f"{kind} no longer held"
        )
    return grants


def break_glass_request(
    *,
    actor: User,
    record: Any,
    justification: str,
    now: dt.datetime | None = None,
) -> BreakGlassGrant:
    """Ask for one record outside the actor's scope. Opens it for DESIST_BREAK_GLASS_MINUTES,
    or, when the policy asks for a second person, records a pending request and alerts the
    requester's managers. Logged loudly (security audit category)."""
    policy.require_perm(actor, Perm.BREAK_GLASS_REQUEST)
    justification = (justification or "").strip()
    errors = _request_errors(actor, record, justification)
    if errors:
        raise ValidationError(errors)
    now = now or clock.now()
    label, owner_id = record._meta.label, record.force_id
    with transaction.atomic():
        # One request at a time per user, so two at once cannot both slip under the cap.
        actor._meta.model._default_manager.select_for_update().filter(pk=actor.pk).first()
        reasons = policy.break_glass_approval_reasons(
            actor,
            record_organisation_id=owner_id,
            requests_today=break_glass_requests_today(actor=actor, now=now),
            daily_cap=break_glass_daily_cap(),
        )
        grant = BreakGlassGrant.objects.create(
            user=actor,
            organisation=_organisation_of(actor),
            record_type=label,
            record_id=record.pk,
            record_organisation_id=owner_id,
            justification=justification,
            status=S.PENDING if reasons else S.GRANTED,
            approval_reasons=",".join(reasons),
            requested_at=now,
            granted_at=now,
            expires_at=now if reasons else now + dt.timedelta(minutes=break_glass_minutes()),
        )
        audit_record(
            actor=actor,
            category=Category.SECURITY,
            verb="break_glass.request",
            obj=record,
            justification=justification[:500],
            new={
                "grant_id": grant.pk,
                "record_organisation": owner_id,
                "status": grant.status,
                "approval_reasons": reasons,
            },
        )
        if reasons:
            _ask_for_approval(grant, actor=actor, record=record, now=now)
        else:
            _opened(grant, actor=actor, record=record, now=now)
    return grant


def _ask_for_approval(
    grant: BreakGlassGrant, *, actor: User, record: Any, now: dt.datetime
) -> None:
    why = " and ".join(grant.approval_reason_labels)
    summary = (
        f"{actor.display_name()} asks for emergency access to "
        f"{record_reference(grant.record_type, record)}, held by "
        f"{grant.record_organisation.name}. It needs your approval because {why}. "
        f"Reason given: {grant.justification}"
    )
    rules.dispatch(
        kind=EventKind.BREAK_GLASS_APPROVAL,
        actor=actor,
        subject=None,
        source=grant,
        summary=summary,
        now=now,
    )


def _opened(grant: BreakGlassGrant, *, actor: User, record: Any, now: dt.datetime) -> None:
    """The record is open: audit it, log it, and tell the holding force's supervisors."""
    if grant.status == S.GRANTED and grant.decided_by_id is None:
        audit_record(
            actor=actor,
            category=Category.SECURITY,
            verb="break_glass.grant",
            obj=record,
            justification=grant.justification[:500],
            new={
                "grant_id": grant.pk,
                "record_type": grant.record_type,
                "record_id": grant.record_id,
                "record_organisation": grant.record_organisation_id,
                "expires_at": grant.expires_at,
                "minutes": break_glass_minutes(),
            },
        )
    until = timezone.localtime(grant.expires_at).strftime("%H:%M")
    requester = grant.user
    summary = (
        f"{requester.display_name()} of {grant.organisation.name} opened "
        f"{record_reference(grant.record_type, record)} under emergency access (break-glass) "
        f"until {until}. Reason given: {grant.justification}"
    )
    rules.dispatch(
        kind=EventKind.BREAK_GLASS_USED,
        actor=actor,
        subject=_subject_of(record),
        source=grant,
        summary=summary,
        now=now,
    )
    log.warning(
        "Break-glass access granted: user %s to %s %s until %s",
        grant.user_id,
        grant.record_type,
        grant.record_id,
        grant.expires_at.isoformat(),
    )


def _decision_errors(grant: BreakGlassGrant, decision: str, note: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if grant.status != S.PENDING:
        errors["decision"] = ["This request has already been decided"]
    elif decision not in ("approve", "refuse"):
        errors["decision"] = ["Select whether to approve or refuse the request"]
    if decision == "refuse" and not note:
        errors["note"] = ["Enter why you are refusing the request"]
    if len(note) > 2000:
        errors["note"] = ["The note must be 2000 characters or fewer"]
    return errors


def break_glass_decide(
    *,
    actor: User,
    grant: BreakGlassGrant,
    version: int,
    decision: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> BreakGlassGrant:
    """A supervisor of the requester's organisation approves (the record opens from now for
    DESIST_BREAK_GLASS_MINUTES) or refuses (nothing opens) a pending request."""
    policy.require(actor, Perm.BREAK_GLASS_APPROVE, grant)
    note = (note or "").strip()
    errors = _decision_errors(grant, decision, note)
    if errors:
        raise ValidationError(errors)
    now = now or clock.now()
    approve = decision == "approve"
    before = (grant.status, grant.granted_at, grant.expires_at)
    with transaction.atomic():
        grant.status = S.GRANTED if approve else S.REFUSED
        grant.decided_at, grant.decided_by, grant.decision_note = now, actor, note
        if approve:
            grant.granted_at = now
            grant.expires_at = now + dt.timedelta(minutes=break_glass_minutes())
        try:
            save_versioned(
                grant,
                expected_version=version,
                fields=["status", "decided_at", "decided_by", "decision_note"]
                + ["granted_at", "expires_at"],
            )
        except StaleRecordError:
            grant.status, grant.granted_at, grant.expires_at = before
            grant.decided_at = grant.decided_by = None
            grant.decision_note = ""
            raise
        audit_record(
            actor=actor,
            category=Category.SECURITY,
            verb="break_glass.approve" if approve else "break_glass.refuse",
            obj=grant,
            justification=note[:500],
            new={
                "status": grant.status,
                "user_id": grant.user_id,
                "record_type": grant.record_type,
                "record_id": grant.record_id,
                "expires_at": grant.expires_at if approve else None,
            },
        )
        events.resolve(
            kind=EventKind.BREAK_GLASS_APPROVAL,
            actor=actor,
            source=grant,
            reason=f"{'Approved' if approve else 'Refused'} by {actor.display_name()}",
        )
        if approve:
            _opened(grant, actor=actor, record=break_glass_record_of(grant), now=now)
    return grant


def break_glass_record_use(*, actor: User, grant: BreakGlassGrant, path: str) -> None:
    """One page of a record seen under a grant: the owner's auditors see it (policy)."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            category=Category.SECURITY,
            verb="break_glass.use",
            object_type=grant.record_type,
            object_id=grant.record_id,
            new={"grant_id": grant.pk, "path": path[:200]},
        )


def break_glass_review(
    *,
    actor: User,
    grant: BreakGlassGrant,
    version: int,
    finding: str,
    notes: str,
    now: dt.datetime | None = None,
) -> BreakGlassGrant:
    policy.require_perm(actor, Perm.BREAK_GLASS_REVIEW)
    errors: dict[str, list[str]] = {}
    notes = (notes or "").strip()
    if grant.reviewed_at is not None:
        errors["finding"] = ["This use of break-glass access has already been reviewed"]
    if finding not in BreakGlassGrant.Finding.values:
        errors["finding"] = ["Select your finding"]
    if not notes:
        errors["notes"] = ["Enter the reasons for your finding"]
    elif len(notes) > 4000:
        errors["notes"] = ["The reasons must be 4000 characters or fewer"]
    if errors:
        raise ValidationError(errors)
    now = now or clock.now()
    with transaction.atomic():
        grant.reviewed_at, grant.reviewed_by = now, actor
        grant.finding, grant.review_notes = finding, notes
        try:
            save_versioned(
                grant,
                expected_version=version,
                fields=["reviewed_at", "reviewed_by", "finding", "review_notes"],
            )
        except StaleRecordError:
            grant.reviewed_at = grant.reviewed_by = None
            grant.finding = grant.review_notes = ""
            raise
        audit_record(
            actor=actor,
            category=Category.SECURITY,
            verb="break_glass.review",
            obj=grant,
            new={"finding": finding, "reviewed_at": now, "user_id": grant.user_id},
        )
    return grant
