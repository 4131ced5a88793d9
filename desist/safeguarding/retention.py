"""Advocacy records and self-referrals in the retention schedule (ADR 0028), and how a victim
is anonymised once nothing held names them. The victim's own ratings are kept: they are the
evaluation's pseudonymised outcome rows (victim references, numbers, dates)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from desist.retention.blank import blank
from desist.retention.registry import Action, PersonKind, RecordClass, register, register_person
from desist.safeguarding.models import (
    AdvocacyCase,
    AdvocacyStatus,
    ClosureReason,
    Origin,
    Victim,
)
from desist.safeguarding.services import SAFETY_PLAN_FREE_TEXT, VICTIM_FREE_TEXT

# A self-referral that never became casework: found not genuine at the check, or closed
# before anyone made contact.
_NEVER_CASEWORK = Q(origin=Origin.SELF) & (
    Q(closure_reason=ClosureReason.NOT_GENUINE) | Q(first_contact_at__isnull=True)
)


ADVOCACY = "safeguarding.advocacy"
SELF_REFERRAL = "safeguarding.self-referral"  # its period is told on the public form


def _closed() -> QuerySet[AdvocacyCase]:
    return AdvocacyCase.objects.filter(status=AdvocacyStatus.CLOSED, closed_at__isnull=False)


def advocacy_closed() -> QuerySet[AdvocacyCase]:
    return _closed().exclude(_NEVER_CASEWORK)


def self_referrals_not_taken_up() -> QuerySet[AdvocacyCase]:
    return _closed().filter(_NEVER_CASEWORK)


def dispose_advocacy(case: AdvocacyCase) -> None:
    blank(
        AdvocacyCase.objects.filter(pk=case.pk),
        "referral_notes",
        "against_wishes_reason",
        "referrer",
    )
    blank(case.contacts.all(), "summary", "actions", "override_reason")
    blank(case.safety_plans.all(), *SAFETY_PLAN_FREE_TEXT)


def delete_self_referral(case: AdvocacyCase) -> None:
    for related in (case.contacts, case.safety_plans, case.ratings, case.events):
        related.all().delete()
    case.delete()


def anonymise_victim(victim: Victim) -> None:
    # The one list of what people typed about a victim, shared with the audit's redaction.
    blank(Victim.objects.filter(pk=victim.pk), *sorted(VICTIM_FREE_TEXT))


def _closed_on(case: AdvocacyCase) -> dt.date | None:
    return case.closed_at.date() if case.closed_at else None


register(
    RecordClass(
        key=ADVOCACY,
        title="Advocacy case (contact log, safety plans)",
        model="safeguarding.AdvocacyCase",
        years=6,
        runs_from="the day the advocacy case was closed",
        action=Action.ANONYMISE,
        basis="The advocacy service's agreement: 6 years after support ends",
        registered_by="safeguarding",
        records=advocacy_closed,
        event_on=_closed_on,
        owner_id=lambda case: case.service_id,
        reference=lambda case: case.reference,
        dispose=dispose_advocacy,
        names={"safeguarding.Victim": "victim_id"},
    )
)
register(
    RecordClass(
        key=SELF_REFERRAL,
        title="Self-referral that never became casework",
        model="safeguarding.AdvocacyCase",
        years=1,
        runs_from="the day the self-referral was closed (not genuine, or no contact made)",
        action=Action.DELETE,
        basis="Kept a year for complaints and checks (ADR 0016 keeps every request until then)",
        registered_by="safeguarding",
        records=self_referrals_not_taken_up,
        event_on=_closed_on,
        owner_id=lambda case: case.service_id,
        reference=lambda case: case.reference,
        dispose=delete_self_referral,
        names={"safeguarding.Victim": "victim_id"},
    )
)
register_person(PersonKind(model="safeguarding.Victim", anonymise=anonymise_victim))
