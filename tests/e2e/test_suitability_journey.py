"""The suitability assessment in the browser (issue 20): the practitioner opens a new
allocation, answers each criterion, is refused 'Suitable' while an answer is No and a
'Not ready yet' without a review date (GOV.UK errors), records 'Not ready yet' with a review
date, finds the referral on the waiting list page and, when the review date comes, in the
'Reassessments due' queue at home; reassesses, answers Yes throughout, and the person is
offered a place. Every page visited is checked with axe-core and for console, JS and CSP
errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.dates import fill_date
from tests.e2e.pilot import put_forward

pytestmark = pytest.mark.e2e


def _submit(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def _link(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name=name, exact=True).first.click()


def _errors(page: Any) -> str:
    return str(page.locator(".govuk-error-summary").inner_text())


def _allocated() -> Any:
    """A referral allocated to the demo practitioner, through the services."""
    from desist.accounts.models import User
    from desist.programme import actions

    practitioner = User.objects.get(username="practitioner")
    supervisor = User.objects.get(username="clinical.supervisor")
    referral = put_forward("Suitability pilot", "Tamsin", "Okonjo-Reyes", dt.date(1981, 9, 14))
    for target, extra in (("received", {}), ("allocated", {"practitioner": practitioner})):
        referral.refresh_from_db()
        actions.referral_transition(
            actor=supervisor, referral=referral, version=referral.version, target=target, **extra
        )
    referral.refresh_from_db()
    return referral


def _answer(page: Any, answers: dict[str, str]) -> None:
    for code, value in answers.items():
        page.check(f"input[name=c_{code}][value={value}]")


def test_not_ready_with_a_review_date_then_suitable(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from django.utils import timezone

    from desist.programme import suitability
    from desist.programme.models import Referral, SuitabilityAssessment

    referral = _allocated()
    today = timezone.localdate()
    review = today + dt.timedelta(days=42)

    login(page, "practitioner")
    assert_accessible(page)
    page.goto(f"/programme/{referral.pk}/")
    assert_accessible(page)
    _link(page, "Record the suitability assessment")
    assert_accessible(page)

    # Not yet motivated: a No about timing. 'Suitable' is refused.
    answers = {c.code: "yes" for c in suitability.CRITERIA}
    answers["willing"] = "no"
    _answer(page, answers)
    page.check("input[name=outcome][value=suitable]")
    _submit(page, "Record assessment")
    assert "Select 'Suitable' only when every answer is Yes" in _errors(page)
    assert_accessible(page)

    # 'Not ready yet' without a review date is refused, field by field.
    page.check("input[name=outcome][value=not_ready]")
    page.check("input[name=not_ready_reason][value=motivation]")
    _submit(page, "Record assessment")
    assert "Enter the date to review whether the person is ready" in _errors(page)
    assert page.locator("#id_review_on-error").count() == 1
    assert_accessible(page)

    fill_date(page, "id_review_on", review)
    _submit(page, "Record assessment")
    assert page.locator(".govuk-error-summary").count() == 0, _errors(page)
    assert "comes back to you for review" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)
    referral.refresh_from_db()
    assert referral.status == "not_ready" and referral.review_on == review
    assert page.locator("#suitability").count() == 1

    # The clinical supervisor sees the person kept on the list with the date.
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    login(page, "clinical.supervisor")
    page.goto("/programme/waiting-list/")
    assert_accessible(page)
    assert referral.reference in page.locator("table").inner_text()

    # The weeks pass (test data: the review date brought to today); it is due at home.
    Referral.objects.filter(pk=referral.pk).update(review_on=today)
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    login(page, "practitioner")
    assert_accessible(page)
    queue = page.locator("section.desist-queue").filter(has_text="Reassessments due: not ready yet")
    assert referral.reference in queue.inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name=f"Tamsin Okonjo-Reyes ({referral.reference})").first.click()
    assert page.locator("h1").inner_text() == "Suitability reassessment"
    assert_accessible(page)

    # Willing now: Yes throughout, suitable, and a place is free.
    _answer(page, {c.code: "yes" for c in suitability.CRITERIA})
    page.check("input[name=outcome][value=suitable]")
    _submit(page, "Record assessment")
    assert page.locator(".govuk-error-summary").count() == 0, _errors(page)
    assert_accessible(page)
    referral.refresh_from_db()
    assert referral.status == "suitable" and referral.review_on is None
    assert list(
        SuitabilityAssessment.objects.filter(referral=referral).values_list("number", "outcome")
    ) == [(1, "not_ready"), (2, "suitable")]
