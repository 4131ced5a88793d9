"""A police supervisor reviews records due under the retention schedule (issue 18): keeps one
with a reason and a next review date (after a refused empty submit), places a legal hold on
another, and disposes of a third through the check page. Every page is checked with axe-core
and for console, JS and CSP errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.dates import fill_date

pytestmark = pytest.mark.e2e


def _closed_cases(n: int) -> list[Any]:
    from desist.cases.models import Case, CaseStatus
    from desist.core.models import Organisation
    from desist.people.models import Subject

    force = Organisation.objects.get(code="sussex-police")
    closed = dt.date.today() - dt.timedelta(days=7 * 366)
    cases = []
    for i in range(n):
        subject = Subject(force=force, first_names="Journey", last_name=f"Subject{i}")
        subject.refresh_search()
        subject.save()
        cases.append(
            Case.objects.create(
                force=force,
                subject=subject,
                crime_reference=f"47/RET/{i}",
                relationship="stranger",
                summary="Waited outside the library most evenings",
                opened_on=closed - dt.timedelta(days=200),
                status=CaseStatus.CLOSED,
                closed_on=closed,
            )
        )
    return cases


def test_supervisor_keeps_holds_and_disposes(
    page: Any,
    seeded: Any,
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.cases.models import Case
    from desist.retention.services import retention_list_due

    kept, held, disposed = _closed_cases(3)
    assert retention_list_due()["cases.group-3"] == 3

    login(page, "police.supervisor")
    page.get_by_role("link", name="Retention").first.click()
    assert page.locator("h1").inner_text() == "Records due for review"
    assert page.locator("tbody tr").count() == 3
    assert_accessible(page)
    page.get_by_role("link", name="Retention schedule").click()
    assert page.locator("h1").inner_text() == "Retention schedule"
    assert_accessible(page)
    page.go_back()

    # Keep: an empty submit is refused with GOV.UK messages, then kept.
    page.get_by_role("link", name=kept.crime_reference).click()
    assert page.locator("h1").inner_text() == kept.crime_reference
    assert_accessible(page)
    page.get_by_role("button", name="Keep the record").click()
    summary = page.locator(".govuk-error-summary")
    assert "Enter why the record is kept" in summary.inner_text()
    assert "Enter the date of the next review" in summary.inner_text()
    assert_accessible(page)
    page.get_by_label("Why is the record kept?").fill("Linked to a live investigation")
    next_year = dt.date.today() + dt.timedelta(days=365)
    fill_date(page, "id_next_review_on", next_year)
    page.get_by_role("button", name="Keep the record").click()
    assert f"{kept.crime_reference} kept" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)

    # A legal hold: the record can no longer be disposed of.
    page.get_by_role("link", name=held.crime_reference).click()
    page.get_by_role("link", name="Place a legal hold").click()
    assert page.locator("h1").inner_text() == "Place a legal hold"
    assert_accessible(page)
    page.get_by_label("Why is the record held?").fill("Civil claim against the force")
    page.get_by_role("button", name="Place the hold").click()
    assert "Legal hold placed" in page.locator(".govuk-notification-banner").inner_text()
    assert page.get_by_role("link", name="Dispose of the record").count() == 0
    assert_accessible(page)

    # Dispose, through the check page.
    page.goto("/retention/")
    page.get_by_role("link", name=disposed.crime_reference).click()
    page.get_by_role("link", name="Dispose of the record").click()
    assert page.locator("h1").inner_text().startswith("Check before you dispose")
    assert_accessible(page)
    page.get_by_role("button", name="Dispose of the record").click()
    banner = page.locator(".govuk-notification-banner").inner_text()
    assert f"{disposed.crime_reference} disposed of" in banner
    assert page.locator("tbody tr").count() == 1  # only the held record is still due
    assert_accessible(page)

    assert Case.objects.get(pk=disposed.pk).summary == ""
    assert Case.objects.get(pk=held.pk).summary and Case.objects.get(pk=kept.pk).summary
