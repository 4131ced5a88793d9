"""Forgotten password and single sign-on pages, as a person who cannot sign in sees them:
sign-in page -> reset form (with a GOV.UK error) -> "check your email"; the organisation
choice for single sign-on. Each page axe-checked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


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
