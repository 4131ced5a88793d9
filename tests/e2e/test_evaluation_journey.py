"""The evaluator's and the programme manager's journeys through evaluation and oversight.

The evaluator opens the oversight dashboard, records a finding (once with a mistake), opens the
evaluation report form, generates a report and reads it, and opens the extract page. The
programme manager opens their dashboard and generates the aggregate report. Every page is
checked with axe-core and for console, JS and CSP errors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.dates import fill_date

pytestmark = pytest.mark.e2e


def _casework() -> None:
    from django.utils import timezone

    from desist.accounts.models import User
    from desist.core.models import Organisation
    from desist.evaluation.tests import helpers
    from desist.people.models import InterventionDecision

    today = timezone.localdate()
    force = Organisation.objects.get(code="sussex-police")
    officer = User.objects.get(username="police.sussex")
    for i in range(24):
        s = helpers.make_subject(force, dob=dt.date(1970 + i, 3, 1))
        helpers.make_order(s, made=today - dt.timedelta(days=800 + i), full=i % 2 == 0)
        decision = (
            InterventionDecision.Decision.PUT_FORWARD
            if i % 3 == 0
            else InterventionDecision.Decision.NOT_SUITABLE
        )
        helpers.decide(s, decision, today - dt.timedelta(days=780), officer)
        if i % 2:
            helpers.offence(
                s, on=today - dt.timedelta(days=600 - i), proven=today - dt.timedelta(days=500)
            )


def _submit(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def test_evaluator_journey(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    _casework()
    login(page, "evaluator")
    page.goto("/evaluation/oversight/")
    assert page.locator("h1").inner_text() == "Oversight dashboard"
    assert "Worked out from the audit log at" in page.inner_text("body")
    assert_accessible(page)
    _submit(page, "Recalculate now")
    assert page.locator("h1").inner_text() == "Oversight dashboard"
    assert_accessible(page)

    page.get_by_role("link", name="Record a finding").click()
    page.wait_for_url("**/oversight/findings/add/")
    assert_accessible(page)
    page.fill("#id_title", "Night-time viewing")
    _submit(page, "Record finding")
    summary = page.locator(".govuk-error-summary")
    assert summary.count() == 1
    assert_accessible(page)
    page.check("#id_area")
    page.fill("#id_detail", "One account viewed many records at night.")
    _submit(page, "Record finding")
    assert "Finding recorded" in page.inner_text("body")
    assert page.get_by_role("link", name="Night-time viewing").count() == 1

    page.goto("/evaluation/report/")
    assert_accessible(page)
    _submit(page, "Generate report")
    assert page.locator("h1").inner_text() == "Evaluation report"
    assert page.get_by_text("Referral, uptake and completion").count() >= 1
    assert page.locator("img.desist-chart").count() >= 1
    assert_accessible(page)

    page.goto("/evaluation/extract/")
    assert_accessible(page)


def test_programme_manager_journey(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    _casework()
    login(page, "programme.manager")
    page.goto("/evaluation/programme/")
    assert page.locator("h1").inner_text() == "Programme dashboard"
    assert_accessible(page)
    page.get_by_role("link", name="Evaluation reports").click()
    page.wait_for_url("**/evaluation/report/")
    assert_accessible(page)
    _submit(page, "Generate report")
    assert "Aggregates only" in page.inner_text("body")
    assert_accessible(page)


def _programme() -> None:
    from decimal import Decimal

    from desist.accounts.models import User
    from desist.core.models import Organisation
    from desist.programme import actions as services

    services.programme_save(
        actor=User.objects.get(username="programme.manager"),
        name="Harbour pilot",
        provider=Organisation.objects.get(code="harbour-psychology"),
        forces=[Organisation.objects.get(code="sussex-police")],
        capacity=30,
        funding=Decimal("98000"),
    )


def test_programme_manager_records_spending(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    _programme()
    login(page, "programme.manager")
    page.goto("/evaluation/programme/")
    assert "£0.00" in page.inner_text("table:has(caption:text('Budget and spending'))")
    page.get_by_role("link", name="Harbour pilot spending").click()
    page.wait_for_url("**/spending/")
    assert page.locator("h1").inner_text() == "Spending"
    assert_accessible(page)
    page.get_by_role("link", name="Record spending").click()
    page.wait_for_url("**/spending/new/")
    assert_accessible(page)
    _submit(page, "Record spending")
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter the date the money was spent" in summary
    assert "Select what the money was spent on" in summary
    assert_accessible(page)
    fill_date(page, "id_spent_on", dt.date.today())
    page.get_by_label("Clinical supervision").check()
    page.get_by_label("Amount in pounds").fill("1200.50")
    page.get_by_label("Description").fill("Supervision, invoice 31")
    _submit(page, "Record spending")
    assert "Spending recorded" in page.inner_text("body")
    assert "£1,200.50" in page.inner_text("table")
    assert_accessible(page)
    page.get_by_role("link", name="Withdraw").click()
    page.wait_for_url("**/withdraw/")
    assert_accessible(page)
    page.get_by_label("Why is this line being withdrawn?").fill("Entered against the wrong month")
    _submit(page, "Withdraw line")
    assert "Line withdrawn" in page.inner_text("body")
    assert "Withdrawn" in page.inner_text("table")
    assert_accessible(page)
    page.goto("/evaluation/programme/")
    assert "£0.00" in page.inner_text("table:has(caption:text('Budget and spending'))")
    assert_accessible(page)
