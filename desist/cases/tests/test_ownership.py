"""Officer in charge and team on cases and orders (issue 19): who may set them, what they may
be set to, and the audit row."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from desist.audit.models import AuditEvent
from desist.cases import ownership
from desist.core.roles import RoleCode
from desist.orders import actions
from desist.orders.models import OrderStatus
from desist.people.tests.factories import make_order

R = RoleCode


@pytest.fixture
def supervisor(users: dict[RoleCode, Any]) -> Any:
    return users[R.POLICE_SUPERVISOR]


@pytest.fixture
def teamed(officer: Any) -> Any:
    officer.team = "Stalking unit East"
    officer.save(update_fields=["team"])
    return officer


def test_supervisor_assigns_a_case_and_the_audit_keeps_the_change(
    client: Any, supervisor: Any, teamed: Any, case: Any
) -> None:
    client.force_login(supervisor)
    url = reverse("cases:assign", args=[case.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Stalking unit East" in page.content.decode()
    response = client.post(url, {"version": case.version, "officer": teamed.pk, "team": ""})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.officer_in_charge_id == teamed.pk
    assert case.team == "Stalking unit East"  # the officer's own team by default
    event = AuditEvent.objects.get(verb="case.assign")
    assert event.old_values == {"officer_in_charge_id": None, "team": ""}
    assert event.new_values == {"officer_in_charge_id": teamed.pk, "team": "Stalking unit East"}
    detail = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert teamed.display_name() in detail and url in detail


def test_an_officer_cannot_assign(client: Any, officer: Any, case: Any) -> None:
    client.force_login(officer)
    assert client.get(reverse("cases:assign", args=[case.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        ownership.case_assign(actor=officer, case=case, version=case.version, officer_id=officer.pk)
    detail = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("cases:assign", args=[case.pk]) not in detail


def test_another_forces_supervisor_sees_nothing(
    client: Any, make_user: Any, orgs: Any, case: Any, officer: Any
) -> None:
    surrey = make_user(R.POLICE_SUPERVISOR, organisation=orgs["other_police_force"])
    client.force_login(surrey)
    assert client.get(reverse("cases:assign", args=[case.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        ownership.case_assign(actor=surrey, case=case, version=case.version, officer_id=surrey.pk)


def test_an_officer_of_another_force_is_never_assigned(
    client: Any, supervisor: Any, outsider: Any, case: Any
) -> None:
    # Not offered on the form, and refused by the service if posted anyway.
    assert outsider.pk not in dict(ownership.choices_for(case.force_id)["officers"])
    with pytest.raises(ValidationError) as exc:
        ownership.case_assign(
            actor=supervisor, case=case, version=case.version, officer_id=outsider.pk
        )
    assert exc.value.message_dict == {"officer": [ownership.OFFICER_ELSEWHERE]}
    client.force_login(supervisor)
    response = client.post(
        reverse("cases:assign", args=[case.pk]),
        {"version": case.version, "officer": outsider.pk, "team": ""},
    )
    assert response.status_code == 200
    assert "Select an officer of this force" in response.content.decode()
    case.refresh_from_db()
    assert case.officer_in_charge_id is None


def test_staff_who_are_not_police_or_are_disabled_are_not_assignable(
    supervisor: Any, make_user: Any, officer: Any, case: Any
) -> None:
    admin = make_user(R.ORGANISATION_ADMIN, organisation=officer.organisation)
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    for person in (admin, officer):
        with pytest.raises(ValidationError):
            ownership.case_assign(
                actor=supervisor, case=case, version=case.version, officer_id=person.pk
            )


def test_officer_and_team_are_required_and_checked(
    client: Any, supervisor: Any, teamed: Any, case: Any
) -> None:
    client.force_login(supervisor)
    url = reverse("cases:assign", args=[case.pk])
    empty = client.post(url, {"version": case.version, "officer": "", "team": ""})
    assert "Select the officer in charge" in empty.content.decode()
    assert "govuk-error-summary" in empty.content.decode()
    with pytest.raises(ValidationError) as exc:
        ownership.case_assign(
            actor=supervisor,
            case=case,
            version=case.version,
            officer_id=teamed.pk,
            team="A team nobody is in",
        )
    assert exc.value.message_dict == {"team": [ownership.TEAM_UNKNOWN]}


def test_a_stale_form_is_refused(supervisor: Any, teamed: Any, case: Any) -> None:
    with pytest.raises(ValidationError):
        ownership.case_assign(
            actor=supervisor, case=case, version=case.version + 5, officer_id=teamed.pk
        )


def test_supervisor_assigns_an_order(
    client: Any, supervisor: Any, teamed: Any, outsider: Any, subject: Any, make_user: Any
) -> None:
    order = make_order(subject, status=OrderStatus.APPLIED, actor=teamed)
    client.force_login(supervisor)
    url = reverse("orders:assign", args=[order.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"version": order.version, "officer": teamed.pk, "team": "Stalking unit East"}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.officer_in_charge_id, order.team) == (teamed.pk, "Stalking unit East")
    assert AuditEvent.objects.filter(verb="order.assign").count() == 1
    with pytest.raises(ValidationError):
        actions.order_assign(
            actor=supervisor, order=order, version=order.version, officer_id=outsider.pk
        )
    client.force_login(teamed)
    assert client.get(url).status_code == 403
    surrey = make_user(R.POLICE_SUPERVISOR, organisation=outsider.organisation)
    client.force_login(surrey)
    assert client.get(url).status_code == 404
