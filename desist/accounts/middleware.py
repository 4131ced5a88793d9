from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

Handler = Callable[[HttpRequest], HttpResponse]

# Paths a signed-in but not yet two-factor-verified user may reach.
_TWO_FACTOR_EXEMPT_PREFIXES = ("/accounts/two-factor/", "/accounts/logout/", "/assets/")
_TWO_FACTOR_EXEMPT_EXACT = ("/healthz", "/readyz")


class SessionLifetimeMiddleware:
    """Idle timeout and absolute session lifetime (both configurable)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            session = request.session
            idle_limit = settings.DESIST_IDLE_TIMEOUT_MINUTES * 60
            absolute_limit = settings.DESIST_SESSION_MAX_HOURS * 3600
            last = session.get("desist_last_seen", now)
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
            session["desist_last_seen"] = now
            session.setdefault("desist_auth_at", now)
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """Outside demo mode every signed-in user must have passed a TOTP check."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.DESIST_REQUIRE_2FA
            and user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(_TWO_FACTOR_EXEMPT_PREFIXES)
            and request.path not in _TWO_FACTOR_EXEMPT_EXACT
        ):
            from django_otp.plugins.otp_totp.models import TOTPDevice

            has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            target = "accounts:two_factor_verify" if has_device else "accounts:two_factor_setup"
            return redirect(f"{reverse(target)}?next={request.path}")
        return self.get_response(request)
