"""Writes for cases: record a case for a subject, correct it, close and reopen it, and add
incidents to its timeline.

Audit rows carry ids, dates and choice values, never summaries or descriptions (free text).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from desist import policy
from desist.accounts.models import User
from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.cases.models import (
    Case,
    CaseStatus,
    ClosureReason,
    Incident,
    IncidentType,
    Relationship,
)
from desist.core.concurrency import StaleRecordError, save_versioned
from desist.people.models import Subject
from desist.people.validators import check_not_future
from desist.policy import Perm

FOUR_INDICATORS = ("fixated", "obsessive", "unwanted", "repeated")

# Messages shared with the forms, so a page shows every problem at once.
OPENED_FUTURE = "The date the case was opened must be today or in the past"
INCIDENT_FUTURE = "The date of the incident must be today or in the past"
CLOSED_FUTURE = "The date the case was closed must be today or in the past"


def normalise_crime_reference(value: str) -> str:
    return " ".join((value or "").split()).upper()


def duplicate_reference_message(reference: str) -> str:
    return (
        f"A case with crime reference {reference} is already recorded in your force. "
        "Check the reference, or find the case by searching for it"
    )


def _check_details(
    others: Any, *, reference: str, relationship: str, opened_on: dt.date | None
) -> dict[str, list[str]]:
    """The messages for a case's details; `others` are the force's other cases (for the
    duplicate reference check)."""
    errors: dict[str, list[str]] = {}
    if not reference:
        errors["crime_reference"] = ["Enter the crime reference"]
    elif len(reference) > 40:
        errors["crime_reference"] = ["The crime reference must be 40 characters or fewer"]
    elif others.filter(crime_reference__iexact=reference).exists():
        errors["crime_reference"] = [duplicate_reference_message(reference)]
    if relationship not in Relationship.values:
        errors["relationship"] = ["Select the subject's relationship to the victim"]
    if opened_on is None:
        errors["opened_on"] = ["Enter the date the case was opened"]
    else:
        try:
            check_not_future(opened_on, OPENED_FUTURE)
        except ValidationError as exc:
            errors["opened_on"] = exc.messages
    return errors


def case_create(
    *,
    actor: User,
    subject: Subject,
    crime_reference: str,
    relationship: str,
    opened_on: dt.date | None,
    summary: str = "",
    fixated: bool = False,
    obsessive: bool = False,
    unwanted: bool = False,
    repeated: bool = False,
) -> Case:
    """Record a stalking case against a subject of the actor's force."""
    policy.require_perm(actor, Perm.CASE_EDIT)
    policy.require(actor, Perm.SUBJECT_VIEW, subject)
    reference = normalise_crime_reference(crime_reference)
    errors = _check_details(
        Case.objects.filter(force_id=subject.force_id),
        reference=reference,
        relationship=relationship,
        opened_on=opened_on,
    )
    if errors:
        raise ValidationError(errors)
    assert opened_on is not None
    case = Case(
        force_id=subject.force_id,
        subject=subject,
        crime_reference=reference,
        relationship=relationship,
        fixated=fixated,
        obsessive=obsessive,
        unwanted=unwanted,
        repeated=repeated,
        summary=(summary or "").strip(),
        opened_on=opened_on,
        created_by=actor,
    )
    policy.require(actor, Perm.CASE_EDIT, case)
    try:
        with transaction.atomic():
            case.save()
            audit_record(
                actor=actor,
                category=Category.COLLECTION,
                verb="case.create",
                obj=case,
                new={
                    "subject": subject.pk,
                    "relationship": relationship,
                    "four": [name for name in FOUR_INDICATORS if getattr(case, name)],
                    "opened_on": opened_on,
                },
            )
    except IntegrityError:
        # Someone recorded the same reference between our check and our write.
        raise ValidationError(
            {"crime_reference": [duplicate_reference_message(reference)]}
        ) from None
    return case


def incident_add(
    *,
    actor: User,
    case: Case,
    occurred_on: dt.date | None,
    incident_type: str,
    description: str = "",
) -> Incident:
    """Add an offence or incident to the case's timeline."""
    policy.require(actor, Perm.CASE_EDIT, case)
    errors: dict[str, list[str]] = {}
    if occurred_on is None:
        errors["occurred_on"] = ["Enter the date of the incident"]
    else:
        try:
            check_not_future(occurred_on, INCIDENT_FUTURE)
        except ValidationError as exc:
            errors["occurred_on"] = exc.messages
    if incident_type not in IncidentType.values:
        errors["incident_type"] = ["Select the type of incident"]
    if errors:
        raise ValidationError(errors)
    assert occurred_on is not None
    with transaction.atomic():
        incident = Incident.objects.create(
            case=case,
            occurred_on=occurred_on,
            incident_type=incident_type,
            description=(description or "").strip(),
            created_by=actor,
        )
        audit_record(
            actor=actor,
            category=Category.COLLECTION,
            verb="case.incident_add",
            obj=case,
            new={
                "incident_id": incident.pk,
                "incident_type": incident_type,
                "occurred_on": occurred_on,
            },
        )
    return incident


def _save(case: Case, *, version: int, changes: dict[str, Any]) -> None:
    for name, value in changes.items():
        setattr(case, name, value)
    try:
        save_versioned(case, expected_version=version, fields=list(changes))
    except StaleRecordError:
        raise ValidationError(StaleRecordError.message) from None


def case_update(
    *,
    actor: User,
    case: Case,
    version: int,
    crime_reference: str,
    relationship: str,
    opened_on: dt.date | None,
    summary: str = "",
    fixated: bool = False,
    obsessive: bool = False,
    unwanted: bool = False,
    repeated: bool = False,
) -> Case:
    """Correct the case's details. The audit row names the fields that changed (and the new
    choice values), never the summary's text."""
    policy.require(actor, Perm.CASE_EDIT, case)
    reference = normalise_crime_reference(crime_reference)
    errors = _check_details(
        Case.objects.filter(force_id=case.force_id).exclude(pk=case.pk),
        reference=reference,
        relationship=relationship,
        opened_on=opened_on,
    )
    if opened_on is not None and case.closed_on and opened_on > case.closed_on:
        errors.setdefault("opened_on", []).append(
            "The date the case was opened must be the same as or before the date it was "
            f"closed ({case.closed_on:%-d %B %Y})"
        )
    if errors:
        raise ValidationError(errors)
    wanted: dict[str, Any] = {
        "crime_reference": reference,
        "relationship": relationship,
        "opened_on": opened_on,
        "summary": (summary or "").strip(),
        "fixated": fixated,
        "obsessive": obsessive,
        "unwanted": unwanted,
        "repeated": repeated,
    }
    changes = {k: v for k, v in wanted.items() if getattr(case, k) != v}
    if not changes:
        return case
    old = {k: getattr(case, k) for k in changes if k != "summary"}
    try:
        with transaction.atomic():
            _save(case, version=version, changes=changes)
            audit_record(
                actor=actor,
                category=Category.ALTERATION,
                verb="case.edit",
                obj=case,
                old=old,
                new={
                    "changed": sorted(changes),
                    **{k: v for k, v in changes.items() if k != "summary"},
                },
            )
    except IntegrityError:
        raise ValidationError(
            {"crime_reference": [duplicate_reference_message(reference)]}
        ) from None
    return case


def case_close(
    *, actor: User, case: Case, version: int, closed_on: dt.date | None, reason: str
) -> Case:
    """Close the case with a coded reason. Incidents may still be added (a breach of an order
    made in the case is one), and the case can be reopened."""
    policy.require(actor, Perm.CASE_EDIT, case)
    errors: dict[str, list[str]] = {}
    if case.status == CaseStatus.CLOSED:
        raise ValidationError("This case is already closed")
    if reason not in ClosureReason.values:
        errors["reason"] = ["Select why the case is being closed"]
    if closed_on is None:
        errors["closed_on"] = ["Enter the date the case was closed"]
    else:
        try:
            check_not_future(closed_on, CLOSED_FUTURE)
        except ValidationError as exc:
            errors["closed_on"] = exc.messages
        if closed_on < case.opened_on:
            errors.setdefault("closed_on", []).append(
                "The date the case was closed must be the same as or after the date it was "
                f"opened ({case.opened_on:%-d %B %Y})"
            )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _save(
            case,
            version=version,
            changes={"status": CaseStatus.CLOSED, "closed_on": closed_on, "closure_reason": reason},
        )
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb="case.close",
            obj=case,
            old={"status": CaseStatus.OPEN},
            new={"status": CaseStatus.CLOSED, "closed_on": closed_on, "reason": reason},
        )
    return case


def case_reopen(*, actor: User, case: Case, version: int) -> Case:
    """Reopen a closed case (new information, a new offence)."""
    policy.require(actor, Perm.CASE_EDIT, case)
    if case.status != CaseStatus.CLOSED:
        raise ValidationError("This case is already open")
    old = {"status": case.status, "closed_on": case.closed_on, "reason": case.closure_reason}
    with transaction.atomic():
        _save(
            case,
            version=version,
            changes={"status": CaseStatus.OPEN, "closed_on": None, "closure_reason": ""},
        )
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb="case.reopen",
            obj=case,
            old=old,
            new={"status": CaseStatus.OPEN},
        )
    return case
