"""Advocacy journeys in the browser.

1. A Sussex officer refers a victim to the advocacy service from the victim page. The advocacy
   manager allocates it; the advocate opens the referral from the caseload, records first
   contact, writes a safety plan and records the victim's ratings.
2. A victim uses the public self-referral form (with GOV.UK "Exit this page"), without signing
   in, and gets the confirmation.

Every distinct page is checked with axe-core and for console, JS and CSP errors.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.dates import fill_date

pytestmark = pytest.mark.e2e


def _submit(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def _no_error_summary(page: Any) -> None:
    assert page.locator(".govuk-error-summary").count() == 0, page.locator("main").inner_text()


def _sign_out(page: Any) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()


def _victim_of_a_sussex_case() -> Any:
    from desist.accounts.models import User
    from desist.people.tests.factories import make_case, make_subject, make_victim

    officer = User.objects.get(username="police.sussex")
    subject = make_subject(officer, first_names="Rowan", last_name="Edgecombe")
    case = make_case(officer, subject)
    return make_victim(officer, case, first_names="Morgan", last_name="Ashdown")


def test_advocate_casework_journey(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.accounts.models import User
    from desist.safeguarding.models import AdvocacyCase, SafetyPlanVersion, VictimRating

    victim = _victim_of_a_sussex_case()

    # --- the police refer the victim ---------------------------------------------------------
    login(page, "police.sussex")
    page.goto(f"/safeguarding/victims/{victim.pk}/")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Refer to advocacy").click()
    assert_accessible(page)
    page.check("input[name=service]")
    page.fill("#id_notes", "Victim fears the subject will breach the order.")
    _submit(page, "Refer to advocacy")
    _no_error_summary(page)
    case = AdvocacyCase.objects.get(victim=victim)
    assert "has been referred to" in page.locator("main").inner_text()
    assert_accessible(page)
    _sign_out(page)

    # --- the manager allocates -----------------------------------------------------------------
    login(page, "advocacy.manager")
    assert_accessible(page)  # home, with the unallocated queue
    assert case.reference in page.locator("main").inner_text()
    page.goto(f"/safeguarding/advocacy/{case.pk}/allocate/")
    assert_accessible(page)
    advocate = User.objects.get(username="advocate")
    page.check(f"input[name=advocate][value='{advocate.pk}']")
    _submit(page, "Allocate")
    _no_error_summary(page)
    _sign_out(page)

    # --- the advocate opens the referral ---------------------------------------------------------
    login(page, "advocate")
    assert_accessible(page)
    page.goto("/safeguarding/advocacy/?view=new")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name=case.reference).click()
    assert page.url.rstrip("/").endswith(f"/safeguarding/advocacy/{case.pk}")
    assert "Morgan" in page.locator("main h1").inner_text()
    assert_accessible(page)

    # First contact.
    with page.expect_navigation():
        page.get_by_role("link", name="Add to the contact log").click()
    assert_accessible(page)
    _submit(page, "Save contact")  # empty summary: refused
    assert "Enter a summary of the contact" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.check("input[name=kind][value=contact]")
    page.select_option("#id_channel", "phone")
    page.fill("#id_summary", "First call. Safe to talk; agreed to meet on Thursday.")
    _submit(page, "Save contact")
    _no_error_summary(page)
    case.refresh_from_db()
    assert case.first_contact_at is not None
    assert_accessible(page)

    # Safety plan.
    with page.expect_navigation():
        page.get_by_role("link", name="Write the safety plan").click()
    assert_accessible(page)
    page.check("input[name=risk_level][value=medium]")
    page.check("input[name=marac][value=not_needed]")
    page.fill("#id_risks", "Subject has been seen near the victim's workplace.")
    page.fill("#id_measures", "Vary the route to work; keep the phone charged; call 999.")
    fill_date(page, "id_review_on", dt.date.today() + dt.timedelta(days=14))
    _submit(page, "Save as a new version")
    _no_error_summary(page)
    assert SafetyPlanVersion.objects.filter(case=case).count() == 1
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("See all 1 version")).click()
    assert_accessible(page)
    page.goto(f"/safeguarding/advocacy/{case.pk}/")

    # Ratings.
    with page.expect_navigation():
        page.get_by_role("link", name="Record ratings").click()
    assert_accessible(page)
    page.check("#id_fear_8")
    page.check("#id_safety_3")
    page.check("#id_impact_7")
    _submit(page, "Save ratings")
    _no_error_summary(page)
    rating = VictimRating.objects.get(case=case)
    assert (rating.fear, rating.safety, rating.impact) == (8, 3, 7)
    assert page.locator("main svg").count() == 3
    assert_accessible(page)

    # The victim record, with preferences and wishes.
    page.goto(f"/safeguarding/victims/{victim.pk}/preferences/")
    assert_accessible(page)
    page.check("input[name=safe_channels][value=text]")
    page.fill("#id_safe_word", "bluebell")
    page.check("input[name=wants_engagement_news][value=yes]")
    _submit(page, "Save preferences and wishes")
    _no_error_summary(page)
    victim.refresh_from_db()
    assert victim.wants_engagement_news and victim.safe_word == "bluebell"
    assert_accessible(page)


def test_public_self_referral(
    page: Any,
    seeded: dict[str, int],
    settings: Any,
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.safeguarding.models import AdvocacyCase

    settings.DESIST_SELF_REFERRAL_MIN_SECONDS = 0
    page.goto("/safeguarding/refer/")
    assert page.locator("main h1").inner_text() == "Ask for support from a stalking advocate"
    exit_button = page.locator(".govuk-exit-this-page .govuk-exit-this-page__button")
    assert exit_button.count() == 1
    assert "Exit this page" in exit_button.inner_text()
    assert_accessible(page)
    _submit(page, "Send")  # nothing filled in: refused, with the error summary
    assert "Enter your first name" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.fill("#id_first_names", "Juniper")
    page.fill("#id_last_name", "Ashcombe")
    page.fill("#id_phone", "07700 900 555")
    page.check("input[name=safe_channels][value=text]")
    page.fill("#id_safe_times", "After 6pm")
    _submit(page, "Send")
    assert page.locator("h1").first.inner_text().strip() == "Your request has been sent"
    assert page.locator(".govuk-exit-this-page").count() == 1
    assert_accessible(page)
    case = AdvocacyCase.objects.get()
    assert case.origin == "self" and case.victim.force_id is None
