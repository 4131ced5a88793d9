"""The advocacy manager's view (issue 20): caseload and first-contact timeliness per advocate,
allocation with each advocate's load shown, and the alert when first contact passes 48 hours."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from desist.core.concurrency import StaleRecordError
from desist.core.roles import RoleCode
from desist.people.tests.factories import assert_ladder, make_case, make_subject, make_victim
from desist.safeguarding import escalation, selectors, services
from desist.safeguarding.models import AdvocacyCase
from desist.sharing import services as sharing_services
from desist.sharing.kinds import EventKind
from desist.sharing.models import Alert

R = RoleCode


def _refer(officer: Any, service: Any, *, hours_ago: float, name: str = "Ines") -> AdvocacyCase:
    subject = make_subject(officer)
    victim = make_victim(officer, make_case(officer, subject), first_names=name)
    case = services.advocacy_refer(actor=officer, victim=victim, service=service)
    moved = timezone.now() - dt.timedelta(hours=hours_ago)
    AdvocacyCase.objects.filter(pk=case.pk).update(referred_at=moved)
    case.refresh_from_db()
    return case


def _allocate(manager: Any, case: AdvocacyCase, advocate: Any) -> AdvocacyCase:
    return services.advocacy_allocate(
        actor=manager, case=case, version=case.version, advocate=advocate
    )


def _contact(advocate: Any, case: AdvocacyCase, hours_after: float) -> None:
    services.contact_log_add(
        actor=advocate,
        case=case,
        kind="contact",
        occurred_at=case.referred_at + dt.timedelta(hours=hours_after),
        channel="phone",
        summary="First call.",
    )


@pytest.fixture
def colleague(make_user: Any, orgs: dict[str, Any]) -> Any:
    return make_user(R.VICTIM_ADVOCATE, organisation=orgs["advocacy"])


def test_team_page_ladder(client: Any, users: dict[RoleCode, Any], other_advocate: Any) -> None:
    url = reverse("safeguarding:team")
    assert_ladder(client, users, url, allowed={R.ADVOCACY_MANAGER})


def test_caseload_and_timeliness_per_advocate(
    officer: Any,
    partnership: Any,
    advocacy_org: Any,
    manager: Any,
    advocate: Any,
    colleague: Any,
) -> None:
    on_time = _allocate(manager, _refer(officer, advocacy_org, hours_ago=200), advocate)
    _contact(advocate, on_time, hours_after=20)
    late = _allocate(manager, _refer(officer, advocacy_org, hours_ago=100), advocate)
    _contact(advocate, late, hours_after=60)
    _allocate(manager, _refer(officer, advocacy_org, hours_ago=50), colleague)  # overdue
    _allocate(manager, _refer(officer, advocacy_org, hours_ago=5), colleague)  # within 48 h
    _refer(officer, advocacy_org, hours_ago=3)  # waiting for an advocate
    _refer(officer, advocacy_org, hours_ago=70)  # waiting, and overdue
    page = selectors.team_page_for(actor=manager)
    loads = {(load.advocate.pk if load.advocate else None): load for load in page.loads}
    mine, theirs, nobody = loads[advocate.pk], loads[colleague.pk], loads[None]
    assert (mine.open, mine.awaiting_contact, mine.overdue) == (2, 0, 0)
    assert (mine.measured, mine.on_time, mine.on_time_share) == (2, 1, "50.0%")
    assert (theirs.open, theirs.awaiting_contact, theirs.overdue) == (2, 2, 1)
    assert (theirs.measured, theirs.on_time) == (1, 0)  # the 5-hour-old one is not due yet
    assert (nobody.open, nobody.overdue) == (2, 1)
    assert (page.total.open, page.total.overdue, page.total.measured) == (6, 2, 4)
    assert [c.referred_at for c in page.unallocated] == sorted(
        c.referred_at for c in page.unallocated
    )
    assert len(page.unallocated) == 2
    assert loads[advocate.pk].label.endswith(": 2 open cases")
    assert theirs.label.endswith(": 2 open cases, 2 waiting for first contact")


def test_team_page_runs_a_fixed_number_of_queries(
    client: Any, officer: Any, partnership: Any, advocacy_org: Any, manager: Any, advocate: Any
) -> None:
    _allocate(manager, _refer(officer, advocacy_org, hours_ago=10), advocate)
    _refer(officer, advocacy_org, hours_ago=2)
    client.force_login(manager)
    url = reverse("safeguarding:team")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(4):
        _allocate(manager, _refer(officer, advocacy_org, hours_ago=60 + n), advocate)
        _refer(officer, advocacy_org, hours_ago=1 + n)
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)
    assert "Referrals waiting for an advocate" in html and "Allocate" in html


def test_a_waiting_referral_already_contacted_is_not_shown_as_due(
    client: Any, officer: Any, partnership: Any, advocacy_org: Any, manager: Any
) -> None:
    # A case opened from a call in which the advocate spoke to the victim waits for an
    # advocate with its first contact made: the manager must not read it as still due (tester).
    contacted = _refer(officer, advocacy_org, hours_ago=60)
    made = contacted.referred_at + dt.timedelta(hours=1)
    AdvocacyCase.objects.filter(pk=contacted.pk).update(first_contact_at=made)
    client.force_login(manager)
    html = client.get(reverse("safeguarding:team")).content.decode()
    row = html.split(contacted.reference, 1)[1].split("</tr>", 1)[0]
    assert "Made " in row
    assert "Overdue" not in row and "Due by" not in row


def test_allocation_shows_each_advocates_load_and_returns_to_the_team_view(
    client: Any,
    officer: Any,
    partnership: Any,
    advocacy_org: Any,
    manager: Any,
    advocate: Any,
    colleague: Any,
) -> None:
    _allocate(manager, _refer(officer, advocacy_org, hours_ago=10), advocate)
    waiting = _refer(officer, advocacy_org, hours_ago=2)
    client.force_login(manager)
    url = reverse("safeguarding:case_allocate", args=[waiting.pk]) + "?from=team"
    html = client.get(url).content.decode()
    assert f"{advocate.display_name()}: 1 open case, 1 waiting for first contact" in html
    assert f"{colleague.display_name()}: 0 open cases" in html
    response = client.post(url, {"version": waiting.version, "advocate": colleague.pk})
    assert response.status_code == 302 and response["Location"] == reverse("safeguarding:team")
    waiting.refresh_from_db()
    assert waiting.advocate_id == colleague.pk


def test_two_managers_allocating_at_once_the_second_is_told_and_nothing_is_overwritten(
    client: Any,
    officer: Any,
    partnership: Any,
    advocacy_org: Any,
    manager: Any,
    advocate: Any,
    make_user: Any,
) -> None:
    """The race loser (tester finding, issue 20), on the allocation form."""
    colleague = make_user(R.VICTIM_ADVOCATE, organisation=advocacy_org)
    waiting = _refer(officer, advocacy_org, hours_ago=5)
    opened_at = waiting.version
    _allocate(manager, waiting, advocate)  # the other manager saves first
    client.force_login(manager)
    url = reverse("safeguarding:case_allocate", args=[waiting.pk])
    response = client.post(url, {"version": opened_at, "advocate": colleague.pk})
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert StaleRecordError.message in page
    waiting.refresh_from_db()
    assert waiting.advocate_id == advocate.pk


# --- the alert when first contact passes 48 hours -------------------------------------------


def _overdue_alerts() -> list[Alert]:
    return list(Alert.objects.filter(kind=EventKind.FIRST_CONTACT_OVERDUE).order_by("id"))


def test_first_contact_overdue_alerts_the_services_managers_once(
    officer: Any,
    partnership: Any,
    advocacy_org: Any,
    manager: Any,
    advocate: Any,
    make_user: Any,
    make_org: Any,
) -> None:
    elsewhere = make_user(R.ADVOCACY_MANAGER, organisation=make_org("advocacy"))
    allocated = _allocate(
        manager, _refer(officer, advocacy_org, hours_ago=49, name="Philippa"), advocate
    )
    unallocated = _refer(officer, advocacy_org, hours_ago=60, name="Philippa")
    _refer(officer, advocacy_org, hours_ago=47)  # not yet due
    contacted = _refer(officer, advocacy_org, hours_ago=80)
    _contact(advocate, _allocate(manager, contacted, advocate), hours_after=10)

    sharing_services.alerts_scan()
    alerts = _overdue_alerts()
    assert sorted(a.source_id for a in alerts) == sorted([str(allocated.pk), str(unallocated.pk)])
    assert {a.recipient_id for a in alerts} == {manager.pk}
    assert elsewhere.pk not in {a.recipient_id for a in alerts}
    assert all(a.priority == "high" and a.subject_id is None for a in alerts)
    for alert in alerts:
        assert "Philippa" not in alert.title + alert.body  # no victim identity
        assert alert.link_url.startswith("/safeguarding/advocacy/")
        assert not alert.disclosures.exists()  # inside the service: nothing disclosed
    # Who holds the case is read from the case when the alert is read, never stored in it.
    assert all("allocated" not in a.body.lower() for a in alerts)

    sharing_services.alerts_scan()  # found again: nothing new
    assert len(_overdue_alerts()) == 2

    # First contact closes the alert about that case; the other stays open.
    _contact(advocate, allocated, hours_after=49)
    open_ = [a.source_id for a in _overdue_alerts() if a.acknowledged_at is None]
    assert open_ == [str(unallocated.pk)]


def test_each_overdue_alert_is_titled_with_its_case_reference_never_the_victim(
    client: Any, officer: Any, partnership: Any, advocacy_org: Any, manager: Any
) -> None:
    """Tester finding (issue 20): every overdue alert had the same title, so a manager could
    not tell them apart in the alerts list."""
    first = _refer(officer, advocacy_org, hours_ago=50, name="Philippa")
    second = _refer(officer, advocacy_org, hours_ago=60, name="Philippa")
    sharing_services.alerts_scan()
    titles = {a.source_id: a.title for a in _overdue_alerts()}
    for case in (first, second):
        assert titles[str(case.pk)].endswith(f": case {case.reference}")
        assert case.victim.reference not in titles[str(case.pk)]
    assert len(set(titles.values())) == 2
    client.force_login(manager)
    listed = client.get(reverse("sharing:inbox")).content.decode()
    assert f"case {first.reference}" in listed and f"case {second.reference}" in listed
    assert "Philippa" not in listed


def test_the_done_check_closes_an_alert_for_a_closed_case(
    officer: Any, partnership: Any, advocacy_org: Any, manager: Any
) -> None:
    case = _refer(officer, advocacy_org, hours_ago=50)
    sharing_services.alerts_scan()
    (alert,) = _overdue_alerts()
    services.advocacy_close(actor=manager, case=case, version=case.version, reason="declined")
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None
    assert escalation.contact_made([str(case.pk)], timezone.now()) == {str(case.pk)}


def test_the_overdue_alert_says_who_holds_the_case_now_not_when_it_was_raised(
    client: Any, officer: Any, partnership: Any, advocacy_org: Any, manager: Any, advocate: Any
) -> None:
    """Tester finding (issue 20): 'Not allocated yet' stayed on the alert after allocation."""
    case = _refer(officer, advocacy_org, hours_ago=60)
    sharing_services.alerts_scan()
    (alert,) = _overdue_alerts()
    client.force_login(manager)
    url = reverse("sharing:alert_detail", args=[alert.pk])
    before = client.get(url).content.decode()
    assert "Not allocated yet" in before and "Not made yet" in before

    _allocate(manager, case, advocate)
    after = client.get(url).content.decode()
    assert "Not allocated yet" not in after
    assert f"{advocate.display_name()}" in after.split("The case now")[1]
    # The source was consulted: its own consultation event, against the case.
    from desist.audit.models import AuditEvent

    assert AuditEvent.objects.filter(
        verb="advocacy.view", object_type=AdvocacyCase._meta.label, object_id=str(case.pk)
    ).exists()
    # Out of the case's scope (a police officer): no detail at all.
    assert escalation.case_now(officer, str(case.pk)) is None
