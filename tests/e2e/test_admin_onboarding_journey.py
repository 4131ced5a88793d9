"""The administrator's journey on a fresh production-mode database (issue 16), axe on each
page: the first administrator (made by `desist create_first_admin`) creates an organisation,
invites a practitioner by real e-mail, the practitioner sets a password and enrols TOTP, and a
leaver is disabled and loses their session on their next request."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command

from desist.accounts.models import AuthenticatorDevice, User
from desist.sharing.tests.test_mail_fault import Inbox, free_port
from tests.e2e.test_two_factor_journey import _code, _heading

pytestmark = pytest.mark.e2e
PASSWORD = "first admin passphrase 2026"


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


def _submit(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def _enrol(page: Any, username: str, assert_accessible: Callable[[Any], None]) -> None:
    assert _heading(page) == "Set up two-factor authentication", page.url
    assert_accessible(page)
    device = AuthenticatorDevice.objects.get(user__username=username, confirmed=False)
    page.fill("input[name=token]", _code(device))
    _submit(page, "Continue")
    assert _heading(page) == "Two-factor authentication is set up"
    with page.expect_navigation():
        page.get_by_role("link", name="I have saved my codes, continue").click()


def test_first_admin_onboards_a_practitioner_and_disables_a_leaver(
    page: Any,
    browser: Any,
    live_server: Any,
    transactional_db: Any,
    smtp: Inbox,
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
    settings: Any,
    monkeypatch: Any,
) -> None:
    settings.DESIST_REQUIRE_2FA = True
    settings.DESIST_BASE_URL = live_server.url  # links in e-mails point where the service is
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    call_command(
        "create_first_admin",
        username="admin",
        email="admin@example.org",
        first_name="Alex",
        last_name="Morgan",
        organisation="Pilot oversight",
        password_stdin=True,
    )
    login(page, "admin", PASSWORD)
    _enrol(page, "admin", assert_accessible)

    # An organisation.
    page.goto("/accounts/organisations/")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Add an organisation").click()
    _submit(page, "Add organisation")
    assert page.locator(".govuk-error-summary").count() == 1
    assert_accessible(page)
    page.fill("input[name=name]", "Weald Intervention Service")
    page.get_by_label("Intervention provider").check()
    page.fill("textarea[name=reason]", "Provider joins the pilot")
    _submit(page, "Add organisation")
    assert "Weald Intervention Service has been created" in page.locator("main").inner_text()

    # Its single sign-on: refused without the essentials, then saved (the secret stays in the
    # server's environment; only the variable's name is entered).
    with page.expect_navigation():
        page.get_by_role("link", name="Weald Intervention Service").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Single sign-on settings").click()
    assert _heading(page) == "Single sign-on"
    assert_accessible(page)
    _submit(page, "Save settings")
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter the issuer address" in summary and "Enter a reason" in summary
    assert_accessible(page)
    page.fill("input[name=issuer]", "https://login.microsoftonline.com/weald-tenant/v2.0")
    page.fill("input[name=client_id]", "desist-weald")
    page.fill("input[name=client_secret_env]", "DESIST_OIDC_SECRET_WEALD")
    page.fill("textarea[name=reason]", "Weald staff sign in with their own accounts")
    _submit(page, "Save settings")
    assert "have been saved" in page.locator("main").inner_text()
    assert "DESIST_OIDC_SECRET_WEALD" in page.locator("main").inner_text()
    assert_accessible(page)

    # A practitioner, invited by e-mail.
    page.goto("/accounts/manage/")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Invite a person").click()
    assert_accessible(page)
    # First the organisation: the line manager list then offers only its staff.
    _submit(page, "Continue")
    assert (
        "Choose the organisation the person is joining"
        in page.locator(".govuk-error-summary").inner_text()
    )
    assert_accessible(page)
    page.select_option("select[name=organisation]", label="Weald Intervention Service")
    _submit(page, "Continue")
    assert_accessible(page)
    page.fill("input[name=first_name]", "Robin")
    page.fill("input[name=last_name]", "Ashdown")
    page.fill("input[name=email]", "robin.ashdown@example.org")
    page.fill("input[name=username]", "robin.ashdown")
    page.get_by_label("Practitioner", exact=True).check()
    page.fill("textarea[name=reason]", "New practitioner")
    _submit(page, "Send invitation")
    assert "Invitation sent to robin.ashdown@example.org" in page.locator("main").inner_text()
    assert_accessible(page)

    # The practitioner, in their own browser, follows the e-mailed link.
    body = smtp.envelopes[-1].content.decode()
    link = re.search(r"http://\S+/accounts/invite/\S+/", body)
    assert link, body
    # pytest loads conftest as its own module: use that instance, whose registry axe reads.
    e2e = sys.modules[assert_accessible.__module__]
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    axe = e2e.AXE_JS.read_bytes()
    context.route(
        f"{live_server.url}{e2e.AXE_URL_PATH}",
        lambda route: route.fulfill(status=200, body=axe, content_type="application/javascript"),
    )
    theirs = context.new_page()
    e2e._watch(theirs)  # so axe and the console checks work on the practitioner's page too
    try:
        theirs.goto(link.group(0))
        assert _heading(theirs) == "Set your password"
        assert_accessible(theirs)
        theirs.fill("input[name=password1]", "robin's own passphrase 77")
        theirs.fill("input[name=password2]", "robin's own passphrase 77")
        _submit(theirs, "Set password")
        _enrol(theirs, "robin.ashdown", assert_accessible)
        assert _heading(theirs).endswith(" home")

        # The leaver: disabled by the administrator, signed out at their next request.
        robin = User.objects.get(username="robin.ashdown")
        page.goto(f"/accounts/manage/{robin.pk}/")
        assert_accessible(page)
        page.fill("textarea[name=reason]", "Left the service")
        _submit(page, "Disable account")
        assert "has been disabled and signed out" in page.locator("main").inner_text()
        theirs.reload()
        assert "/accounts/login/" in theirs.url
        assert_accessible(theirs)
    finally:
        e2e._PROBLEMS.pop(id(theirs), None)
        context.close()
