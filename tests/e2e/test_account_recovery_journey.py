"""Forgotten password and single sign-on pages, as a person who cannot sign in sees them:
sign-in page -> reset form (with a GOV.UK error) -> "check your email"; the organisation
choice for single sign-on; an organisation without it; a dead invitation link. Each page
axe-checked."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def _expect_only_the_status_error(page: Any, status: int, checker: Any) -> None:
    # Chromium logs the page's own status as a console error; anything else still fails.
    e2e = sys.modules[checker.__module__]  # the conftest as pytest loaded it
    problems = e2e.page_problems(page).take()
    assert [p for p in problems if f"status of {status}" not in p] == [], problems


def test_forgotten_password_and_sso_choice(
    page: Any, seeded: dict[str, int], assert_accessible: Callable[[Any], None]
) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgotten your password?").click()
    assert page.locator("h1").inner_text() == "Reset your password"
    assert_accessible(page)

    page.get_by_label("Email address").fill("not an address")
    page.get_by_role("button", name="Send the link").click()
    assert "There is a problem" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)

    page.get_by_label("Email address").fill("nobody@example.org")
    page.get_by_role("button", name="Send the link").click()
    assert page.locator("h1").inner_text() == "Check your email"
    assert_accessible(page)

    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with your organisation's account").click()
    assert page.locator("h1").inner_text() == "Sign in with your organisation's account"
    assert_accessible(page)

    # An address for an organisation without single sign-on: a page that says so, not a
    # silent bounce, with the way back to the ordinary sign-in.
    response = page.goto("/accounts/sso/no-such-organisation/")
    assert response is not None and response.status == 404
    _expect_only_the_status_error(page, 404, assert_accessible)
    assert page.locator("h1").inner_text() == "Single sign-on is not set up for this organisation"
    assert_accessible(page)
    page.get_by_role("link", name="Sign in with your Desist username and password").click()
    assert page.locator("h1").inner_text() == "Sign in to Desist"

    # A dead invitation link: 410 Gone, and what to do.
    response = page.goto("/accounts/invite/no-longer-valid/")
    assert response is not None and response.status == 410
    _expect_only_the_status_error(page, 410, assert_accessible)
    assert page.locator("h1").inner_text() == "This invitation link no longer works"
    assert_accessible(page)
