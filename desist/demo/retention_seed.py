"""Demo records due for retention review (issue 18): without them the review queue is empty,
every other seeded record being open or recent.

Three synthetic records whose period ended a little before today, each for its own data
owner: a police case closed over six years ago (MoPI group 3: the force's police supervisor),
an advocacy case closed over six years ago, and a self-referral closed over a year ago with no
contact made (both the advocacy service's manager). The monthly listing then runs, as the
worker's first run would, so the queue holds them from the start. Seeded once: a second run
finds the case's crime reference and adds nothing (the listing is itself safe to repeat).
"""

from __future__ import annotations

import datetime as dt

from desist.cases.models import Case, CaseStatus, Incident, IncidentType, Relationship
from desist.core.models import Organisation
from desist.core.text import normalise_name
from desist.people.models import Sex, Subject
from desist.retention import clock
from desist.retention import services as retention
from desist.safeguarding.models import (
    AdvocacyCase,
    AdvocacyStatus,
    ClosureReason,
    Origin,
    Victim,
)

CASE_REFERENCE = "SU/19/RETAIN1"


def _ago(days: int) -> dt.datetime:
    return clock.now() - dt.timedelta(days=days)


def _closed_case(force: Organisation) -> Case:
    subject = Subject(
        force=force,
        force_reference=f"{force.code[:3].upper()}-P-RETAIN1",
        first_names="Osric",
        last_name="Pellow",
        name_search=normalise_name("Osric Pellow"),
        date_of_birth=dt.date(1971, 4, 9),
        sex=Sex.MALE,
    )
    subject.save()
    closed = _ago(6 * 365 + 60).date()
    case = Case.objects.create(
        force=force,
        subject=subject,
        crime_reference=CASE_REFERENCE,
        relationship=Relationship.ACQUAINTANCE,
        unwanted=True,
        repeated=True,
        summary="Synthetic closed case for the demonstration: no further action.",
        opened_on=closed - dt.timedelta(days=200),
        status=CaseStatus.CLOSED,
        closed_on=closed,
    )
    Incident.objects.create(
        case=case,
        occurred_on=closed - dt.timedelta(days=210),
        incident_type=IncidentType.STALKING,
        description="Synthetic incident.",
    )
    victim = Victim.objects.create(
        force=force, first_names="Wenna", last_name="Trebilcock", sex="female"
    )
    case.victims.add(victim)
    return case


def _closed_advocacy(service: Organisation, force: Organisation) -> None:
    long_ago = _ago(6 * 365 + 30)
    victim = Victim.objects.create(
        force=force, first_names="Morwen", last_name="Carveth", sex="female"
    )
    AdvocacyCase.objects.create(
        victim=victim,
        service=service,
        origin=Origin.POLICE,
        referred_at=long_ago - dt.timedelta(days=180),
        referring_org=force,
        referral_notes="Synthetic referral for the demonstration.",
        first_contact_at=long_ago - dt.timedelta(days=179),
        status=AdvocacyStatus.CLOSED,
        closed_at=long_ago,
        closure_reason=ClosureReason.SUPPORT_COMPLETE,
    )
    # A self-referral closed before anyone made contact, a little over a year ago.
    closed = _ago(365 + 30)
    self_victim = Victim.objects.create(
        force=None, owner=service, first_names="Lowenna", last_name="Hocking", sex="female"
    )
    AdvocacyCase.objects.create(
        victim=self_victim,
        service=service,
        origin=Origin.SELF,
        referred_at=closed - dt.timedelta(days=20),
        referral_notes="Synthetic self-referral for the demonstration.",
        status=AdvocacyStatus.CLOSED,
        closed_at=closed,
        closure_reason=ClosureReason.NO_CONTACT,
    )


def seed_retention_due(*, force: Organisation, advocacy_org: Organisation) -> dict[str, int]:
    """Seed the three records (once) and list what is due. Returns {"retention_due": n}, the
    reviews the listing added."""
    if not Case.objects.filter(crime_reference=CASE_REFERENCE).exists():
        _closed_case(force)
        _closed_advocacy(advocacy_org, force)
    listed = retention.retention_list_due()
    return {"retention_due": sum(listed.values())}
