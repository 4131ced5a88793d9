"""The practitioner's caseload in full (issue 20): from the home page, every list the home page
cuts short has a "See all" that opens "Your caseload", where each list is shown whole. Every
page visited is checked with axe-core and for console, JS and CSP errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def test_practitioner_sees_every_item_of_a_list_cut_short_on_the_home_page(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    login(page, "practitioner")
    assert_accessible(page)
    see_all = page.locator('a[href^="/programme/my-work/"]')
    anchors = [see_all.nth(i).get_attribute("href").split("#")[1] for i in range(see_all.count())]
    if see_all.count():
        with page.expect_navigation():
            see_all.first.click()
    else:  # the demo's lists may all fit on the home page
        page.goto("/programme/my-work/")
    assert page.locator("h1").inner_text() == "Your caseload"
    main = page.locator("main").inner_text()
    for title in (
        "Sessions today and this week",
        "Attendance to record",
        "New allocations: suitability assessments due",
        "Clinical notes to write",
    ):
        assert title in main
    # Each "See all" lands on its own section of the page.
    for anchor in anchors:
        assert page.locator(f"#{anchor}").count() == 1, anchor
    assert_accessible(page)
