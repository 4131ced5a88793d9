""" "What we can tell you about the person" on the advocacy case page (issue 20): the orders
that protect this victim with their terms redacted for her (another victim of the same man is
counted, never named, located or referenced), the programme stage only where she asked for
engagement news, and the alerts sent to this advocate about him with their lawful basis.
Advocacy staff of the service holding the case only; each police or provider record read is
logged as a consultation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from desist import policy
from desist.audit.models import AuditEvent
from desist.core.models import Partnership
from desist.core.roles import RoleCode
from desist.orders.models import Term
from desist.orders.tests.helpers import add_term, ago, ahead, breach, full, make_case, make_subject
from desist.orders.tests.helpers import make_victim as order_victim
from desist.policy import Perm
from desist.programme import actions as programme_actions
from desist.programme.models import Referral, ReferralStatus
from desist.safeguarding.models import AdvocacyCase

pytestmark = pytest.mark.django_db
R = RoleCode

# The other victim of the same man: nothing of hers may reach this victim's advocate.
OTHER = {
    "first_names": "Philippa",
    "last_name": "Quorndon-Zeal",
    "address": "17 Wisteria Crescent, Hove",
    "postcode": "BN3 7QZ",
}
MINE = {
    "first_names": "Marguerite",
    "last_name": "Ashdown-Pell",
    "address": "4 Larkspur Row, Lewes",
    "postcode": "BN7 2XY",
}


@pytest.fixture
def world(users: dict[RoleCode, Any], orgs: dict[str, Any]) -> dict[str, Any]:
    Partnership.objects.create(code="pilot", name="Pilot").organisations.set(
        [orgs["police_force"], orgs["provider"], orgs["advocacy"], orgs["commissioner"]]
    )
    officer = users[R.POLICE_OFFICER]
    subject = make_subject(officer.organisation)
    case = make_case(subject, created_by=officer)
    mine = order_victim(case, **MINE)
    other = order_victim(case, **OTHER)
    order = full(officer, subject, made=ago(100), ends=ahead(700))
    terms = {
        "mine": add_term(
            officer,
            order,
            mine,
            wording="Must not contact Marguerite Ashdown-Pell by any means.",
            area="Larkspur Row, Lewes",
            category=Term.Category.EXCLUSION_ZONE,
        ),
        "both": add_term(
            officer,
            order,
            mine,
            wording="Must not go within 100 metres of Marguerite Ashdown-Pell or Philippa "
            "Quorndon-Zeal.",
            protected_persons=[mine, other],
            category=Term.Category.NO_APPROACH,
        ),
        "theirs": add_term(
            officer,
            order,
            other,
            wording="Must not enter 17 Wisteria Crescent, Hove BN3 7QZ.",
            area="Wisteria Crescent, Hove",
            provider_description="Must not enter a named street.",
            category=Term.Category.EXCLUSION_ZONE,
        ),
    }
    # An order protecting only the other victim, on her own: not this advocate's to know of.
    own_order = full(officer, subject, made=ago(90), ends=ahead(700))
    add_term(officer, own_order, other, wording="Must not contact Philippa Quorndon-Zeal.")
    advocacy = AdvocacyCase.objects.create(
        victim=mine,
        service=orgs["advocacy"],
        origin="police",
        advocate=users[R.VICTIM_ADVOCATE],
        allocated_at=timezone.now(),
    )
    return {
        "officer": officer,
        "subject": subject,
        "mine": mine,
        "other": other,
        "order": order,
        "own_order": own_order,
        "terms": terms,
        "case": advocacy,
        "url": reverse("safeguarding:case", args=[advocacy.pk]),
    }


def _page(client: Any, user: Any, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _section(html: str) -> str:
    start = html.index('id="about-the-person"')
    return html[start : html.index("Safety plan</h2>", start)]


def test_the_advocate_sees_the_order_with_terms_redacted_for_her_victim(
    client: Any, users: dict[RoleCode, Any], world: dict[str, Any]
) -> None:
    html = _page(client, users[R.VICTIM_ADVOCATE], world["url"])
    about = _section(html)
    assert "What we can tell you about the person" in about
    assert world["order"].reference in about
    assert "Full order" in about
    # Her own term: the court's wording and the area.
    assert "Must not contact Marguerite Ashdown-Pell by any means." in about
    assert "Area: Larkspur Row, Lewes" in about
    # The shared term: her name stays, the other victim's goes; counted, not named.
    assert "Must not go within 100 metres of Marguerite Ashdown-Pell or" in about
    assert "This victim and 1 other person" in about
    # The other victim's own term: the provider-safe description, not the court's wording.
    assert "Must not enter a named street." in about
    assert "1 other person, not this victim" in about
    # The order that protects only the other victim is not shown at all.
    assert world["own_order"].reference not in about
    for value in ("Philippa", "Quorndon", "Wisteria", "BN3 7QZ", f"V{world['other'].pk:06d}"):
        assert value not in html, value


def test_programme_stage_only_where_the_victim_asked_for_engagement_news(
    client: Any, users: dict[RoleCode, Any], orgs: dict[str, Any], world: dict[str, Any]
) -> None:
    programme = programme_actions.programme_save(
        actor=users[R.PROGRAMME_MANAGER],
        name="Pilot programme",
        provider=orgs["provider"],
        forces=[orgs["police_force"]],
        capacity=30,
        funding=Decimal("98000"),
        sessions=12,
    )
    referral = programme_actions.referral_put_forward(
        actor=world["officer"],
        subject=world["subject"],
        programme=programme,
        put_forward_on=timezone.localdate() - dt.timedelta(days=60),
        risk_summary="Fixated; continues to drive past.",
    )
    started = timezone.localdate() - dt.timedelta(days=30)
    Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.ACTIVE, started_on=started)
    advocate = users[R.VICTIM_ADVOCATE]

    about = _section(_page(client, advocate, world["url"]))
    assert "has not asked to be told about the person's engagement" in about
    assert referral.reference not in about

    type(world["mine"]).objects.filter(pk=world["mine"].pk).update(wants_engagement_news=True)
    about = _section(_page(client, advocate, world["url"]))
    assert referral.reference in about
    assert "Started" in about and f"{started.day} {started:%B} {started.year}" in about
    assert "Fixated" not in about  # the police's risk summary is not the advocate's
    assert AuditEvent.objects.filter(
        verb="advocacy.perpetrator_view",
        object_type="programme.Referral",
        object_id=str(referral.pk),
        actor_id=advocate.pk,
    ).exists()


def test_alerts_sent_to_the_advocate_about_him_with_their_lawful_basis(
    client: Any, users: dict[RoleCode, Any], world: dict[str, Any]
) -> None:
    breach(world["officer"], world["order"], world["terms"]["mine"], ago(2))
    advocate = users[R.VICTIM_ADVOCATE]
    about = _section(_page(client, advocate, world["url"]))
    assert "SPO breach recorded" in about
    assert "DPA 2018 Part 3" in about
    assert "Not acknowledged" in about
    # Someone else's alerts are not listed: the manager was sent none.
    manager_page = _section(_page(client, users[R.ADVOCACY_MANAGER], world["url"]))
    assert "No alerts about the person have been sent to you." in manager_page
    assert world["order"].reference in manager_page


def test_each_order_read_is_a_consultation(
    client: Any, users: dict[RoleCode, Any], world: dict[str, Any]
) -> None:
    advocate = users[R.VICTIM_ADVOCATE]
    _page(client, advocate, world["url"])
    logged = set(
        AuditEvent.objects.filter(
            verb="advocacy.perpetrator_view", actor_id=advocate.pk, object_type="orders.Order"
        ).values_list("object_id", flat=True)
    )
    assert logged == {str(world["order"].pk)}


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_who_may_see_it(
    client: Any,
    users: dict[RoleCode, Any],
    make_user: Any,
    make_org: Any,
    world: dict[str, Any],
    role: RoleCode,
) -> None:
    """Advocacy staff of the service holding the case; nobody else, not even police of the
    force that holds the order (they have the order page), nor another advocacy service."""
    holders = {R.VICTIM_ADVOCATE, R.ADVOCACY_MANAGER}
    user = users[role]
    assert policy.can(user, Perm.ADVOCACY_PERPETRATOR_VIEW, world["case"]) == (role in holders)
    client.force_login(user)
    response = client.get(world["url"])
    if role in holders:
        assert "What we can tell you about the person" in response.content.decode()
        other = make_user(role, organisation=make_org("advocacy"))
        assert not policy.can(other, Perm.ADVOCACY_PERPETRATOR_VIEW, world["case"])
        client.force_login(other)
        assert client.get(world["url"]).status_code == 404
    else:
        assert response.status_code == 403
