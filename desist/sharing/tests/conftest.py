"""Fixtures for the sharing tests: a partnership (force, provider, advocacy service), its
people, a subject with a case, a victim and a full order, and the victim's advocate."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from desist.core.models import Partnership
from desist.core.roles import RoleCode
from desist.orders.tests.helpers import (
    add_term,
    ago,
    ahead,
    full,
    make_case,
    make_subject,
    make_victim,
)

R = RoleCode

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def partnership(orgs: dict[str, Any]) -> Partnership:
    p = Partnership.objects.create(code="pilot", name="Test pilot")
    p.organisations.set(
        [orgs["police_force"], orgs["provider"], orgs["advocacy"], orgs["oversight"]]
    )
    return p


@pytest.fixture
def force(orgs: dict[str, Any]) -> Any:
    return orgs["police_force"]


@pytest.fixture
def officer(users: dict[RoleCode, Any]) -> Any:
    return users[R.POLICE_OFFICER]


@pytest.fixture
def supervisor(users: dict[RoleCode, Any]) -> Any:
    return users[R.POLICE_SUPERVISOR]


@pytest.fixture
def advocate(users: dict[RoleCode, Any]) -> Any:
    return users[R.VICTIM_ADVOCATE]


@pytest.fixture
def practitioner(users: dict[RoleCode, Any]) -> Any:
    return users[R.PRACTITIONER]


@pytest.fixture
def subject(force: Any) -> Any:
    return make_subject(force)


@pytest.fixture
def case(subject: Any, officer: Any) -> Any:
    return make_case(subject, created_by=officer)


@pytest.fixture
def victim(case: Any) -> Any:
    return make_victim(case, phone="07700 900123", email="Philippa.QZ@example.org")


@pytest.fixture
def order(officer: Any, subject: Any, victim: Any) -> Any:
    return full(officer, subject, made=ago(100), ends=ahead(700))


@pytest.fixture
def term(officer: Any, order: Any, victim: Any) -> Any:
    return add_term(officer, order, victim)


def link_advocate(victim: Any, advocate: Any, *, wants_news: bool = False) -> Any:
    """An open advocacy case for the victim with this advocate allocated."""
    from desist.safeguarding.models import AdvocacyCase

    if wants_news:
        type(victim).objects.filter(pk=victim.pk).update(wants_engagement_news=True)
    return AdvocacyCase.objects.create(
        victim=victim,
        service=advocate.organisation,
        origin="police",
        advocate=advocate,
        allocated_at=timezone.now(),
    )


@pytest.fixture
def supported(victim: Any, advocate: Any) -> Any:
    return link_advocate(victim, advocate)
