from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp

from desist.accounts.models import AuthenticatorDevice, Role, User
from desist.accounts.services import roles_sync, user_disable
from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode

R = RoleCode
PASSWORD = "correct-horse-battery-staple"
LOGIN = "/accounts/login/"


def _login(client: Any, username: str, password: str = PASSWORD) -> Any:
    return client.post(LOGIN, {"username": username, "password": password})


def test_login_page_has_the_agreed_fields(client: Any, db: Any) -> None:
    html = client.get(LOGIN).content.decode()
    assert 'name="username"' in html
    assert 'name="password"' in html


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_each_role_lands_on_its_home(
    client: Any, users: dict[RoleCode, Any], role: RoleCode
) -> None:
    response = _login(client, users[role].username)
    assert response.status_code == 302
    home = client.get(response["Location"])
    assert home.status_code == 200
    assert f"{role.label} home" in home.content.decode()


def test_wrong_password_gets_govuk_error(client: Any, users: dict[RoleCode, Any]) -> None:
    html = _login(client, users[R.POLICE_OFFICER].username, "wrong").content.decode()
    assert "There is a problem" in html
    assert "Enter a correct username and password" in html
    assert AuditEvent.objects.filter(
        verb="auth.login_failed", actor_username=users[R.POLICE_OFFICER].username
    ).exists()


def test_empty_form_names_each_field(client: Any, db: Any) -> None:
    html = client.post(LOGIN, {}).content.decode()
    assert "Enter your username" in html and "Enter your password" in html
    assert 'href="#id_username"' in html


@override_settings(AXES_FAILURE_LIMIT=3)
def test_lockout_after_repeated_failures(client: Any, users: dict[RoleCode, Any]) -> None:
    username = users[R.POLICE_OFFICER].username
    for _ in range(3):
        _login(client, username, "wrong")
    response = _login(client, username)  # right password, still locked
    assert response.status_code == 429
    assert "Your account is locked" in response.content.decode()
    assert AuditEvent.objects.filter(verb="auth.locked_out", actor_username=username).exists()


def test_disabling_ends_sessions_at_once(client: Any, users: dict[RoleCode, Any]) -> None:
    officer = users[R.POLICE_OFFICER]
    assert _login(client, officer.username).status_code == 302
    assert client.get("/").status_code == 200
    user_disable(actor=users[R.SYSTEM_ADMIN], user=officer, reason="Left the force")
    assert not Session.objects.filter(session_key=client.session.session_key).exists()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    # Signing in again fails with the usual message: it does not confirm the account exists.
    assert (
        "Enter a correct username and password" in _login(client, officer.username).content.decode()
    )
    event = AuditEvent.objects.get(verb="account.disable", object_id=str(officer.pk))
    assert event.justification == "Left the force"


def test_disable_through_the_page(client: Any, users: dict[RoleCode, Any]) -> None:
    admin, officer = users[R.SYSTEM_ADMIN], users[R.POLICE_OFFICER]
    client.force_login(admin)
    url = reverse("accounts:manage_detail", args=[officer.pk])
    assert (
        "Enter a reason"
        in client.post(url, {"reason": "", "version": officer.version}).content.decode()
    )
    officer.refresh_from_db()
    assert officer.is_active
    client.post(url, {"reason": "Suspended", "version": officer.version})
    officer.refresh_from_db()
    assert not officer.is_active


def test_stale_form_is_refused(client: Any, users: dict[RoleCode, Any]) -> None:
    admin, officer = users[R.SYSTEM_ADMIN], users[R.POLICE_OFFICER]
    client.force_login(admin)
    url = reverse("accounts:manage_detail", args=[officer.pk])
    html = client.post(
        url, {"reason": "Suspended", "version": officer.version - 1 + 5}
    ).content.decode()
    assert "Someone else changed this record" in html
    officer.refresh_from_db()
    assert officer.is_active


@override_settings(DESIST_IDLE_TIMEOUT_MINUTES=30)
def test_idle_timeout(client: Any, users: dict[RoleCode, Any]) -> None:
    client.force_login(users[R.POLICE_OFFICER])
    assert client.get("/").status_code == 200
    session = client.session
    session["desist_last_seen"] = time.time() - 31 * 60
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


@override_settings(DESIST_SESSION_MAX_HOURS=10)
def test_absolute_session_lifetime(client: Any, users: dict[RoleCode, Any]) -> None:
    client.force_login(users[R.POLICE_OFFICER])
    client.get("/")
    session = client.session
    session["desist_auth_at"] = time.time() - 11 * 3600
    session.save()
    assert client.get("/").status_code == 302


def test_logout_is_post_and_audited(client: Any, users: dict[RoleCode, Any]) -> None:
    officer = users[R.POLICE_OFFICER]
    _login(client, officer.username)
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(verb="auth.logout", actor_id=officer.pk).exists()


def test_password_rules_and_change(client: Any, users: dict[RoleCode, Any]) -> None:
    officer = users[R.POLICE_OFFICER]
    client.force_login(officer)
    url = reverse("accounts:password_change")
    html = client.post(
        url, {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"}
    ).content.decode()
    assert "This password is too short" in html
    new = "a-much-longer-passphrase-2026"
    response = client.post(
        url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(new)
    assert officer.password.startswith(("argon2", "md5"))  # md5 only in tests, for speed


def test_argon2_is_the_production_hasher() -> None:
    from config import settings as s

    assert "Argon2PasswordHasher" in s.PASSWORD_HASHERS[-1]


def test_roles_sync_matches_code(db: Any) -> None:
    Role.objects.create(code="obsolete", name="Obsolete")
    Role.objects.filter(code=R.PRACTITIONER).delete()
    roles_sync()
    assert set(Role.objects.values_list("code", flat=True)) == set(RoleCode.values)


# --- two-factor --------------------------------------------------------------------------


def _token(device: AuthenticatorDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@override_settings(DESIST_REQUIRE_2FA=True)
def test_two_factor_enrolment_then_verification(client: Any, users: dict[RoleCode, Any]) -> None:
    officer: User = users[R.POLICE_OFFICER]
    assert _login(client, officer.username).status_code == 302
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor_setup"))
    setup = client.get(response["Location"])
    assert "<svg" in setup.content.decode()  # the QR code, inline (no external image service)
    device = AuthenticatorDevice.objects.get(user=officer, confirmed=False)
    bad = client.post(reverse("accounts:two_factor_setup"), {"token": "000000"})
    assert "The code is not correct" in bad.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # a failed code makes the next try wait a second; skip the wait
    done = client.post(reverse("accounts:two_factor_setup"), {"token": _token(device)})
    assert "Save your recovery codes" in done.content.decode()
    codes = done.context["codes"]
    assert len(codes) == 10
    assert client.get("/").status_code == 200
    # Next sign-in asks for a code; a recovery code works once.
    client.post(reverse("accounts:logout"))
    _login(client, officer.username)
    response = client.get("/")
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert (
        client.post(reverse("accounts:two_factor_verify"), {"token": codes[0]}).status_code == 302
    )
    assert client.get("/").status_code == 200
    client.post(reverse("accounts:logout"))
    _login(client, officer.username)
    reused = client.post(reverse("accounts:two_factor_verify"), {"token": codes[0]})
    assert "The code is not correct" in reused.content.decode()


@override_settings(DESIST_REQUIRE_2FA=True)
def test_unverified_user_cannot_reach_pages(client: Any, users: dict[RoleCode, Any]) -> None:
    client.force_login(users[R.OVERSEER])
    for path in ("/", reverse("audit:list"), reverse("audit:export")):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/accounts/two-factor/" in response["Location"]
