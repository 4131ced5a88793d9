"""A two-force world for the API tests: Sussex (the partnership's force, with a provider and an
advocacy service) and Surrey, each with a subject, a case, a victim with a distinctive identity,
a full order whose term protects the victim, a breach, a referral with a session, and an alert
to one of its officers; and a helper that issues keys through the real command."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from desist.accounts.actions.api_keys import api_key_create
from desist.core.models import Organisation, Partnership
from desist.core.roles import RoleCode
from desist.orders.tests.helpers import add_term, ago, ahead, breach, full, make_case, make_subject
from desist.orders.tests.helpers import make_victim as _make_victim
from desist.programme import actions as programme_actions
from desist.sharing.alerts import alert_create

R = RoleCode


@dataclass
class ForceWorld:
    force: Organisation
    officer: Any
    subject: Any
    victim: Any
    order: Any
    term: Any
    breach: Any
    referral: Any
    alert: Any


@dataclass
class World:
    sussex: ForceWorld
    surrey: ForceWorld
    provider: Organisation
    advocacy: Organisation
    admin: Any
    practitioner: Any


def _force_world(
    force: Organisation, officer: Any, programme: Any, n: int, practitioner: Any
) -> ForceWorld:
    subject = make_subject(force)
    case = make_case(subject)
    victim = _make_victim(
        case,
        first_names=f"Ysolde{n}x",
        last_name=f"Quenneville{n}",
        address=f"{n} Larkspur Mews, Ditchling",
        postcode=f"ZV{n} 4QT",
        phone=f"0117 496 00{n}{n}",
        email=f"ysolde{n}@example.net",
    )
    order = full(officer, subject, made=ago(100), ends=ahead(700))
    term = add_term(
        officer,
        order,
        victim,
        wording=f"Must not contact Ysolde{n}x Quenneville{n} or go to Larkspur Mews.",
        area="Larkspur Mews, Ditchling",
    )
    broken = breach(officer, order, term, ago(10))
    referral = None
    if programme is not None and force in programme.forces.all():
        referral = programme_actions.referral_put_forward(
            actor=officer,
            subject=subject,
            programme=programme,
            order=order,
            put_forward_on=timezone.localdate() - dt.timedelta(days=30),
        )
    alert = alert_create(
        actor=None,
        kind="breach_recorded",
        priority="high",
        recipient=officer,
        title="Breach recorded",
        body="A breach of the order was recorded.",
        subject=subject,
        source=order,
    )
    return ForceWorld(force, officer, subject, victim, order, term, broken, referral, alert)


@pytest.fixture
def world(orgs: dict[str, Any], users: dict[RoleCode, Any], make_user: Any) -> World:
    sussex, surrey = orgs["police_force"], orgs["other_police_force"]
    partnership = Partnership.objects.create(code="pilot", name="Pilot")
    partnership.organisations.add(sussex, orgs["provider"], orgs["commissioner"], orgs["advocacy"])
    programme = programme_actions.programme_save(
        actor=users[R.PROGRAMME_MANAGER],
        name="Pilot programme",
        provider=orgs["provider"],
        forces=[sussex],
        capacity=30,
        funding=Decimal("98000"),
        sessions=12,
    )
    surrey_officer = make_user(R.POLICE_OFFICER, organisation=surrey)
    practitioner = users[R.PRACTITIONER]
    made = World(
        sussex=_force_world(sussex, users[R.POLICE_OFFICER], programme, 1, practitioner),
        surrey=_force_world(surrey, surrey_officer, None, 2, practitioner),
        provider=orgs["provider"],
        advocacy=orgs["advocacy"],
        admin=users[R.SYSTEM_ADMIN],
        practitioner=practitioner,
    )
    # An alert to the provider too, so a provider key has one to read.
    alert_create(
        actor=None,
        kind="missed_sessions",
        priority="routine",
        recipient=practitioner,
        title="Attendance to record",
        body="Record attendance for the session.",
        subject=made.sussex.subject,
    )
    return made


@pytest.fixture
def issue_key(world: World) -> Callable[..., str]:
    """A live key's token for `organisation` with `scopes`."""

    def issue(organisation: Organisation, *scopes: str) -> str:
        return api_key_create(
            actor=world.admin,
            organisation=organisation,
            name="Test system",
            scopes=list(scopes),
            expires_in_days=30,
        ).token

    return issue


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
