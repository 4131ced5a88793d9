"""Every URL needs a login unless it is on this short, explicit list."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC = {
    "healthz",
    "readyz",
    "metrics",  # Prometheus: a bearer token, or this host only (desist/ops/metrics.py)
    "accounts:login",
    "accounts:logout",  # POST-only; signing out an anonymous visitor reveals nothing
    # The e-mailed invitation: a 256-bit single-use token, 72 hours (issue 16).
    "accounts:invite_accept",
    # Signing in with the organisation's identity provider, before there is a session.
    "accounts:sso_choose",
    "accounts:sso_start",
    "accounts:sso_callback",
    # Password reset by e-mail: rate-limited, the same answer for any address (issue 16).
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "programme:calendar_ics",  # calendar apps cannot sign in: secret per-user token, revocable
    "safeguarding:self_refer",  # victims' self-referral: rate-limited, reveals nothing (ADR 0007)
    "privacy",  # the privacy notice, linked from the self-referral form (issue 18)
    "accessibility",  # the accessibility statement (issue 18)
}

# Public routes that answer more than 200/302/405 to the walk's made-up address, and why.
PUBLIC_ALSO: dict[str, tuple[int, ...]] = {
    # Readiness answers 503 by design while no worker has run an alerts pass (ADR 0025).
    "readyz": (503,),
    # An unknown invitation token: 410 Gone, "ask for a new invitation" (issue 16).
    "accounts:invite_accept": (410,),
    # An unknown organisation: 404 "single sign-on is not set up for this organisation".
    "accounts:sso_start": (404,),
    "accounts:sso_callback": (404,),
}


# The API (issue 17) takes a key, not a session: without one every route answers 401 (or 405
# to a method it does not take), as problem details. Only the OpenAPI document and its docs
# page, which hold no data, and the API's not-found answers are open.
API_NAMESPACE = "api-v1:"
API_OPEN = {"api-v1:openapi-json", "api-v1:openapi-view", "api-v1:api-root", "api-v1:not_found"}


def _walk(patterns: list[Any], prefix: str = "", ns: str = "") -> list[tuple[str, str]]:
    found = []
    for p in patterns:
        if isinstance(p, URLResolver):
            sub_ns = f"{ns}{p.namespace}:" if p.namespace else ns
            found += _walk(p.url_patterns, prefix + str(p.pattern), sub_ns)
        elif isinstance(p, URLPattern):
            found.append((f"{ns}{p.name}", prefix + str(p.pattern)))
    return found


def _example_path(route: str) -> str:
    route = re.sub(r"<int:[^>]+>", "1", route)
    route = re.sub(r"<uuid:[^>]+>", "00000000-0000-0000-0000-000000000001", route)
    route = re.sub(r"<(?:str|slug|path):?[^>]*>", "x", route)
    route = route.lstrip("^").rstrip("$")
    return "/" + route


ROUTES = _walk(get_resolver().url_patterns)


def test_every_route_is_named() -> None:
    assert all(name and not name.endswith("None") for name, _ in ROUTES), ROUTES


@pytest.mark.parametrize(("name", "route"), ROUTES, ids=[n for n, _ in ROUTES])
@pytest.mark.django_db
def test_route_requires_login_unless_public(client: Any, name: str, route: str) -> None:
    path = _example_path(route)
    for method in ("get", "post"):
        response = getattr(client, method)(path)
        if name.startswith(API_NAMESPACE):
            allowed = (200, 404, 405) if name in API_OPEN else (401, 405)
            assert response.status_code in allowed, (name, method, response.status_code)
            if response.status_code >= 400:
                assert response["Content-Type"] == "application/problem+json", name
            continue
        if name in PUBLIC:
            allowed = (200, 302, 405, *PUBLIC_ALSO.get(name, ()))
            assert response.status_code in allowed, (name, method, response.status_code)
            continue
        assert response.status_code == 302, (name, method, response.status_code)
        assert response["Location"].startswith("/accounts/login/"), (name, response["Location"])


def test_public_list_is_short_and_real() -> None:
    names = {n for n, _ in ROUTES}
    assert names >= PUBLIC
    # 7th: /metrics (issue 15), token or this host only; then SSO (3) and password reset (4);
    # then the privacy notice and the accessibility statement (issue 18).
    assert len(PUBLIC) <= 17
