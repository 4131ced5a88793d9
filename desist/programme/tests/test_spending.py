"""Spending against budget: recording, withdrawing, who may, and the totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from desist.audit.models import AuditEvent
from desist.core.models import OrganisationKind
from desist.core.roles import RoleCode
from desist.programme import actions, selectors
from desist.programme.models import Expenditure, Programme

R = RoleCode
TODAY = timezone.localdate()


def _spend(pm: Any, programme: Programme, amount: str, category: str = "practitioners") -> Any:
    return actions.expenditure_record(
        actor=pm,
        programme=programme,
        spent_on=TODAY - dt.timedelta(days=10),
        category=category,
        amount=Decimal(amount),
        description="Invoice 1001",
    )


@pytest.fixture
def pm(users: dict[RoleCode, Any]) -> Any:
    return users[R.PROGRAMME_MANAGER]


@pytest.fixture
def stranger_pm(make_user: Any, make_org: Any) -> Any:
    """A programme manager outside the programme's partnership."""
    return make_user(R.PROGRAMME_MANAGER, organisation=make_org(OrganisationKind.COMMISSIONER))


def test_record_and_withdraw_keep_the_line_and_audit(pm: Any, programme: Programme) -> None:
    a = _spend(pm, programme, "1250.50")
    _spend(pm, programme, "749.50", "supervision")
    [totals] = selectors.spending_for(actor=pm)
    assert totals.spent == Decimal("2000.00") and totals.remaining == Decimal("96000.00")
    assert totals.share_used == "2.0%"
    actions.expenditure_withdraw(actor=pm, line=a, reason="Entered twice")
    [totals] = selectors.spending_for(actor=pm)
    assert totals.spent == Decimal("749.50")
    a.refresh_from_db()
    assert a.withdrawn_by == pm and a.withdrawn_reason == "Entered twice"
    assert Expenditure.objects.count() == 2
    verbs = set(
        AuditEvent.objects.filter(object_type="programme.Expenditure").values_list(
            "verb", flat=True
        )
    )
    assert verbs == {"programme.expenditure_record", "programme.expenditure_withdraw"}
    with pytest.raises(ValidationError) as exc:
        actions.expenditure_withdraw(actor=pm, line=a, reason="Again")
    assert "already been withdrawn" in str(exc.value)


@pytest.mark.parametrize(
    ("field", "values", "message"),
    [
        ("amount", {"amount": None}, "Enter the amount in pounds"),
        ("amount", {"amount": Decimal("0")}, "The amount must be more than £0"),
        ("amount", {"amount": Decimal("2000000")}, "£1,000,000 or less"),
        ("amount", {"amount": Decimal("10.555")}, "pounds and pence"),
        ("spent_on", {"spent_on": None}, "Enter the date the money was spent"),
        ("spent_on", {"spent_on": TODAY + dt.timedelta(days=1)}, "today or in the past"),
        ("spent_on", {"spent_on": TODAY - dt.timedelta(days=4000)}, "within the last 10 years"),
        ("category", {"category": "yachts"}, "Select what the money was spent on"),
        ("description", {"description": "  "}, "Enter what the money was spent on"),
    ],
)
def test_record_validation(
    pm: Any, programme: Programme, field: str, values: dict[str, Any], message: str
) -> None:
    kwargs: dict[str, Any] = {
        "spent_on": TODAY,
        "category": "venues",
        "amount": Decimal("10"),
        "description": "Room hire",
    } | values
    with pytest.raises(ValidationError) as exc:
        actions.expenditure_record(actor=pm, programme=programme, **kwargs)
    assert field in exc.value.message_dict
    assert message in " ".join(exc.value.message_dict[field])
    assert not Expenditure.objects.exists()


def test_only_the_programmes_managers_may_record(
    users: dict[RoleCode, Any], programme: Programme, stranger_pm: Any
) -> None:
    for role in RoleCode:
        if role == R.PROGRAMME_MANAGER:
            continue
        with pytest.raises(PermissionDenied):
            _spend(users[role], programme, "10")
    with pytest.raises(PermissionDenied):
        _spend(stranger_pm, programme, "10")
    assert selectors.spending_for(actor=stranger_pm) == []
    line = _spend(users[R.PROGRAMME_MANAGER], programme, "10")
    with pytest.raises(Http404):
        selectors.expenditure_get_for(actor=stranger_pm, expenditure_id=line.pk)
    with pytest.raises(PermissionDenied):
        actions.expenditure_withdraw(actor=stranger_pm, line=line, reason="No")


@pytest.mark.parametrize("role", list(RoleCode))
def test_spending_pages_by_role(
    client: Any, users: dict[RoleCode, Any], programme: Programme, role: RoleCode
) -> None:
    line = _spend(users[R.PROGRAMME_MANAGER], programme, "10")
    client.force_login(users[role])
    urls = [
        reverse("programme:spending", args=[programme.pk]),
        reverse("programme:spending_new", args=[programme.pk]),
        reverse("programme:spending_withdraw", args=[line.pk]),
    ]
    for url in urls:
        status = client.get(url).status_code
        assert status == (200 if role == R.PROGRAMME_MANAGER else 403), (url, status)


def test_spending_pages_hidden_from_another_partnership(
    client: Any, users: dict[RoleCode, Any], programme: Programme, stranger_pm: Any
) -> None:
    line = _spend(users[R.PROGRAMME_MANAGER], programme, "10")
    client.force_login(stranger_pm)
    for url in (
        reverse("programme:spending", args=[programme.pk]),
        reverse("programme:spending_new", args=[programme.pk]),
        reverse("programme:spending_withdraw", args=[line.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_spending_anonymous_goes_to_sign_in(client: Any, programme: Programme) -> None:
    response = client.get(reverse("programme:spending", args=[programme.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_record_through_the_form_shows_errors_then_saves(
    client: Any, pm: Any, programme: Programme
) -> None:
    client.force_login(pm)
    url = reverse("programme:spending_new", args=[programme.pk])
    page = client.post(url, {"spent_on": "", "category": "", "amount": "-5", "description": ""})
    html = page.content.decode()
    assert page.status_code == 200 and "govuk-error-summary" in html
    for message in (
        "Enter the date the money was spent",
        "Select what the money was spent on",
        "Enter what the money was spent on",
    ):
        assert message in html
    response = client.post(
        url,
        {
            "spent_on": (TODAY - dt.timedelta(days=3)).isoformat(),
            "category": "training",
            "amount": "2400.00",
            "description": "Practitioner training, invoice 77",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("programme:spending", args=[programme.pk])).content.decode()
    assert "Practitioner training, invoice 77" in page and "£2,400.00" in page


def test_spending_page_queries_do_not_grow(pm: Any, client: Any, programme: Programme) -> None:
    client.force_login(pm)
    url = reverse("programme:spending", args=[programme.pk])
    _spend(pm, programme, "10")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(15):
        _spend(pm, programme, "10")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_costs_for_evaluation_scope(
    users: dict[RoleCode, Any], programme: Programme, pm: Any, stranger_pm: Any
) -> None:
    _spend(pm, programme, "100", "practitioners")
    _spend(pm, programme, "50", "practitioners")
    gone = _spend(pm, programme, "999", "venues")
    actions.expenditure_withdraw(actor=pm, line=gone, reason="Wrong programme")
    expected = [{"category": "Practitioner time", "amount": 150.0}]
    assert selectors.costs_for_evaluation(actor=pm) == expected
    assert selectors.costs_for_evaluation(actor=stranger_pm) == []
    for role in (R.POLICE_OFFICER, R.PRACTITIONER, R.VICTIM_ADVOCATE, R.SYSTEM_ADMIN):
        assert selectors.costs_for_evaluation(actor=users[role]) == [], role


def test_a_partnership_sharing_the_provider_does_not_manage_our_programme(
    client: Any,
    orgs: dict[str, Any],
    make_org: Any,
    make_user: Any,
    programme: Programme,
    pm: Any,
) -> None:
    """The provider works for a second partnership, with another force and commissioner: each
    partnership's manager neither sees nor changes the other's programme or its spending."""
    from desist.core.models import Partnership

    other_force = orgs["other_police_force"]
    commissioner = make_org(OrganisationKind.COMMISSIONER)
    p2 = Partnership.objects.create(code="p2", name="Second partnership")
    p2.organisations.add(orgs["provider"], other_force, commissioner)
    theirs = make_user(R.PROGRAMME_MANAGER, organisation=commissioner)
    second = actions.programme_save(
        actor=theirs,
        name="Second programme",
        provider=orgs["provider"],
        forces=[other_force],
        capacity=10,
        funding=Decimal("5000"),
    )
    _spend(theirs, second, "100", "venues")
    _spend(pm, programme, "40", "travel")
    assert [s.programme.name for s in selectors.spending_for(actor=theirs)] == ["Second programme"]
    assert [s.programme.name for s in selectors.spending_for(actor=pm)] == ["Pilot programme"]
    assert selectors.costs_for_evaluation(actor=theirs) == [
        {"category": "Rooms and venues", "amount": 100.0}
    ]
    assert selectors.costs_for_evaluation(actor=pm) == [{"category": "Travel", "amount": 40.0}]
    with pytest.raises(PermissionDenied):
        _spend(theirs, programme, "10")
    with pytest.raises(PermissionDenied):
        _spend(pm, second, "10")
    client.force_login(theirs)
    assert client.get(reverse("programme:spending", args=[programme.pk])).status_code == 404
    assert client.get(reverse("programme:settings_detail", args=[programme.pk])).status_code == 404
    # Nor may a manager set up a programme for a force outside their partnerships.
    with pytest.raises(ValidationError) as exc:
        actions.programme_save(
            actor=theirs,
            name="Reaching out",
            provider=orgs["provider"],
            forces=[orgs["police_force"]],
            capacity=10,
            funding=Decimal("0"),
        )
    assert "Select only police forces in your partnerships" in str(exc.value)


def test_costs_leave_out_programmes_beyond_the_partnership_and_outside_the_cohort(
    orgs: dict[str, Any], programme: Programme, pm: Any, users: dict[RoleCode, Any]
) -> None:
    """Cost per participant divides spending by the people in the evaluation, so spending on
    a programme that also serves a force outside the partnership, or on a programme none of
    those people attended, must not be in the numerator."""
    overseer = users[R.OVERSEER]
    from desist.core.models import Partnership

    Partnership.objects.get(code="pilot").organisations.add(orgs["oversight"])
    _spend(pm, programme, "100", "practitioners")
    wider = actions.programme_save(
        actor=pm,
        name="Wider",
        provider=orgs["provider"],
        forces=[orgs["police_force"]],
        capacity=5,
        funding=Decimal("1000"),
    )
    _spend(pm, wider, "7", "travel")
    # Another force joins the wider programme: it now serves a force outside the partnership.
    wider.forces.add(orgs["other_police_force"])
    for actor in (pm, overseer):
        assert selectors.costs_for_evaluation(actor=actor) == [
            {"category": "Practitioner time", "amount": 100.0}
        ], actor
        assert selectors.costs_for_evaluation(actor=actor, programme_ids=[wider.pk]) == []
        assert selectors.costs_for_evaluation(actor=actor, programme_ids=[]) == []
