"""A year of synthetic stalking casework for the pilot force, at realistic volume.

Proportions from docs (domain brief): ~2,700 stalking cases a year in the pilot force; 40-50%
ex-intimate partners, ~10% strangers; 75-90% of perpetrators male; ~77% of victims female.
Every name, address, postcode, phone number and e-mail is invented: phone numbers are in
Ofcom's drama range (07700 900xxx) and e-mails use example.org.

Deterministic (seeded random), and idempotent: it does nothing if the force already has cases.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.cases.models import Case, Incident, IncidentType, Relationship
from desist.core.models import Organisation
from desist.core.text import normalise_name
from desist.people.models import Sex, Subject, SubjectAddress, SubjectAlias, pnc_check_letter
from desist.safeguarding.models import Victim

MALE = [
    "James",
    "Daniel",
    "Liam",
    "Connor",
    "Marcus",
    "Owen",
    "Ryan",
    "Jamie",
    "Lewis",
    "Adam",
    "Kieran",
    "Nathan",
    "Callum",
    "Aaron",
    "Dominic",
    "Gareth",
    "Ravi",
    "Tomasz",
    "Kwame",
    "Stefan",
    "Euan",
    "Reece",
    "Joel",
    "Mohammed",
    "Patrick",
    "Ciaran",
    "Dean",
    "Leon",
]
FEMALE = [
    "Sarah",
    "Emma",
    "Chloe",
    "Hannah",
    "Aisha",
    "Megan",
    "Laura",
    "Sophie",
    "Zoë",
    "Niamh",
    "Priya",
    "Rebecca",
    "Jade",
    "Amira",
    "Lucy",
    "Kirsty",
    "Fatima",
    "Gemma",
    "Amélie",
    "Holly",
    "Siobhan",
    "Charlotte",
    "Leah",
    "Rosie",
    "Nadia",
    "Ellie",
]
SURNAMES = [
    "Ashdown",
    "Brennan",
    "Carrow",
    "Dalby",
    "Eastwood",
    "Fairley",
    "Garside",
    "Holloway",
    "Ingram",
    "Jessop",
    "Kettering",
    "Lindqvist",
    "Marlow",
    "Netherton",
    "Oakes",
    "Penrose",
    "Quarrie",
    "Redfern",
    "Stainton",
    "Thackeray",
    "Underhill",
    "Varley",
    "Whitlock",
    "Yardley",
    "Ó Briain",
    "Okonkwo",
    "Nowak",
    "Chaudhry",
    "Mensah",
    "Kowalczyk",
    "Da Silva",
    "Fenwick",
    "Glossop",
    "Hartigan",
    "Iredale",
    "Juniper",
]
STREETS = [
    "Mill Lane",
    "Station Road",
    "Church Street",
    "Victoria Road",
    "Albion Terrace",
    "Downs View",
    "Harbour Way",
    "Meadow Close",
    "Orchard Rise",
    "Chalk Pit Lane",
    "Sea Lane",
    "Beacon Road",
    "Priory Gardens",
    "Wharf Street",
    "Cliff Avenue",
]
TOWNS = [
    ("Brighton", "BN1"),
    ("Brighton", "BN2"),
    ("Hove", "BN3"),
    ("Worthing", "BN11"),
    ("Lewes", "BN7"),
    ("Eastbourne", "BN21"),
    ("Hastings", "TN34"),
    ("Crawley", "RH10"),
    ("Horsham", "RH12"),
    ("Chichester", "PO19"),
    ("Bognor Regis", "PO21"),
]
RELATIONSHIPS = [
    (Relationship.EX_INTIMATE, 45),
    (Relationship.ACQUAINTANCE, 20),
    (Relationship.COLLEAGUE, 8),
    (Relationship.FAMILY, 7),
    (Relationship.STRANGER, 10),
    (Relationship.OTHER, 10),
]
INCIDENT_TYPES = [
    (IncidentType.STALKING, 45),
    (IncidentType.STALKING_FEAR_VIOLENCE, 15),
    (IncidentType.HARASSMENT, 20),
    (IncidentType.MALICIOUS_COMMUNICATIONS, 15),
    (IncidentType.OTHER, 5),
]


def _weighted(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _postcode(rng: random.Random, district: str) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"{district} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"


@dataclass
class VolumeResult:
    subjects: int = 0
    cases: int = 0
    victims: int = 0
    incidents: int = 0


def seed_casework(
    *, force: Organisation, cases: int = 2700, seed: int = 2026, today: dt.date | None = None
) -> VolumeResult:
    """Create a year of cases for `force`. Does nothing if the force already has cases."""
    result = VolumeResult()
    if Case.objects.filter(force=force).exists():
        return result
    # One generator drawn in a fixed order (subjects, addresses, cases, incidents, victims):
    # the same seed gives the same demo data.
    rng = random.Random(seed)
    today = today or timezone.localdate()
    start = today - dt.timedelta(days=365)
    # Some people stalk more than once: about 2,300 distinct subjects for 2,700 cases.
    n_subjects = int(cases * 0.85)
    with transaction.atomic():
        subjects = _seed_subjects(rng, force, n_subjects)
        result.subjects = len(subjects)
        _seed_aliases_and_addresses(rng, subjects, start)
        case_list = _seed_cases(rng, force, subjects, cases, start)
        result.cases = len(case_list)
        result.incidents = _seed_incidents(rng, case_list, start)
        result.victims = _seed_victims(rng, force, case_list)
        audit_record(
            actor=None,
            actor_username="demo-seeder",
            category=Category.COLLECTION,
            verb="demo.seed_casework",
            object_type="core.Organisation",
            object_id=force.pk,
            new=result.__dict__,
        )
    return result


def _seed_subjects(rng: random.Random, force: Organisation, n_subjects: int) -> list[Subject]:
    subjects = []
    for i in range(n_subjects):
        male = rng.random() < 0.82
        first = rng.choice(MALE if male else FEMALE)
        last = rng.choice(SURNAMES)
        year = rng.randint(2005, 2025)
        serial = f"{rng.randint(1, 999999):07d}"
        pnc = f"{year}/{serial}{pnc_check_letter(str(year), serial)}" if rng.random() < 0.7 else ""
        s = Subject(
            force=force,
            force_reference=f"{force.code[:3].upper()}-P{i + 1:06d}",
            pnc_number=pnc,
            first_names=first,
            last_name=last,
            name_search=normalise_name(f"{first} {last}"),
            date_of_birth=dt.date(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28)),
            sex=Sex.MALE if male else Sex.FEMALE,
        )
        subjects.append(s)
    Subject.objects.bulk_create(subjects, batch_size=500)
    return list(Subject.objects.filter(force=force).order_by("id"))


def _seed_aliases_and_addresses(
    rng: random.Random, subjects: list[Subject], start: dt.date
) -> None:
    aliases, addresses = [], []
    for s in subjects:
        if rng.random() < 0.15:
            alias = f"{rng.choice(MALE + FEMALE)} {s.last_name}"
            aliases.append(SubjectAlias(subject=s, name=alias, name_search=normalise_name(alias)))
        town, district = rng.choice(TOWNS)
        addresses.append(
            SubjectAddress(
                subject=s,
                address=f"{rng.randint(1, 180)} {rng.choice(STREETS)}, {town}",
                postcode=_postcode(rng, district),
                from_date=start - dt.timedelta(days=rng.randint(30, 2000)),
            )
        )
    SubjectAlias.objects.bulk_create(aliases, batch_size=500)
    SubjectAddress.objects.bulk_create(addresses, batch_size=500)


def _seed_cases(
    rng: random.Random, force: Organisation, subjects: list[Subject], cases: int, start: dt.date
) -> list[Case]:
    case_rows = []
    case_subjects = subjects + rng.sample(subjects, cases - len(subjects))
    rng.shuffle(case_subjects)
    for i, s in enumerate(case_subjects):
        opened = start + dt.timedelta(days=rng.randint(0, 364))
        relationship = _weighted(rng, RELATIONSHIPS)
        case_rows.append(
            Case(
                force=force,
                crime_reference=f"{force.code[:2].upper()}/{opened:%y}/{47000 + i:06d}",
                subject=s,
                relationship=relationship,
                fixated=rng.random() < 0.8,
                obsessive=rng.random() < 0.7,
                unwanted=True,
                repeated=rng.random() < 0.9,
                summary="Synthetic case for the demonstration.",
                opened_on=opened,
            )
        )
    Case.objects.bulk_create(case_rows, batch_size=500)
    return list(Case.objects.filter(force=force).order_by("id"))


def _seed_incidents(rng: random.Random, case_list: list[Case], start: dt.date) -> int:
    incidents = []
    for c in case_list:
        for _ in range(rng.randint(1, 4)):
            incidents.append(
                Incident(
                    case=c,
                    occurred_on=max(start, c.opened_on - dt.timedelta(days=rng.randint(0, 90))),
                    incident_type=_weighted(rng, INCIDENT_TYPES),
                    description="Synthetic incident.",
                )
            )
    Incident.objects.bulk_create(incidents, batch_size=1000)
    return len(incidents)


def _seed_victims(rng: random.Random, force: Organisation, case_list: list[Case]) -> int:
    """One victim per case, a few cases with two (like the two-victim case in the brief)."""
    victims, links = [], []
    for c in case_list:
        for _ in range(2 if rng.random() < 0.06 else 1):
            female = rng.random() < 0.77
            town, district = rng.choice(TOWNS)
            first = rng.choice(FEMALE if female else MALE)
            last = rng.choice(SURNAMES)
            victims.append(
                Victim(
                    force=force,
                    first_names=first,
                    last_name=last,
                    address=f"{rng.randint(1, 180)} {rng.choice(STREETS)}, {town}",
                    postcode=_postcode(rng, district),
                    phone=f"07700 900{rng.randint(0, 999):03d}",
                    email=f"{normalise_name(first).replace(' ', '')}.{rng.randint(10, 99)}@example.org",
                    sex="female" if female else "male",
                )
            )
            links.append(c)
    made = Victim.objects.bulk_create(victims, batch_size=500)
    through = Case.victims.through
    through.objects.bulk_create(
        [through(case_id=c.pk, victim_id=v.pk) for c, v in zip(links, made, strict=True)],
        batch_size=1000,
    )
    return len(made)
