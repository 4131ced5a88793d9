"""Issue 20, journey 3: the advocate completes a structured safety plan.

The advocate opens an allocated case, starts the plan, is told what is missing (all the
messages at once), completes it (risk level, MARAC referral and date, evidence guidance,
digital and online safety checks, home security, safe contacts, review date), sees it on the
case page, saves a second version and reads the history. Every page is axe-checked.
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


def _allocated_case() -> Any:
    from desist.accounts.models import User
    from desist.core.models import Organisation
    from desist.people.tests.factories import make_case, make_subject, make_victim
    from desist.safeguarding import services

    officer = User.objects.get(username="police.sussex")
    manager = User.objects.get(username="advocacy.manager")
    advocate = User.objects.get(username="advocate")
    subject = make_subject(officer, first_names="Corin", last_name="Wadhurst")
    victim = make_victim(officer, make_case(officer, subject), first_names="Tamsin")
    service = Organisation.objects.get(code="safe-steps-advocacy")
    case = services.advocacy_refer(actor=officer, victim=victim, service=service)
    return services.advocacy_allocate(
        actor=manager, case=case, version=case.version, advocate=advocate
    )


def test_advocate_completes_a_structured_safety_plan(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.safeguarding.models import SafetyPlanVersion

    case = _allocated_case()
    login(page, "advocate")
    page.goto(f"/safeguarding/advocacy/{case.pk}/")
    assert_accessible(page)
    assert "No safety plan yet." in page.locator("main").inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="Write the safety plan").click()
    assert_accessible(page)

    # Referred to MARAC, but no date and nothing else: every message at once.
    page.check("input[name=marac][value=referred]")
    _submit(page, "Save as a new version")
    summary = page.locator(".govuk-error-summary").inner_text()
    for message in (
        "Select the risk level",
        "Enter the date of the MARAC referral",
        "Enter the risks to the victim",
        "Enter the safety measures",
    ):
        assert message in summary
    assert_accessible(page)

    page.check("input[name=risk_level][value=high]")
    fill_date(page, "id_marac_referred_on", dt.date.today() - dt.timedelta(days=3))
    page.get_by_label("Keep a diary of each incident", exact=False).check()
    page.get_by_label("Keep messages, call logs and voicemails", exact=False).check()
    page.get_by_label("Passwords changed on email, phone and social media").check()
    page.get_by_label("Location sharing and device finders checked").check()
    page.get_by_label("Car and bags checked for tracking devices").check()
    page.fill("#id_digital_notes", "An old tablet is still signed in to a shared account.")
    page.get_by_label("Video doorbell or camera").check()
    page.get_by_label("Police marker on the address").check()
    page.fill("#id_safe_contacts", "Her brother, 07700 900187; the neighbour at number 9.")
    page.fill("#id_risks", "He has been seen at her gym twice this month.")
    page.fill("#id_measures", "Gym changed; travels with a friend; 999 if he is seen.")
    fill_date(page, "id_review_on", dt.date.today() + dt.timedelta(days=14))
    _submit(page, "Save as a new version")
    assert page.locator(".govuk-error-summary").count() == 0, page.locator("main").inner_text()
    assert_accessible(page)

    plan = SafetyPlanVersion.objects.get(case=case)
    assert (plan.risk_level, plan.marac) == ("high", "referred")
    assert plan.digital_checks == ["passwords", "location", "trackers"]
    assert plan.home_security == ["camera", "police_marker"]
    assert plan.evidence_guidance == ["diary", "messages"]
    main = page.locator("main").inner_text()
    assert "Police marker on the address" in main and "Her brother" in main

    # A second version starts from the first; the risk comes down after the MARAC meeting.
    with page.expect_navigation():
        page.get_by_role("link", name="Update the safety plan").click()
    assert page.locator("input[name=home_security][value=camera]").is_checked()
    page.check("input[name=risk_level][value=medium]")
    _submit(page, "Save as a new version")
    assert page.locator(".govuk-error-summary").count() == 0
    assert SafetyPlanVersion.objects.filter(case=case).count() == 2
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("See all 2 versions")).click()
    assert "Version 2 (current)" in page.locator("main").inner_text()
    assert_accessible(page)
