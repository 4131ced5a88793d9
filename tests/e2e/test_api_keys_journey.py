"""An organisation administrator issues an API key for their provider, sees it once, the key
calls the API, and once revoked it is refused (issue 17). axe on every page visited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def _submit(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def test_an_organisation_administrator_issues_uses_and_revokes_a_key(
    page: Any,
    seeded: Any,
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    login(page, "org.admin")
    with page.expect_navigation():
        page.get_by_role("link", name="API keys").first.click()
    assert page.locator("h1").inner_text() == "API keys"
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("button", name="Create an API key").click()
    assert_accessible(page)
    # A provider's key may not read orders: the command refuses it, in GOV.UK words.
    page.get_by_label("Read orders and their terms (orders:read)").check()
    _submit(page, "Create key")
    summary = page.locator(".govuk-error-summary")
    assert "Enter a name for the key" in summary.inner_text()
    assert "Select only what this organisation" in summary.inner_text()
    assert page.title().startswith("Error:")
    assert_accessible(page)

    page.get_by_label("Name", exact=True).fill("Case system nightly sync")
    page.get_by_label("Read orders and their terms (orders:read)").uncheck()
    page.get_by_label("Read referrals: status and attendance (referrals:read)").check()
    page.get_by_label("In 30 days").check()
    _submit(page, "Create key")
    assert page.locator("h1").inner_text() == "API key created"
    assert_accessible(page)
    token = page.locator("#api-key-token").input_value()
    assert token.startswith("dsk_")

    called = page.request.get("/api/v1/referrals", headers={"Authorization": f"Bearer {token}"})
    assert called.status == 200 and "items" in called.json()

    with page.expect_navigation():
        page.get_by_role("link", name="Back to API keys").last.click()
    assert "Case system nightly sync" in page.locator("table").inner_text()
    assert token not in page.content()
    with page.expect_navigation():
        page.get_by_role("link", name="Revoke Case system nightly sync").click()
    assert_accessible(page)
    _submit(page, "Revoke key")
    assert "Enter why the key is being revoked" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Why is the key being revoked?").fill("Replaced by a new key")
    _submit(page, "Revoke key")
    assert "has been revoked" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)

    refused = page.request.get("/api/v1/referrals", headers={"Authorization": f"Bearer {token}"})
    assert refused.status == 401
    assert refused.headers["content-type"] == "application/problem+json"
