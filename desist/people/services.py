"""Writes for subjects: create, edit (optimistic locking), aliases, address history and the
intervention decision. Each checks the policy, validates, writes and audits in one transaction.

Audit rows name the fields that changed and the ids of rows written, never names, addresses or
free text (conventions.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from desist import policy
from desist.accounts.models import User
from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.core.concurrency import StaleRecordError, save_versioned
from desist.core.models import Organisation, OrganisationKind
from desist.core.text import normalise_name
from desist.people.models import (
    InterventionDecision,
    Sex,
    Subject,
    SubjectAddress,
    SubjectAlias,
    pnc_normalise,
    validate_cro,
    validate_pnc,
    validate_pnd,
)
from desist.people.validators import (
    check_not_future,
    normalise_postcode,
    pnc_canonical,
    pnc_variants,
)
from desist.policy import Perm

EARLIEST_BIRTH = dt.date(1900, 1, 1)

# Messages shared with the forms, so a page shows every problem at once.
DOB_FUTURE = "The date of birth must be today or in the past"
MOVED_IN_FUTURE = "The date they moved in must be today or in the past"
DECIDED_FUTURE = "The date of the decision must be today or in the past"
PNC_TAKEN = (
    "A subject with this PNC number is already recorded in your force. "
    "Search for them instead of adding them again"
)

# The fields a subject form edits, in the order the audit trail lists them.
SUBJECT_FIELDS = (
    "first_names",
    "last_name",
    "date_of_birth",
    "sex",
    "pnc_number",
    "cro_number",
    "pnd_reference",
    "force_reference",
)


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _error(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _clean_subject(
    *,
    force_id: int,
    exclude_pk: int | None,
    first_names: str,
    last_name: str,
    date_of_birth: dt.date | None,
    sex: str,
    pnc_number: str,
    force_reference: str,
    cro_number: str = "",
    pnd_reference: str = "",
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {
        "first_names": " ".join((first_names or "").split()),
        "last_name": " ".join((last_name or "").split()),
        "date_of_birth": date_of_birth,
        "sex": sex or Sex.OTHER,
        "pnc_number": "",
        "cro_number": pnc_normalise(cro_number),
        "pnd_reference": pnc_normalise(pnd_reference),
        "force_reference": (force_reference or "").strip(),
    }
    for field, check in (("cro_number", validate_cro), ("pnd_reference", validate_pnd)):
        if values[field]:
            try:
                check(values[field])
            except ValidationError as exc:
                _error(errors, field, exc.messages[0])
    if not values["first_names"]:
        _error(errors, "first_names", "Enter the subject's first names")
    if not values["last_name"]:
        _error(errors, "last_name", "Enter the subject's last name")
    if values["sex"] not in Sex.values:
        _error(errors, "sex", "Select the subject's sex")
    if date_of_birth is not None:
        try:
            check_not_future(date_of_birth, DOB_FUTURE)
        except ValidationError as exc:
            _error(errors, "date_of_birth", exc.messages[0])
        if date_of_birth < EARLIEST_BIRTH:
            _error(errors, "date_of_birth", "The date of birth must be after 1 January 1900")
    if (pnc_number or "").strip():
        try:
            validate_pnc(pnc_number)
        except ValidationError as exc:
            _error(errors, "pnc_number", exc.messages[0])
        else:
            values["pnc_number"] = pnc_canonical(pnc_number)
            twins = Subject.objects.filter(
                force_id=force_id, pnc_number__in=pnc_variants(pnc_number)
            )
            if exclude_pk is not None:
                twins = twins.exclude(pk=exclude_pk)
            if twins.exists():
                _error(errors, "pnc_number", PNC_TAKEN)
    _raise(errors)
    return values


def _require_police(actor: User) -> Organisation:
    """The actor's police force; anyone else may not record subjects."""
    organisation = getattr(actor, "organisation", None)
    if organisation is None or organisation.kind != OrganisationKind.POLICE_FORCE:
        raise PermissionDenied(Perm.SUBJECT_EDIT.value)
    return organisation


def subject_create(
    *,
    actor: User,
    first_names: str,
    last_name: str,
    date_of_birth: dt.date | None = None,
    sex: str = Sex.OTHER,
    pnc_number: str = "",
    force_reference: str = "",
    cro_number: str = "",
    pnd_reference: str = "",
) -> Subject:
    """Record a new subject in the actor's own force."""
    policy.require_perm(actor, Perm.SUBJECT_EDIT)
    force = _require_police(actor)
    values = _clean_subject(
        force_id=force.pk,
        exclude_pk=None,
        first_names=first_names,
        last_name=last_name,
        date_of_birth=date_of_birth,
        sex=sex,
        pnc_number=pnc_number,
        force_reference=force_reference,
        cro_number=cro_number,
        pnd_reference=pnd_reference,
    )
    with transaction.atomic():
        subject = Subject(force=force, created_by=actor, **values)
        subject.refresh_search()
        subject.save()
        audit_record(
            actor=actor,
            category=Category.COLLECTION,
            verb="subject.create",
            obj=subject,
            new={
                "force": force.pk,
                "fields": [f for f in SUBJECT_FIELDS if values[f]],
            },
        )
    return subject


def subject_update(
    *,
    actor: User,
    subject: Subject,
    version: int,
    first_names: str,
    last_name: str,
    date_of_birth: dt.date | None,
    sex: str,
    pnc_number: str,
    force_reference: str,
    cro_number: str = "",
    pnd_reference: str = "",
) -> Subject:
    """Edit a subject's identity. `version` is the one the editor read: if someone else has
    saved since, StaleRecordError is raised and nothing is written."""
    policy.require(actor, Perm.SUBJECT_EDIT, subject)
    values = _clean_subject(
        force_id=subject.force_id,
        exclude_pk=subject.pk,
        first_names=first_names,
        last_name=last_name,
        date_of_birth=date_of_birth,
        sex=sex,
        pnc_number=pnc_number,
        force_reference=force_reference,
        cro_number=cro_number,
        pnd_reference=pnd_reference,
    )
    changed = [f for f in SUBJECT_FIELDS if getattr(subject, f) != values[f]]
    if not changed:
        if not Subject.objects.filter(pk=subject.pk, version=version).exists():
            raise StaleRecordError(StaleRecordError.message)
        return subject
    before = {f: getattr(subject, f) for f in (*SUBJECT_FIELDS, "name_search")}
    with transaction.atomic():
        for field in changed:
            setattr(subject, field, values[field])
        subject.refresh_search()
        try:
            save_versioned(
                subject, expected_version=version, fields=[*SUBJECT_FIELDS, "name_search"]
            )
        except StaleRecordError:
            for field, value in before.items():
                setattr(subject, field, value)
            raise
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb="subject.update",
            obj=subject,
            old={"version": version},
            new={"version": subject.version, "fields": changed},
        )
    return subject


def subject_alias_add(*, actor: User, subject: Subject, name: str) -> SubjectAlias:
    """Record another name the subject uses or has used."""
    policy.require(actor, Perm.SUBJECT_EDIT, subject)
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise ValidationError({"name": ["Enter the other name"]})
    search = normalise_name(cleaned)
    if not search:
        raise ValidationError({"name": ["Enter a name that includes letters or numbers"]})
    if search == subject.name_search or subject.aliases.filter(name_search=search).exists():
        raise ValidationError({"name": ["This name is already recorded for the subject"]})
    with transaction.atomic():
        alias = SubjectAlias(subject=subject, name=cleaned)
        alias.refresh_search()
        alias.save()
        audit_record(
            actor=actor,
            category=Category.COLLECTION,
            verb="subject.alias_add",
            obj=subject,
            new={"alias_id": alias.pk},
        )
    return alias


def subject_address_add(
    *,
    actor: User,
    subject: Subject,
    address: str,
    postcode: str,
    from_date: dt.date | None,
    source: str = SubjectAddress.Source.POLICE_RECORD,
) -> SubjectAddress:
    """Add the subject's new address. The address that was current until now is closed:
    its `to_date` becomes the new address's `from_date`."""
    policy.require(actor, Perm.SUBJECT_EDIT, subject)
    errors: dict[str, list[str]] = {}
    address = (address or "").strip()
    if not address:
        _error(errors, "address", "Enter the address")
    cleaned_postcode = ""
    if (postcode or "").strip():
        try:
            cleaned_postcode = normalise_postcode(postcode)
        except ValidationError as exc:
            _error(errors, "postcode", exc.messages[0])
    if from_date is None:
        _error(errors, "from_date", "Enter the date the subject started living at this address")
    else:
        try:
            check_not_future(from_date, MOVED_IN_FUTURE)
        except ValidationError as exc:
            _error(errors, "from_date", exc.messages[0])
    if source not in SubjectAddress.Source.values:
        _error(errors, "source", "Select where this address came from")
    _raise(errors)
    assert from_date is not None
    with transaction.atomic():
        # Lock the subject so two people adding addresses at once cannot both close the
        # same current address.
        Subject.objects.select_for_update().filter(pk=subject.pk).first()
        current = (
            SubjectAddress.objects.filter(subject=subject, to_date__isnull=True)
            .order_by("-from_date", "-id")
            .first()
        )
        if current is not None and from_date < current.from_date:
            raise ValidationError(
                {
                    "from_date": [
                        "The date they moved in must be the same as or after the date they "
                        f"moved in to their current address ({current.from_date.day} "
                        f"{current.from_date:%B %Y})"
                    ]
                }
            )
        closed = None
        if current is not None:
            # Every open row is closed, so there is only ever one current address.
            SubjectAddress.objects.filter(subject=subject, to_date__isnull=True).update(
                to_date=from_date
            )
            closed = current.pk
        new = SubjectAddress.objects.create(
            subject=subject,
            address=address,
            postcode=cleaned_postcode,
            from_date=from_date,
            source=source,
        )
        audit_record(
            actor=actor,
            category=Category.COLLECTION,
            verb="subject.address_add",
            obj=subject,
            old={"closed_address_id": closed} if closed else None,
            new={"address_id": new.pk, "from_date": from_date, "source": source},
        )
    return new


def intervention_reason_error(decision: str, reason: str) -> str | None:
    """The rule for reasons: required when not suitable or declined."""
    if (reason or "").strip():
        return None
    if decision == InterventionDecision.Decision.NOT_SUITABLE:
        return "Enter why the subject is not suitable for the intervention"
    if decision == InterventionDecision.Decision.DECLINED:
        return "Enter why the subject declined the intervention"
    return None


def intervention_decision_record(
    *,
    actor: User,
    subject: Subject,
    decision: str,
    reason: str,
    decided_on: dt.date | None,
) -> InterventionDecision:
    """Record whether a subject was put forward for the intervention. A reason is required
    when they were not suitable or declined."""
    policy.require(actor, Perm.INTERVENTION_DECIDE, subject)
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if decision not in InterventionDecision.Decision.values:
        _error(errors, "decision", "Select the decision about the intervention")
    else:
        missing = intervention_reason_error(decision, reason)
        if missing:
            _error(errors, "reason", missing)
    if decided_on is None:
        _error(errors, "decided_on", "Enter the date of the decision")
    else:
        try:
            check_not_future(decided_on, DECIDED_FUTURE)
        except ValidationError as exc:
            _error(errors, "decided_on", exc.messages[0])
    _raise(errors)
    assert decided_on is not None
    with transaction.atomic():
        made = InterventionDecision.objects.create(
            subject=subject,
            decision=decision,
            reason=reason,
            decided_on=decided_on,
            decided_by=actor,
        )
        audit_record(
            actor=actor,
            category=Category.COLLECTION,
            verb="subject.intervention_decision",
            obj=subject,
            new={
                "decision_id": made.pk,
                "decision": decision,
                "decided_on": decided_on,
                "reason_given": bool(reason),
            },
        )
    return made
