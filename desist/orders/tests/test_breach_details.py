"""Issue 19: a breach's details (date, term, how it came to light, who recorded it, what the
officer wrote) are shown on the order page, on the case timeline and on the breach alert, to
those who may see the order (police of the force, or a break-glass grant on the order). An
advocate alerted about the breach reads the alert's summary only; provider staff see nothing
of it anywhere."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from desist import policy
from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode
from desist.orders.tests.helpers import add_term, ago, ahead, breach, full, make_case
from desist.policy import Perm
from desist.safeguarding.models import AdvocacyCase
from desist.sharing.models import Alert

R = RoleCode
SECRET = "Waited outside the gym on Quillfeather Lane at 06:10"


@pytest.fixture
def recorded(users: dict[RoleCode, Any], subject: Any, case: Any, victim: Any) -> dict[str, Any]:
    """A full order on the case, one breach with free text, and the victim's advocate."""
    officer = users[R.POLICE_OFFICER]
    AdvocacyCase.objects.create(
        victim=victim,
        service=users[R.VICTIM_ADVOCATE].organisation,
        origin="police",
        advocate=users[R.VICTIM_ADVOCATE],
        allocated_at=timezone.now(),
    )
    order = full(officer, subject, made=ago(100), ends=ahead(700), case=case)
    term = add_term(officer, order, victim)
    made = breach(officer, order, term, ago(2), details=SECRET)
    return {"order": order, "breach": made, "case": case, "officer": officer}


def _page(client: Any, user: Any, url: str) -> tuple[int, str]:
    """The status and the page's text, tags dropped and spaces collapsed."""
    client.force_login(user)
    response = client.get(url)
    text = html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))
    return response.status_code, " ".join(text.split())


def test_order_page_shows_each_breach_in_full_to_police(
    client: Any, users: dict[RoleCode, Any], recorded: dict[str, Any]
) -> None:
    url = reverse("orders:detail", args=[recorded["order"].pk])
    for role in (R.POLICE_OFFICER, R.POLICE_SUPERVISOR):
        status, page = _page(client, users[role], url)
        assert status == 200
        assert SECRET in page
        assert f"Recorded by {recorded['officer'].display_name()}," in page
        assert "Reported by the victim" in page


def test_case_timeline_shows_the_breach_details_once(
    client: Any, users: dict[RoleCode, Any], recorded: dict[str, Any]
) -> None:
    status, page = _page(
        client, users[R.POLICE_OFFICER], reverse("cases:detail", args=[recorded["case"].pk])
    )
    assert status == 200
    assert page.count(SECRET) == 1
    # Shown under the incident recording the breach added, not as a second entry.
    raw = client.get(reverse("cases:detail", args=[recorded["case"].pk])).content.decode()
    assert raw.count('class="moj-timeline__item"') == 1
    assert f"Breach of SPO {recorded['order'].reference}" in page
    event = AuditEvent.objects.filter(verb="case.view").latest("id")
    assert event.new_values["breaches_shown"] == [recorded["breach"].pk]


def test_breach_alert_shows_details_to_police_only(
    client: Any, users: dict[RoleCode, Any], recorded: dict[str, Any]
) -> None:
    alerts = {a.recipient_id: a for a in Alert.objects.filter(kind="breach_recorded")}
    supervisor, advocate = users[R.POLICE_SUPERVISOR], users[R.VICTIM_ADVOCATE]
    assert {supervisor.pk, advocate.pk} <= set(alerts)
    status, page = _page(
        client, supervisor, reverse("sharing:alert_detail", args=[alerts[supervisor.pk].pk])
    )
    assert status == 200 and SECRET in page
    assert "Reported by the victim" in page
    seen = AuditEvent.objects.filter(verb="order.breach_view").latest("id")
    assert seen.object_id == str(recorded["order"].pk) and seen.actor_id == supervisor.pk
    status, page = _page(
        client, advocate, reverse("sharing:alert_detail", args=[alerts[advocate.pk].pk])
    )
    assert status == 200
    assert SECRET not in page and "Recorded by" not in page
    assert not AuditEvent.objects.filter(verb="order.breach_view", actor_id=advocate.pk).exists()


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_breach_details_by_role(
    client: Any, users: dict[RoleCode, Any], recorded: dict[str, Any], role: RoleCode
) -> None:
    """The access matrix for a breach: police of the force see it in full on the order and
    case pages; every other role is refused both pages and finds the free text on no page it
    can open (home, its alerts, each alert)."""
    actor = users[role]
    order, case = recorded["order"], recorded["case"]
    police = role in (R.POLICE_OFFICER, R.POLICE_SUPERVISOR)
    assert policy.can(actor, Perm.ORDER_VIEW, order) == police
    for url in (reverse("orders:detail", args=[order.pk]), reverse("cases:detail", args=[case.pk])):
        status, page = _page(client, actor, url)
        assert status == (200 if police else 403), (url, role, status)
        assert (SECRET in page) == police, (url, role)
    if police:
        return
    urls = [reverse("core:home")]
    if policy.has_perm(actor, Perm.ALERT_RECEIVE):
        urls.append(reverse("sharing:inbox"))
        urls += [
            reverse("sharing:alert_detail", args=[a.pk])
            for a in Alert.objects.filter(recipient=actor)
        ]
    for url in urls:
        status, page = _page(client, actor, url)
        assert status == 200, (url, role)
        assert SECRET not in page, (url, role)


def test_provider_never_sees_breach_text_even_when_working_with_the_subject(
    client: Any, users: dict[RoleCode, Any], recorded: dict[str, Any], orgs: dict[str, Any]
) -> None:
    """No breach alert reaches provider staff, no alert text carries the free text, and the
    policy opens the order to neither provider role."""
    for role in (R.PRACTITIONER, R.CLINICAL_SUPERVISOR):
        actor = users[role]
        assert not Alert.objects.filter(recipient=actor, kind="breach_recorded").exists()
        assert not policy.can(actor, Perm.ORDER_VIEW, recorded["order"])
    assert SECRET not in " ".join(Alert.objects.values_list("body", flat=True))


def test_outsider_with_break_glass_sees_the_breach_on_the_order(
    client: Any, make_user: Any, orgs: dict[str, Any], recorded: dict[str, Any]
) -> None:
    from desist.core.models import Partnership
    from desist.sharing.break_glass import break_glass_request

    pilot = Partnership.objects.create(code="p", name="P")
    pilot.organisations.set([orgs["police_force"], orgs["other_police_force"]])
    outsider = make_user(R.POLICE_OFFICER, organisation=orgs["other_police_force"])
    url = reverse("orders:detail", args=[recorded["order"].pk])
    status, page = _page(client, outsider, url)
    assert status == 404
    break_glass_request(
        actor=outsider, record=recorded["order"], justification="Arrested in our area tonight."
    )
    status, page = _page(client, outsider, url)
    assert status == 200 and SECRET in page


def test_another_case_shows_no_breach(
    client: Any, users: dict[RoleCode, Any], recorded: dict[str, Any], subject: Any
) -> None:
    other = make_case(subject)
    status, page = _page(client, users[R.POLICE_OFFICER], reverse("cases:detail", args=[other.pk]))
    assert status == 200 and SECRET not in page
