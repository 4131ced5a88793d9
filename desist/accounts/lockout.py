"""Sign-in throttling on django-axes (issue 12, Medium 1). See docs/adr/0015-two-factor-and-sign-in-throttling.md.

Three counters, each with its own limit within the cool-off window:

- a username from one address (DESIST_LOCKOUT_ATTEMPTS, 5): the ordinary lockout. Someone
  guessing from elsewhere does not lock the owner out at their usual address;
- one address, whatever the usernames (DESIST_LOCKOUT_SOURCE_ATTEMPTS, 20): password spraying
  from one place. High enough that a police station behind one NAT address is not locked by a
  few mistyped passwords;
- one username from addresses it has never signed in from (DESIST_LOCKOUT_ACCOUNT_ATTEMPTS, 50):
  guessing one account from many places. The owner's known addresses (a successful sign-in in
  the last DESIST_LOCKOUT_KNOWN_DAYS days) are left out of this one.

The cool-off doubles for an address with each further limit's worth of failures in the last 24
hours, up to a day: a delay that grows with failures, without a CAPTCHA.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit, get_lockout_parameters
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

COMBINED = ("username", "ip_address")
MAX_COOLOFF = dt.timedelta(hours=24)
HISTORY = dt.timedelta(hours=24)


def _ip(request: Any) -> str | None:
    # Set by axes from AXES_CLIENT_IP_CALLABLE; an AccessAttempt carries ip_address.
    return getattr(request, "axes_ip_address", None) or getattr(request, "ip_address", None)


def _known_address(username: str | None, ip: str | None) -> bool:
    if not username or not ip:
        return False
    since = timezone.now() - dt.timedelta(days=settings.DESIST_LOCKOUT_KNOWN_DAYS)
    return AccessLog.objects.filter(
        username=username, ip_address=ip, attempt_time__gte=since
    ).exists()


def lockout_parameters(request: Any, credentials: dict[str, Any] | None = None) -> list[Any]:
    """AXES_LOCKOUT_PARAMETERS: which counters apply to this attempt."""
    params: list[Any] = [list(COMBINED), "ip_address"]
    if isinstance(request, HttpRequest):
        username = get_client_username(request, credentials)
    else:  # an AccessAttempt, when axes asks about a stored attempt
        username = getattr(request, "username", None)
    if not _known_address(username, _ip(request)):
        params.append("username")
    return params


def _limit_for(parameter: Any) -> int:
    if parameter == "ip_address":
        return int(settings.DESIST_LOCKOUT_SOURCE_ATTEMPTS)
    if parameter == "username":
        return int(settings.DESIST_LOCKOUT_ACCOUNT_ATTEMPTS)
    return int(settings.AXES_FAILURE_LIMIT)


def cool_off(request: HttpRequest | None = None) -> dt.timedelta:
    """AXES_COOLOFF_TIME: the base, doubled for each further limit's worth of failures from
    this address in the last 24 hours."""
    base = dt.timedelta(minutes=settings.DESIST_LOCKOUT_MINUTES)
    ip = _ip(request)
    if not ip:
        return base
    failures = AccessFailureLog.objects.filter(
        ip_address=ip, attempt_time__gte=timezone.now() - HISTORY
    ).count()
    doublings = max(0, failures // int(settings.AXES_FAILURE_LIMIT) - 1)
    return min(base * 2 ** min(doublings, 16), MAX_COOLOFF)


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the GOV.UK page, with the wait in whole minutes."""
    minutes = max(1, round(cool_off(request).total_seconds() / 60))
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes},
        status=429,  # Too Many Requests, as axes answers
    )


class DesistAxesHandler(AxesDatabaseHandler):
    """The database handler with a limit per counter (axes has one limit for all)."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        # Each counter is scaled to the axes limit, so axes locks when any one counter reaches
        # its own limit: floor(count * limit / own) >= limit exactly when count >= own.
        limit = get_failure_limit(request, credentials)
        parameters = get_lockout_parameters(request, credentials)
        attempts_list = self.get_user_attempts(request, credentials)
        worst = 0
        for parameter, attempts in zip(parameters, attempts_list, strict=True):
            count = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            worst = max(worst, count * limit // _limit_for(parameter))
        return worst

    def reset_user_attempts(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        # A successful sign-in clears only that username's failures from that address: it must
        # not wipe an address's spraying count or an account's count from elsewhere.
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username, ip_address=_ip(request)).delete()
        return count

    def clean_expired_user_attempts(
        self, request: Any = None, credentials: dict[str, Any] | None = None
    ) -> int:
        # Cool-offs differ per address, so one address's short cool-off must not clean another's
        # longer one: clean this address by its own, and everything by the longest.
        now = timezone.now()
        count, _ = AccessAttempt.objects.filter(attempt_time__lte=now - MAX_COOLOFF).delete()
        ip = _ip(request)
        if ip:
            stale = AccessAttempt.objects.filter(
                ip_address=ip, attempt_time__lte=now - cool_off(request)
            )
            count += stale.delete()[0]
        return count
