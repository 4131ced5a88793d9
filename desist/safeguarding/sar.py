"""What the police or the advocacy service holds about a victim, for the victim's own access
request (ADR 0031), and the other victims' identifiers it must not show.

Nothing here answers a subject's request: the advocacy file is the victim's account, and what
it says about the perpetrator is withheld from him whole (third-party data, and the victim's
safety)."""

from __future__ import annotations

from typing import Any

from desist.core.models import Organisation
from desist.safeguarding.models import AdvocacyCase, Channel, ShareWith, Victim, Vulnerability
from desist.sar import text
from desist.sar.registry import (
    Collector,
    PersonKind,
    Record,
    record,
    register,
    register_person,
    register_redactor,
)

VICTIM_FIELDS = ["first_names", "last_name", "preferred_name", "address", "postcode", "phone"]
VICTIM_FIELDS += ["alternative_phone", "email", "sex", "safe_channels", "safe_times"]
VICTIM_FIELDS += ["never_contact", "safe_word", "vulnerabilities", "vulnerability_notes"]
VICTIM_FIELDS += ["enhanced_rights", "share_with", "wishes_notes", "wishes_recorded_on"]
# Codes kept in JSON lists, shown by their labels.
VICTIM_LABELS = {
    "safe_channels": dict(Channel.choices),
    "vulnerabilities": dict(Vulnerability.choices),
    "share_with": dict(ShareWith.choices),
}
CASE_FIELDS = ["origin", "referred_at", "referral_notes", "status", "first_contact_at"]
CASE_FIELDS += ["closed_at", "closure_reason"]


def _find(person_id: int) -> Victim | None:
    return Victim.objects.filter(pk=person_id).first()


def victim_records(victim: Victim, organisation: Organisation) -> list[Record]:
    cases = AdvocacyCase.objects.filter(victim=victim, service=organisation)
    held = organisation.pk in (victim.force_id, victim.owner_id) or cases.exists()
    if not held:
        return []
    found = [record(victim, "Your details", VICTIM_FIELDS, labels=VICTIM_LABELS)]
    for case in cases.prefetch_related("contacts", "safety_plans", "ratings"):
        found.append(record(case, "Advocacy case", CASE_FIELDS))
        found += [
            record(c, "Contact", ["kind", "occurred_at", "channel", "summary", "actions"])
            for c in case.contacts.all()
        ]
        found += [
            record(p, f"Safety plan, version {p.number}", ["risks", "measures", "review_on"])
            for p in case.safety_plans.all()
        ]
        found += [
            record(r, "How you felt", ["rated_on", "fear", "safety", "impact"])
            for r in case.ratings.all()
        ]
    return found


def other_victims_redactor(victim: Any) -> text.Redactor:
    """For a victim's request: every other victim of the same cases, by name, address,
    postcode, phone, e-mail and safe word; and any e-mail address that is not her own."""
    others = Victim.objects.filter(cases__victims=victim).exclude(pk=victim.pk).distinct()
    values: list[str] = []
    phones: list[str] = []
    for v in others:
        values += [v.full_name, v.first_names, v.last_name, v.preferred_name]
        values += [v.address, v.address.split(",")[0], v.postcode, v.email, v.safe_word]
        phones += [v.phone, v.alternative_phone]
    return text.redactor(values, phones, keep_emails=[victim.email])


register_person(PersonKind(kind="victim", find=_find))
register(
    Collector(
        key="safeguarding.victim",
        title="Your details and your advocacy case",
        kind="victim",
        registered_by="safeguarding",
        collect=victim_records,
        rank=0,
    )
)
register_redactor("victim", other_victims_redactor)
