"""E-mails about a person's second factor: to them and to their organisation's administrators.

Every change to a second factor is announced, so a takeover by someone holding only a password
is seen by the owner and by an administrator who can act on it. The mails never carry a code,
a set-up key or a link that signs anyone in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from desist.accounts.models import User
from desist.core.dates import long_datetime
from desist.core.roles import RoleCode

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FactorChange:
    subject: str
    admin_subject: str
    what: str  # one sentence: what happened to the account


ENROLLED = FactorChange(
    "Two-factor authentication was set up on your Desist account",
    "Two-factor authentication was set up on a Desist account",
    "An authenticator app was set up for two-factor authentication",
)
REPLACED = FactorChange(
    "Your Desist authenticator app was replaced",
    "An authenticator app was replaced on a Desist account",
    "The authenticator app used for two-factor authentication was replaced; the old one and "
    "the old recovery codes no longer work",
)
RESET = FactorChange(
    "Two-factor authentication was reset on your Desist account",
    "Two-factor authentication was reset on a Desist account",
    "An administrator reset two-factor authentication; a new authenticator app must be set up "
    "at the next sign-in",
)


def administrators_of(user: User) -> list[User]:
    """Active system administrators of the user's organisation (not the user themselves)."""
    if user.organisation_id is None:
        return []
    return list(
        User.objects.filter(
            organisation_id=user.organisation_id,
            roles__code=RoleCode.SYSTEM_ADMIN,
            is_active=True,
        )
        .exclude(pk=user.pk)
        .exclude(email="")
        .distinct()
        .order_by("username")
    )


def _when(address: str | None) -> str:
    return long_datetime(timezone.now()) + (
        f", from the network address {address}" if address else ""
    )


def _send(subject: str, body: str, to: list[str]) -> None:
    if not to:
        return
    try:
        EmailMessage(subject=subject, body=body, to=to).send(fail_silently=False)
    except Exception:  # the change stands; a mail fault must not undo it
        log.exception("Could not send a two-factor notice to %d recipient(s)", len(to))


def factor_change_notify(
    *, user: User, change: FactorChange, address: str | None, actor: User | None = None
) -> list[str]:
    """Queue the notices for after the commit; returns who will be told (for the audit row)."""
    when = _when(address)
    by = f" by {actor.display_name()}" if actor is not None and actor.pk != user.pk else ""
    admins = administrators_of(user)
    to_user = [user.email] if user.email else []
    to_admins = [a.email for a in admins]
    user_body = (
        f"Dear {user.display_name()},\n\n"
        f"{change.what} on your Desist account ({user.username}){by} on {when}.\n\n"
        "If this was you, you need do nothing.\n\n"
        "If this was not you, someone else may be using your password. Tell your system "
        "administrator now, so they can disable the account and reset it.\n"
    )
    admin_body = (
        f"{change.what} on the Desist account of {user.display_name()} ({user.username}){by} "
        f"on {when}.\n\n"
        "If you do not expect this, contact the person by another route (not by replying to "
        "this e-mail) and disable the account from Accounts in Desist until you are sure.\n"
    )
    base = settings.DESIST_BASE_URL
    if base:
        admin_body += f"\nAccounts: {base}/accounts/manage/\n"
    transaction.on_commit(lambda: _send(change.subject, user_body, to_user))
    transaction.on_commit(
        lambda: _send(f"{change.admin_subject} ({user.username})", admin_body, to_admins)
    )
    return to_user + to_admins
