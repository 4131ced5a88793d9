"""Browser journeys: fixtures and helpers shared by every test under tests/e2e.

Chromium is the Debian package at /usr/bin/chromium, driven by Playwright's sync API; Playwright
never downloads a browser here. Without chromium the journeys are skipped, unless
DESIST_REQUIRE_BROWSER=1 (as in CI), when they fail instead.

Fixtures for later journeys:

- ``browser``: one chromium for the whole session.
- ``page``: a fresh browser context and page per test, pointed at the live server (so
  ``page.goto("/accounts/login/")`` works) and recording console errors, uncaught exceptions
  and Content-Security-Policy violations.
- ``seeded``: the demo organisations and accounts (``seed(volume=False)``) in the test database.
- ``login``: ``login(page, username, password=None)`` signs in through the real login form.
- ``assert_accessible``: ``assert_accessible(page)`` runs axe-core (WCAG 2.0, 2.1 and 2.2 A and
  AA) and fails on serious or critical violations, console errors, JS errors and CSP violations.

The site's Content-Security-Policy (script-src 'self') blocks the inline <script> that
``page.add_script_tag(path=...)`` creates, and turning CSP off with ``bypass_csp=True`` would
hide the very CSP violations these tests must catch. So axe-core is served at a same-origin
URL that Playwright answers itself (``context.route``; the request never reaches Django), and
``page.add_script_tag(url=...)`` loads it as an ordinary 'self' script with CSP still enforced.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an asyncio event loop in the test thread; without this Django
# refuses database access from the test ("You cannot call this from an async context").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

REPO_ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("DESIST_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Same-origin path the page fetches axe-core from; Playwright fulfils it from AXE_JS.
AXE_URL_PATH = "/__e2e__/axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}
# axe's landmark rules are "best practice" (moderate), so outside AXE_TAGS; they are run on
# their own and fail at any impact: all content in a landmark, each landmark named apart.
LANDMARK_RULES = [
    "region",
    "landmark-unique",
    "landmark-one-main",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-banner-is-top-level",
    "landmark-contentinfo-is-top-level",
    "landmark-main-is-top-level",
]
TIMEOUT_MS = 15_000


def _browser_required() -> bool:
    return os.environ.get("DESIST_REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes"}


def _unavailable(reason: str) -> None:
    if _browser_required():
        pytest.fail(f"{reason} (DESIST_REQUIRE_BROWSER=1, so this is a failure)", pytrace=False)
    pytest.skip(reason)


# --- marking -------------------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Everything under tests/e2e is an e2e test, so `-m "not e2e"` leaves it out."""
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


# --- browser and page ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - the dev requirements include playwright
        _unavailable(f"playwright is not installed: {exc}")
    if not AXE_JS.is_file():
        _unavailable(f"axe-core not found at {AXE_JS} (run npm ci)")
    pw = sync_playwright().start()
    try:
        chromium = pw.chromium.launch(
            executable_path=shutil.which(CHROMIUM) or CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
        )
    except Exception:
        pw.stop()
        raise
    try:
        yield chromium
    finally:
        chromium.close()
        pw.stop()


class PageProblems:
    """What went wrong in the browser since the last check: console errors and JS errors."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def take(self) -> list[str]:
        found, self.items = self.items, []
        return found


_PROBLEMS: dict[int, PageProblems] = {}


def page_problems(page: Any) -> PageProblems:
    return _PROBLEMS[id(page)]


def _watch(page: Any) -> PageProblems:
    problems = PageProblems()

    def on_console(msg: Any) -> None:
        if msg.type == "error":
            where = msg.location.get("url") or page.url
            problems.items.append(f"console error at {where}: {msg.text}")

    def on_pageerror(exc: Any) -> None:
        problems.items.append(f"uncaught JS error at {page.url}: {exc}")

    page.on("console", on_console)
    page.on("pageerror", on_pageerror)
    _PROBLEMS[id(page)] = problems
    return problems


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A fresh context (no cookies) and page per test, with CSP enforced."""
    axe_source = AXE_JS.read_bytes()
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    context.route(
        f"{live_server.url}{AXE_URL_PATH}",
        lambda route: route.fulfill(
            status=200, body=axe_source, content_type="application/javascript"
        ),
    )
    pg = context.new_page()
    problems = _watch(pg)
    try:
        yield pg
        # Anything the browser reported after the test's last check still fails the test.
        left = problems.take()
        if left:
            pytest.fail("Browser reported problems:\n" + "\n".join(left), pytrace=False)
    finally:
        _PROBLEMS.pop(id(pg), None)
        context.close()


# --- data ----------------------------------------------------------------------------------


@pytest.fixture
def seeded(transactional_db: Any) -> dict[str, int]:
    """The demo organisations, partnerships and accounts, committed so the live server sees them.

    Without the year of synthetic casework (``volume=False``): that takes too long to load
    before every test, and the database is flushed after each one.
    """
    from desist.demo.seed import seed

    return seed(volume=False)


# --- helpers -------------------------------------------------------------------------------


def assert_no_page_problems(page: Any) -> None:
    problems = page_problems(page).take()
    assert not problems, "Browser reported problems:\n" + "\n".join(problems)


def _format_violations(url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"axe-core found {len(violations)} violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v.get('helpUrl', '')})")
        for node in v.get("nodes", []):
            target = " ".join(str(t) for t in node.get("target", []))
            lines.append(f"    target: {target}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


def do_assert_accessible(page: Any) -> None:
    """axe-core with WCAG 2.0/2.1/2.2 A and AA; also fails on console, JS and CSP errors."""
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE_URL_PATH)
    results = page.evaluate(
        """async ([tags, rules]) => {
            const shape = r => r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, failureSummary: n.failureSummary})),
            }));
            const wcag = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            const landmarks = await axe.run(document, {runOnly: {type: 'rule', values: rules}});
            return [shape(wcag), shape(landmarks)];
        }""",
        [AXE_TAGS, LANDMARK_RULES],
    )
    bad = [v for v in results[0] if v.get("impact") in FAILING_IMPACTS] + results[1]
    problems = page_problems(page).take()
    message = []
    if bad:
        message.append(_format_violations(page.url, bad))
    if problems:
        message.append("Browser reported problems:\n" + "\n".join(problems))
    assert not message, "\n\n".join(message)


def do_login(page: Any, username: str, password: str | None = None) -> Any:
    """Sign in through the login form. Returns the response to the form post's final page."""
    from django.conf import settings

    if not page.url.endswith("/accounts/login/"):
        page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or settings.DESIST_DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    return page


@pytest.fixture
def assert_accessible() -> Callable[[Any], None]:
    return do_assert_accessible


@pytest.fixture
def login() -> Callable[..., Any]:
    """Overrides the root conftest's client login: here it signs in a browser page."""
    return do_login
