"""An SPO breach reaches the victim's advocate: the police record the breach (through the real
service, in test setup), the advocate signs in, sees the alert in the inbox and on the home
page, opens it and acknowledges it. A practitioner follows an attendance reminder to the
session and records attendance, which closes the reminder. Every page is checked with axe-core and for console, JS and
CSP errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def _record_breach() -> Any:
    """A subject, case and victim of Sussex Police, a full order with a term, the victim's open
    advocacy case with the demo advocate, and a breach recorded by the officer."""
    from django.utils import timezone

    from desist.accounts.models import User
    from desist.orders.tests.helpers import add_term, full, make_case, make_subject, make_victim
    from desist.orders.tests.helpers import breach as record_breach
    from desist.safeguarding.models import AdvocacyCase

    officer = User.objects.get(username="police.sussex")
    advocate = User.objects.get(username="advocate")
    today = timezone.localdate()
    subject = make_subject(officer.organisation, created_by=officer)
    case = make_case(subject, created_by=officer)
    victim = make_victim(case)
    AdvocacyCase.objects.create(
        victim=victim,
        service=advocate.organisation,
        origin="police",
        advocate=advocate,
        allocated_at=timezone.now(),
    )
    order = full(
        officer,
        subject,
        made=today - dt.timedelta(days=60),
        ends=today + dt.timedelta(days=800),
        on=today - dt.timedelta(days=90),
    )
    term = add_term(officer, order, victim)
    record_breach(officer, order, term, today - dt.timedelta(days=1))
    return order


def test_advocate_acknowledges_breach_alert(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    order = _record_breach()

    login(page, "advocate")
    assert_accessible(page)
    # The home page queue shows the alert.
    home = page.locator("body").inner_text()
    assert "SPO breach recorded" in home, home

    page.goto("/sharing/alerts/")
    assert_accessible(page)
    link = page.get_by_role("link", name="SPO breach recorded")
    assert link.count() == 1
    with page.expect_navigation():
        link.click()
    assert_accessible(page)
    body = page.locator("main").inner_text()
    assert order.reference in body
    assert "High" in body

    page.fill("textarea[name=note]", "Phoned the victim; safety plan reviewed.")
    with page.expect_navigation():
        page.get_by_role("button", name="Acknowledge alert").click()
    assert_accessible(page)
    assert "acknowledged" in page.locator(".govuk-notification-banner").inner_text()
    assert "You have no alerts to acknowledge." in page.locator("main").inner_text()

    page.goto("/sharing/alerts/?state=acknowledged")
    assert_accessible(page)
    assert page.get_by_role("link", name="SPO breach recorded").count() == 1


def _unrecorded_session() -> Any:
    """An active referral of the demo provider with a session that began 30 hours ago and has
    no attendance recorded; then one pass of the alerts worker."""
    from decimal import Decimal

    from django.utils import timezone

    from desist.accounts.models import User
    from desist.core.models import Organisation
    from desist.programme import actions as services
    from desist.programme.tests.conftest import book, referral_at
    from desist.sharing.services import alerts_run

    programme = services.programme_save(
        actor=User.objects.get(username="programme.manager"),
        name="Harbour pilot",
        provider=Organisation.objects.get(code="harbour-psychology"),
        forces=[Organisation.objects.get(code="sussex-police")],
        capacity=30,
        funding=Decimal("98000"),
    )
    practitioner = User.objects.get(username="practitioner")
    referral = referral_at(
        programme,
        User.objects.get(username="police.sussex"),
        "active",
        practitioner=practitioner,
    )
    session = book(practitioner, referral, days_ago=0)
    type(session).objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=30)
    )
    alerts_run()
    return session


def test_practitioner_follows_an_attendance_reminder(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    session = _unrecorded_session()
    login(page, "practitioner")
    page.goto("/sharing/alerts/")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Attendance not recorded").click()
    assert_accessible(page)
    assert "attendance is not recorded" in page.locator("main").inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="Open the record").click()
    assert page.url.endswith(f"/programme/sessions/{session.pk}/attendance/")
    assert_accessible(page)
    page.check("input[name=attendance][value=attended]")
    with page.expect_navigation():
        page.get_by_role("button", name="Save attendance").click()
    assert_accessible(page)
    # Recording attendance closes the reminder: nothing is left in the inbox to acknowledge.
    page.goto("/sharing/alerts/")
    assert "You have no alerts to acknowledge." in page.locator("main").inner_text()
    assert_accessible(page)
    page.goto("/sharing/alerts/?state=acknowledged")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Attendance not recorded").click()
    assert "Closed: attendance was recorded" in page.locator("main").inner_text()
    assert page.get_by_role("button", name="Acknowledge alert").count() == 0
    assert_accessible(page)
