"""Multi-agency case review in the browser (issue 19 §6): the supervisor convenes a stalking
clinic, the agenda offers the force's live signals, an item gets an action for the provider's
practitioner, the provider-safe minutes refuse a victim's address, and the chair signs. The
practitioner then finds the action in their tasks and reads only the provider-safe minutes.
Every page is axe-checked; the pages fit 1,280 px, and the meeting page 375 px."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.dates import fill_date
from tests.e2e.test_provider_safe_terms import ADDRESS, _referred_subject

pytestmark = pytest.mark.e2e

POLICE_ONLY = "Intelligence from the neighbouring force about a second vehicle."
PROVIDER_SAFE = "Sessions to focus on fixation; attendance to be reported weekly."
ACTION = "Offer an extra session this month"
LONG_WORD = "Reviewsessionattendance" * 20  # 460 characters, no space


def _submit(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def _width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def _fits(page: Any, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    assert _width(page) <= width, (page.url, width, _width(page))


def _convene(page: Any, assert_accessible: Callable[[Any], None], today: dt.date) -> None:
    page.goto("/")
    page.get_by_role("link", name="Case reviews").first.click()
    assert_accessible(page)
    _fits(page, 1280)
    page.get_by_role("link", name="Convene a meeting").click()
    assert_accessible(page)
    _submit(page, "Convene meeting")  # nothing filled in: GOV.UK errors
    assert page.locator(".govuk-error-summary").is_visible()
    assert "Enter the date of the meeting" in page.content()
    assert_accessible(page)
    page.get_by_label("Multi-agency stalking clinic (MASIP)").check()
    fill_date(page, "id_held_on", today)
    page.select_option("#id_chair", label="Daniel Hart")
    page.get_by_label("Harbour Forensic Psychology Service", exact=True).check()
    page.get_by_label("Samir Douglas (Harbour Forensic Psychology Service)", exact=True).check()
    page.get_by_label("Daniel Hart (Sussex Police)", exact=True).check()
    _submit(page, "Convene meeting")
    assert "Meeting convened" in page.content()
    assert_accessible(page)
    # Nothing on the agenda: the minutes cannot be signed, and provider-safe minutes wait for
    # the people discussed (the guard has no victims to check them against).
    _submit(page, "Sign the minutes")
    assert "Add at least one item to the agenda before signing the minutes" in page.content()
    assert "Not signed" in page.locator("#signed").inner_text()
    page.get_by_role("link", name="Write the provider-safe minutes").click()
    page.fill("#id_text", PROVIDER_SAFE)
    _submit(page, "Save minutes")
    assert page.locator(".govuk-error-summary").is_visible()
    assert "Add the people discussed to the agenda before writing provider-safe minutes" in (
        page.locator(".govuk-error-summary").inner_text()
    )
    assert_accessible(page)
    page.get_by_role("link", name="Cancel").click()


def _record_item(page: Any, assert_accessible: Callable[[Any], None], today: dt.date) -> None:
    signal = "Order made for Jordan Pemberton"
    assert signal in page.locator("#signals ~ *").first.inner_text() or signal in page.content()
    _submit(page, f"Add {signal} to the agenda")
    assert "Added to the agenda" in page.content()
    assert_accessible(page)
    page.locator("#agenda ~ ol").get_by_role("link", name=signal).click()
    assert_accessible(page)
    page.fill("#id_discussion", "Breach risk discussed; the subject is engaging.")
    page.fill("#id_decisions", "Continue the intervention; review in four weeks.")
    _submit(page, "Save discussion and decisions")
    assert "Discussion and decisions saved" in page.content()
    page.fill("#id_description", ACTION)
    page.select_option("#id_owner", label="Samir Douglas (Harbour Forensic Psychology Service)")
    fill_date(page, "id_due_on", today + dt.timedelta(days=14))
    _submit(page, "Add action")
    assert "Action added to the owner" in page.content()
    assert_accessible(page)
    # A long unbroken word must wrap on the practitioner's phone, not widen the page.
    page.fill("#id_description", LONG_WORD)
    page.select_option("#id_owner", label="Samir Douglas (Harbour Forensic Psychology Service)")
    fill_date(page, "id_due_on", today + dt.timedelta(days=14))
    _submit(page, "Add action")
    assert "Action added to the owner" in page.content()
    page.get_by_role("link", name="Back to the meeting").click()


def _write_minutes(page: Any, assert_accessible: Callable[[Any], None]) -> None:
    page.get_by_role("link", name="Write the police only minutes").click()
    page.fill("#id_text", POLICE_ONLY)
    _submit(page, "Save minutes")
    page.get_by_role("link", name="Write the provider-safe minutes").click()
    assert_accessible(page)
    page.fill("#id_text", f"Home visit planned near {ADDRESS}.")
    _submit(page, "Save minutes")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "looks like it contains a victim" in summary.inner_text()
    assert_accessible(page)
    page.fill("#id_text", PROVIDER_SAFE)
    _submit(page, "Save minutes")
    assert "Provider-safe minutes saved" in page.content()


def test_supervisor_holds_a_case_review_and_the_provider_sees_its_part(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.orders.models import Order
    from desist.reviews.models import ReviewMeeting

    today = dt.date.today()
    order, victim, _ = _referred_subject()
    Order.objects.filter(pk=order.pk).update(full_made_on=today - dt.timedelta(days=5))

    login(page, "police.supervisor")
    _convene(page, assert_accessible, today)
    _record_item(page, assert_accessible, today)
    _write_minutes(page, assert_accessible)
    _submit(page, "Sign the minutes")
    assert "Signed by Daniel Hart" in page.locator("#signed").inner_text()
    assert "Sign the minutes" not in page.content()
    assert_accessible(page)
    _fits(page, 1280)
    _fits(page, 375)
    meeting = ReviewMeeting.objects.get()
    # Signed: the edit pages show why nothing can be changed instead of a form.
    page.goto(f"/reviews/{meeting.pk}/minutes/provider/")
    assert "The minutes are signed. Nothing can be changed" in page.content()
    assert page.get_by_role("button", name="Save minutes").count() == 0
    assert_accessible(page)

    page.context.clear_cookies()
    login(page, "practitioner")
    page.goto("/tasks/")
    assert f"Case review action: {ACTION}" in page.content()
    assert_accessible(page)
    page.get_by_role("link", name=f"Case review action: {ACTION}").click()
    assert_accessible(page)
    _submit(page, "Mark as done")  # the owner finishes their action: it does not escalate
    assert "Task done" in page.content()
    page.goto("/reviews/")
    assert_accessible(page)
    page.locator(f"a[href='/reviews/{meeting.pk}/']").click()
    assert_accessible(page)
    text = page.locator("main").inner_text()
    assert PROVIDER_SAFE in text and ACTION in text
    for hidden in (POLICE_ONLY, "Breach risk discussed", "Pemberton", victim.last_name, ADDRESS):
        assert hidden not in text, hidden
    assert "Police only" not in text and "Advocacy" not in text
    _fits(page, 375)
