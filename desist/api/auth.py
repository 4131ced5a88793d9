"""Bearer API keys: the key is checked (accounts.actions.api_keys), then counted against its
per-key rate limit in the shared cache (accounts.limits, as password resets are)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer

from desist import policy
from desist.accounts import limits
from desist.accounts.actions.api_keys import api_key_authenticate
from desist.api.problems import RateLimited


def rate() -> tuple[int, int]:
    """(calls, seconds) each key may make: DESIST_API_RATE, default 600 a minute."""
    calls, window = getattr(settings, "DESIST_API_RATE", (600, 60))
    return int(calls), int(window)


class ApiKeyAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        account = api_key_authenticate(token)
        if account is None:
            return None
        credential = policy.api_credential(account)
        assert credential is not None
        request.api_actor = account  # type: ignore[attr-defined]  # read by the audit wrapper
        calls, window = rate()
        if not limits.count(f"desist:api:key:{credential.key_id}", calls, window):
            raise RateLimited(window)
        return account
