"""Writes for cases: record a case for a subject and add incidents to its timeline.

Audit rows carry ids, dates and choice values, never summaries or descriptions (free text).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from desist import policy
from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.cases.models import Case, Incident, IncidentType, Relationship
from desist.people.models import Subject
from desist.people.validators import check_not_future
from desist.policy import Perm

FOUR_INDICATORS = ("fixated", "obsessive", "unwanted", "repeated")

# Messages shared with the forms, so a page shows every problem at once.
OPENED_FUTURE = "The date the case was opened must be today or in the past"
INCIDENT_FUTURE = "The date of the incident must be today or in the past"


def normalise_crime_reference(value: str) -> str:
    return " ".join((value or "").split()).upper()


def _duplicate_message(reference: str) -> str:
    return (
        f"A case with crime reference {reference} is already recorded in your force. "
        "Check the reference, or find the case by searching for it"
    )


def case_create(
    *,
    actor: Any,
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
    errors: dict[str, list[str]] = {}
    if not reference:
        errors["crime_reference"] = ["Enter the crime reference"]
    elif len(reference) > 40:
        errors["crime_reference"] = ["The crime reference must be 40 characters or fewer"]
    elif Case.objects.filter(force_id=subject.force_id, crime_reference__iexact=reference).exists():
        errors["crime_reference"] = [_duplicate_message(reference)]
    if relationship not in Relationship.values:
        errors["relationship"] = ["Select the subject's relationship to the victim"]
    if opened_on is None:
        errors["opened_on"] = ["Enter the date the case was opened"]
    else:
        try:
            check_not_future(opened_on, OPENED_FUTURE)
        except ValidationError as exc:
            errors["opened_on"] = exc.messages
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
        raise ValidationError({"crime_reference": [_duplicate_message(reference)]}) from None
    return case


def incident_add(
    *,
    actor: Any,
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
