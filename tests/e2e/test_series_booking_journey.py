"""Series booking in the browser (issue 20): the practitioner books the twelve sessions of the
plan weekly from one form, checks the preview (each date, session number and module, and
clashes), books them, cancels one and re-books its slot, which keeps its number and module.
Every page visited is checked with axe-core and for console, JS and CSP errors."""

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


def _active_referral() -> Any:
    from django.utils import timezone

    from desist.accounts.models import User
    from desist.programme.models import Referral, ReferralStatus

    referral = put_forward("Series pilot", "Idris", "Penhallow-Reyes", dt.date(1981, 9, 14))
    programme = referral.programme
    # Straight to an active intervention (test data); the programme journey walks the workflow.
    Referral.objects.filter(pk=referral.pk).update(
        status=ReferralStatus.ACTIVE,
        practitioner=User.objects.get(username="practitioner"),
        started_on=timezone.localdate(),
        programme_version=programme.versions.order_by("-number").first(),
    )
    referral.refresh_from_db()
    return referral


def _clear_wednesday() -> dt.date:
    """A Wednesday from next week on with no bank holiday in the twelve weeks that follow."""
    from django.utils import timezone

    from desist.core.dates import bank_holiday

    day = timezone.localdate() + dt.timedelta(days=7)
    day += dt.timedelta(days=(2 - day.weekday()) % 7)
    while any(bank_holiday(day + dt.timedelta(weeks=i)) for i in range(12)):
        day += dt.timedelta(weeks=1)
    return day


def test_series_book_cancel_and_rebook(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.programme.models import ProgrammeSession, SessionState

    referral = _active_referral()
    first = _clear_wednesday()
    login(page, "practitioner")
    # The home page is the practitioner's caseload (issue 20).
    measures = page.locator("section[aria-labelledby='queue-providermeasures']").inner_text()
    assert "Outcome measures due" in measures
    assert "Idris Penhallow-Reyes" in measures and "Before the programme" in measures
    assert_accessible(page)
    page.goto(f"/programme/{referral.pk}/")
    assert_accessible(page)
    _link(page, "Book the sessions weekly")
    assert "12 sessions of the plan are open" in page.locator("main").inner_text()
    assert_accessible(page)

    # Nothing entered: GOV.UK errors, summary and field.
    page.get_by_label("Remote (video or phone)").check()
    _submit(page, "Preview the sessions")
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter the date of the first session" in summary
    assert "Enter the time of the sessions" in summary
    assert page.locator("#id_first_day-error, .govuk-error-message").count() >= 2
    assert_accessible(page)

    fill_date(page, "id_first_day", first)
    page.fill("#id_at", "14:00")
    page.fill("#id_duration_minutes", "60")
    page.get_by_role("radio", name="In person").check()
    page.fill("#id_place", "Harbour House, room 2")
    _submit(page, "Preview the sessions")
    assert page.locator(".govuk-error-summary").count() == 0
    rows = page.locator("#series-preview tbody tr")
    assert rows.count() == 12
    assert "Case formulation" in rows.nth(0).inner_text()
    assert f"{first:%A} {first.day} {first:%B %Y}, 14:00" in rows.nth(0).inner_text()
    assert "Maintaining non-offending behaviour" in rows.nth(11).inner_text()
    assert page.locator("#series-preview").inner_text().count("No clash") == 12
    assert not ProgrammeSession.objects.filter(referral=referral).exists()
    assert_accessible(page)
    _submit(page, "Book 12 sessions")
    assert "12 sessions booked" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)

    # Cancel session 6 (Emotion regulation in the pilot's plan).
    sixth = ProgrammeSession.objects.get(referral=referral, number=6)
    module = sixth.module
    page.goto(f"/programme/sessions/{sixth.pk}/")
    assert_accessible(page)
    _link(page, "Cancel the session")
    assert_accessible(page)
    page.fill("#id_reason", "The room is closed for repairs that week.")
    _submit(page, "Cancel session")
    assert page.locator(".govuk-error-summary").count() == 0
    assert_accessible(page)

    # Re-book: the open slot is 6 again, with the same module, on the Thursday.
    page.goto(f"/programme/{referral.pk}/")
    _link(page, "Book a session")
    assert_accessible(page)
    thursday = sixth.starts_at.date() + dt.timedelta(days=1)
    page.fill("#id_starts_at", f"{thursday.isoformat()}T14:00")
    page.get_by_label("Remote (video or phone)").check()
    _submit(page, "Book session")
    assert "Session 6 booked" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)
    live = ProgrammeSession.objects.filter(referral=referral, state=SessionState.SCHEDULED)
    assert sorted(live.values_list("number", flat=True)) == list(range(1, 13))
    assert live.get(number=6).module == module
