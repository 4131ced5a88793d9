"""Joiners, movers and leavers (issue 16).

A joiner is invited: an account with no usable password and a single-use link, valid for
INVITATION_HOURS, sent by e-mail. Only a SHA-256 hash of the link's token is stored, so the
database alone opens no account; the token is 256 random bits, so the hash needs no key.
Accepting sets the first password; two-factor enrolment follows at the first page
(TwoFactorRequiredMiddleware). A mover changes team, roles, organisation or line manager. A
leaver is disabled (`services.user_disable`: sessions end in the same transaction).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from desist import policy
from desist.accounts.models import Invitation, Role, User
from desist.accounts.sso_models import ExternalIdentity
from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.core.concurrency import StaleRecordError
from desist.core.models import Organisation
from desist.core.roles import HOME_ORDER, ROLE_ORGANISATION_KINDS, RoleCode, role_misfit_message

P = policy.Perm
log = logging.getLogger(__name__)

INVITATION_HOURS = 72
USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789.-_")


def now() -> dt.datetime:
    """The clock invitations are checked against (tests move it)."""
    return timezone.now()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Joiner:
    """One person to invite, as typed into the form or read from a CSV row."""

    username: str
    email: str
    first_name: str
    last_name: str
    organisation: Organisation | None
    roles: tuple[RoleCode, ...]
    team: str = ""
    line_manager: User | None = None


def _check_roles(
    errors: Errors, actor: User, organisation: Organisation | None, roles: Iterable[RoleCode]
) -> None:
    roles = list(roles)
    if not roles:
        errors.add("roles", "Select at least one role")
    grantable = policy.grantable_roles(actor)
    for role in roles:
        if role not in grantable:
            errors.add("roles", f"You cannot give the role {role.label.lower()}")
        elif organisation is not None and organisation.kind not in ROLE_ORGANISATION_KINDS[role]:
            errors.add("roles", role_misfit_message(role, organisation.get_kind_display()))


def _check_line_manager(
    errors: Errors, manager: User | None, organisation: Organisation | None, who: User | None
) -> None:
    if manager is None:
        return
    if not manager.is_active:
        errors.add("line_manager", "The line manager's account is disabled")
    elif organisation is not None and manager.organisation_id != organisation.pk:
        errors.add("line_manager", "The line manager must work in the same organisation")
    elif who is not None and manager.pk == who.pk:
        errors.add("line_manager", "A person cannot be their own line manager")


def joiner_errors(actor: User, joiner: Joiner) -> Errors:
    """Every problem with one joiner, as GOV.UK messages keyed by field."""
    errors = Errors()
    username = joiner.username.strip().lower()
    if not username:
        errors.add("username", "Enter a username")
    elif not set(username) <= USERNAME_CHARS or len(username) > 150:
        errors.add(
            "username",
            "Username must only include letters a to z, numbers, full stops, hyphens and "
            "underscores",
        )
    elif User.objects.filter(username__iexact=username).exists():
        errors.add("username", f"There is already an account called {username}")
    try:
        validate_email(joiner.email.strip())
    except ValidationError:
        errors.add(
            "email",
            "Enter an email address in the correct format, like name@example.org"
            if joiner.email.strip()
            else "Enter an email address",
        )
    else:
        # Password reset and single sign-on find a person by e-mail: one address, one account.
        if User.objects.filter(email__iexact=joiner.email.strip()).exists():
            errors.add("email", "There is already an account with this email address")
    if not joiner.first_name.strip():
        errors.add("first_name", "Enter a first name")
    if not joiner.last_name.strip():
        errors.add("last_name", "Enter a last name")
    org = joiner.organisation
    if org is None:
        errors.add("organisation", "Select an organisation")
    elif not policy.can(actor, P.ACCOUNTS_MANAGE, org):
        errors.add("organisation", "You cannot add people to this organisation")
    _check_roles(errors, actor, org, joiner.roles)
    _check_line_manager(errors, joiner.line_manager, org, None)
    return errors


def _invitation_make(*, actor: User | None, user: User) -> str:
    """Withdraw any earlier link and make a new one; returns the token (never stored)."""
    Invitation.objects.filter(user=user, used_at__isnull=True, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )
    token = secrets.token_urlsafe(32)
    Invitation.objects.create(
        user=user,
        token_hash=token_hash(token),
        invited_by=actor,
        created_at=now(),
        expires_at=now() + dt.timedelta(hours=INVITATION_HOURS),
    )
    return token


def _send_invitation(user: User, link: str, inviter: User | None) -> None:
    by = f"{inviter.display_name()} has invited you" if inviter else "You have been invited"
    body = (
        f"Dear {user.display_name()},\n\n"
        f"{by} to Desist as {', '.join(user.role_names).lower()} at {user.organisation}.\n\n"
        f"Your username is {user.username}. To set your password, open this link within "
        f"{INVITATION_HOURS} hours. It works once:\n\n{link}\n\n"
        "You will then set up an authenticator app on your phone for two-factor "
        "authentication.\n\nIf you did not expect this e-mail, you can ignore it.\n"
    )

    def send() -> None:
        try:
            EmailMessage(
                subject="You have been invited to Desist", body=body, to=[user.email]
            ).send(fail_silently=False)
        except Exception:  # the account stands; the administrator can send the link again
            log.exception("Could not send an invitation e-mail")

    transaction.on_commit(send)


def invitation_link(base: str, token: str) -> str:
    return f"{base.rstrip('/')}/accounts/invite/{token}/"


def _joiner_create(actor: User | None, joiner: Joiner, reason: str, link_base: str) -> User:
    assert joiner.organisation is not None
    user = User(
        username=joiner.username.strip().lower(),
        email=joiner.email.strip(),
        first_name=joiner.first_name.strip(),
        last_name=joiner.last_name.strip(),
        organisation=joiner.organisation,
        team=joiner.team.strip(),
        line_manager=joiner.line_manager,
    )
    user.set_unusable_password()
    user.save()
    user.roles.set(Role.objects.filter(code__in=[r.value for r in joiner.roles]))
    token = _invitation_make(actor=actor, user=user)
    audit_record(
        actor=actor,
        category=Category.COLLECTION,
        verb="account.invite",
        obj=user,
        justification=reason,
        recipients=[user.email],
        new={
            "username": user.username,
            "organisation": joiner.organisation.code,
            "roles": sorted(r.value for r in joiner.roles),
            "team": user.team,
            "line_manager": joiner.line_manager.pk if joiner.line_manager else None,
        },
    )
    _send_invitation(user, invitation_link(link_base, token), actor)
    return user


def _reason(errors: Errors, reason: str) -> str:
    if not reason.strip():
        errors.add("reason", "Enter a reason for this change")
    return reason.strip()


@command(P.ACCOUNTS_MANAGE)
def user_invite(*, actor: User, joiner: Joiner, reason: str, link_base: str) -> User:
    """A joiner: the account and a single-use link to set a password, e-mailed to them."""
    errors = joiner_errors(actor, joiner)
    reason = _reason(errors, reason)
    errors.raise_if_any()
    return _joiner_create(actor, joiner, reason, link_base)


def users_invite_many(
    *, actor: User, joiners: list[Joiner], reason: str, link_base: str
) -> list[User]:
    """Invite already-validated joiners in one transaction (the bulk import)."""
    policy.require(actor, P.ACCOUNTS_MANAGE)
    with transaction.atomic():
        made = []
        for joiner in joiners:
            errors = joiner_errors(actor, joiner)
            errors.raise_if_any()
            made.append(_joiner_create(actor, joiner, reason, link_base))
        return made


@command(P.ACCOUNTS_MANAGE, on="user")
def invitation_resend(*, actor: User, user: User, reason: str, link_base: str) -> None:
    errors = Errors()
    reason = _reason(errors, reason)
    if user.has_usable_password():
        errors.add("reason", "This person has already set a password")
    elif ExternalIdentity.objects.filter(user=user).exists():
        # Signs in through their organisation's provider: a local password would be a second
        # way in that the organisation does not control.
        errors.add("reason", "This person signs in with their organisation's account")
    if not user.is_active:
        errors.add("reason", "Enable the account before inviting the person again")
    errors.raise_if_any()
    token = _invitation_make(actor=actor, user=user)
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="account.invite_resend",
        obj=user,
        justification=reason,
        recipients=[user.email],
    )
    _send_invitation(user, invitation_link(link_base, token), actor)


INVALID_LINK = "This link has expired or has already been used"


def invitation_for_token(token: str) -> Invitation | None:
    """The live invitation a link carries, or None (expired, used, withdrawn, unknown, or the
    account or its organisation no longer active)."""
    found = (
        Invitation.objects.select_related("user", "user__organisation")
        .filter(token_hash=token_hash(token), used_at__isnull=True, withdrawn_at__isnull=True)
        .first()
    )
    if found is None or found.expires_at <= now():
        return None
    user = found.user
    if not user.is_active or user.organisation is None or user.organisation.retired_at:
        return None
    return found


def invitation_accept(*, token: str, password: str) -> User:
    """Set the first password from a live link; the link is spent in the same transaction."""
    with transaction.atomic():
        invitation = invitation_for_token(token)
        if invitation is not None:  # claim it: of two concurrent uses only one wins
            claimed = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(
                used_at=now()
            )
            invitation = invitation if claimed else None
        if invitation is None:
            raise ValidationError({"password1": [INVALID_LINK]})
        user = invitation.user
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password1": exc.messages}) from None
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(
            actor=user,
            category=Category.SECURITY,
            verb="account.invite_accept",
            obj=user,
            new={"invitation": invitation.pk},
        )
    return user


@dataclass(frozen=True)
class Move:
    """What a mover's record becomes."""

    organisation: Organisation
    team: str
    roles: tuple[RoleCode, ...]
    line_manager: User | None


def _state(user: User) -> dict[str, object]:
    return {
        "organisation": user.organisation_id,
        "team": user.team,
        "roles": sorted(user.role_codes),
        "line_manager": user.line_manager_id,
    }


@command(P.ACCOUNTS_MANAGE, on="user")
def user_move(*, actor: User, user: User, move: Move, version: int, reason: str) -> User:
    """A mover: another team, organisation, set of roles or line manager."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.version != version:
        raise StaleRecordError(StaleRecordError.message)
    errors = Errors()
    if move.organisation.pk != locked.organisation_id and not policy.can(
        actor, P.ACCOUNTS_MANAGE, move.organisation
    ):
        errors.add("organisation", "You cannot move people to this organisation")
    _check_roles(errors, actor, move.organisation, move.roles)
    _check_line_manager(errors, move.line_manager, move.organisation, locked)
    reason = _reason(errors, reason)
    errors.raise_if_any()
    old = _state(locked)
    locked.organisation = move.organisation
    locked.team = move.team.strip()
    locked.line_manager = move.line_manager
    locked.version += 1
    locked.save(update_fields=["organisation", "team", "line_manager", "version"])
    locked.roles.set(Role.objects.filter(code__in=[r.value for r in move.roles]))
    locked.__dict__.pop("role_codes", None)
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="account.move",
        obj=locked,
        justification=reason,
        old=old,
        new=_state(locked),
    )
    locked.unlinked_reports = _unlink_reports_elsewhere(actor, locked, reason)
    return locked


def _unlink_reports_elsewhere(actor: User, manager: User, reason: str) -> tuple[User, ...]:
    """A manager moved to another organisation stops managing the people left behind: a line
    manager is always of the person's own organisation (alerts escalate to them)."""
    reports = list(
        User.objects.select_for_update()
        .filter(line_manager=manager)
        .exclude(organisation=manager.organisation)
        .order_by("last_name", "first_name", "username")
    )
    for report in reports:
        report.line_manager = None
        report.version += 1
        report.save(update_fields=["line_manager", "version"])
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb="account.line_manager_cleared",
            obj=report,
            justification=reason,
            old={"line_manager": manager.pk},
            new={"line_manager": None, "because": "line manager moved organisation"},
        )
    return tuple(reports)


def ordered_roles(codes: Iterable[str]) -> tuple[RoleCode, ...]:
    wanted = set(codes)
    return tuple(r for r in HOME_ORDER if r.value in wanted)


def invitation_settings_base() -> str:
    return str(getattr(settings, "DESIST_BASE_URL", "") or "")
