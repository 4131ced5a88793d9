"""Issue 19: every date is asked for with the GOV.UK date input. The advocate opening a case
sees the referral date as Day, Month and Year boxes in a fieldset whose legend names the date;
an impossible date (31 February) is refused with GOV.UK's message, the error summary's link
goes to the Day box, and the boxes keep what was typed. Each page is axe-checked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.dates import fill_date

pytestmark = pytest.mark.e2e


def test_a_date_is_three_boxes_and_an_impossible_one_is_refused(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    login(page, "advocate")
    page.goto("/safeguarding/advocacy/new/")
    assert_accessible(page)

    group = page.locator("fieldset:has(#id_referred_on)")
    assert group.get_attribute("role") == "group"
    assert group.locator("legend").inner_text() == "Date of the call or referral"
    assert "For example, 27 3 2026" in group.locator(".govuk-hint").inner_text()
    assert page.locator("#id_referred_on.govuk-date-input").count() == 1
    for part, label, width in (("day", "Day", 2), ("month", "Month", 2), ("year", "Year", 4)):
        box = page.get_by_label(label, exact=True)
        assert box.get_attribute("id") == f"id_referred_on-{part}"
        assert box.get_attribute("inputmode") == "numeric"
        assert f"govuk-input--width-{width}" in (box.get_attribute("class") or "")
    assert page.locator("#id_referred_on input[type=date]").count() == 0

    year = dt.date.today().year
    page.fill("#id_referred_on-day", "31")
    page.fill("#id_referred_on-month", "02")
    page.fill("#id_referred_on-year", str(year))
    with page.expect_navigation():
        page.get_by_role("button", name="Open case", exact=True).click()
    message = "The date of the call or referral must be a real date"
    link = page.locator(".govuk-error-summary a", has_text=message)
    assert link.get_attribute("href") == "#id_referred_on-day"
    assert message in page.locator("#id_referred_on-error").inner_text()
    # Shown again as typed, every box marked: it is the date as a whole that is wrong.
    for part, typed in (("day", "31"), ("month", "02"), ("year", str(year))):
        box = page.locator(f"#id_referred_on-{part}")
        assert box.input_value() == typed
        assert "govuk-input--error" in (box.get_attribute("class") or "")
    assert_accessible(page)
    # GOV.UK Frontend's error summary moves focus to the box the link names.
    link.click()
    assert page.evaluate("document.activeElement.id") == "id_referred_on-day"

    fill_date(page, "id_referred_on", dt.date.today() - dt.timedelta(days=2))
    with page.expect_navigation():
        page.get_by_role("button", name="Open case", exact=True).click()
    assert message not in page.content()
