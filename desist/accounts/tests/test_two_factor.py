"""Two-factor authentication (issue 12): a password alone never replaces a second factor."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp

from desist.accounts import services
from desist.accounts.models import (
    AuthenticatorDevice,
    RecoveryCode,
    User,
    recovery_code_hashes,
)
from desist.accounts.services import SessionProof
from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode

R = RoleCode
PASSWORD = "correct-horse-battery-staple"
LOGIN = "/accounts/login/"
SETUP = "/accounts/two-factor/setup/"
VERIFY = "/accounts/two-factor/verify/"
MANAGE = "/accounts/two-factor/"
CONFIRM = "/accounts/two-factor/confirm-password/"
NO_PROOF = SessionProof(otp_verified=False)


def _hashed(codes: list[str]) -> list[str]:
    """Recovery codes as stored: only their keyed hashes."""
    return [recovery_code_hashes(c)[0] for c in codes]


def _token(device: AuthenticatorDevice, *, offset: int = 0) -> str:
    t0 = device.t0 - offset * device.step
    return f"{totp(device.bin_key, device.step, t0, device.digits, device.drift):06d}"


def _enrol(user: User) -> tuple[AuthenticatorDevice, list[str]]:
    """A confirmed authenticator and recovery codes, through the real services."""
    device = services.totp_device_start(actor=user, proof=NO_PROOF)
    codes = services.totp_device_confirm(
        actor=user, device=device, token=_token(device), proof=NO_PROOF
    )
    device.refresh_from_db()
    return device, codes


def _login(client: Any, user: User) -> Any:
    return client.post(LOGIN, {"username": user.username, "password": PASSWORD})


def _with_email(user: User, address: str) -> User:
    User.objects.filter(pk=user.pk).update(email=address)
    user.refresh_from_db()
    return user


# --- the takeover, step by step ----------------------------------------------------------


@override_settings(DESIST_REQUIRE_2FA=True)
def test_password_alone_cannot_replace_the_second_factor(
    client: Any, users: dict[RoleCode, Any], django_capture_on_commit_callbacks: Any
) -> None:
    owner: User = users[R.POLICE_OFFICER]
    owner_device, owner_codes = _enrol(owner)
    # A set-up the owner once started and abandoned: an attacker must not be able to finish it.
    abandoned = AuthenticatorDevice.objects.create(user=owner, name="Abandoned", confirmed=False)
    mail.outbox.clear()

    # 1. The attacker signs in with the password alone.
    assert _login(client, owner).status_code == 302
    # 2. Every page but the code check sends them to the code check, the two-factor pages too.
    for path in ("/", MANAGE, CONFIRM, SETUP, f"{SETUP}?next=/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(VERIFY), (path, response["Location"])
    assert not AuthenticatorDevice.objects.filter(user=owner, confirmed=False).exclude(
        pk=abandoned.pk
    )
    # 3. Posting the password to the confirm step does not count as confirming it.
    response = client.post(CONFIRM, {"password": PASSWORD})
    assert response["Location"].startswith(VERIFY)
    assert "desist_password_confirmed_at" not in client.session
    # 4. Posting a set-up of their own is refused, and so is confirming the abandoned one.
    session = client.session
    session["desist_pending_totp"] = abandoned.pk
    session.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SETUP, {"token": _token(abandoned)})
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    abandoned.refresh_from_db()
    assert not abandoned.confirmed
    # The owner's app and recovery codes still work; nothing was announced because nothing
    # changed.
    assert AuthenticatorDevice.objects.filter(pk=owner_device.pk, confirmed=True).exists()
    assert RecoveryCode.objects.filter(device__user=owner).count() == len(owner_codes)
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(verb__in=["account.2fa_enrol", "account.2fa_replace"])[
        1:
    ].exists()
    # 5. Case data stays out of reach.
    assert client.get("/").status_code == 302


@override_settings(DESIST_REQUIRE_2FA=False)
def test_the_services_refuse_even_without_the_middleware(
    client: Any, users: dict[RoleCode, Any]
) -> None:
    """The second line: the set-up page and the services check the session themselves."""
    owner: User = users[R.POLICE_OFFICER]
    device, _ = _enrol(owner)
    client.force_login(owner)
    response = client.get(SETUP)
    assert response["Location"].startswith(VERIFY)
    assert not AuthenticatorDevice.objects.filter(user=owner, confirmed=False).exists()
    with pytest.raises(PermissionDenied):
        services.totp_device_start(actor=owner, proof=NO_PROOF)
    verified_only = SessionProof(otp_verified=True, password_confirmed_at=None)
    with pytest.raises(services.PasswordConfirmationRequired):
        services.totp_device_start(actor=owner, proof=verified_only)
    stale = SessionProof(otp_verified=True, password_confirmed_at=time.time() - 6 * 60)
    with pytest.raises(services.PasswordConfirmationRequired):
        services.totp_device_start(actor=owner, proof=stale)
    pending = AuthenticatorDevice.objects.create(user=owner, name="Pending", confirmed=False)
    for proof in (NO_PROOF, verified_only, stale):
        with pytest.raises(PermissionDenied):
            services.totp_device_confirm(
                actor=owner, device=pending, token=_token(pending), proof=proof
            )
    assert list(AuthenticatorDevice.objects.filter(user=owner, confirmed=True)) == [device]


# --- replacing, with a verified session and the password typed again ------------------------


def _verify(client: Any, device: AuthenticatorDevice) -> None:
    # The current code was spent enrolling (no replay); the app's next one is accepted.
    response = client.post(VERIFY, {"token": _token(device, offset=1)})
    assert response.status_code == 302, response.content.decode()


@override_settings(DESIST_REQUIRE_2FA=True)
def test_replacing_the_app_needs_the_password_and_keeps_the_old_one_until_confirmed(
    client: Any,
    users: dict[RoleCode, Any],
    make_user: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    owner = _with_email(users[R.POLICE_OFFICER], "officer@example.test")
    admin = _with_email(users[R.SYSTEM_ADMIN], "admin@example.test")
    assert admin.organisation_id == owner.organisation_id
    old_device, old_codes = _enrol(owner)
    mail.outbox.clear()
    _login(client, owner)
    _verify(client, old_device)

    response = client.get(SETUP)
    assert response["Location"].startswith(CONFIRM)
    wrong = client.post(CONFIRM, {"password": "not-my-password", "next": SETUP})
    assert "Your password is not correct" in wrong.content.decode()
    response = client.post(CONFIRM, {"password": PASSWORD, "next": SETUP})
    assert response.status_code == 302 and response["Location"] == SETUP
    assert AuditEvent.objects.filter(verb="auth.password_confirm", actor_id=owner.pk).exists()

    page = client.get(SETUP).content.decode()
    assert "Replace your authenticator app" in page
    new_device = AuthenticatorDevice.objects.get(user=owner, confirmed=False)
    # Until the new app is confirmed, the old one and its recovery codes still stand.
    bad = client.post(SETUP, {"token": "000000"})
    assert "The code is not correct" in bad.content.decode()
    assert AuthenticatorDevice.objects.filter(pk=old_device.pk, confirmed=True).exists()
    assert RecoveryCode.objects.filter(code_hash__in=_hashed([old_codes[0]])).exists()

    new_device.refresh_from_db()
    new_device.throttle_reset()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(SETUP, {"token": _token(new_device)})
    assert "Your authenticator app has been replaced" in done.content.decode()
    new_codes = done.context["codes"]
    assert not AuthenticatorDevice.objects.filter(pk=old_device.pk).exists()
    assert AuthenticatorDevice.objects.get(user=owner, confirmed=True).pk == new_device.pk
    assert not RecoveryCode.objects.filter(code_hash__in=_hashed(old_codes)).exists()
    assert RecoveryCode.objects.filter(code_hash__in=_hashed(new_codes)).count() == len(new_codes)
    event = AuditEvent.objects.get(verb="account.2fa_replace", actor_id=owner.pk)
    assert set(event.recipients) == {owner.email, admin.email}
    # The password confirmation is spent: a second change needs it again.
    assert client.get(SETUP)["Location"].startswith(CONFIRM)

    by_recipient = {tuple(m.to): m for m in mail.outbox}
    assert set(by_recipient) == {(owner.email,), (admin.email,)}
    to_owner, to_admin = by_recipient[(owner.email,)], by_recipient[(admin.email,)]
    assert to_owner.subject == "Your Desist authenticator app was replaced"
    assert owner.username in to_owner.body and "If this was not you" in to_owner.body
    assert owner.username in to_admin.subject and "disable the account" in to_admin.body
    secret = new_device.key.upper()
    for message in mail.outbox:
        text = message.subject + message.body
        assert not any(code in text for code in new_codes + old_codes)
        assert new_device.key not in text and secret not in text
        assert _token(new_device) not in text


@override_settings(DESIST_REQUIRE_2FA=True, DESIST_REAUTH_MINUTES=5)
def test_a_password_confirmation_lasts_only_minutes(
    client: Any, users: dict[RoleCode, Any]
) -> None:
    owner = users[R.POLICE_OFFICER]
    device, _ = _enrol(owner)
    _login(client, owner)
    _verify(client, device)
    session = client.session
    session["desist_password_confirmed_at"] = time.time() - 4 * 60
    session.save()
    assert client.get(SETUP).status_code == 200
    session = client.session
    session["desist_password_confirmed_at"] = time.time() - 6 * 60
    session.save()
    assert client.get(SETUP)["Location"].startswith(CONFIRM)


@override_settings(DESIST_REQUIRE_2FA=True)
def test_first_enrolment_is_announced_to_the_person_and_their_administrators(
    client: Any,
    users: dict[RoleCode, Any],
    make_user: Any,
    orgs: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    owner = _with_email(users[R.POLICE_OFFICER], "new.officer@example.test")
    admin = _with_email(users[R.SYSTEM_ADMIN], "admin@example.test")
    other_admin = make_user(R.SYSTEM_ADMIN, organisation=orgs["other_police_force"])
    _with_email(other_admin, "other-admin@example.test")
    _login(client, owner)
    assert client.get("/")["Location"].startswith(SETUP)
    client.get(SETUP)
    device = AuthenticatorDevice.objects.get(user=owner, confirmed=False)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(SETUP, {"token": _token(device)})
    assert "Two-factor authentication is set up" in done.content.decode()
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([owner.email, admin.email])
    subjects = {m.subject for m in mail.outbox}
    assert "Two-factor authentication was set up on your Desist account" in subjects
    for message in mail.outbox:
        assert device.key not in message.body
        assert not any(code in message.body for code in done.context["codes"])
    event = AuditEvent.objects.get(verb="account.2fa_enrol", actor_id=owner.pk)
    assert sorted(event.recipients) == recipients


# --- failed codes: audited, throttled ------------------------------------------------------


@override_settings(DESIST_REQUIRE_2FA=True)
def test_failed_codes_are_audited_and_throttled(client: Any, users: dict[RoleCode, Any]) -> None:
    owner = users[R.POLICE_OFFICER]
    device, codes = _enrol(owner)
    _login(client, owner)
    first = client.post(VERIFY, {"token": "123456"}, REMOTE_ADDR="203.0.113.9")
    assert "The code is not correct" in first.content.decode()
    failed = AuditEvent.objects.filter(verb="auth.2fa_failed", actor_id=owner.pk)
    assert failed.count() == 1
    row = failed.get()
    assert row.new_values == {"method": "totp", "stage": "sign_in"}
    assert row.client_address == "203.0.113.9"
    # At once again: django-otp's back-off holds it, and says how long to wait.
    again = client.post(VERIFY, {"token": _token(device)}).content.decode()
    assert "Too many attempts. Wait 1 minute and try again" in again
    assert AuditEvent.objects.filter(verb="auth.2fa_throttled", actor_id=owner.pk).exists()
    # Recovery codes are held back too while the app's code is throttled.
    held = client.post(VERIFY, {"token": codes[0]}).content.decode()
    assert "Too many attempts" in held
    assert RecoveryCode.objects.filter(code_hash__in=_hashed([codes[0]])).exists()
    # After eight failures the wait is 128 seconds: "3 minutes".
    AuthenticatorDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=8, throttling_failure_timestamp=timezone.now()
    )
    assert "Wait 3 minutes" in client.post(VERIFY, {"token": "1"}).content.decode()
    # A wrong recovery code, once the wait is over, is audited as such.
    AuthenticatorDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(hours=1)
    )
    client.post(VERIFY, {"token": "abcdef12-345678"})
    assert failed.filter(new_values__method="recovery_code").count() == 1
    # No code, right or wrong, ever reaches the audit table.
    dumped = json.dumps(list(AuditEvent.objects.filter(actor_id=owner.pk).values()), default=str)
    for secret in ("123456", "abcdef12-345678", codes[0], _token(device), device.key):
        assert secret not in dumped


@override_settings(DESIST_REQUIRE_2FA=True)
def test_a_failed_code_while_enrolling_is_audited(client: Any, users: dict[RoleCode, Any]) -> None:
    owner = users[R.POLICE_OFFICER]
    _login(client, owner)
    client.get(SETUP)
    client.post(SETUP, {"token": "000000"})
    assert AuditEvent.objects.filter(
        verb="auth.2fa_failed", actor_id=owner.pk, new_values__stage="enrol"
    ).exists()
    throttled = client.post(SETUP, {"token": "000000"}).content.decode()
    assert "Too many attempts. Wait 1 minute and try again" in throttled


# --- an administrator's reset for a lost phone -------------------------------------------


def _confirm_password(client: Any) -> None:
    session = client.session
    session["desist_password_confirmed_at"] = time.time()
    session.save()


def test_administrator_reset_is_audited_announced_and_ends_sessions(
    client: Any,
    users: dict[RoleCode, Any],
    make_user: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.test import Client

    admin = _with_email(users[R.SYSTEM_ADMIN], "admin@example.test")
    owner = _with_email(users[R.POLICE_OFFICER], "officer@example.test")
    _enrol(owner)
    owner_client = Client()
    _login(owner_client, owner)
    mail.outbox.clear()
    client.force_login(admin)
    url = reverse("accounts:manage_two_factor_reset", args=[owner.pk])
    detail = client.get(reverse("accounts:manage_detail", args=[owner.pk])).content.decode()
    assert url in detail
    # The administrator types their own password first.
    assert client.get(url)["Location"].startswith(CONFIRM)
    _confirm_password(client)
    assert "Enter a reason" in client.post(url, {"reason": " "}).content.decode()
    assert services.has_second_factor(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "Phone lost; called back on the desk number"})
    assert response.status_code == 302
    assert not services.has_second_factor(owner)
    assert not RecoveryCode.objects.filter(device__user=owner).exists()
    assert owner_client.get("/")["Location"].startswith(LOGIN)  # signed out everywhere
    event = AuditEvent.objects.get(verb="account.2fa_reset", object_id=str(owner.pk))
    assert event.actor_id == admin.pk
    assert event.justification == "Phone lost; called back on the desk number"
    assert event.new_values["sessions_ended"] == 1
    # The person, and the administrators (here only the one who acted, as a receipt).
    assert sorted(m.to[0] for m in mail.outbox) == [admin.email, owner.email]
    assert all(admin.display_name() in m.body for m in mail.outbox)


def test_reset_rule(users: dict[RoleCode, Any], make_user: Any, orgs: Any) -> None:
    admin, owner = users[R.SYSTEM_ADMIN], users[R.POLICE_OFFICER]
    _enrol(owner)
    outsider = make_user(R.ORGANISATION_ADMIN, organisation=orgs["other_police_force"])
    for actor, target in (
        (admin, admin),  # never oneself
        (outsider, owner),  # an organisation administrator: never another organisation
        (users[R.POLICE_SUPERVISOR], owner),  # only administrators
    ):
        with pytest.raises(PermissionDenied):
            services.two_factor_reset(actor=actor, user=target, reason="Lost")
    assert services.has_second_factor(owner)
    assert not AuditEvent.objects.filter(verb="account.2fa_reset").exists()


def test_a_system_administrator_resets_for_an_organisation_without_its_own_administrator(
    client: Any, users: dict[RoleCode, Any], make_user: Any, orgs: Any
) -> None:
    """A new organisation has no organisation administrator: a lost phone there is recovered
    by a system administrator of another organisation, with a reason, audited."""
    from desist.core.models import Organisation, OrganisationKind

    admin = users[R.SYSTEM_ADMIN]
    new_org = Organisation.objects.create(
        code="new-ip", name="New Intervention Provider", kind=OrganisationKind.PROVIDER
    )
    owner = make_user(R.PRACTITIONER, organisation=new_org)
    assert owner.organisation_id != admin.organisation_id
    _enrol(owner)
    client.force_login(admin)
    url = reverse("accounts:manage_two_factor_reset", args=[owner.pk])
    assert url in client.get(reverse("accounts:manage_detail", args=[owner.pk])).content.decode()
    _confirm_password(client)
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "Phone lost; identity checked by video call"})
    assert response.status_code == 302
    assert not services.has_second_factor(owner)
    event = AuditEvent.objects.get(verb="account.2fa_reset", object_id=str(owner.pk))
    assert (event.actor_id, event.justification) == (
        admin.pk,
        "Phone lost; identity checked by video call",
    )
