"""Password reset by e-mail (issue 16): audited, rate-limited, and never revealing whether an
account exists. See docs/adr/0024-single-sign-on.md ("Account recovery").

The request does the same work for a known and an unknown address (one lookup, one audit row,
the same redirect); the e-mail itself is built and sent only after the response has gone
(`SendAfterResponse`), so how long the page takes says nothing about the address either.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import EmailMessage
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode

from desist.accounts import limits, services
from desist.accounts.models import User
from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.core import context

log = logging.getLogger(__name__)

LINK_MINUTES = 60
# Per hour: requests for one address (whoever asks), and requests from one client address.
PER_EMAIL = 3
PER_CLIENT = 10
WINDOW_SECONDS = 3600


class ResetTokens(PasswordResetTokenGenerator):
    """Django's reset token (single use: it is bound to the password hash and last sign-in),
    valid for LINK_MINUTES rather than the project-wide PASSWORD_RESET_TIMEOUT."""

    key_salt = "desist.accounts.recovery.ResetTokens"

    def check_token(self, user: object, token: str | None) -> bool:
        if not token or not super().check_token(user, token):  # type: ignore[arg-type]
            return False
        try:
            issued = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        return self._num_seconds(self._now()) - issued <= LINK_MINUTES * 60


reset_tokens = ResetTokens()


class SendAfterResponse(HttpResponseRedirect):
    """A redirect that runs `after` once the response has been handed to the client (the
    WSGI server calls close() after writing it). A failure there is logged, never shown."""

    def __init__(self, url: str, after: Callable[[], None]) -> None:
        super().__init__(url)
        self._after = after

    def close(self) -> None:
        try:
            super().close()
        finally:
            try:
                self._after()
            except Exception:
                log.exception("Could not send a password reset e-mail")


def _counted(key: str, limit: int) -> bool:
    return limits.count(key, limit, WINDOW_SECONDS)


def _within_limits(email: str) -> bool:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    client = context.current().client_address or "unknown"
    by_email = _counted(f"desist:password-reset:email:{digest}", PER_EMAIL)
    by_client = _counted(f"desist:password-reset:client:{client}", PER_CLIENT)
    return by_email and by_client


def _users_for(email: str) -> list[User]:
    # Django's rule: active accounts with a usable password and exactly this address.
    return list(PasswordResetForm().get_users(email))  # type: ignore[arg-type]


def _mail_for(user: User, base_url: str) -> EmailMessage:
    path = reverse(
        "accounts:password_reset_confirm",
        args=[urlsafe_base64_encode(force_bytes(user.pk)), reset_tokens.make_token(user)],
    )
    body = render_to_string(
        "accounts/password_reset_email.txt",
        {"user": user, "link": base_url.rstrip("/") + path, "minutes": LINK_MINUTES},
    )
    return EmailMessage(subject="Reset your Desist password", body=body, to=[user.email])


def password_reset_request(*, email: str, base_url: str) -> Callable[[], None]:
    """Record a reset request and return what to do after the response: send a link to each
    matching account, or nothing. Known and unknown addresses take the same path here."""
    allowed = _within_limits(email)
    users = _users_for(email)
    with transaction.atomic():
        targets: list[User | None] = [*users] or [None]
        for user in targets:
            audit_record(
                actor=None,
                category=Category.SECURITY,
                verb="auth.password_reset_request" if allowed else "auth.password_reset_limited",
                obj=user,
                object_type="" if user else "accounts.User",
            )
    if not allowed or not users:
        return lambda: None

    def send() -> None:
        for user in users:
            _mail_for(user, base_url).send(fail_silently=False)

    return send


def password_reset_complete(*, user: User) -> None:
    """The person set a new password from an e-mailed link: audit it and end every session
    (whoever had the old password is signed out)."""
    with transaction.atomic():
        ended = services.end_sessions(user)
        audit_record(
            actor=None,
            actor_username=user.username,
            category=Category.SECURITY,
            verb="auth.password_reset_complete",
            obj=user,
            new={"sessions_ended": ended},
        )


def base_url_for(request_host_url: str) -> str:
    return getattr(settings, "DESIST_BASE_URL", "") or request_host_url
