"""Pages: a permission ladder for every view, another force sees nothing, forms show GOV.UK
errors and save nothing, query counts stay fixed, and viewing an order is audited."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from desist.audit.models import AuditEvent, Category
from desist.core import safecsv
from desist.core.roles import RoleCode
from desist.core.tests.exporting import download
from desist.orders.models import Breach, Notification, Order, OrderStatus
from desist.orders.tests.helpers import (
    VICTIM_NAME,
    add_term,
    ago,
    ahead,
    applied,
    breach,
    counts,
    fresh,
    full,
    interim,
    make_case,
    make_subject,
    make_victim,
)

R = RoleCode
POLICE = {R.POLICE_OFFICER, R.POLICE_SUPERVISOR}
S = OrderStatus


@pytest.fixture
def live(officer: Any, subject: Any, victim: Any) -> dict[str, Any]:
    """An interim order, served, with a term, a notification and a breach."""
    order = interim(officer, subject, made=ago(50), expires=ahead(30), served=ago(49))
    term = add_term(officer, order, victim)
    made = breach(officer, order, term, ago(3))
    return {
        "order": fresh(order),
        "notification": Notification.objects.get(order=order),
        "breach": made,
    }


def _urls(live: dict[str, Any], subject: Any) -> list[str]:
    o, n, b = live["order"].pk, live["notification"].pk, live["breach"].pk
    t = live["breach"].term_id
    return [
        reverse("orders:apply", args=[subject.pk]),
        reverse("orders:detail", args=[o]),
        reverse("orders:edit", args=[o]),
        reverse("orders:hearing_add", args=[o]),
        reverse("orders:make_interim", args=[o]),
        reverse("orders:make_full", args=[o]),
        reverse("orders:refuse", args=[o]),
        reverse("orders:withdraw", args=[o]),
        reverse("orders:serve", args=[o]),
        reverse("orders:expire", args=[o]),
        reverse("orders:term_add", args=[o]),
        *[
            reverse("orders:event_add", args=[o, k])
            for k in ("variation", "renewal", "discharge", "appeal")
        ],
        reverse("orders:notification_change", args=[o]),
        reverse("orders:notification_received", args=[o, n]),
        reverse("orders:notification_acknowledged", args=[o, n]),
        reverse("orders:breach_add", args=[o]),
        reverse("orders:breach_outcome", args=[o, b]),
        reverse("orders:assign", args=[o]),
        reverse("orders:term_vary", args=[o, t]),
        reverse("orders:term_end", args=[o, t]),
        reverse("orders:term_correct", args=[o, t]),
        reverse("orders:dates_correct", args=[o]),
        reverse("orders:victim_update_add", args=[o]),
        reverse("orders:circulate", args=[o]),
    ]


LIST_URLS = ["orders:list", "orders:workflow", "orders:export_csv", "orders:export_xlsx"]


def _ladder(
    client: Any,
    users: dict[RoleCode, Any],
    url: str,
    denied: tuple[int, ...],
    allowed: frozenset[RoleCode] | set[RoleCode] = POLICE,
) -> None:
    client.logout()
    response = client.get(url)
    assert response.status_code == 302, url
    assert response["Location"].startswith("/accounts/login/"), url
    for role, user in users.items():
        client.force_login(user)
        status = client.get(url).status_code
        if role in allowed:
            assert status == 200, (url, role, status)
        else:
            assert status in denied, (url, role, status)
    client.logout()


@pytest.mark.parametrize("name", LIST_URLS)
def test_ladder_for_register_pages(client: Any, users: dict[RoleCode, Any], name: str) -> None:
    _ladder(client, users, reverse(name), (403,))


def test_ladder_for_every_order_page(
    client: Any, users: dict[RoleCode, Any], live: dict[str, Any], subject: Any
) -> None:
    # Withdrawing, assigning and corrections are for supervisors only: an officer is refused
    # the page (issue 19).
    supervisors_only = {
        reverse(f"orders:{name}", args=[live["order"].pk]) for name in ("withdraw", "assign")
    } | {
        reverse("orders:dates_correct", args=[live["order"].pk]),
        reverse("orders:term_correct", args=[live["order"].pk, live["breach"].term_id]),
    }
    for url in _urls(live, subject):
        allowed = {R.POLICE_SUPERVISOR} if url in supervisors_only else POLICE
        _ladder(client, users, url, (403, 404), allowed)


def test_every_orders_route_is_in_the_ladder(live: dict[str, Any], subject: Any) -> None:
    from django.urls import resolve

    from desist.orders.urls import urlpatterns

    names = {resolve(u).url_name for u in _urls(live, subject)}
    names |= {n.split(":")[1] for n in LIST_URLS}
    assert names == {p.name for p in urlpatterns}


def test_other_force_sees_nothing(
    client: Any, outsider: Any, live: dict[str, Any], subject: Any
) -> None:
    client.force_login(outsider)
    # Assigning and corrections are refused to any officer by role, before the order is looked
    # up (403 for every id, so it tells nothing of the order); everything else is not found.
    o = live["order"].pk
    by_role = {
        reverse("orders:assign", args=[o]),
        reverse("orders:dates_correct", args=[o]),
        reverse("orders:term_correct", args=[o, live["breach"].term_id]),
    }
    for url in _urls(live, subject):
        missing = (403,) if url in by_role else (404,)
        assert client.get(url).status_code in missing, url
        assert client.post(url, {}).status_code in (*missing, 405), url  # 405: GET-only pages
    page = client.get(reverse("orders:list")).content.decode()
    assert live["order"].reference not in page
    assert "0 orders" in page
    csv_text = download(client, reverse("orders:export_csv")).content.decode()
    assert live["order"].reference not in csv_text
    assert len(safecsv.marked_rows(csv_text)) == 1  # the header only, under the marking
    assert fresh(live["order"]).version == live["order"].version


def _records() -> dict[str, int]:
    """Row counts without the audit trail (signing in is audited)."""
    return {k: v for k, v in counts().items() if k != "AuditEvent"}


def test_non_police_post_is_refused(
    client: Any, users: dict[RoleCode, Any], live: dict[str, Any]
) -> None:
    before = _records()
    for role in set(RoleCode) - POLICE:
        client.force_login(users[role])
        response = client.post(
            reverse("orders:serve", args=[live["order"].pk]),
            {"version": live["order"].version, "served_on": ago(1).isoformat()},
        )
        assert response.status_code in (403, 404)
    assert _records() == before


# --- the register -------------------------------------------------------------------------------


def test_list_filters_and_tags(client: Any, officer: Any, force: Any) -> None:
    a = applied(officer, make_subject(force))
    b = full(officer, make_subject(force), made=ago(30))
    client.force_login(officer)
    page = client.get(reverse("orders:list")).content.decode()
    assert a.reference in page and b.reference in page
    assert "govuk-tag--blue" in page and "govuk-tag--green" in page
    page = client.get(reverse("orders:list"), {"status": "full"}).content.decode()
    assert b.reference in page and a.reference not in page
    page = client.get(reverse("orders:list"), {"queue": "applications"}).content.decode()
    assert a.reference in page and b.reference not in page
    page = client.get(reverse("orders:list"), {"status": "nonsense"}).content.decode()
    assert a.reference in page and b.reference in page  # an invalid filter is ignored


def _list_queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("orders:list"))
        assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_is_fixed(
    client: Any, officer: Any, force: Any, victim: Any, subject: Any
) -> None:
    client.force_login(officer)
    for _ in range(2):
        full(officer, make_subject(force), made=ago(30), served=ago(29))
    few = _list_queries(client)
    for _ in range(8):
        order = interim(
            officer, make_subject(force), made=ago(30), expires=ahead(9), served=ago(29)
        )
        breach(
            officer, order, add_term(officer, order, make_victim(make_case(order.subject))), ago(1)
        )
    assert _list_queries(client) == few


def test_detail_query_count_is_fixed(client: Any, officer: Any, subject: Any, victim: Any) -> None:
    order = interim(officer, subject, made=ago(50), expires=ahead(30), served=ago(49))
    client.force_login(officer)
    url = reverse("orders:detail", args=[order.pk])
    add_term(officer, order, victim)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    few = len(ctx.captured_queries)
    for _ in range(5):
        term = add_term(officer, order, make_victim(make_case(subject)))
        breach(officer, order, term, ago(2))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    assert len(ctx.captured_queries) == few


# --- the order page --------------------------------------------------------------------------------


def test_detail_shows_dates_and_is_audited(client: Any, officer: Any, live: dict[str, Any]) -> None:
    order = live["order"]
    client.force_login(officer)
    response = client.get(reverse("orders:detail", args=[order.pk]))
    html = response.content.decode()
    assert order.reference in html
    assert "moj-timeline" in html and "Interim order made" in html
    assert f"{ago(47):%-d %B %Y}" in html  # the notification due date, derived
    assert "Overdue" in html  # never received
    assert f"{VICTIM_NAME[0]} {VICTIM_NAME[1]} (V" in html  # police may see identities
    assert " style=" not in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag
    event = AuditEvent.objects.filter(verb="order.view").latest("id")
    assert event.category == Category.CONSULTATION and event.object_id == str(order.pk)


def test_detail_offers_withdraw_only_to_supervisors(
    client: Any, officer: Any, supervisor: Any, subject: Any
) -> None:
    order = applied(officer, subject)
    url = reverse("orders:detail", args=[order.pk])
    client.force_login(officer)
    assert "Withdraw the application" not in client.get(url).content.decode()
    client.force_login(supervisor)
    assert "Withdraw the application" in client.get(url).content.decode()


def test_workflow_page(client: Any, officer: Any) -> None:
    client.force_login(officer)
    html = client.get(reverse("orders:workflow")).content.decode()
    assert "<svg" in html and "Application withdrawn" in html and "Police supervisor" in html
    assert " style=" not in html


# --- forms: errors shown, nothing saved ---------------------------------------------------------------


def test_full_order_form_refuses_short_term(client: Any, officer: Any, subject: Any) -> None:
    order = applied(officer, subject, on=ago(30))
    client.force_login(officer)
    before = counts()
    response = client.post(
        reverse("orders:make_full", args=[order.pk]),
        {
            "version": order.version,
            "made_on": ago(20).isoformat(),
            "ends_on": ahead(300).isoformat(),
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and "govuk-error-summary" in html
    assert "A full order must last at least 2 years" in html
    assert 'href="#id_ends_on-day"' in html
    assert counts() == before


def test_stale_form_says_someone_else_changed_it(client: Any, officer: Any, subject: Any) -> None:
    order = applied(officer, subject, on=ago(30))
    client.force_login(officer)
    before = counts()
    response = client.post(
        reverse("orders:make_interim", args=[order.pk]),
        {"version": 99, "made_on": ago(20).isoformat(), "expires_on": ahead(30).isoformat()},
    )
    assert "Someone else changed this record" in response.content.decode()
    assert counts() == before


def test_withdraw_by_officer_shows_the_table_message(
    client: Any, officer: Any, subject: Any
) -> None:
    order = applied(officer, subject, on=ago(30))
    client.force_login(officer)
    response = client.post(
        reverse("orders:withdraw", args=[order.pk]),
        {"version": order.version, "withdrawn_on": ago(1).isoformat(), "reason": "Not needed"},
    )
    # The page itself is refused (issue 19), so the submit is too.
    assert response.status_code == 403
    assert fresh(order).status == S.APPLIED


def test_appeal_against_a_refusal_through_the_pages(
    client: Any, officer: Any, subject: Any
) -> None:
    from desist.orders import actions as services

    order = applied(officer, subject, on=ago(90))
    services.order_refuse(
        actor=officer, order=order, version=order.version, refused_on=ago(60), reason="No risk"
    )
    client.force_login(officer)
    detail = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "Record an appeal" in detail
    assert "Record a full order" not in detail, "after a refusal a full order comes by appeal"
    url = reverse("orders:event_add", args=[order.pk, "appeal"])
    form = client.get(url).content.decode()
    assert "Date the order ends" in form and "The order lasts until a further order" in form
    data = {
        "version": fresh(order).version,
        "applicant": "police",
        "court": "Lewes Crown Court",
        "decided_on": ago(10).isoformat(),
        "outcome": "granted",
        "details": "Appeal allowed; the order is necessary",
    }
    before = counts()
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in html
    assert (
        "Enter the date the order ends, or select" in html and 'href="#id_new_ends_on-day"' in html
    )
    assert counts() == before
    response = client.post(url, {**data, "until_further_order": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = fresh(order)
    assert saved.status == S.FULL and saved.until_further_order and saved.ended_on is None
    assert saved.full_made_on == ago(10)


def test_journey_through_the_pages(
    client: Any, officer: Any, subject: Any, case: Any, victim: Any, orgs: Any
) -> None:
    client.force_login(officer)

    def post(name: str, data: dict[str, Any], *args: Any) -> Any:
        response = client.post(reverse(f"orders:{name}", args=list(args)), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        return response

    response = post(
        "apply",
        {
            "application_date": ago(60).isoformat(),
            "court": "Brighton Magistrates' Court",
            "applying_force": officer.organisation_id,
            "case": case.pk,
            "reference": "",
            "sex_offender_notification": "no",
        },
        subject.pk,
    )
    order = Order.objects.get(subject=subject)
    assert response["Location"] == reverse("orders:detail", args=[order.pk])
    post(
        "hearing_add",
        {
            "version": 1,
            "heard_on": ago(58).isoformat(),
            "kind": "interim",
            "adjourned_to": ago(55).isoformat(),
        },
        order.pk,
    )
    post(
        "make_interim",
        {"version": 2, "made_on": ago(55).isoformat(), "expires_on": ahead(30).isoformat()},
        order.pk,
    )
    post("serve", {"version": 3, "served_on": ago(54).isoformat()}, order.pk)
    notification = Notification.objects.get(order=order)
    post("notification_received", {"received_on": ago(53).isoformat()}, order.pk, notification.pk)
    post(
        "notification_acknowledged",
        {"acknowledged_on": ago(52).isoformat()},
        order.pk,
        notification.pk,
    )
    post(
        "term_add",
        {
            "kind": "prohibition",
            "category": "no_contact",
            "wording": "No contact",
            "provider_description": "Must not contact the protected person.",
            "protected_persons": [victim.pk],
            "responsible_organisation": "",
        },
        order.pk,
    )
    post(
        "term_add",
        {
            "kind": "requirement",
            "category": "attend",
            "wording": "Attend a programme",
            "provider_description": "Must attend the intervention.",
            "protected_persons": [victim.pk],
            "responsible_organisation": orgs["provider"].pk,
        },
        order.pk,
    )
    term = order.terms.first()
    assert term is not None
    post(
        "breach_add",
        {
            "term": term.pk,
            "occurred_on": ago(20).isoformat(),
            "detection": "victim_report",
            "police_action": "arrest",
            "court_outcome": "",
            "court_outcome_on": "",
            "details": "",
        },
        order.pk,
    )
    made = ago(10)
    post(
        "make_full",
        {
            "version": 4,
            "made_on": made.isoformat(),
            "ends_on": made.replace(year=made.year + 3).isoformat(),
        },
        order.pk,
    )
    post("serve", {"version": 5, "served_on": ago(9).isoformat()}, order.pk)
    post(
        "notification_change",
        {
            "kind": "change_of_address",
            "changed_on": ago(5).isoformat(),
            "received_on": ago(4).isoformat(),
            "new_name": "",
            "address": "3 Other Road",
            "postcode": "BN1 1AA",
        },
        order.pk,
    )
    post(
        "event_add",
        {
            "version": 6,
            "applicant": "police",
            "court": "Brighton",
            "decided_on": ago(2).isoformat(),
            "outcome": "granted",
            "details": "Added an exclusion zone",
            "new_ends_on": "",
        },
        order.pk,
        "variation",
    )
    post(
        "edit",
        {
            "version": 7,
            "reference": "SPO-EDITED-1",
            "court": "Brighton",
            "case": case.pk,
            "sex_offender_notification": "no",
        },
        order.pk,
    )
    saved = fresh(order)
    assert saved.status == S.FULL and saved.reference == "SPO-EDITED-1" and saved.version == 8
    assert Breach.objects.filter(order=order).count() == 1
    assert (
        Notification.objects.filter(order=order).count() == 2
    )  # initial + change; full replaced interim
    html = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    for text in ("Full order made", "Interim order made", "Application recorded", "Variation"):
        assert text in html


def test_two_officers_saving_a_breach_outcome_at_once_do_not_overwrite(
    client: Any, officer: Any, live: dict[str, Any]
) -> None:
    """Both open the form on an empty outcome; the first saves; the second is refused and
    told, and the first outcome stands (tester finding: the second silently overwrote it)."""
    client.force_login(officer)
    url = reverse("orders:breach_outcome", args=[live["order"].pk, live["breach"].pk])
    html = client.get(url).content.decode()
    seen = re.search(r'name="seen" value="([^"]*)"', html)
    assert seen is not None
    first = {"court_outcome": "convicted", "court_outcome_on": ago(2).isoformat()}
    second = {"court_outcome": "discontinued", "court_outcome_on": ago(1).isoformat()}
    assert client.post(url, {**first, "seen": seen[1]}).status_code == 302
    refused = client.post(url, {**second, "seen": seen[1]})
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "Someone else changed this record" in text, re.findall(
        r"govuk-error-summary__list.*?</ul>", text, re.S
    )
    made = Breach.objects.get(pk=live["breach"].pk)
    assert (made.court_outcome, made.court_outcome_on) == ("convicted", ago(2))
