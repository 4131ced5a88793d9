"""Issue 19: a Sussex supervisor puts an officer in charge of a case and of an order; the
officer then finds both in "mine". A choice left empty is refused with the GOV.UK error
summary. Every page is axe-checked and no wider than a 1,280 px window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

OFFICER = "police.sussex"
SUPERVISOR = "police.supervisor"


def _width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def _check(page: Any, assert_accessible: Callable[[Any], None]) -> None:
    assert_accessible(page)
    assert _width(page) <= 1280, (page.url, _width(page))


def _assign(page: Any, url: str, officer_label: str, check: Callable[[Any], None]) -> None:
    page.goto(url)
    check(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Change officer in charge").click()
    check(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    summary = page.locator(".govuk-error-summary")
    assert "Select the officer in charge" in summary.inner_text()
    check(page)
    page.get_by_label("Officer in charge").select_option(label=officer_label)
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    assert page.url.endswith(url), page.url
    check(page)


def test_supervisor_assigns_and_the_officer_sees_it_in_mine(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.accounts.models import User
    from desist.audit.models import AuditEvent
    from desist.cases.services import case_create
    from desist.orders import actions
    from desist.people.services import subject_create

    officer = User.objects.get(username=OFFICER)
    officer.team = "Stalking unit East"
    officer.save(update_fields=["team"])
    today = dt.date.today()
    subject = subject_create(actor=officer, first_names="Jordan", last_name="Ownershiptest")
    case = case_create(
        actor=officer,
        subject=subject,
        crime_reference="47/OWN/2026",
        relationship="acquaintance",
        opened_on=today - dt.timedelta(days=30),
    )
    order = actions.order_apply(
        actor=officer,
        subject=subject,
        case=case,
        application_date=today - dt.timedelta(days=20),
        court="Brighton Magistrates' Court",
    )

    def check(p: Any) -> None:
        _check(p, assert_accessible)

    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, SUPERVISOR)
    label = f"{officer.display_name()} (Stalking unit East)"
    _assign(page, f"/cases/{case.pk}/", label, check)
    assert officer.display_name() in page.locator(".govuk-summary-list").first.inner_text()
    _assign(page, f"/orders/{order.pk}/", label, check)
    assert AuditEvent.objects.filter(verb__in=["case.assign", "order.assign"]).count() == 2

    page.context.clear_cookies()
    login(page, OFFICER)
    page.goto("/")
    check(page)
    mine = page.locator(".moj-sub-navigation__link[aria-current=page]")
    assert mine.inner_text().strip() == "Mine"
    assert order.reference in page.locator("main").inner_text()
    page.goto("/cases/?view=mine")
    check(page)
    table = page.locator("table").inner_text()
    assert case.crime_reference in table and "Stalking unit East" in table
    with page.expect_navigation():
        page.get_by_role("link", name="Force").click()
    check(page)
    assert "view=force" in page.url
