"""Each demo account signs in, lands on its role's home page, walks its menu and signs out.

Every page on the way is checked with axe-core and for console, JS and CSP errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from desist.core.roles import HOME_ORDER
from desist.demo.seed import ACCOUNTS, DemoAccount

pytestmark = pytest.mark.e2e

LOGIN_PATH = "/accounts/login/"


def _home_role_label(account: DemoAccount) -> str:
    return next(r for r in HOME_ORDER if r in account.roles).label


def _expect_login_page(page: Any) -> None:
    assert page.url.split("?")[0].endswith(LOGIN_PATH), page.url
    assert page.locator("h1").inner_text().strip() == "Sign in to Desist"


def test_assets_are_served(page: Any, live_server: Any) -> None:
    for path in (
        "/assets/govuk/govuk-frontend.min.css",
        "/assets/govuk/govuk-frontend.min.js",
        "/assets/moj/moj-frontend.min.css",
        "/assets/desist/desist.css",
        "/assets/desist/app.js",
        "/assets/htmx/htmx.min.js",
    ):
        response = page.request.get(live_server.url + path)
        assert response.status == 200, (path, response.status)
    css = page.request.get(live_server.url + "/assets/govuk/govuk-frontend.min.css").text()
    assert ".govuk-header" in css
    # And the stylesheet is applied in the page, not merely served.
    page.goto(LOGIN_PATH)
    assert page.evaluate(
        "() => getComputedStyle(document.querySelector('.govuk-button')).backgroundColor"
    ) not in ("", "rgba(0, 0, 0, 0)", "rgb(239, 239, 239)")
    assert "js-enabled" in (page.locator("body").get_attribute("class") or "")


@pytest.mark.parametrize("account", ACCOUNTS, ids=[a.username for a in ACCOUNTS])
def test_demo_account_journey(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
    account: DemoAccount,
) -> None:
    response = page.goto(LOGIN_PATH)
    assert response is not None and response.ok
    _expect_login_page(page)
    assert_accessible(page)

    login(page, account.username)
    label = _home_role_label(account)
    heading = page.locator("main h1").inner_text().strip()
    assert heading.endswith(" home"), heading
    assert label in heading, (label, heading)
    assert page.get_by_role("button", name="Sign out").is_visible()
    assert_accessible(page)

    links = page.locator("nav[aria-label=Menu] a")
    items = [
        (links.nth(i).inner_text().strip(), links.nth(i).get_attribute("href"))
        for i in range(links.count())
    ]
    assert items, "the service navigation has no links"
    assert any(text == "Home" for text, _ in items), items
    for text, href in items:
        assert href and href.startswith("/"), (text, href)
        response = page.goto(href)
        assert response is not None and response.ok, (text, href, response and response.status)
        current = page.locator("nav[aria-label=Menu] a[aria-current=page]")
        assert current.count() == 1 and current.inner_text().strip() == text, (text, href)
        assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    _expect_login_page(page)
    assert page.locator("nav[aria-label=Menu]").count() == 0
    # Signed out for real: the home page now sends us back to sign in.
    page.goto("/")
    _expect_login_page(page)
    assert "next=/" in page.url, page.url


def test_wrong_password_shows_error_summary(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    page.goto(LOGIN_PATH)
    login(page, ACCOUNTS[0].username, password="not-the-password-at-all")
    _expect_login_page(page)
    summary = page.locator(".govuk-error-summary")
    assert summary.count() == 1
    assert summary.locator("h2").inner_text().strip() == "There is a problem"
    assert page.title().startswith("Sign in - Error"), page.title()
    assert_accessible(page)
