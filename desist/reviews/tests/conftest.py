"""Fixtures for case reviews: a force in a partnership with the provider and the advocacy
service, a subject with a case and a victim, and a meeting convened by the supervisor."""

from __future__ import annotations

from typing import Any

import pytest

from desist.core.models import Partnership
from desist.core.roles import RoleCode
from desist.orders.tests.helpers import ago, make_case, make_subject, make_victim
from desist.reviews import services

R = RoleCode


@pytest.fixture
def partnership(orgs: dict[str, Any]) -> Partnership:
    p = Partnership.objects.create(code="reviews", name="Reviews")
    p.organisations.add(orgs["police_force"], orgs["provider"], orgs["advocacy"])
    return p


@pytest.fixture
def supervisor(users: dict[RoleCode, Any]) -> Any:
    return users[R.POLICE_SUPERVISOR]


@pytest.fixture
def officer(users: dict[RoleCode, Any]) -> Any:
    return users[R.POLICE_OFFICER]


@pytest.fixture
def practitioner(users: dict[RoleCode, Any]) -> Any:
    return users[R.PRACTITIONER]


@pytest.fixture
def advocate(users: dict[RoleCode, Any]) -> Any:
    return users[R.VICTIM_ADVOCATE]


@pytest.fixture
def subject(orgs: dict[str, Any]) -> Any:
    subject = make_subject(orgs["police_force"])
    make_victim(make_case(subject), phone="07700 900461")
    return subject


@pytest.fixture
def meeting(
    supervisor: Any, practitioner: Any, advocate: Any, orgs: dict[str, Any], partnership: Any
) -> Any:
    return services.meeting_convene(
        actor=supervisor,
        kind="stalking_clinic",
        held_on=ago(0),  # held today: a meeting in the future cannot be signed
        chair_id=supervisor.pk,
        agency_ids=[orgs["provider"].pk, orgs["advocacy"].pk],
        attendee_ids=[supervisor.pk, practitioner.pk, advocate.pk],
    )


@pytest.fixture
def item(supervisor: Any, meeting: Any, subject: Any) -> Any:
    return services.item_add(
        actor=supervisor, meeting=meeting, title="Escalating contact", subject=subject
    )
