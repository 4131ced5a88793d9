"""Writes for evaluation and oversight: outcomes recorded by the police, evaluation runs and
oversight findings. Each checks the policy, validates, writes and audits in one transaction.

Audit rows carry ids, dates and codes, never names or free text (conventions.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from desist import policy
from desist.accounts.models import User
from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.core.concurrency import save_versioned
from desist.evaluation.models import (
    PROVEN_OUTCOMES,
    EvaluationRun,
    Finding,
    FindingArea,
    FindingStatus,
    Offence,
    OffenceOutcome,
)
from desist.people.models import Subject
from desist.policy import Perm

OFFENCE_FIELDS = ("crime_reference", "offence_date", "outcome", "proven_date", "stalking_related")

OFFENCE_DATE_MISSING = "Enter the date the offence was committed"
OFFENCE_DATE_FUTURE = "The date of the offence must be today or in the past"
OUTCOME_MISSING = "Select the outcome of the offence"
PROVEN_MISSING = "Enter the date the offence was proven"
PROVEN_BEFORE = (
    "The date the offence was proven must be the same as or after the date of the offence"
)
PROVEN_FUTURE = "The date the offence was proven must be today or in the past"
PROVEN_NOT_ALLOWED = "Only enter a date proven for a conviction or a caution"


def _today() -> dt.date:
    return timezone.localdate()


def _clean_offence(
    *,
    offence_date: dt.date | None,
    outcome: str,
    proven_date: dt.date | None,
) -> None:
    errors: dict[str, list[str]] = {}
    if offence_date is None:
        errors["offence_date"] = [OFFENCE_DATE_MISSING]
    elif offence_date > _today():
        errors["offence_date"] = [OFFENCE_DATE_FUTURE]
    if outcome not in OffenceOutcome.values:
        errors["outcome"] = [OUTCOME_MISSING]
    elif outcome in PROVEN_OUTCOMES and proven_date is None:
        errors["proven_date"] = [PROVEN_MISSING]
    elif outcome not in PROVEN_OUTCOMES and proven_date is not None:
        errors["proven_date"] = [PROVEN_NOT_ALLOWED]
    if proven_date is not None and "proven_date" not in errors:
        if proven_date > _today():
            errors["proven_date"] = [PROVEN_FUTURE]
        elif offence_date is not None and proven_date < offence_date:
            errors["proven_date"] = [PROVEN_BEFORE]
    if errors:
        raise ValidationError(errors)


def offence_record(
    *,
    actor: User,
    subject: Subject,
    offence_date: dt.date | None,
    outcome: str,
    proven_date: dt.date | None = None,
    stalking_related: bool = False,
    crime_reference: str = "",
) -> Offence:
    """Record a new offence by a subject of the actor's own force."""
    policy.require(actor, Perm.OUTCOME_RECORD, subject)
    _clean_offence(offence_date=offence_date, outcome=outcome, proven_date=proven_date)
    assert offence_date is not None
    with transaction.atomic():
        offence = Offence.objects.create(
            force_id=subject.force_id,
            subject=subject,
            crime_reference=(crime_reference or "").strip()[:40],
            offence_date=offence_date,
            outcome=outcome,
            proven_date=proven_date,
            stalking_related=bool(stalking_related),
            created_by=actor,
        )
        audit_record(
            actor=actor,
            category=Category.COLLECTION,
            verb="outcome.offence_record",
            obj=offence,
            new={
                "subject_id": subject.pk,
                "offence_date": offence_date,
                "outcome": outcome,
                "proven_date": proven_date,
                "stalking_related": bool(stalking_related),
            },
        )
    return offence


def offence_update(
    *,
    actor: User,
    offence: Offence,
    version: int,
    offence_date: dt.date | None,
    outcome: str,
    proven_date: dt.date | None = None,
    stalking_related: bool = False,
    crime_reference: str = "",
) -> Offence:
    """Change an offence (typically: record the outcome once known). Optimistic locking."""
    policy.require(actor, Perm.OUTCOME_RECORD, offence)
    _clean_offence(offence_date=offence_date, outcome=outcome, proven_date=proven_date)
    old = {f: getattr(offence, f) for f in OFFENCE_FIELDS if f != "crime_reference"}
    offence.crime_reference = (crime_reference or "").strip()[:40]
    offence.offence_date = offence_date  # type: ignore[assignment]
    offence.outcome = outcome
    offence.proven_date = proven_date
    offence.stalking_related = bool(stalking_related)
    new = {f: getattr(offence, f) for f in OFFENCE_FIELDS if f != "crime_reference"}
    with transaction.atomic():
        save_versioned(offence, expected_version=version, fields=list(OFFENCE_FIELDS))
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb="outcome.offence_update",
            obj=offence,
            old={k: v for k, v in old.items() if new[k] != v},
            new={k: v for k, v in new.items() if old[k] != v},
        )
    return offence


# --- evaluation runs -----------------------------------------------------------------------


def evaluation_run_create(*, actor: User, params: dict[str, Any]) -> EvaluationRun:
    policy.require_perm(actor, Perm.EVALUATION_VIEW)
    assert actor.organisation_id is not None  # no organisation, no permissions (policy)
    with transaction.atomic():
        run = EvaluationRun.objects.create(
            organisation_id=actor.organisation_id, created_by=actor, params=params
        )
        audit_record(
            actor=actor,
            category=Category.COMBINATION,
            verb="evaluation.run_create",
            obj=run,
            new={"params": params},
        )
    return run


# --- oversight findings ----------------------------------------------------------------------

FINDING_FIELDS = ("title", "area", "detail", "follow_up", "follow_up_due", "status")


def _clean_finding(
    *, title: str, area: str, detail: str, status: str, follow_up: str, follow_up_due: Any
) -> None:
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = ["Enter a short title for the finding"]
    if area not in FindingArea.values:
        errors["area"] = ["Select the area the finding is about"]
    if not detail.strip():
        errors["detail"] = ["Enter what was found"]
    if status not in FindingStatus.values:
        errors["status"] = ["Select the status of the finding"]
    if follow_up.strip() and follow_up_due is None and status != FindingStatus.CLOSED:
        errors["follow_up_due"] = ["Enter the date the follow-up is due"]
    if errors:
        raise ValidationError(errors)


def finding_record(
    *,
    actor: User,
    title: str,
    area: str,
    detail: str,
    follow_up: str = "",
    follow_up_due: dt.date | None = None,
    status: str = FindingStatus.OPEN,
) -> Finding:
    policy.require_perm(actor, Perm.OVERSIGHT_DASHBOARD)
    assert actor.organisation_id is not None  # no organisation, no permissions (policy)
    _clean_finding(
        title=title,
        area=area,
        detail=detail,
        status=status,
        follow_up=follow_up,
        follow_up_due=follow_up_due,
    )
    with transaction.atomic():
        finding = Finding.objects.create(
            organisation_id=actor.organisation_id,
            title=title.strip(),
            area=area,
            detail=detail.strip(),
            follow_up=follow_up.strip(),
            follow_up_due=follow_up_due,
            status=status,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            category=Category.COLLECTION,
            verb="oversight.finding_record",
            obj=finding,
            new={"area": area, "status": status, "follow_up_due": follow_up_due},
        )
    return finding


def finding_update(
    *,
    actor: User,
    finding: Finding,
    version: int,
    title: str,
    area: str,
    detail: str,
    follow_up: str,
    follow_up_due: dt.date | None,
    status: str,
) -> Finding:
    policy.require(actor, Perm.OVERSIGHT_DASHBOARD, finding)
    _clean_finding(
        title=title,
        area=area,
        detail=detail,
        status=status,
        follow_up=follow_up,
        follow_up_due=follow_up_due,
    )
    old = {"area": finding.area, "status": finding.status, "follow_up_due": finding.follow_up_due}
    finding.title = title.strip()
    finding.area = area
    finding.detail = detail.strip()
    finding.follow_up = follow_up.strip()
    finding.follow_up_due = follow_up_due
    finding.status = status
    with transaction.atomic():
        save_versioned(finding, expected_version=version, fields=list(FINDING_FIELDS))
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb="oversight.finding_update",
            obj=finding,
            old=old,
            new={"area": area, "status": status, "follow_up_due": follow_up_due},
        )
    return finding
