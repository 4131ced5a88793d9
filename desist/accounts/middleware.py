from __future__ import annotations

import math
import time
from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from desist.accounts import services

Handler = Callable[[HttpRequest], HttpResponse]

# Reachable by a signed-in user who has not passed the second factor, whatever their state.
_ALWAYS_OPEN_PREFIXES = ("/assets/",)
_ALWAYS_OPEN_EXACT = ("/healthz", "/readyz")

# The idle clock's resolution: the last-activity stamp moves on at most once a minute (or a
# tenth of the idle timeout, when that is shorter), so a signed-in page does not save the
# session on every request (issue 21). The sign-out therefore comes between the idle timeout
# less this and the idle timeout after the last request; pages count down from the stamp
# itself (idle_seconds_left), so session.js and the server agree to the second.
LAST_SEEN_RESOLUTION_SECONDS = 60
_LAST_SEEN = "desist_last_seen"


def idle_timeout_seconds() -> int:
    return int(settings.DESIST_IDLE_TIMEOUT_MINUTES * 60)


def mark_active(request: HttpRequest) -> None:
    """Move the idle clock on now, whatever the resolution ("Stay signed in")."""
    request.session[_LAST_SEEN] = time.time()


def idle_seconds_left(request: HttpRequest) -> int:
    """Seconds until the idle sign-out, counted from the stamp the server checks."""
    limit = idle_timeout_seconds()
    last = request.session.get(_LAST_SEEN)
    if last is None:
        return limit
    return max(1, math.ceil(limit - (time.time() - last)))


class SessionLifetimeMiddleware:
    """Idle timeout and absolute session lifetime (both configurable)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            session = request.session
            idle_limit = idle_timeout_seconds()
            absolute_limit = settings.DESIST_SESSION_MAX_HOURS * 3600
            last = session.get(_LAST_SEEN, now)
            started = session.get("desist_auth_at", now)
            if now - last > idle_limit or now - started > absolute_limit:
                reason = (
                    "You were signed out because you had not done anything for "
                    f"{settings.DESIST_IDLE_TIMEOUT_MINUTES} minutes."
                    if now - last > idle_limit
                    else "You were signed out because your session reached its time limit."
                )
                logout(request)
                messages.info(request, reason)
                return redirect(f"{reverse('accounts:login')}?next={request.path}")
            # Only a changed session is saved: the stamp moves on once per resolution, not on
            # every request.
            if _LAST_SEEN not in session or now - last >= min(
                LAST_SEEN_RESOLUTION_SECONDS, idle_limit / 10
            ):
                session[_LAST_SEEN] = now
            session.setdefault("desist_auth_at", now)
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """Outside demo mode every signed-in user must have passed a TOTP check.

    Until then a person with a second factor can reach only the page that checks it, and a
    person without one only the page that sets up a first one (and signing out). Nothing else
    under /accounts/two-factor/ is open: an exemption by prefix let a password alone replace
    the owner's authenticator (issue 12).
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.DESIST_REQUIRE_2FA
            and user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(_ALWAYS_OPEN_PREFIXES)
            and request.path not in _ALWAYS_OPEN_EXACT
            # Signing out, and "Stay signed in" (the timeout warning shows on these pages too).
            and request.path
            not in (reverse("accounts:logout"), reverse("accounts:session_keepalive"))
        ):
            target = reverse(
                "accounts:two_factor_verify"
                if services.has_second_factor(user)
                else "accounts:two_factor_setup"
            )
            if request.path != target:
                return redirect(f"{target}?next={quote(request.path)}")
        return self.get_response(request)
