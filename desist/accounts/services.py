"""Writes for accounts: role sync, user creation, disabling, two-factor enrolment."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import user_logged_in, user_logged_out, user_login_failed
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from desist import policy
from desist.accounts.models import Role, User, UserSession
from desist.accounts.roles import ROLE_ORGANISATION_KINDS, RoleCode
from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.core.models import Organisation

RECOVERY_CODE_COUNT = 10


def roles_sync() -> int:
    """Make the Role table match RoleCode exactly. Returns the number of rows changed."""
    changed = 0
    for code in RoleCode:
        _, created = Role.objects.update_or_create(code=code.value, defaults={"name": code.label})
        changed += int(created)
    stale = Role.objects.exclude(code__in=RoleCode.values)
    changed += stale.count()
    stale.delete()
    return changed


def roles_sync_after_migrate(**kwargs: Any) -> None:
    roles_sync()


def user_create(
    *,
    actor: Any,
    username: str,
    organisation: Organisation,
    roles: Iterable[RoleCode],
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    is_demo: bool = False,
) -> User:
    roles = list(roles)
    for role in roles:
        if organisation.kind not in ROLE_ORGANISATION_KINDS[role]:
            raise ValidationError(
                f"A {role.label.lower()} cannot belong to a {organisation.get_kind_display().lower()}"
            )
    with transaction.atomic():
        user = User(
            username=username,
            organisation=organisation,
            first_name=first_name,
            last_name=last_name,
            email=email,
            is_demo=is_demo,
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        user.roles.set(Role.objects.filter(code__in=[r.value for r in roles]))
        audit_record(
            actor=actor,
            category=Category.COLLECTION,
            verb="account.create",
            obj=user,
            new={
                "username": username,
                "organisation": organisation.code,
                "roles": sorted(r.value for r in roles),
            },
        )
    return user


def _end_sessions(user: User) -> int:
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


def user_disable(*, actor: Any, user: User, reason: str) -> User:
    """Disable an account at once: it cannot log in and every open session ends."""
    policy.require(actor, policy.Perm.ACCOUNTS_MANAGE, user)
    if not reason.strip():
        raise ValidationError("Enter a reason for disabling the account")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_active:
            return locked
        locked.is_active = False
        locked.disabled_at = timezone.now()
        locked.version += 1
        locked.save(update_fields=["is_active", "disabled_at", "version"])
        ended = _end_sessions(locked)
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb="account.disable",
            obj=locked,
            justification=reason.strip(),
            old={"is_active": True},
            new={"is_active": False, "sessions_ended": ended},
        )
    return locked


def user_enable(*, actor: Any, user: User, reason: str) -> User:
    policy.require(actor, policy.Perm.ACCOUNTS_MANAGE, user)
    if not reason.strip():
        raise ValidationError("Enter a reason for enabling the account")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active:
            return locked
        locked.is_active = True
        locked.disabled_at = None
        locked.version += 1
        locked.save(update_fields=["is_active", "disabled_at", "version"])
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb="account.enable",
            obj=locked,
            justification=reason.strip(),
            old={"is_active": False},
            new={"is_active": True},
        )
    return locked


def user_change_password(*, actor: User, new_password: str) -> None:
    with transaction.atomic():
        actor.set_password(new_password)
        actor.save(update_fields=["password"])
        audit_record(
            actor=actor, category=Category.SECURITY, verb="account.password_change", obj=actor
        )


# --- two-factor -------------------------------------------------------------------------


def totp_device_start(*, actor: User) -> TOTPDevice:
    """An unconfirmed device to enrol; replaces any earlier unconfirmed one."""
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    return TOTPDevice.objects.create(user=actor, name="Authenticator app", confirmed=False)


def totp_device_confirm(*, actor: User, device: TOTPDevice, token: str) -> list[str]:
    """Confirm enrolment with a first code; return new single-use recovery codes."""
    if device.user_id != actor.pk or device.confirmed:
        raise ValidationError("This set-up has expired. Start again")
    if not device.verify_token(token.replace(" ", "")):
        raise ValidationError("The code is not correct. Enter the 6-digit code from your app")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_regenerate(actor=actor)
        audit_record(actor=actor, category=Category.SECURITY, verb="account.2fa_enrol", obj=actor)
    return codes


def recovery_codes_regenerate(*, actor: User) -> list[str]:
    StaticDevice.objects.filter(user=actor).delete()
    device = StaticDevice.objects.create(user=actor, name="Recovery codes", confirmed=True)
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


# --- authentication events into the audit trail ------------------------------------------


def _on_login(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    # django.contrib.auth.login() has already cycled the key; make sure it is saved.
    if request.session.session_key is None:
        request.session.save()
    UserSession.objects.get_or_create(user=user, session_key=request.session.session_key)
    request.session["desist_auth_at"] = timezone.now().timestamp()
    audit_record(actor=user, category=Category.SECURITY, verb="auth.login", obj=user)


def _on_logout(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is None:
        return
    if request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()
    audit_record(actor=user, category=Category.SECURITY, verb="auth.logout", obj=user)


def _on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any
) -> None:
    audit_record(
        actor=None,
        actor_username=str(credentials.get("username", ""))[:150],
        category=Category.SECURITY,
        verb="auth.login_failed",
    )


def _on_locked_out(sender: Any, request: Any = None, username: str = "", **kw: Any) -> None:
    audit_record(
        actor=None,
        actor_username=str(username or "")[:150],
        category=Category.SECURITY,
        verb="auth.locked_out",
    )


def connect_auth_audit() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(_on_locked_out, dispatch_uid="desist_locked_out")
    user_logged_in.connect(_on_login, dispatch_uid="desist_login")
    user_logged_out.connect(_on_logout, dispatch_uid="desist_logout")
    user_login_failed.connect(_on_login_failed, dispatch_uid="desist_login_failed")
