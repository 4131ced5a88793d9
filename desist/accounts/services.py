"""Writes for accounts: role sync, user creation, disabling, two-factor enrolment."""

from __future__ import annotations

import datetime as dt
import math
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import user_logged_in, user_logged_out, user_login_failed
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user

from desist import policy
from desist.accounts import leavers, limits, notifications
from desist.accounts.models import (
    AuthenticatorDevice,
    RecoveryCodeDevice,
    Role,
    User,
    UserSession,
)
from desist.accounts.sso_models import IdentityProviderDevice
from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.core import context
from desist.core.models import Organisation
from desist.core.roles import ROLE_ORGANISATION_KINDS, RoleCode, role_misfit_message

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
    actor: User | None,
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
            raise ValidationError(role_misfit_message(role, organisation.get_kind_display()))
    email = email.strip()
    # Password reset and single sign-on find a person by e-mail: one address, one account
    # (the database's unique index on the lower-cased address backs this up).
    if email and User.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            {"email": ["There is already an account with this email address"]},
            code="email_taken",
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


def end_sessions(user: User) -> int:
    """End every session of this person (for a reset password); returns how many."""
    return _end_sessions(user)


def user_disable(*, actor: User, user: User, reason: str) -> User:
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
        leavers.hand_over(actor, locked, reason.strip())  # their open work, to a manager
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


def user_enable(*, actor: User, user: User, reason: str) -> User:
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
#
# Who may change a second factor (issue 12): a person with none may enrol a first one (that is
# how new accounts start; it is announced by e-mail). A person who has one may add or replace
# it only from a session verified with a second factor AND with the password re-entered in the
# last few minutes. The old device is deleted only when the new one is confirmed with a code.
# A lost phone is an administrator's audited reset.


@dataclass(frozen=True)
class SessionProof:
    """What the current session has proved: a second factor, and when the password was last
    typed (epoch seconds)."""

    otp_verified: bool
    password_confirmed_at: float | None = None

    def password_is_recent(self) -> bool:
        if self.password_confirmed_at is None:
            return False
        age = time.time() - self.password_confirmed_at
        return 0 <= age <= settings.DESIST_REAUTH_MINUTES * 60


class PasswordConfirmationRequired(PermissionDenied):
    """The session is verified but the password must be typed again first."""


class TwoFactorThrottled(Exception):
    def __init__(self, locked_until: dt.datetime) -> None:
        seconds = max(0.0, (locked_until - timezone.now()).total_seconds())
        self.minutes = max(1, math.ceil(seconds / 60))
        unit = "minute" if self.minutes == 1 else "minutes"
        super().__init__(f"Too many attempts. Wait {self.minutes} {unit} and try again")


def password_confirm_record(*, actor: User) -> None:
    """The person typed their password again (before changing how they sign in)."""
    audit_record(actor=actor, category=Category.SECURITY, verb="auth.password_confirm", obj=actor)


def has_second_factor(user: User) -> bool:
    """A second factor of Desist's own: the identity provider's MFA (single sign-on) is not
    one, so a person it signed in must still set up or use TOTP when signing in otherwise."""
    return any(
        not isinstance(d, IdentityProviderDevice) for d in devices_for_user(user, confirmed=True)
    )


def _require_may_change_factor(actor: User, proof: SessionProof) -> None:
    if not has_second_factor(actor):
        return  # first enrolment
    if not proof.otp_verified:
        raise PermissionDenied("Enter a code from your current authenticator app first")
    if not proof.password_is_recent():
        raise PasswordConfirmationRequired("Confirm your password to continue")


def two_factor_change_check(*, actor: User, proof: SessionProof) -> None:
    """Raise unless this session may start adding or replacing a second factor."""
    _require_may_change_factor(actor, proof)


def totp_device_start(*, actor: User, proof: SessionProof) -> AuthenticatorDevice:
    """An unconfirmed device to enrol; replaces any earlier unconfirmed one, never a confirmed
    one (an unconfirmed device is never accepted at sign-in)."""
    _require_may_change_factor(actor, proof)
    with transaction.atomic():
        AuthenticatorDevice.objects.filter(user=actor, confirmed=False).delete()
        return AuthenticatorDevice.objects.create(
            user=actor, name="Authenticator app", confirmed=False
        )


def _throttle_wait(devices: Iterable[Any]) -> dt.datetime | None:
    """django-otp's exponential back-off, across all of a person's devices: while any one is
    throttled, no code is tried (so recovery codes cannot be guessed while TOTP waits)."""
    waits = []
    for device in devices:
        allowed, data = device.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            waits.append(data["locked_until"])
    return max(waits) if waits else None


def _throttled(actor: User, stage: str, until: dt.datetime) -> TwoFactorThrottled:
    audit_record(
        actor=actor,
        category=Category.SECURITY,
        verb="auth.2fa_throttled",
        obj=actor,
        new={"stage": stage},
    )
    return TwoFactorThrottled(until)


def _audit_failed_code(actor: User, method: str, stage: str) -> None:
    # Who and from where (the request context); never the code itself.
    audit_record(
        actor=actor,
        category=Category.SECURITY,
        verb="auth.2fa_failed",
        obj=actor,
        new={"method": method, "stage": stage},
    )


def totp_device_confirm(
    *, actor: User, device: AuthenticatorDevice, token: str, proof: SessionProof
) -> list[str]:
    """Confirm a new device with a first code. Only then is any older device removed, and new
    single-use recovery codes are returned (shown once)."""
    if device.user_id != actor.pk or device.confirmed:
        raise ValidationError("This set-up has expired. Start again")
    _require_may_change_factor(actor, proof)
    with transaction.atomic():  # as at sign-in: check and count under the device's lock
        device = AuthenticatorDevice.objects.select_for_update().get(pk=device.pk)
        until = _throttle_wait([device])
        ok = until is None and device.verify_token(token.replace(" ", ""))
    if until is not None:
        raise _throttled(actor, "enrol", until)
    if not ok:
        _audit_failed_code(actor, "totp", "enrol")
        raise ValidationError("The code is not correct. Enter the 6-digit code from your app")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()
        # Re-check under the lock: another session may have enrolled in the meantime.
        _require_may_change_factor(actor, proof)
        replacing = AuthenticatorDevice.objects.filter(user=actor, confirmed=True).exclude(
            pk=device.pk
        )
        replaced = replacing.count()
        replacing.delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_regenerate(actor=actor)
        change = notifications.REPLACED if replaced else notifications.ENROLLED
        told = notifications.factor_change_notify(
            user=actor, change=change, address=context.current().client_address
        )
        audit_record(
            actor=actor,
            category=Category.SECURITY,
            verb="account.2fa_replace" if replaced else "account.2fa_enrol",
            obj=actor,
            recipients=told,
            new={"devices_replaced": replaced},
        )
    return codes


def _recovery_codes_regenerate(*, actor: User) -> list[str]:
    RecoveryCodeDevice.objects.filter(user=actor).delete()
    device = RecoveryCodeDevice.objects.create(user=actor, name="Recovery codes", confirmed=True)
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]
    device.set_codes(codes)  # kept only as keyed hashes
    return codes


# Hourly caps in the shared cache (accounts.limits), on top of django-otp's back-off: failed
# recovery codes per account (a stolen password must not buy unlimited guesses at the ten
# codes), and two-factor resets per administrator (a hijacked administrator session must not
# strip every colleague's second factor at once).
RECOVERY_CODE_FAILURES_PER_HOUR = 5
RESETS_PER_ADMINISTRATOR_PER_HOUR = 5


class RecoveryCodesLimited(TwoFactorThrottled):
    def __init__(self) -> None:
        Exception.__init__(
            self,
            "Too many recovery codes have been tried. Wait an hour and try again, or sign in "
            "with a code from your authenticator app",
        )
        self.minutes = limits.WINDOW_SECONDS // 60


def _recovery_key(user: User) -> str:
    return f"desist:2fa:recovery-failures:{user.pk}"


def _looks_like_recovery_code(token: str) -> bool:
    return not token.isdigit()


def two_factor_verify(*, actor: User, token: str) -> Any:
    """Check a code from the person's app, or one of their recovery codes. Returns the device
    that accepted it. Failures and throttling are audited (never the code)."""
    token = token.replace(" ", "")
    method = "recovery_code" if _looks_like_recovery_code(token) else "totp"
    if method == "recovery_code" and limits.reached(
        _recovery_key(actor), RECOVERY_CODE_FAILURES_PER_HOUR
    ):
        audit_record(
            actor=actor,
            category=Category.SECURITY,
            verb="auth.recovery_code_limited",
            obj=actor,
            new={"failures_per_hour": RECOVERY_CODE_FAILURES_PER_HOUR},
        )
        raise RecoveryCodesLimited()
    with transaction.atomic():
        # The throttle check, the code check and the failure count are one step under a lock
        # on the person's devices: concurrent guesses queue behind each other, so each one sees
        # the failures before it (and the back-off they earned) instead of all passing at once.
        totp = list(
            AuthenticatorDevice.objects.select_for_update()
            .filter(user=actor, confirmed=True)
            .order_by("pk")
        )
        static = list(
            RecoveryCodeDevice.objects.select_for_update()
            .filter(user=actor, confirmed=True)
            .order_by("pk")
        )
        until = _throttle_wait([*totp, *static])
        accepted = None
        if until is None:
            candidates = static if method == "recovery_code" else totp
            accepted = next((d for d in candidates if d.verify_token(token)), None)
    # Outside the transaction: raising inside would roll back the failure count.
    if until is not None:
        raise _throttled(actor, "sign_in", until)
    if accepted is not None:
        return accepted
    if method == "recovery_code":
        limits.count(_recovery_key(actor), RECOVERY_CODE_FAILURES_PER_HOUR)
    _audit_failed_code(actor, method, "sign_in")
    raise ValidationError("The code is not correct. Enter the 6-digit code from your app")


def session_cycle_after_second_factor(*, user: User, session: Any) -> None:
    """A new session ID once the second factor is proven (as login() does after the password):
    an ID fixed or seen before the second factor is worth nothing after it. The row tracking
    the person's sessions follows, so disabling the account still ends this one."""
    old = session.session_key
    session.cycle_key()
    with transaction.atomic():
        UserSession.objects.filter(user=user, session_key=old).delete()
        UserSession.objects.get_or_create(user=user, session_key=session.session_key)


class NothingToReset(ValidationError):
    message = (
        "This account has no authenticator app or recovery codes, so there is nothing to "
        "reset. The person sets up an authenticator app when they next sign in"
    )


class ResetsLimited(ValidationError):
    message = (
        f"You have reset two-factor authentication {RESETS_PER_ADMINISTRATOR_PER_HOUR} times "
        "in the last hour. Wait an hour, or ask another administrator"
    )


def two_factor_reset(*, actor: User, user: User, reason: str) -> User:
    """An administrator's reset for a lost device: every device and recovery code of the person
    goes, their sessions end, and they set up a new app at their next sign-in."""
    policy.require(actor, policy.Perm.ACCOUNTS_2FA_RESET, user)
    if not reason.strip():
        raise ValidationError("Enter a reason for resetting two-factor authentication")
    if not limits.count(f"desist:2fa:resets-by:{actor.pk}", RESETS_PER_ADMINISTRATOR_PER_HOUR):
        audit_record(
            actor=actor,
            category=Category.SECURITY,
            verb="account.2fa_reset_limited",
            obj=user,
            new={"resets_per_hour": RESETS_PER_ADMINISTRATOR_PER_HOUR},
        )
        raise ResetsLimited(ResetsLimited.message)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not has_second_factor(locked):
            raise NothingToReset(NothingToReset.message)
        totp = AuthenticatorDevice.objects.filter(user=locked).delete()[0]
        RecoveryCodeDevice.objects.filter(user=locked).delete()
        ended = _end_sessions(locked)
        told = notifications.factor_change_notify(
            user=locked,
            change=notifications.RESET,
            address=context.current().client_address,
            actor=actor,
        )
        audit_record(
            actor=actor,
            category=Category.SECURITY,
            verb="account.2fa_reset",
            obj=locked,
            justification=reason.strip(),
            recipients=told,
            new={"devices_removed": totp, "sessions_ended": ended},
        )
    return locked


# --- authentication events into the audit trail ------------------------------------------


def _on_login(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    # django.contrib.auth.login() has already cycled the key; make sure it is saved.
    if request.session.session_key is None:
        request.session.save()
    UserSession.objects.get_or_create(user=user, session_key=request.session.session_key)
    request.session["desist_auth_at"] = timezone.now().timestamp()
    # Signing in starts the idle clock, so the first page after it writes no session.
    request.session["desist_last_seen"] = request.session["desist_auth_at"]
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
