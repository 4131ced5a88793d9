"""Two-factor authentication as production runs it: enrol, sign out, sign in with a code, then
replace the app after typing the password again. Every page is checked with axe-core."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings as django_settings
from django_otp.oath import totp

from desist.accounts import services
from desist.accounts.models import AuthenticatorDevice, User
from desist.demo.seed import ACCOUNTS

pytestmark = pytest.mark.e2e


def _code(device: AuthenticatorDevice, steps_ahead: int = 0) -> str:
    # A code the app would show now, or a step later (a code already used is refused).
    t0 = device.t0 - steps_ahead * device.step
    return f"{totp(device.bin_key, device.step, t0, device.digits, device.drift):06d}"


def _heading(page: Any) -> str:
    return str(page.locator("main h1").first.inner_text().strip())


def test_enrol_sign_in_and_replace(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
    settings: Any,
) -> None:
    settings.DESIST_REQUIRE_2FA = True
    username = ACCOUNTS[0].username

    # First sign-in: straight to setting up an app.
    login(page, username)
    assert "/accounts/two-factor/setup/" in page.url, page.url
    assert _heading(page) == "Set up two-factor authentication"
    assert_accessible(page)
    device = AuthenticatorDevice.objects.get(user__username=username, confirmed=False)
    page.fill("input[name=token]", _code(device))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert _heading(page) == "Two-factor authentication is set up"
    assert page.locator("ul[aria-label='Recovery codes'] li").count() == 10
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="I have saved my codes, continue").click()
    assert _heading(page).endswith(" home")

    # Sign out and in again: the code is asked for.
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    login(page, username)
    assert "/accounts/two-factor/verify/" in page.url, page.url
    assert_accessible(page)
    page.fill("input[name=token]", "000000")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert page.locator(".govuk-error-summary").count() == 1
    assert_accessible(page)
    device.refresh_from_db()
    device.throttle_reset()  # skip the one-second back-off the wrong code earned
    page.fill("input[name=token]", _code(device, steps_ahead=1))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert _heading(page).endswith(" home")

    # Replace the app: the two-factor page, the password again, the new app's code.
    with page.expect_navigation():
        page.get_by_role("link", name="Two-factor authentication").click()
    assert _heading(page) == "Two-factor authentication"
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Replace authenticator app").click()
    assert _heading(page) == "Confirm your password"
    assert_accessible(page)
    page.fill("input[name=password]", django_settings.DESIST_DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert _heading(page) == "Replace your authenticator app"
    assert_accessible(page)
    new_device = AuthenticatorDevice.objects.get(user__username=username, confirmed=False)
    assert AuthenticatorDevice.objects.filter(pk=device.pk, confirmed=True).exists()
    page.fill("input[name=token]", _code(new_device))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert _heading(page) == "Your authenticator app has been replaced"
    assert_accessible(page)
    assert not AuthenticatorDevice.objects.filter(pk=device.pk).exists()
    with page.expect_navigation():
        page.get_by_role("link", name="I have saved my codes, continue").click()
    assert _heading(page) == "Two-factor authentication"


def test_administrator_resets_a_lost_authenticator(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    admin = next(a for a in ACCOUNTS if a.username == "admin")
    colleague = (
        User.objects.filter(organisation__code=admin.organisation)
        .exclude(username=admin.username)
        .first()
    )
    assert colleague is not None
    device = services.totp_device_start(actor=colleague, proof=services.SessionProof(False))
    services.totp_device_confirm(
        actor=colleague, device=device, token=_code(device), proof=services.SessionProof(False)
    )
    login(page, admin.username)
    page.goto(f"/accounts/manage/{colleague.pk}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Reset two-factor authentication").click()
    assert _heading(page) == "Confirm your password"
    page.fill("input[name=password]", django_settings.DESIST_DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert _heading(page) == "Reset two-factor authentication"
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Reset two-factor authentication").click()
    assert page.locator(".govuk-error-summary").count() == 1
    assert_accessible(page)
    page.fill("textarea[name=reason]", "Phone lost; called back on the desk number")
    with page.expect_navigation():
        page.get_by_role("button", name="Reset two-factor authentication").click()
    assert _heading(page) == colleague.username
    assert "has been reset" in page.locator("main").inner_text()
    assert "Not set up" in page.locator("main").inner_text()
    assert_accessible(page)
