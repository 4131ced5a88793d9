"""Writes for victims (police side): record a victim of a case.

Identity and contact details are encrypted at rest by the model's fields. They never go into
audit values, log messages, exceptions or str(): audit rows carry the victim's id and the
names of the fields recorded, nothing more.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from desist import policy
from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.cases.models import Case
from desist.people.validators import normalise_email, normalise_phone, normalise_postcode
from desist.policy import Perm
from desist.safeguarding.models import Victim

VICTIM_SEXES = ("female", "male", "other")
IDENTITY_FIELDS = ("first_names", "last_name", "address", "postcode", "phone", "email")


def victim_create(
    *,
    actor: Any,
    case: Case,
    first_names: str,
    last_name: str,
    address: str = "",
    postcode: str = "",
    phone: str = "",
    email: str = "",
    sex: str = "other",
) -> Victim:
    """Record a victim of `case`, owned by the case's force, and link them to the case."""
    policy.require_perm(actor, Perm.VICTIM_EDIT)
    policy.require(actor, Perm.CASE_EDIT, case)
    errors: dict[str, list[str]] = {}
    values = {
        "first_names": " ".join((first_names or "").split()),
        "last_name": " ".join((last_name or "").split()),
        "address": (address or "").strip(),
        "postcode": "",
        "phone": "",
        "email": "",
    }
    if not values["first_names"]:
        errors["first_names"] = ["Enter the victim's first names"]
    if not values["last_name"]:
        errors["last_name"] = ["Enter the victim's last name"]
    for field, raw, clean in (
        ("postcode", postcode, normalise_postcode),
        ("phone", phone, normalise_phone),
        ("email", email, normalise_email),
    ):
        if (raw or "").strip():
            try:
                values[field] = clean(raw)
            except ValidationError as exc:
                errors[field] = exc.messages
    if sex not in VICTIM_SEXES:
        errors["sex"] = ["Select the victim's sex"]
    if errors:
        raise ValidationError(errors)
    victim = Victim(force_id=case.force_id, sex=sex, created_by=actor, **values)
    policy.require(actor, Perm.VICTIM_EDIT, victim)
    with transaction.atomic():
        victim.save()
        case.victims.add(victim)
        audit_record(
            actor=actor,
            category=Category.COLLECTION,
            verb="victim.create",
            obj=victim,
            new={
                "case": case.pk,
                "fields_recorded": [f for f in IDENTITY_FIELDS if values[f]],
            },
        )
    return victim
