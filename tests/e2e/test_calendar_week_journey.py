"""An out-of-range week in the practitioner's calendar: this week, with an accessible error
summary, instead of a server error (issue 12, Low 1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def test_out_of_range_week_shows_this_week_with_a_message(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    login(page, "practitioner")
    for week in ("9999-12-31", "0001-01-01"):
        response = page.goto(f"/programme/calendar/?week={week}")
        assert response.status == 200
        summary = page.locator(".govuk-error-summary").inner_text()
        assert "Showing this week instead" in summary
        assert_accessible(page)
    # The week links still work from there.
    with page.expect_navigation():
        page.get_by_role("link", name="Next week").click()
    assert page.locator(".govuk-error-summary").count() == 0
    assert_accessible(page)
