"""The public pages and the safe export of issue 18, in the browser, each page axe-checked.

A victim on the self-referral form follows the link to the full privacy notice; anyone finds
the notice and the accessibility statement from the footer. A police officer downloads the SPO
register after saying why (the purpose asked before every bulk export, ADR 0027).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def test_the_privacy_notice_from_the_self_referral_form_and_the_footer(
    page: Any, seeded: dict[str, int], assert_accessible: Callable[[Any], None]
) -> None:
    page.goto("/safeguarding/refer/")
    link = page.get_by_role("link", name="Read our full privacy notice (opens in new tab)")
    assert link.get_attribute("target") == "_blank"  # a half-filled form is not lost
    page.goto(link.get_attribute("href"))
    assert page.locator("h1").inner_text() == "Privacy notice"
    main = page.locator("main").inner_text()
    assert "Safe Steps Stalking Advocacy" in main  # the demo's advocacy service
    assert "Information Commissioner's Office" in main
    assert page.locator("[data-desist-marking]").count() == 0  # public: nothing held shown
    assert_accessible(page)

    page.goto("/accounts/login/")
    with page.expect_navigation():
        page.locator("footer").get_by_role("link", name="Privacy notice").click()
    assert page.locator("h1").inner_text() == "Privacy notice"


def test_the_accessibility_statement_from_the_footer(
    page: Any, seeded: dict[str, int], assert_accessible: Callable[[Any], None]
) -> None:
    page.goto("/safeguarding/refer/")
    with page.expect_navigation():
        page.locator("footer").get_by_role("link", name="Accessibility statement").click()
    assert page.locator("h1").inner_text() == "Accessibility statement for Desist"
    main = page.locator("main").inner_text()
    for heading in ("Compliance status", "Non-accessible content", "Enforcement procedure"):
        assert page.get_by_role("heading", name=heading).is_visible(), heading
    assert "Preparation of this accessibility statement" in main
    assert_accessible(page)


def test_the_register_download_asks_why_first(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.audit.models import AuditEvent

    login(page, "police.sussex")
    page.goto("/orders/?status=full")
    with page.expect_navigation():
        page.get_by_role("link", name="CSV file of the SPO register").click()
    assert page.locator("h1").inner_text() == "Why are you exporting this?"
    assert "Status: Full order" in page.locator("main").inner_text()  # the list's filter, in words
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("button", name="Download").click()  # no answer
    summary = page.locator(".govuk-error-summary")
    assert "Select why you are exporting this" in summary.inner_text()
    assert_accessible(page)

    page.get_by_label("Other", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Download").click()  # Other, without the reason
    assert "Enter the reason" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)

    page.get_by_label("Preparing for court or other legal proceedings").check()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download").click()
    assert info.value.suggested_filename.startswith("OFFICIAL-SENSITIVE")
    with open(info.value.path(), encoding="utf-8") as fh:
        assert fh.readline().strip() == "OFFICIAL-SENSITIVE"  # the marking, in the file too
        assert fh.readline().startswith("Reference")
    event = AuditEvent.objects.filter(verb="order.export").latest("id")
    assert event.new_values["purpose"] == "court"
    assert event.new_values["filters"] == {"Status": "Full order"}
