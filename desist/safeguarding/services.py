"""Writes for victims and advocacy casework.

Identity and contact details are encrypted at rest by the model's fields. They never go into
audit values, log messages, exceptions or str(): audit rows carry the victim's id and the
names of the fields recorded, nothing more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format

from desist import policy
from desist.accounts.models import User
from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.cases.models import Case
from desist.core.concurrency import StaleRecordError, save_versioned
from desist.core.dates import long_date
from desist.core.models import Organisation
from desist.people.validators import normalise_email, normalise_phone, normalise_postcode
from desist.policy import Perm
from desist.safeguarding.models import (
    OPENED_BY_SERVICE,
    AdvocacyCase,
    AdvocacyCaseEvent,
    AdvocacyStatus,
    AgencyKind,
    CaseEventKind,
    Channel,
    CheckReason,
    ClosureReason,
    ContactKind,
    ContactLogEntry,
    DigitalCheck,
    EvidenceGuidance,
    HomeSecurity,
    Marac,
    NotGenuineReason,
    Origin,
    RiskLevel,
    SafetyPlanVersion,
    SelfReferralDiscards,
    ShareWith,
    Victim,
    VictimRating,
    Vulnerability,
)
from desist.safeguarding.selectors import (
    advocates_of_service,
    perpetrators_of_victim,
    referral_services_for,
    victims_linkable_to_case,
)
from desist.sharing.models import LawfulBasis
from desist.sharing.port import EventKind, publish, resolve
from desist.sharing.services import disclosure_record

VICTIM_SEXES = ("female", "male", "other")
IDENTITY_FIELDS = ("first_names", "last_name", "address", "postcode", "phone", "email")
OVERRIDE_REASON_MAX = 1000


def victim_create(
    *,
    actor: User,
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


def victim_link_to_case(*, actor: User, case: Case, victim_id: int | None) -> Victim:
    """Add a victim already recorded in one of the subject's other cases to this case, so a
    repeat case keeps one record per person (one contact history, one advocate, one set of
    ratings) rather than a duplicate."""

    policy.require_perm(actor, Perm.VICTIM_EDIT)
    policy.require(actor, Perm.CASE_EDIT, case)
    victim = (
        victims_linkable_to_case(actor=actor, case=case).filter(pk=victim_id).first()
        if victim_id
        else None
    )
    if victim is None:
        raise ValidationError({"victim": ["Select a victim from the subject's other cases"]})
    policy.require(actor, Perm.VICTIM_EDIT, victim)
    with transaction.atomic():
        case.victims.add(victim)
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb="case.victim_link",
            obj=case,
            new={"victim": victim.pk},
        )
    return victim


# --- victim records: contact details, preferences, wishes -------------------------------------

CONTACT_FIELDS = (
    "first_names",
    "last_name",
    "preferred_name",
    "sex",
    "address",
    "postcode",
    "phone",
    "alternative_phone",
    "email",
)
PREFERENCE_FIELDS = (
    "safe_channels",
    "safe_times",
    "never_contact",
    "safe_word",
    "vulnerabilities",
    "vulnerability_notes",
    "enhanced_rights",
    "wants_engagement_news",
    "share_with",
    "wishes_notes",
)
# Typed by people: never written into audit values (only the names of changed fields are),
# and blanked when a victim is anonymised (safeguarding/retention.py).
VICTIM_FREE_TEXT = {
    "first_names",
    "last_name",
    "preferred_name",
    "address",
    "postcode",
    "phone",
    "alternative_phone",
    "email",
    "safe_times",
    "never_contact",
    "safe_word",
    "vulnerability_notes",
    "wishes_notes",
}


def _clean_contact(values: dict[str, Any], *, errors: dict[str, list[str]]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "first_names": " ".join((values.get("first_names") or "").split()),
        "last_name": " ".join((values.get("last_name") or "").split()),
        "preferred_name": " ".join((values.get("preferred_name") or "").split()),
        "address": (values.get("address") or "").strip(),
        "sex": values.get("sex") or "other",
    }
    if not out["first_names"]:
        errors["first_names"] = ["Enter the victim's first names"]
    if not out["last_name"]:
        errors["last_name"] = ["Enter the victim's last name"]
    for field, clean in (
        ("postcode", normalise_postcode),
        ("phone", normalise_phone),
        ("alternative_phone", normalise_phone),
        ("email", normalise_email),
    ):
        raw = (values.get(field) or "").strip()
        out[field] = ""
        if raw:
            try:
                out[field] = clean(raw)
            except ValidationError as exc:
                errors[field] = exc.messages
    if out["sex"] not in VICTIM_SEXES:
        errors["sex"] = ["Select the victim's sex"]
    return out


def _save_victim(
    *, actor: User, victim: Victim, version: int, values: dict[str, Any], verb: str
) -> Victim:
    fields = list(values)
    changed = [f for f in fields if getattr(victim, f) != values[f]]
    if not changed:
        if not Victim.objects.filter(pk=victim.pk, version=version).exists():
            raise StaleRecordError(StaleRecordError.message)
        return victim
    before = {f: getattr(victim, f) for f in fields}
    with transaction.atomic():
        for f in changed:
            setattr(victim, f, values[f])
        try:
            save_versioned(victim, expected_version=version, fields=changed)
        except StaleRecordError:
            for f, v in before.items():
                setattr(victim, f, v)
            raise
        new: dict[str, Any] = {"version": victim.version, "fields": changed}
        # Codes and flags are not personal free text; they may be recorded as values.
        for f in changed:
            if f not in VICTIM_FREE_TEXT and f != "sex":
                new[f] = values[f]
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb=verb,
            obj=victim,
            old={"version": version},
            new=new,
        )
    return victim


def victim_update_contact(*, actor: User, victim: Victim, version: int, **values: Any) -> Victim:
    """Change a victim's identity and contact details (police of the recording force, or an
    advocate of a service with an advocacy case for the victim)."""
    policy.require(actor, Perm.VICTIM_EDIT, victim)
    errors: dict[str, list[str]] = {}
    clean = _clean_contact(values, errors=errors)
    if errors:
        raise ValidationError(errors)
    return _save_victim(
        actor=actor, victim=victim, version=version, values=clean, verb="victim.update_contact"
    )


def _codes(
    values: Any, allowed: list[str], field: str, message: str, errors: dict[str, list[str]]
) -> list[str]:
    picked = [str(v) for v in (values or [])]
    if any(v not in allowed for v in picked):
        errors[field] = [message]
    return [v for v in allowed if v in picked]  # a stable order


def victim_update_preferences(
    *,
    actor: User,
    victim: Victim,
    version: int,
    safe_channels: Any = (),
    safe_times: str = "",
    never_contact: str = "",
    safe_word: str = "",
    vulnerabilities: Any = (),
    vulnerability_notes: str = "",
    enhanced_rights: bool = False,
    wants_engagement_news: bool = False,
    share_with: Any = (),
    wishes_notes: str = "",
) -> Victim:
    """Record contact preferences, vulnerabilities, the Victims' Code enhanced-rights flag and
    the victim's wishes (engagement news, what may be shared with whom)."""
    policy.require(actor, Perm.VICTIM_EDIT, victim)
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {
        "safe_channels": _codes(
            safe_channels,
            Channel.values,
            "safe_channels",
            "Select safe ways to contact the victim from the list",
            errors,
        ),
        "safe_times": (safe_times or "").strip(),
        "never_contact": (never_contact or "").strip(),
        "safe_word": " ".join((safe_word or "").split()),
        "vulnerabilities": _codes(
            vulnerabilities,
            Vulnerability.values,
            "vulnerabilities",
            "Select vulnerabilities from the list",
            errors,
        ),
        "vulnerability_notes": (vulnerability_notes or "").strip(),
        "enhanced_rights": bool(enhanced_rights),
        "wants_engagement_news": bool(wants_engagement_news),
        "share_with": _codes(
            share_with,
            ShareWith.values,
            "share_with",
            "Select who information may be shared with from the list",
            errors,
        ),
        "wishes_notes": (wishes_notes or "").strip(),
    }
    for field, limit in (
        ("safe_times", 500),
        ("never_contact", 1000),
        ("safe_word", 60),
        ("vulnerability_notes", 2000),
        ("wishes_notes", 2000),
    ):
        if len(values[field]) > limit:
            errors[field] = [f"This must be {limit} characters or fewer"]
    if errors:
        raise ValidationError(errors)
    wishes_changed = any(
        getattr(victim, f) != values[f]
        for f in ("wants_engagement_news", "share_with", "wishes_notes")
    )
    if wishes_changed:
        values["wishes_recorded_on"] = timezone.localdate()
    return _save_victim(
        actor=actor, victim=victim, version=version, values=values, verb="victim.update_preferences"
    )


# --- advocacy: referral ---------------------------------------------------------------------


def _event(
    case: AdvocacyCase,
    kind: str,
    by: Any,
    *,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    detail: str = "",
    at: dt.datetime | None = None,
) -> None:
    AdvocacyCaseEvent.objects.create(
        case=case,
        kind=kind,
        by=by if by is not None and getattr(by, "is_authenticated", False) else None,
        at=at or timezone.now(),
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        detail=detail,
    )


WISHES_REASON_MAX = 1000


def _against_wishes(
    victim: Victim, lawful_basis: str, reason: str, errors: dict[str, list[str]]
) -> tuple[str, str]:
    """(basis, reason) for a referral the victim's recorded wishes do not allow, or ("", "")
    when they allow it. Consent cannot be the basis: the victim has not given it."""
    if not victim.referral_against_wishes():
        return "", ""
    reason = (reason or "").strip()
    allowed = [c for c in LawfulBasis.values if c != LawfulBasis.CONSENT]
    if lawful_basis not in allowed:
        errors["lawful_basis"] = [
            "Select the lawful basis for referring the victim against their recorded wishes"
            if lawful_basis != LawfulBasis.CONSENT
            else "Consent cannot be the basis: the victim has not agreed to be referred"
        ]
    if not reason:
        errors["wishes_reason"] = [
            "Enter why the victim is being referred against their recorded sharing wishes"
        ]
    elif len(reason) > WISHES_REASON_MAX:
        errors["wishes_reason"] = [f"The reason must be {WISHES_REASON_MAX} characters or fewer"]
    return lawful_basis, reason


def advocacy_refer(
    *,
    actor: User,
    victim: Victim,
    service: Organisation,
    notes: str = "",
    lawful_basis: str = "",
    wishes_reason: str = "",
) -> AdvocacyCase:
    """Police refer a victim of their force to an advocacy service (Victims' Code: referral to
    support services). One open referral per victim and service. Against the victim's recorded
    sharing wishes only with a lawful basis and a reason, logged as a disclosure."""
    policy.require(actor, Perm.ADVOCACY_REFER, victim)

    errors: dict[str, list[str]] = {}
    if service is None or service.pk not in {s.pk for s in referral_services_for(actor=actor)}:
        errors["service"] = ["Select the advocacy service to refer to"]
    notes = (notes or "").strip()
    if len(notes) > 2000:
        errors["notes"] = ["The reason for referral must be 2000 characters or fewer"]
    basis, wishes_reason = _against_wishes(victim, lawful_basis, wishes_reason, errors)
    if (
        not errors
        and AdvocacyCase.objects.filter(
            victim=victim, service=service, status=AdvocacyStatus.OPEN
        ).exists()
    ):
        errors["service"] = ["This victim already has an open referral to that service"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        case = AdvocacyCase.objects.create(
            victim=victim,
            service=service,
            origin=Origin.POLICE,
            referred_by=actor,
            referring_org=actor.organisation,
            referral_notes=notes,
            against_wishes_basis=basis,
            against_wishes_reason=wishes_reason,
        )
        _event(
            case,
            CaseEventKind.REFERRED,
            actor,
            to_status=AdvocacyStatus.OPEN,
            detail="Referred by the police"
            + (" against the victim's recorded sharing wishes" if basis else ""),
        )
        _audit_referral(actor, case, basis)
        if basis:
            _record_against_wishes_disclosure(actor, case, basis)
    return case


def _audit_referral(actor: User, case: AdvocacyCase, basis: str) -> None:
    audit_record(
        actor=actor,
        category=Category.DISCLOSURE,
        verb="advocacy.refer_against_wishes" if basis else "advocacy.refer",
        obj=case,
        recipients=[case.service.name],
        justification=(
            f"Against the victim's recorded wishes, under {LawfulBasis(basis).label}"
            if basis
            else "Victims' Code: referral to victim support services"
        ),
        new={"victim": case.victim.pk, "service": case.service.pk, "lawful_basis": basis or None},
    )


def _record_against_wishes_disclosure(actor: User, case: AdvocacyCase, basis: str) -> None:
    # The reason stays on the case (encrypted); the log says where to find it.
    assert actor.organisation is not None  # policy: no organisation, no permissions
    disclosure_record(
        actor=actor,
        from_organisation=actor.organisation,
        to_organisation=case.service,
        what=(
            f"Referral of victim {case.victim.reference} (identity and contact details) to "
            "advocacy against the victim's recorded sharing wishes"
        ),
        purpose=(
            "Referral to victim support against the victim's recorded wishes; the "
            f"reason is recorded on advocacy case {case.reference}"
        ),
        lawful_basis=basis,
        authorised_by=actor,
        authority="Decided by the referring officer, with a reason",
        source=case,
    )


def self_referral_service() -> Organisation | None:
    """The advocacy service that receives public self-referrals: settings.
    DESIST_SELF_REFERRAL_SERVICE (an organisation code), else the first advocacy service."""
    from django.conf import settings

    code = getattr(settings, "DESIST_SELF_REFERRAL_SERVICE", "") or ""
    qs = Organisation.objects.filter(kind="advocacy")
    if code:
        return qs.filter(code=code).first()
    return qs.order_by("id").first()


def self_referral_create(
    *,
    service: Organisation,
    first_names: str,
    last_name: str,
    phone: str = "",
    email: str = "",
    postcode: str = "",
    safe_channels: Any = (),
    safe_times: str = "",
    notes: str = "",
    check_reason: str = "",
) -> AdvocacyCase:
    """A victim refers themselves (public form, no login). Always a new victim record, owned by
    the advocacy service: it is never matched against existing victims (docs/adr/0007). With a
    `check_reason` (a CheckReason the spam checks gave) it is held for the advocacy manager to
    check before triage: stored all the same, never dropped (docs/adr/0016)."""
    if check_reason and check_reason not in CheckReason.values:
        raise ValueError(f"Unknown check reason {check_reason!r}")
    status = AdvocacyStatus.CHECK if check_reason else AdvocacyStatus.OPEN
    clean = _clean_self_referral(
        {
            "first_names": first_names,
            "last_name": last_name,
            "phone": phone,
            "email": email,
            "postcode": postcode,
        },
        safe_channels,
    )
    with transaction.atomic():
        victim = Victim.objects.create(
            force=None,
            owner=service,
            first_names=clean["first_names"],
            last_name=clean["last_name"],
            phone=clean["phone"],
            email=clean["email"],
            postcode=clean["postcode"],
            safe_channels=clean["safe_channels"],
            safe_times=(safe_times or "").strip()[:500],
        )
        case = AdvocacyCase.objects.create(
            victim=victim,
            service=service,
            origin=Origin.SELF,
            referral_notes=(notes or "").strip()[:5000],
            status=status,
            check_reason=check_reason,
        )
        _event(
            case,
            CaseEventKind.REFERRED,
            None,
            to_status=status,
            detail="Self-referral" + (", held for a check before triage" if check_reason else ""),
        )
        new = {"victim": victim.pk, "service": service.pk}
        audit_record(
            actor=None,
            actor_username="self-referral",
            category=Category.COLLECTION,
            verb="advocacy.self_referral",
            obj=case,
            new={**new, "check_reason": check_reason} if check_reason else new,
        )
    return case


def _clean_self_referral(contact: dict[str, Any], safe_channels: Any) -> dict[str, Any]:
    """The victim's own contact details and safe channels, cleaned; errors in the words of a
    form the victim fills in."""
    errors: dict[str, list[str]] = {}
    clean = _clean_contact(contact, errors=errors)
    for key in ("first_names", "last_name"):
        if key in errors:
            errors[key] = ["Enter your " + ("first name" if key == "first_names" else "last name")]
    if (
        not clean["phone"]
        and not clean["email"]
        and "phone" not in errors
        and "email" not in errors
    ):
        errors["phone"] = ["Enter a telephone number or an email address so we can contact you"]
    clean["safe_channels"] = _codes(
        safe_channels,
        Channel.values,
        "safe_channels",
        "Select how it is safe to contact you",
        errors,
    )
    if "safe_channels" not in errors:
        _channels_need_details(clean, errors, whose="your")
    if errors:
        raise ValidationError(errors)
    return clean


# A safe way to contact someone is usable only with its detail (tester finding: a case opened
# with "Email" as its only safe way and no email address).
_CHANNEL_DETAIL = {
    Channel.PHONE: ("phone", "telephone number"),
    Channel.TEXT: ("phone", "mobile number"),
    Channel.EMAIL: ("email", "email address"),
}


def _channels_need_details(
    clean: dict[str, Any], errors: dict[str, list[str]], *, whose: str
) -> None:
    for channel in clean["safe_channels"]:
        field, what = _CHANNEL_DETAIL.get(channel, ("", ""))
        if field and not clean.get(field) and field not in errors:
            label = Channel(channel).label
            errors[field] = [f"Enter {whose} {what}, or untick '{label}' as a safe way to contact"]


REFERRER_MAX = 500


OPENING_FUTURE = "The date of the call or referral must be today or in the past"
OPENING_TOO_OLD = "The date of the call or referral must be within the last year"
OPENING_SPOKE_NOT_CALL = (
    "Untick 'I spoke to the victim on this call', or select that the referral came by phone"
)


def opening_earliest(today: dt.date) -> dt.date:
    """A case is opened from a call or referral of the last 12 months (28 February for 29)."""
    try:
        return today.replace(year=today.year - 1)
    except ValueError:
        return today.replace(year=today.year - 1, day=28)


def check_opened_on(day: dt.date | None) -> None:
    """The day of the call or referral: today or earlier, and within the last year."""
    if day is None:
        return
    today = timezone.localdate()
    if day > today:
        raise ValidationError(OPENING_FUTURE)
    if day < opening_earliest(today):
        raise ValidationError(OPENING_TOO_OLD)


def _check_opening(
    origin: str,
    referred_at: dt.datetime | dt.date | None,
    agency_kind: str,
    referrer: str,
    spoke_to_victim: bool,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if origin not in OPENED_BY_SERVICE:
        errors["origin"] = ["Select how the referral came in"]
    if referred_at is None:
        errors["referred_on"] = ["Enter the date of the call or referral"]
    else:
        at = referred_at if isinstance(referred_at, dt.datetime) else None
        try:
            check_opened_on(timezone.localdate(at) if at else referred_at)
        except ValidationError as exc:
            errors["referred_on"] = list(exc.messages)
        if at and "referred_on" not in errors and at > timezone.now() + dt.timedelta(minutes=5):
            errors["referred_on"] = [OPENING_FUTURE]
    if origin == Origin.AGENCY:
        if agency_kind not in AgencyKind.values:
            errors["agency_kind"] = ["Select the kind of agency that referred the victim"]
        if not referrer:
            errors["referrer"] = ["Enter who referred the victim and how to reach them"]
        # Refused, not dropped: first contact is only a call with the victim (tester finding).
        if spoke_to_victim:
            errors["spoke_to_victim"] = [OPENING_SPOKE_NOT_CALL]
    if len(referrer) > REFERRER_MAX:
        errors["referrer"] = [f"This must be {REFERRER_MAX} characters or fewer"]
    return errors


def _clean_opening(values: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    """A case opening's answers, cleaned; messages collected in `errors`. `referred_at` is a
    date and time, or (from the form, before the view adds a time) a date."""
    referrer = (values.get("referrer") or "").strip()
    errors.update(
        _check_opening(
            values.get("origin") or "",
            values.get("referred_at"),
            values.get("agency_kind") or "",
            referrer,
            bool(values.get("spoke_to_victim")),
        )
    )
    contact = {f: values.get(f) or "" for f in ("first_names", "last_name", "phone", "email")}
    clean = _clean_contact(contact, errors=errors)
    if not (clean["phone"] or clean["email"] or "phone" in errors or "email" in errors):
        errors["phone"] = ["Enter a telephone number or an email address for the victim"]
    clean["safe_channels"] = _codes(
        values.get("safe_channels") or (),
        Channel.values,
        "safe_channels",
        "Select safe ways from the list",
        errors,
    )
    if "safe_channels" not in errors:
        _channels_need_details(clean, errors, whose="the victim's")
    spoke = values.get("origin") == Origin.PHONE and bool(values.get("spoke_to_victim"))
    if spoke and not clean["safe_channels"] and "safe_channels" not in errors:
        # Whoever spoke to the victim can ask; a case with no safe way to reach her would
        # leave the next advocate guessing (tester finding).
        errors["safe_channels"] = [
            "Select at least one safe way to contact the victim (ask them during the call)"
        ]
    clean["notes"] = (values.get("notes") or "").strip()
    if len(clean["notes"]) > 5000:
        errors["notes"] = ["The reason for referral must be 5000 characters or fewer"]
    clean["referrer"] = referrer
    return clean


def case_opening_problems(values: dict[str, Any]) -> dict[str, list[str]]:
    """Every message a case opening's answers get, without writing: the form shows them all at
    once, also beside a date it refused itself (tester finding)."""
    errors: dict[str, list[str]] = {}
    _clean_opening(values, errors)
    return errors


@dataclass(frozen=True)
class _Twin:
    reference: str
    why: str


def _open_case_of_same_person(service: Organisation, clean: dict[str, Any]) -> _Twin | None:
    """An open case of the service whose victim has the same phone number, email address or
    full name. The fields are encrypted, so they are compared here, one service's open cases
    at a time (hundreds, not the nation's)."""
    name = " ".join(f"{clean['first_names']} {clean['last_name']}".lower().split())
    cases = AdvocacyCase.objects.filter(service=service).exclude(status=AdvocacyStatus.CLOSED)
    for case in cases.select_related("victim").order_by("pk"):
        v = case.victim
        if clean["phone"] and clean["phone"] in (v.phone, v.alternative_phone):
            return _Twin(case.reference, "the same telephone number")
        if clean["email"] and v.email and clean["email"].lower() == v.email.lower():
            return _Twin(case.reference, "the same email address")
        if name and name == " ".join(v.full_name.lower().split()):
            return _Twin(case.reference, "the same name")
    return None


def _refuse_a_second_record(service: Organisation, clean: dict[str, Any]) -> None:
    if twin := _open_case_of_same_person(service, clean):
        raise ValidationError(
            {
                "different_person": [
                    f"Open case {twin.reference} may be the same person ({twin.why}). Open "
                    "that case instead, or confirm this is a different person"
                ]
            }
        )


def advocacy_case_open(
    *,
    actor: User,
    service: Organisation,
    origin: str,
    referred_at: dt.datetime | None,
    first_names: str,
    last_name: str,
    phone: str = "",
    email: str = "",
    safe_channels: Any = (),
    agency_kind: str = "",
    referrer: str = "",
    notes: str = "",
    spoke_to_victim: bool = False,
    different_person: bool = False,
) -> AdvocacyCase:
    """The service opens a case itself, from a phone call or another agency's referral (issue
    20). Like a self-referral, the victim record is new and owned by the service (ADR 0007). A
    call in which the advocate spoke to the victim is the first contact. An open case of the
    service with the same phone number, email address or full name is named first, and the
    case is opened only once the advocate confirms it is a different person."""
    policy.require(actor, Perm.ADVOCACY_OPEN, service)
    errors: dict[str, list[str]] = {}
    answers: dict[str, Any] = {"origin": origin, "referred_at": referred_at}
    answers |= {"agency_kind": agency_kind, "referrer": referrer, "notes": notes}
    answers |= {"spoke_to_victim": spoke_to_victim, "safe_channels": safe_channels}
    answers |= {"first_names": first_names, "last_name": last_name, "phone": phone}
    clean = _clean_opening({**answers, "email": email}, errors)
    referrer, notes, channels = clean["referrer"], clean["notes"], clean["safe_channels"]
    if errors:
        raise ValidationError(errors)
    if not different_person:
        _refuse_a_second_record(service, clean)
    assert referred_at is not None
    spoke = origin == Origin.PHONE and bool(spoke_to_victim)
    with transaction.atomic():
        victim = Victim.objects.create(
            force=None,
            owner=service,
            first_names=clean["first_names"],
            last_name=clean["last_name"],
            phone=clean["phone"],
            email=clean["email"],
            safe_channels=channels,
            created_by=actor,
        )
        case = AdvocacyCase.objects.create(
            victim=victim,
            service=service,
            origin=origin,
            referred_at=referred_at,
            referred_by=actor,
            agency_kind=agency_kind if origin == Origin.AGENCY else "",
            referrer=referrer,
            referral_notes=notes,
            first_contact_at=referred_at if spoke else None,
        )
        _event(case, CaseEventKind.REFERRED, actor, to_status="open", at=referred_at)
        if spoke:
            _event(case, CaseEventKind.FIRST_CONTACT, actor, at=referred_at)
        # Codes only: names, numbers and what the referrer said stay encrypted.
        audit_record(
            actor=actor,
            category=Category.COLLECTION,
            verb="advocacy.case_open",
            obj=case,
            new={
                "victim": victim.pk,
                "origin": origin,
                "agency_kind": case.agency_kind,
                "first_contact": spoke,
                "fields_recorded": [f for f in ("phone", "email") if clean[f]],
            },
        )
    return case


def _require_waiting_for_check(case: AdvocacyCase, field: str) -> None:
    if case.status != AdvocacyStatus.CHECK:
        raise ValidationError({field: ["This request has already been checked"]})


def self_referral_accept(*, actor: User, case: AdvocacyCase, version: int) -> AdvocacyCase:
    """The advocacy manager accepts a held self-referral into normal triage. First contact stays
    due 48 hours from when the victim sent it, not from the check."""
    policy.require(actor, Perm.ADVOCACY_ALLOCATE, case)
    _require_waiting_for_check(case, "decision")
    _check_version(case, version)  # before touching the object, so a refusal leaves it as it was
    with transaction.atomic():
        case.status = AdvocacyStatus.OPEN
        save_versioned(case, expected_version=version, fields=["status"])
        _event(case, CaseEventKind.ACCEPTED, actor, from_status="check", to_status="open")
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb="advocacy.self_referral_accept",
            obj=case,
            old={"status": "check", "check_reason": case.check_reason},
            new={"status": "open"},
        )
    return case


def self_referral_mark_not_genuine(
    *, actor: User, case: AdvocacyCase, version: int, reason: str
) -> AdvocacyCase:
    """The advocacy manager marks a held self-referral as not a genuine request. Nothing is
    deleted: the case is closed with the reason, and can be reopened like any closed case."""
    policy.require(actor, Perm.ADVOCACY_ALLOCATE, case)
    if reason not in NotGenuineReason.values:
        raise ValidationError({"reason": ["Select why this is not a genuine request"]})
    _require_waiting_for_check(case, "decision")
    _check_version(case, version)
    with transaction.atomic():
        case.status = AdvocacyStatus.CLOSED
        case.closed_at = timezone.now()
        case.closure_reason = ClosureReason.NOT_GENUINE
        save_versioned(
            case, expected_version=version, fields=["status", "closed_at", "closure_reason"]
        )
        _event(
            case,
            CaseEventKind.NOT_GENUINE,
            actor,
            from_status="check",
            to_status="closed",
            reason=ClosureReason.NOT_GENUINE,
            detail=NotGenuineReason(reason).label,
        )
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb="advocacy.self_referral_not_genuine",
            obj=case,
            justification=NotGenuineReason(reason).label,
            old={"status": "check", "check_reason": case.check_reason},
            new={"status": "closed", "reason": reason},
        )
    return case


def self_referral_record_discard(*, day: dt.date | None = None) -> None:
    """Count one submission the honeypot discarded. Only the count per day is kept: nothing a
    bot (or, by mischance, a person) typed."""
    day = day or timezone.localdate()
    with transaction.atomic():
        row, _ = SelfReferralDiscards.objects.get_or_create(day=day)
        SelfReferralDiscards.objects.filter(pk=row.pk).update(honeypot=F("honeypot") + 1)


# --- advocacy: allocation, contact log, safety plan, ratings, closing -------------------------


def _check_version(case: AdvocacyCase, version: int) -> None:
    if not AdvocacyCase.objects.filter(pk=case.pk, version=version).exists():
        raise StaleRecordError(StaleRecordError.message)


def advocacy_allocate(
    *, actor: User, case: AdvocacyCase, version: int, advocate: Any
) -> AdvocacyCase:
    policy.require(actor, Perm.ADVOCACY_ALLOCATE, case)

    if advocate is None or advocate.pk not in {u.pk for u in advocates_of_service(actor=actor)}:
        raise ValidationError({"advocate": ["Select an advocate"]})
    if not case.is_open:
        raise ValidationError({"advocate": ["Reopen the case before allocating it"]})
    old = case.advocate_id
    with transaction.atomic():
        case.advocate = advocate
        case.allocated_at = timezone.now()
        save_versioned(case, expected_version=version, fields=["advocate", "allocated_at"])
        _event(
            case,
            CaseEventKind.ALLOCATED,
            actor,
            detail=advocate.display_name(),
        )
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb="advocacy.allocate",
            obj=case,
            old={"advocate": old},
            new={"advocate": advocate.pk},
        )
    return case


OVERRIDE_REASON_MIN = 10


def _preference_override(
    victim: Victim, kind: str, channel: str, reason: str, errors: dict[str, list[str]]
) -> str:
    """The reason for contacting the victim a way they said was not safe (not ticked as safe,
    or named in their "never contact" note), or "" when the way is safe. A report of the
    perpetrator's contact describes how *he* made contact, so it is not an advocate's choice
    of channel."""
    reason = (reason or "").strip()
    if (
        kind == ContactKind.NEW_PERPETRATOR_CONTACT
        or channel not in Channel.values
        or victim.channel_is_safe(channel)
    ):
        return ""
    label = Channel(channel).label
    why = (
        f"{label} is one of the ways the victim said never to use"
        if channel in victim.never_channels()
        else f"{label} is not one of the ways the victim said it is safe to contact them"
    )
    if not reason:
        errors["override_reason"] = [
            f"{why}. Choose a safe way, or give the reason for contacting the victim in a way "
            "the victim said was not safe"
        ]
    elif len(reason) < OVERRIDE_REASON_MIN or sum(c.isalpha() for c in reason) < 5:
        # "." or "ok" is not a reason anyone could review later.
        errors["override_reason"] = [
            "Give the reason for contacting the victim in a way the victim said was not safe, "
            f"in words (at least {OVERRIDE_REASON_MIN} characters)"
        ]
    elif len(reason) > OVERRIDE_REASON_MAX:
        errors["override_reason"] = [
            f"The reason must be {OVERRIDE_REASON_MAX} characters or fewer"
        ]
    return reason


def _audit_override(actor: User, case: AdvocacyCase, entry: ContactLogEntry) -> None:
    # Codes only: the reason is free text and may name people, so it stays encrypted.
    audit_record(
        actor=actor,
        category=Category.COLLECTION,
        verb="advocacy.contact_preference_override",
        obj=entry,
        justification="Contact by a way the victim has not marked safe, with a reason",
        new={
            "case": case.pk,
            "victim": case.victim_id,
            "channel": entry.channel,
            "safe_channels": list(case.victim.safe_channels),
        },
    )


def _check_contact(
    case: AdvocacyCase,
    kind: str,
    channel: str,
    occurred_at: dt.datetime | None,
    errors: dict[str, list[str]],
) -> None:
    if kind not in ContactKind.values:
        errors["kind"] = ["Select the type of contact"]
    if channel not in Channel.values:
        errors["channel"] = ["Select how the contact happened"]
    if occurred_at is None:
        errors["occurred_at"] = ["Enter the date of the contact"]
    elif occurred_at > timezone.now() + dt.timedelta(minutes=5):
        errors["occurred_at"] = ["The date of the contact must be today or in the past"]
    elif occurred_at < case.referred_at - dt.timedelta(days=1):
        errors["occurred_at"] = ["The date of the contact must be on or after the referral"]


def _contact_perpetrator(
    kind: str, perpetrator: Any, perpetrators: Sequence[Any], errors: dict[str, list[str]]
) -> Any:
    """Who made contact, for a report of new perpetrator contact: the only one there is, or
    the one chosen from the victim's perpetrators. None for any other kind of contact."""
    if kind != ContactKind.NEW_PERPETRATOR_CONTACT:
        return None
    if perpetrator is None and len(perpetrators) == 1:
        perpetrator = perpetrators[0]
    if perpetrators and (perpetrator is None or perpetrator.pk not in {p.pk for p in perpetrators}):
        errors["perpetrator"] = ["Select who made contact"]
    return perpetrator


def _record_first_contact(actor: User, case: AdvocacyCase, occurred_at: dt.datetime) -> None:
    AdvocacyCase.objects.filter(pk=case.pk).update(first_contact_at=occurred_at)
    case.first_contact_at = occurred_at
    _event(case, CaseEventKind.FIRST_CONTACT, actor, at=occurred_at)
    # An overdue alert to the managers has nothing left to ask (issue 20).
    resolve(
        kind=EventKind.FIRST_CONTACT_OVERDUE,
        actor=actor,
        source=case,
        reason="First contact made",
    )


def contact_log_add(
    *,
    actor: User,
    case: AdvocacyCase,
    kind: str,
    occurred_at: dt.datetime,
    channel: str,
    summary: str,
    actions: str = "",
    perpetrator: Any = None,
    override_reason: str = "",
) -> ContactLogEntry:
    """Add to the contact log. The first contact with the victim is recorded on the case. A
    report of new contact from the perpetrator is published to the sharing app (alerts) in the
    same transaction. Contact through a way the victim has not marked safe needs
    `override_reason`; the entry is marked and the override audited."""
    policy.require(actor, Perm.ADVOCACY_EDIT, case)

    errors: dict[str, list[str]] = {}
    _check_contact(case, kind, channel, occurred_at, errors)
    summary = (summary or "").strip()
    if not summary:
        errors["summary"] = ["Enter a summary of the contact"]
    actions = (actions or "").strip()
    perpetrator = _contact_perpetrator(
        kind, perpetrator, perpetrators_of_victim(victim=case.victim), errors
    )
    override_reason = _preference_override(case.victim, kind, channel, override_reason, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entry = ContactLogEntry.objects.create(
            case=case,
            kind=kind,
            occurred_at=occurred_at,
            channel=channel,
            summary=summary,
            actions=actions,
            perpetrator=perpetrator,
            against_preferences=bool(override_reason),
            override_reason=override_reason,
            created_by=actor,
        )
        if override_reason:
            _audit_override(actor, case, entry)
        if kind != ContactKind.ATTEMPT and case.first_contact_at is None:
            _record_first_contact(actor, case, occurred_at)
        audit_record(
            actor=actor,
            category=Category.COLLECTION,
            verb="advocacy.contact_add",
            obj=entry,
            new={
                "case": case.pk,
                "kind": kind,
                "channel": channel,
                "against_preferences": bool(override_reason),
            },
        )
        if kind == ContactKind.NEW_PERPETRATOR_CONTACT and perpetrator is not None:
            publish(
                kind=EventKind.VICTIM_NEW_CONTACT,
                actor=actor,
                subject=perpetrator,
                source=entry,
                summary=(
                    f"A victim supported by {case.service.name} reports new contact from "
                    f"the subject ({entry.get_channel_display().lower()}, "
                    f"{long_date(timezone.localtime(occurred_at).date())})."
                ),
            )
    return entry


SAFE_CONTACTS_MAX = 2000
DIGITAL_NOTES_MAX = 2000
# Fields of a plan that hold what people typed: encrypted, blanked on disposal, never audited.
SAFETY_PLAN_FREE_TEXT = ("risks", "measures", "safe_contacts", "digital_notes")


def _clean_marac(
    marac: str, referred_on: dt.date | None, risk_level: str, errors: dict[str, list[str]]
) -> dt.date | None:
    if marac not in Marac.values:
        errors["marac"] = ["Select whether the victim has been referred to MARAC"]
        return None
    if marac != Marac.REFERRED:
        if risk_level == RiskLevel.HIGH and marac == Marac.NOT_NEEDED:
            errors["marac"] = [
                "A high risk case is referred to MARAC: select 'Referral to be made' or 'Referred'"
            ]
        # A date only belongs to a referral made: any other answer clears it (a new version
        # copies the last one's date, issue 20); the view tells the advocate it went.
        return None
    if referred_on is None:
        errors["marac_referred_on"] = ["Enter the date of the MARAC referral"]
    elif referred_on > timezone.localdate():
        errors["marac_referred_on"] = [MARAC_DATE_FUTURE]
    return referred_on


def marac_earliest(case: AdvocacyCase) -> dt.date:
    """The earliest MARAC referral date a case's plan takes: a year before its referral."""
    return timezone.localtime(case.referred_at).date() - dt.timedelta(days=365)


MARAC_DATE_CLEARED = "The MARAC referral date has been removed, as no referral has been made"
MARAC_DATE_FUTURE = "The MARAC referral date must be today or in the past"
REVIEW_PAST = "The review date must be today or in the future"
REVIEW_TOO_FAR = "The review date must be within a year of today"


def review_latest(today: dt.date) -> dt.date:
    """A safety plan is reviewed within a year (12 months on; 28 February for 29 February)."""
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def check_review_on(review_on: dt.date | None) -> None:
    """Today or later, within a year: a plan reviewed later than that is not a plan."""
    if review_on is None:
        return
    today = timezone.localdate()
    if review_on < today:
        raise ValidationError(REVIEW_PAST)
    if review_on > review_latest(today):
        raise ValidationError(REVIEW_TOO_FAR)


def safety_plan_problems(values: dict[str, Any]) -> dict[str, list[str]]:
    """Every message the plan's answers get, without writing: the form shows them all at once,
    also beside a date it refused itself (tester finding)."""
    errors: dict[str, list[str]] = {}
    _clean_plan(values, errors)
    return errors


def _clean_plan(values: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    """The structured plan's answers, cleaned; messages collected in `errors`."""
    out: dict[str, Any] = {
        "risks": (values.get("risks") or "").strip(),
        "measures": (values.get("measures") or "").strip(),
        "safe_contacts": (values.get("safe_contacts") or "").strip(),
        "digital_notes": (values.get("digital_notes") or "").strip(),
        "risk_level": values.get("risk_level") or "",
    }
    if out["risk_level"] not in RiskLevel.values:
        errors["risk_level"] = ["Select the risk level"]
    out["marac"] = values.get("marac") or ""
    out["marac_referred_on"] = _clean_marac(
        out["marac"], values.get("marac_referred_on"), out["risk_level"], errors
    )
    for field, choices, message in (
        ("evidence_guidance", EvidenceGuidance, "Select the evidence guidance given from the list"),
        (
            "digital_checks",
            DigitalCheck,
            "Select the digital and online safety checks made from the list",
        ),
        ("home_security", HomeSecurity, "Select the home security in place from the list"),
    ):
        out[field] = _codes(values.get(field), choices.values, field, message, errors)
    if not out["risks"]:
        errors["risks"] = ["Enter the risks to the victim"]
    if not out["measures"]:
        errors["measures"] = ["Enter the safety measures"]
    for field, limit in (
        ("safe_contacts", SAFE_CONTACTS_MAX),
        ("digital_notes", DIGITAL_NOTES_MAX),
    ):
        if len(out[field]) > limit:
            errors[field] = [f"This must be {limit} characters or fewer"]
    review_on = values.get("review_on")
    if review_on is None:
        errors["review_on"] = ["Enter the review date"]
    else:
        try:
            check_review_on(review_on)
        except ValidationError as exc:
            errors["review_on"] = list(exc.messages)
    out["review_on"] = review_on
    return out


def _latest_plan_number(case: AdvocacyCase) -> int:
    return (
        SafetyPlanVersion.objects.select_for_update()
        .filter(case=case)
        .values_list("number", flat=True)
        .first()
    ) or 0


def safety_plan_save(
    *, actor: User, case: AdvocacyCase, based_on: int, **answers: Any
) -> SafetyPlanVersion:
    """Save a new version of the structured safety plan (issue 20): the risk level, MARAC
    referral and its date, the evidence guidance given, digital and online safety checks, home
    security, safe contacts, the risks and measures in the advocate's words, and the review
    date. `based_on` is the version number the editor read (0 for none): if someone has saved
    since, StaleRecordError and nothing is written. The advocacy service only."""
    policy.require(actor, Perm.SAFETY_PLAN_EDIT, case)
    errors: dict[str, list[str]] = {}
    values = _clean_plan(answers, errors)
    referred_on = values["marac_referred_on"]
    earliest = marac_earliest(case)
    if referred_on and "marac_referred_on" not in errors and referred_on < earliest:
        # A referral years before the service knew of the victim is a mistyped year (tester).
        errors["marac_referred_on"] = [
            f"The MARAC referral date must be on or after {date_format(earliest, 'j F Y')}, a year "
            "before the case was referred to the service"
        ]
    if not case.is_open:
        errors["risk_level"] = ["Reopen the case before changing the safety plan"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        latest = _latest_plan_number(case)
        if latest != based_on:
            raise StaleRecordError(StaleRecordError.message)
        try:
            with transaction.atomic():
                plan = SafetyPlanVersion.objects.create(
                    case=case, number=latest + 1, created_by=actor, **values
                )
        except IntegrityError:
            # The first plan: no row to lock, so two writers can both get here; the unique
            # version number lets one in and the other is told.
            raise StaleRecordError(StaleRecordError.message) from None
        # Codes and dates only: what was typed stays encrypted in the plan.
        audit_record(
            actor=actor,
            category=Category.ALTERATION if latest else Category.COLLECTION,
            verb="advocacy.safety_plan_save",
            obj=plan,
            new={
                "case": case.pk,
                "version": plan.number,
                "review_on": values["review_on"],
                "risk_level": values["risk_level"],
                "marac": values["marac"],
                "marac_referred_on": values["marac_referred_on"],
                "evidence_guidance": values["evidence_guidance"],
                "digital_checks": values["digital_checks"],
                "home_security": values["home_security"],
                "free_text_recorded": [f for f in SAFETY_PLAN_FREE_TEXT if values[f]],
            },
        )
    return plan


def rating_record(
    *,
    actor: User,
    case: AdvocacyCase,
    rated_on: dt.date | None,
    fear: int | None,
    safety: int | None,
    impact: int | None,
) -> VictimRating:
    policy.require(actor, Perm.ADVOCACY_EDIT, case)
    errors: dict[str, list[str]] = {}
    if rated_on is None:
        errors["rated_on"] = ["Enter the date of the rating"]
    elif rated_on > timezone.localdate():
        errors["rated_on"] = ["The date of the rating must be today or in the past"]
    for field, what in (
        ("fear", "fear"),
        ("safety", "sense of safety"),
        ("impact", "impact on daily life"),
    ):
        value = {"fear": fear, "safety": safety, "impact": impact}[field]
        if value is None or not 0 <= int(value) <= 10:
            errors[field] = [f"Enter the victim's rating of {what}, from 0 to 10"]
    if errors:
        raise ValidationError(errors)
    assert rated_on is not None and fear is not None and safety is not None
    assert impact is not None
    with transaction.atomic():
        rating = VictimRating.objects.create(
            case=case,
            rated_on=rated_on,
            fear=int(fear),
            safety=int(safety),
            impact=int(impact),
            created_by=actor,
        )
        audit_record(
            actor=actor,
            category=Category.COLLECTION,
            verb="advocacy.rating_record",
            obj=rating,
            new={"case": case.pk},
        )
    return rating


def advocacy_close(*, actor: User, case: AdvocacyCase, version: int, reason: str) -> AdvocacyCase:
    policy.require(actor, Perm.ADVOCACY_EDIT, case)
    # "Not genuine" belongs to the check before triage (self_referral_mark_not_genuine).
    if reason not in ClosureReason.values or reason == ClosureReason.NOT_GENUINE:
        raise ValidationError({"reason": ["Select why the case is being closed"]})
    if not case.is_open:
        raise ValidationError({"reason": ["This case is already closed"]})
    with transaction.atomic():
        case.status = AdvocacyStatus.CLOSED
        case.closed_at = timezone.now()
        case.closure_reason = reason
        save_versioned(
            case, expected_version=version, fields=["status", "closed_at", "closure_reason"]
        )
        _event(
            case, CaseEventKind.CLOSED, actor, from_status="open", to_status="closed", reason=reason
        )
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb="advocacy.close",
            obj=case,
            old={"status": "open"},
            new={"status": "closed", "reason": reason},
        )
        resolve(
            kind=EventKind.FIRST_CONTACT_OVERDUE,
            actor=actor,
            source=case,
            reason="The case was closed",
        )
    return case


def advocacy_reopen(*, actor: User, case: AdvocacyCase, version: int) -> AdvocacyCase:
    policy.require(actor, Perm.ADVOCACY_EDIT, case)
    if case.status != AdvocacyStatus.CLOSED:  # a held self-referral is accepted, not reopened
        raise ValidationError({"confirm": ["This case is already open"]})
    old_reason = case.closure_reason
    with transaction.atomic():
        case.status = AdvocacyStatus.OPEN
        case.closed_at = None
        case.closure_reason = ""
        save_versioned(
            case, expected_version=version, fields=["status", "closed_at", "closure_reason"]
        )
        _event(case, CaseEventKind.REOPENED, actor, from_status="closed", to_status="open")
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb="advocacy.reopen",
            obj=case,
            old={"status": "closed", "reason": old_reason},
            new={"status": "open"},
        )
    return case
