"""Demo advocacy casework: referrals, contact logs, safety plans, ratings and self-referrals.

Synthetic only. Works on the Sussex demo victims whose perpetrators have an SPO (interim or full),
so alerts about those subjects have advocates to reach. Deterministic for a given `seed`;
idempotent (does nothing if the advocacy service already has cases). Bulk inserts keep it fast.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from desist.accounts.models import User
from desist.accounts.services import user_create
from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.core.models import Organisation
from desist.core.roles import RoleCode
from desist.orders.models import LIVE_STATUSES
from desist.safeguarding.models import (
    AdvocacyCase,
    AdvocacyCaseEvent,
    Channel,
    ClosureReason,
    ContactKind,
    ContactLogEntry,
    DigitalCheck,
    EvidenceGuidance,
    HomeSecurity,
    Origin,
    SafetyPlanVersion,
    ShareWith,
    Victim,
    VictimRating,
    Vulnerability,
)

POLICE_REFERRALS = 40
SELF_REFERRALS = 6
# How long ago the newest referrals came in (hours). A service that works its queue: most are
# within the 48 hours for first contact, one police and one self-referral just past it, so the
# manager's view and the escalation have something real to show (issue 20).
FRESH_HOURS = [6, 20, 50, 26, 12, 30]
SELF_HOURS = [2, 9, 20, 30, 54, 400]  # the last one has been contacted
# The advocate's colleagues: allocated cases are shared so the manager sees real caseloads.
# No password: nobody signs in as them.
COLLEAGUES = [("advocate.asante", "Kwame", "Asante"), ("advocate.pryce", "Lowri", "Pryce")]

SUMMARIES = [
    "Spoke with the victim. Talked through what has happened since the last call.",
    "Victim reports feeling calmer; agreed to keep a diary of any contact.",
    "Went through the safety plan together and updated the measures.",
    "Victim anxious about the court date; explained what will happen.",
    "Checked in after the order was served. No contact reported since.",
]
ACTIONS = [
    "Send the victim the helpline number again.",
    "Ask the police about a panic alarm.",
    "Arrange a face-to-face meeting next week.",
    "",
]
RISKS = [
    "Subject has turned up at the victim's workplace. Knows the victim's car.",
    "Repeated messages from new accounts. Subject knows the children's school.",
    "Subject lives nearby and has been seen in the street.",
]
MEASURES = [
    "Vary the route to work; park in the staff car park; keep phone charged.",
    "Screenshot and keep every message; school informed; code word with a neighbour.",
    "Door camera fitted; police marker on the address; 999 if he is seen.",
]
SAFE_CONTACTS = [
    "Sister, 07700 900101; work manager, 07700 900102",
    "Neighbour at number 12 (has a key); friend from the choir, 07700 900103",
    "Mother, 07700 900104",
]
FIRST = ["Amara", "Bethany", "Chloe", "Deborah", "Eleni", "Fatima", "Gemma", "Hannah"]
LAST = ["Ashdown", "Bramber", "Cuckmere", "Ditchling", "Firle", "Glynde", "Hamsey", "Iford"]


def seed_advocacy(
    *, advocacy_org: Organisation, advocate: Any, manager: Any, force: Organisation, seed: int
) -> dict[str, int]:
    counts = {
        "advocacy_cases": 0,
        "self_referrals": 0,
        "contacts": 0,
        "safety_plans": 0,
        "ratings": 0,
    }
    if AdvocacyCase.objects.filter(service=advocacy_org).exists():
        return counts
    # One generator drawn in a fixed order (wishes, cases, histories, closures): the same seed
    # gives the same demo data.
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    victims = list(
        Victim.objects.filter(force=force, cases__subject__orders__status__in=LIVE_STATUSES)
        .distinct()
        .order_by("id")[:POLICE_REFERRALS]
    )
    with transaction.atomic():
        _record_wishes(victims, rng, today)
        team = _team(advocate, advocacy_org)
        cases = _police_cases(victims, rng, now, advocacy_org, force, team)
        self_victims = _self_referral_victims(rng, advocacy_org)
        cases += _self_referral_cases(self_victims, now, advocacy_org, advocate)
        cases = AdvocacyCase.objects.bulk_create(cases)
        counts["advocacy_cases"] = len(cases)
        counts["self_referrals"] = len(self_victims)
        events: list[AdvocacyCaseEvent] = []
        contacts: list[ContactLogEntry] = []
        plans: list[SafetyPlanVersion] = []
        ratings: list[VictimRating] = []
        for i, c in enumerate(cases):
            worker = c.advocate or advocate
            events += _opening_events(c, worker, manager)
            if c.first_contact_at is None:
                continue
            contacts += _contacts(c, i, rng, now, worker)
            plans += _safety_plans(c, i, rng, today, worker)
            ratings += _ratings(c, rng, today, worker)
        events += _close_some(cases, rng, now, advocate)
        AdvocacyCaseEvent.objects.bulk_create(events, batch_size=500)
        ContactLogEntry.objects.bulk_create(contacts, batch_size=500)
        SafetyPlanVersion.objects.bulk_create(plans, batch_size=500)
        VictimRating.objects.bulk_create(ratings, batch_size=500)
        counts["contacts"] = len(contacts)
        counts["safety_plans"] = len(plans)
        counts["ratings"] = len(ratings)
        audit_record(
            actor=None,
            actor_username="demo-seeder",
            category=Category.COLLECTION,
            verb="demo.seed_advocacy",
            obj=advocacy_org,
            new=counts,
        )
    return counts


def _record_wishes(victims: list[Victim], rng: random.Random, today: dt.date) -> None:
    """Wishes and preferences: about half want news of the perpetrator's engagement."""
    for i, v in enumerate(victims):
        v.wants_engagement_news = i % 2 == 0
        v.enhanced_rights = rng.random() < 0.8
        v.safe_channels = rng.sample([c.value for c in Channel if c != "via_police"], 2)
        v.safe_times = rng.choice(["Weekdays 10am to 2pm", "After 6pm", "Mornings only"])
        v.never_contact = rng.choice(["", "Never leave a voicemail", "Never write to home"])
        v.share_with = [ShareWith.POLICE.value] + (
            [ShareWith.PROVIDER_RISK.value] if rng.random() < 0.6 else []
        )
        v.vulnerabilities = rng.sample([c.value for c in Vulnerability], rng.randint(0, 2))
        v.wishes_recorded_on = today - dt.timedelta(days=rng.randint(5, 90))
    Victim.objects.bulk_update(
        victims,
        [
            "wants_engagement_news",
            "enhanced_rights",
            "safe_channels",
            "safe_times",
            "never_contact",
            "share_with",
            "vulnerabilities",
            "wishes_recorded_on",
        ],
    )


def _police_cases(
    victims: list[Victim],
    rng: random.Random,
    now: dt.datetime,
    advocacy_org: Organisation,
    force: Organisation,
    team: list[Any],
) -> list[AdvocacyCase]:
    cases = []
    for i, v in enumerate(victims):
        # The last few are new referrals: some still within 48 hours, some overdue.
        fresh = i >= len(victims) - len(FRESH_HOURS)
        referred = now - (
            dt.timedelta(hours=FRESH_HOURS[i - len(victims)])
            if fresh
            else dt.timedelta(days=rng.randint(30, 200))
        )
        allocated = not fresh or i % 2 == 0
        advocate = team[i % len(team)]
        cases.append(
            AdvocacyCase(
                victim=v,
                service=advocacy_org,
                origin=Origin.POLICE,
                referred_at=referred,
                referring_org=force,
                referral_notes="Referred by the officer in the case after the SPO.",
                advocate=advocate if allocated else None,
                allocated_at=referred + dt.timedelta(hours=4) if allocated else None,
                first_contact_at=None if fresh else referred + dt.timedelta(hours=30),
            )
        )
    return cases


def _team(advocate: Any, advocacy_org: Organisation) -> list[Any]:
    """The advocate twice for each colleague once: the demo advocate holds the most cases."""
    existing = {u.username: u for u in User.objects.filter(organisation=advocacy_org)}
    colleagues = [
        existing.get(username)
        or user_create(
            actor=None,
            username=username,
            organisation=advocacy_org,
            roles=[RoleCode.VICTIM_ADVOCATE],
            password=None,
            first_name=first,
            last_name=last,
            email=f"{username}@example.org",
            is_demo=True,
        )
        for username, first, last in COLLEAGUES
    ]
    return [advocate, advocate, *colleagues]


def _self_referral_victims(rng: random.Random, advocacy_org: Organisation) -> list[Victim]:
    """Self-referrals: new victim records owned by the advocacy service."""
    self_victims = []
    for n in range(SELF_REFERRALS):
        first, last = FIRST[n % len(FIRST)], LAST[(n * 3) % len(LAST)]
        self_victims.append(
            Victim(
                force=None,
                owner=advocacy_org,
                first_names=first,
                last_name=last,
                phone=f"07700 900{rng.randint(0, 999):03d}",
                sex="female",
                safe_channels=["text"],
                safe_times="Evenings",
            )
        )
    return Victim.objects.bulk_create(self_victims)


def _self_referral_cases(
    self_victims: list[Victim], now: dt.datetime, advocacy_org: Organisation, advocate: Any
) -> list[AdvocacyCase]:
    cases = []
    for n, v in enumerate(self_victims):
        referred = now - dt.timedelta(hours=SELF_HOURS[n])
        contacted = n == len(self_victims) - 1
        cases.append(
            AdvocacyCase(
                victim=v,
                service=advocacy_org,
                origin=Origin.SELF,
                referred_at=referred,
                referral_notes="Someone I used to know keeps following me and messaging me.",
                advocate=advocate if contacted else None,
                allocated_at=referred + dt.timedelta(hours=2) if contacted else None,
                first_contact_at=referred + dt.timedelta(hours=20) if contacted else None,
            )
        )
    return cases


def _opening_events(c: AdvocacyCase, advocate: Any, manager: Any) -> list[AdvocacyCaseEvent]:
    events = [
        AdvocacyCaseEvent(
            case=c, kind="referred", at=c.referred_at, to_status="open", detail="Referral"
        )
    ]
    if c.advocate_id:
        events.append(
            AdvocacyCaseEvent(
                case=c,
                kind="allocated",
                at=c.allocated_at or c.referred_at,
                by=manager,
                detail=advocate.display_name(),
            )
        )
    if c.first_contact_at is not None:
        events.append(
            AdvocacyCaseEvent(case=c, kind="first_contact", at=c.first_contact_at, by=advocate)
        )
    return events


def _contacts(
    c: AdvocacyCase, i: int, rng: random.Random, now: dt.datetime, advocate: Any
) -> list[ContactLogEntry]:
    assert c.first_contact_at is not None
    span = max(1, (now - c.first_contact_at).days)
    visits = sorted(rng.sample(range(span), min(span, rng.randint(2, 5))))
    return [
        ContactLogEntry(
            case=c,
            kind=ContactKind.CONTACT,
            occurred_at=c.first_contact_at + dt.timedelta(days=day),
            channel=rng.choice([Channel.PHONE, Channel.TEXT, Channel.IN_PERSON]),
            summary=SUMMARIES[(i + k) % len(SUMMARIES)],
            actions=ACTIONS[(i + k) % len(ACTIONS)],
            created_by=advocate,
        )
        for k, day in enumerate(visits)
    ]


def _safety_plans(
    c: AdvocacyCase, i: int, rng: random.Random, today: dt.date, advocate: Any
) -> list[SafetyPlanVersion]:
    assert c.first_contact_at is not None
    plans = []
    for n in range(1, rng.randint(1, 3) + 1):
        # Some reviews fall due today or earlier, for the reviews queue.
        review = today + dt.timedelta(days=rng.randint(-5, 40))
        level = rng.choice(["standard", "medium", "medium", "high"])
        marac = "referred" if level == "high" else rng.choice(["not_needed", "planned"])
        plans.append(
            SafetyPlanVersion(
                case=c,
                number=n,
                risk_level=level,
                marac=marac,
                marac_referred_on=(
                    timezone.localtime(c.first_contact_at).date() + dt.timedelta(days=3)
                    if marac == "referred"
                    else None
                ),
                evidence_guidance=rng.sample(EvidenceGuidance.values, rng.randint(1, 4)),
                digital_checks=rng.sample(DigitalCheck.values, rng.randint(0, 5)),
                home_security=rng.sample(HomeSecurity.values, rng.randint(0, 3)),
                safe_contacts=rng.choice(SAFE_CONTACTS),
                risks=RISKS[(i + n) % len(RISKS)],
                measures=MEASURES[(i + n) % len(MEASURES)],
                review_on=review,
                created_by=advocate,
                created_at=c.first_contact_at + dt.timedelta(days=7 * n),
            )
        )
    return plans


def _ratings(
    c: AdvocacyCase, rng: random.Random, today: dt.date, advocate: Any
) -> list[VictimRating]:
    """Ratings: fear falls and safety rises over time, with noise."""
    assert c.first_contact_at is not None
    first_day = timezone.localtime(c.first_contact_at).date()
    fear, safety = rng.randint(7, 10), rng.randint(0, 3)
    points = rng.randint(2, 5)
    ratings = []
    for n in range(points):
        rated = min(today, first_day + dt.timedelta(days=21 * n))
        ratings.append(
            VictimRating(
                case=c,
                rated_on=rated,
                fear=max(0, min(10, fear - n * 2 + rng.randint(-1, 1))),
                safety=max(0, min(10, safety + n * 2 + rng.randint(-1, 1))),
                impact=max(0, min(10, fear - n + rng.randint(-1, 1))),
                created_by=advocate,
            )
        )
    return ratings


def _close_some(
    cases: list[AdvocacyCase], rng: random.Random, now: dt.datetime, advocate: Any
) -> list[AdvocacyCaseEvent]:
    """A few cases closed with a coded reason."""
    closed = [c for c in cases[:POLICE_REFERRALS] if c.first_contact_at][:4]
    events = []
    for c in closed:
        c.status = "closed"
        c.closed_at = now - dt.timedelta(days=rng.randint(1, 20))
        c.closure_reason = ClosureReason.SUPPORT_COMPLETE
        events.append(
            AdvocacyCaseEvent(
                case=c,
                kind="closed",
                at=c.closed_at,
                by=c.advocate or advocate,
                from_status="open",
                to_status="closed",
                reason=c.closure_reason,
            )
        )
    AdvocacyCase.objects.bulk_update(closed, ["status", "closed_at", "closure_reason"])
    return events
