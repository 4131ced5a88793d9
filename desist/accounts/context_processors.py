"""The idle timeout, passed to every signed-in page for the timeout warning (session.js)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from desist.accounts.middleware import idle_seconds_left, idle_timeout_seconds


def session_timeout(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    idle = idle_timeout_seconds()
    return {
        "session_timeout": {
            # From the stamp the server checks, which may be up to a minute old (issue 21).
            "idle_seconds": idle_seconds_left(request),
            # GOV.UK's pattern warns two minutes before; never longer than the timeout itself.
            "warning_seconds": min(settings.DESIST_IDLE_WARNING_SECONDS, idle),
        }
    }
