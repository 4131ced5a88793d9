"""Issue 19 (deliver 8): the provider's end-of-intervention summary for the police, and the
intervention's outcome, on the order page, before any renewal or discharge decision. Police of
the subject's force only (END_REPORT_SUMMARY_VIEW on the referral); the rest of the end report
(the practitioner's assessment, skills, clinical notes) never reaches the order page."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.urls import reverse

from desist import policy
from desist.audit.models import AuditEvent
from desist.core.models import Partnership
from desist.core.roles import RoleCode
from desist.orders.tests.helpers import ago, ahead, full
from desist.policy import Perm
from desist.programme import actions
from desist.programme.models import Referral, ReferralStatus

R = RoleCode
POLICE_SUMMARY = "Attended eleven of twelve sessions and used the skills taught when tested"
ASSESSMENT = "Formulation shows jealousy schema still active in close relationships"
SKILLS = "Opposite action and paced breathing when urges rise"


@pytest.fixture
def ended(active: Referral, officer: Any, practitioner: Any) -> dict[str, Any]:
    order = full(officer, active.subject, made=ago(400), ends=ahead(330))
    Referral.objects.filter(pk=active.pk).update(order=order)
    report = actions.end_report_save(
        actor=practitioner,
        referral=active,
        version=None,
        practitioner_assessment=ASSESSMENT,
        warning_signs="Checking social media late at night",
        skills_to_use=SKILLS,
        contacts="Provider duty line",
        police_summary=POLICE_SUMMARY,
    )
    Referral.objects.filter(pk=active.pk).update(status=ReferralStatus.COMPLETED, ended_on=ago(5))
    return {"order": order, "referral": active, "report": report}


def _text(client: Any, user: Any, url: str) -> tuple[int, str]:
    client.force_login(user)
    response = client.get(url)
    text = html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))
    return response.status_code, " ".join(text.split())


def test_order_page_shows_the_police_summary_and_outcome(
    client: Any, users: dict[RoleCode, Any], ended: dict[str, Any]
) -> None:
    url = reverse("orders:detail", args=[ended["order"].pk])
    for role in (R.POLICE_OFFICER, R.POLICE_SUPERVISOR):
        status, page = _text(client, users[role], url)
        assert status == 200
        assert POLICE_SUMMARY in page
        assert f"Outcome {ReferralStatus.COMPLETED.label}" in page
        assert ended["referral"].reference in page
        # Never the clinical parts of the report.
        assert ASSESSMENT not in page and SKILLS not in page
        event = AuditEvent.objects.filter(verb="referral.view_end_summary").latest("id")
        assert event.actor_id == users[role].pk
        assert event.object_id == str(ended["referral"].pk)


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_end_summary_by_role(
    client: Any, users: dict[RoleCode, Any], ended: dict[str, Any], role: RoleCode
) -> None:
    """END_REPORT_SUMMARY_VIEW: police of the subject's force; nobody else, and the order page
    that carries it is the police's alone."""
    police = role in (R.POLICE_OFFICER, R.POLICE_SUPERVISOR)
    actor = users[role]
    assert policy.can(actor, Perm.END_REPORT_SUMMARY_VIEW, ended["referral"]) == police
    status, page = _text(client, actor, reverse("orders:detail", args=[ended["order"].pk]))
    assert status == (200 if police else 403)
    assert (POLICE_SUMMARY in page) == police


def test_another_force_under_break_glass_sees_the_order_not_the_summary(
    client: Any, make_user: Any, orgs: dict[str, Any], ended: dict[str, Any]
) -> None:
    from desist.sharing.break_glass import break_glass_request

    pilot = Partnership.objects.create(code="p2", name="P2")
    pilot.organisations.set([orgs["police_force"], orgs["other_police_force"]])
    outsider = make_user(R.POLICE_OFFICER, organisation=orgs["other_police_force"])
    break_glass_request(
        actor=outsider, record=ended["order"], justification="Arrested in our area tonight."
    )
    status, page = _text(client, outsider, reverse("orders:detail", args=[ended["order"].pk]))
    assert status == 200
    assert POLICE_SUMMARY not in page
    assert not policy.can(outsider, Perm.END_REPORT_SUMMARY_VIEW, ended["referral"])


def test_no_end_report_yet_says_so(
    client: Any, users: dict[RoleCode, Any], active: Referral, officer: Any
) -> None:
    order = full(officer, active.subject, made=ago(400), ends=ahead(330))
    Referral.objects.filter(pk=active.pk).update(order=order)
    status, page = _text(client, officer, reverse("orders:detail", args=[order.pk]))
    assert status == 200
    assert active.reference in page
    assert "The provider has not written the end-of-intervention report yet" in page
