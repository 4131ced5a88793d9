"""Break-glass governance (issue 12, Medium 3): the daily cap and the second approver, the
partnership rule, the owning force told at once and shown the access in its audit log, and a
case seen under a grant that never reads as having no victims."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from desist import policy
from desist.audit.models import AuditEvent
from desist.audit.selectors import audit_event_list_for
from desist.core.roles import RoleCode
from desist.people.tests.factories import make_case, make_subject, make_victim
from desist.policy import Perm
from desist.sharing import break_glass, clock
from desist.sharing.events import EventKind
from desist.sharing.models import Alert, BreakGlassGrant

R = RoleCode
WHY = "Subject arrested in our area tonight; need the record to decide on charge."


@pytest.fixture
def neighbour(orgs: Any, partnership: Any) -> Any:
    """A second force in the same partnership as the force holding the records."""
    partnership.organisations.add(orgs["other_police_force"])
    return orgs["other_police_force"]


@pytest.fixture
def requester(make_user: Any, neighbour: Any) -> Any:
    return make_user(R.POLICE_OFFICER, organisation=neighbour)


@pytest.fixture
def their_supervisor(make_user: Any, neighbour: Any) -> Any:
    return make_user(R.POLICE_SUPERVISOR, organisation=neighbour)


def _cases(officer: Any, n: int) -> list[Any]:
    return [make_case(officer, make_subject(officer)) for _ in range(n)]


def test_daily_cap_then_second_approval(
    requester: Any, their_supervisor: Any, officer: Any, settings: Any
) -> None:
    settings.DESIST_BREAK_GLASS_DAILY_CAP = 2
    first, second, third = _cases(officer, 3)
    for case in (first, second):
        grant = break_glass.break_glass_request(actor=requester, record=case, justification=WHY)
        assert grant.status == "granted" and policy.can(requester, Perm.CASE_VIEW, case)

    over = break_glass.break_glass_request(actor=requester, record=third, justification=WHY)
    assert over.status == "pending" and over.approval_reasons == "cap"
    assert not policy.can(requester, Perm.CASE_VIEW, third)  # nothing opens until approved
    asked = Alert.objects.get(kind=EventKind.BREAK_GLASS_APPROVAL)
    assert asked.recipient == their_supervisor
    assert asked.link_url == reverse("sharing:break_glass_decide", args=[over.pk])

    with pytest.raises(PermissionDenied):  # nobody approves their own request
        break_glass.break_glass_decide(
            actor=requester, grant=over, version=over.version, decision="approve"
        )
    break_glass.break_glass_decide(
        actor=their_supervisor, grant=over, version=over.version, decision="approve"
    )
    assert policy.can(requester, Perm.CASE_VIEW, third)
    assert AuditEvent.objects.filter(verb="break_glass.approve", actor_id=their_supervisor.pk)
    asked.refresh_from_db()
    assert asked.acknowledged_at is not None  # the approval request leaves the inbox


def test_cap_counts_one_local_day(
    requester: Any, officer: Any, settings: Any, monkeypatch: Any
) -> None:
    settings.DESIST_BREAK_GLASS_DAILY_CAP = 1
    first, second = _cases(officer, 2)
    today = clock.now()
    break_glass.break_glass_request(actor=requester, record=first, justification=WHY, now=today)
    tomorrow = today + dt.timedelta(days=1)
    monkeypatch.setattr(clock, "now", lambda: tomorrow)
    grant = break_glass.break_glass_request(
        actor=requester, record=second, justification=WHY, now=tomorrow
    )
    assert grant.status == "granted"


def test_refusal_needs_a_reason_and_opens_nothing(
    client: Any, requester: Any, their_supervisor: Any, officer: Any, settings: Any
) -> None:
    settings.DESIST_BREAK_GLASS_DAILY_CAP = 0
    (case,) = _cases(officer, 1)
    grant = break_glass.break_glass_request(actor=requester, record=case, justification=WHY)
    url = reverse("sharing:break_glass_decide", args=[grant.pk])
    client.force_login(their_supervisor)
    page = client.get(url)
    assert page.status_code == 200 and "Over the daily limit" in page.content.decode()
    bad = client.post(url, {"version": grant.version, "decision": "refuse", "note": ""})
    assert "Enter why you are refusing the request" in bad.content.decode()
    none = client.post(url, {"version": grant.version, "decision": "", "note": ""})
    assert "Select whether to approve or refuse the request" in none.content.decode()
    ok = client.post(url, {"version": grant.version, "decision": "refuse", "note": "Not urgent."})
    assert ok.status_code == 302
    grant.refresh_from_db()
    assert grant.status == "refused" and grant.decided_by == their_supervisor
    assert not policy.can(requester, Perm.CASE_VIEW, case)
    assert AuditEvent.objects.filter(verb="break_glass.refuse").count() == 1
    assert not Alert.objects.filter(kind=EventKind.BREAK_GLASS_USED).exists()
    with pytest.raises(ValidationError):
        break_glass.break_glass_decide(
            actor=their_supervisor, grant=grant, version=grant.version, decision="approve"
        )


def test_police_outside_the_partnership_need_approval(
    make_user: Any, make_org: Any, officer: Any, partnership: Any
) -> None:
    stranger_force = make_org("police_force", "Distant Constabulary")
    stranger = make_user(R.POLICE_OFFICER, organisation=stranger_force)
    boss = make_user(R.POLICE_SUPERVISOR, organisation=stranger_force)
    (case,) = _cases(officer, 1)
    grant = break_glass.break_glass_request(actor=stranger, record=case, justification=WHY)
    assert grant.status == "pending" and grant.approval_reasons == "partnership"
    assert not policy.can(stranger, Perm.CASE_VIEW, case)
    assert not policy.scope_cases(stranger, type(case).objects.all()).exists()
    break_glass.break_glass_decide(
        actor=boss, grant=grant, version=grant.version, decision="approve"
    )
    assert policy.can(stranger, Perm.CASE_VIEW, case)


def test_owning_force_is_alerted_and_sees_the_access_in_its_audit_log(
    client: Any, requester: Any, officer: Any, supervisor: Any, users: Any
) -> None:
    (case,) = _cases(officer, 1)
    grant = break_glass.break_glass_request(actor=requester, record=case, justification=WHY)
    told = Alert.objects.get(kind=EventKind.BREAK_GLASS_USED)
    assert told.recipient == supervisor  # the holding force's police supervisor, at once
    assert requester.display_name() in told.body and case.crime_reference in told.body

    client.force_login(requester)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
    # Something else the requester's force did: none of the owner's business.
    AuditEvent.objects.create(
        actor_id=requester.pk,
        organisation_id=requester.organisation_id,
        category="consultation",
        verb="test.unrelated",
    )
    verbs = set(audit_event_list_for(actor=supervisor).values_list("verb", flat=True))
    assert {"break_glass.request", "break_glass.grant", "break_glass.use", "case.view"} <= verbs
    assert "test.unrelated" not in verbs
    # Another force's auditors see nothing of it.
    assert not audit_event_list_for(actor=users[R.CLINICAL_SUPERVISOR]).filter(
        verb__startswith="break_glass."
    )
    client.force_login(supervisor)
    page = client.get(reverse("audit:list")).content.decode()
    assert "break_glass.use" in page and "Break-glass" in page
    assert grant.user.username in page


def test_case_under_break_glass_counts_victims_held_by_owner(
    client: Any, requester: Any, officer: Any, force: Any
) -> None:
    (case,) = _cases(officer, 1)
    hidden = [make_victim(officer, case, first_names=n) for n in ("Marisol", "Jovanka")]
    break_glass.break_glass_request(actor=requester, record=case, justification=WHY)
    client.force_login(requester)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert f"2 victims, held by {force.name}" in html
    assert "No victims recorded" not in html
    for victim in hidden:  # still hidden by the policy
        assert victim.first_names not in html
    assert "under emergency access (break-glass), granted" in html


def test_request_page_says_enter_a_reason(client: Any, requester: Any) -> None:
    client.force_login(requester)
    page = client.post(
        reverse("sharing:break_glass_request"),
        {"record_type": "cases.Case", "reference": "X/1", "justification": ""},
    )
    assert "Enter a reason for emergency access" in page.content.decode()
    assert not BreakGlassGrant.objects.exists()


def _text(response: Any) -> str:
    import html
    import re

    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_a_waiting_request_is_listed_as_requested_not_granted(
    client: Any, requester: Any, their_supervisor: Any, officer: Any, settings: Any
) -> None:
    """Nothing was granted while a supervisor has not approved: the list shows when it was
    requested, no grant time and no end (tester finding). Seen red: "Granted … Ends …" showed
    beside "Waiting for a supervisor's approval"."""
    settings.DESIST_BREAK_GLASS_DAILY_CAP = 0
    [case] = _cases(officer, 1)
    waiting = break_glass.break_glass_request(actor=requester, record=case, justification=WHY)
    assert waiting.status == "pending"
    client.force_login(requester)
    text = _text(client.get(reverse("sharing:break_glass")))
    assert "Waiting for a supervisor's approval" in text
    assert "Requested " in text and "Not granted" in text
    assert "Granted " not in text.split("Your uses of break-glass access", 1)[1]
    break_glass.break_glass_decide(
        actor=their_supervisor, grant=waiting, version=waiting.version, decision="approve"
    )
    text = _text(client.get(reverse("sharing:break_glass")))
    assert "Granted " in text and "Not granted" not in text


def test_break_glass_pages_name_an_order_by_its_reference(
    client: Any,
    requester: Any,
    their_supervisor: Any,
    officer: Any,
    users: dict[R, Any],
    settings: Any,
) -> None:
    """Users know an order by its reference, never by a database id: the requester's list,
    the approver's list and decision page, and the overseer's review list, review page and
    home queue all say it (tester finding, issue 18). Seen red: each said "#<id>"."""
    from desist.orders.tests.helpers import applied

    settings.DESIST_BREAK_GLASS_DAILY_CAP = 0
    order = applied(officer, make_subject(officer), reference="SPO/TEST/0042")
    grant = break_glass.break_glass_request(actor=requester, record=order, justification=WHY)
    named = f"Stalking Protection Order {order.reference}"
    waiting = [
        (their_supervisor, reverse("sharing:break_glass_approvals")),
        (their_supervisor, reverse("sharing:break_glass_decide", args=[grant.pk])),
    ]
    granted = [
        (requester, reverse("sharing:break_glass")),
        (users[R.OVERSEER], reverse("sharing:break_glass_reviews")),
        (users[R.OVERSEER], reverse("sharing:break_glass_review", args=[grant.pk])),
        (users[R.OVERSEER], reverse("core:home")),
    ]
    for pages in (waiting, granted):
        for user, url in pages:
            client.force_login(user)
            text = _text(client.get(url))
            assert named in text, url
            assert f"#{order.pk}" not in text, url
        if pages is waiting:
            break_glass.break_glass_decide(
                actor=their_supervisor, grant=grant, version=grant.version, decision="approve"
            )
