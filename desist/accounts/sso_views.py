"""Single sign-on pages: choose your organisation, go to its provider, come back signed in."""

from __future__ import annotations

import requests
from authlib.integrations.base_client import OAuthError
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET
from django_otp import login as otp_login

from desist.accounts import oidc, services
from desist.accounts.sso_models import SingleSignOn

NEXT_KEY = "desist_sso_next"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _safe(target: str, request: HttpRequest) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("core:home")


def _sso_for(code: str) -> SingleSignOn | None:
    return oidc.sso_for(code)


def _not_set_up(request: HttpRequest) -> HttpResponse:
    # An unknown organisation, or one without (or no longer with) single sign-on: say so
    # rather than bounce silently, and point to the ordinary sign-in.
    return render(request, "accounts/sso_not_set_up.html", status=404)


def _refused(
    request: HttpRequest, sso: SingleSignOn | None, exc: oidc.SignInRefused
) -> HttpResponse:
    oidc.audit_refusal(sso=sso, refusal=exc)
    return render(
        request,
        "accounts/sso_refused.html",
        {"message": exc.message, "sso": sso},
        status=403,
    )


@require_GET
def sso_choose(request: HttpRequest) -> HttpResponse:
    """The organisations whose staff may sign in with their own organisation's account."""
    return render(
        request,
        "accounts/sso_choose.html",
        {"choices": oidc.sso_list(), "next": request.GET.get("next", "")},
    )


@require_GET
def sso_start(request: HttpRequest, code: str) -> HttpResponse:
    sso = _sso_for(code)
    if sso is None:
        return _not_set_up(request)
    request.session[NEXT_KEY] = _safe(request.GET.get("next", ""), request)
    callback = request.build_absolute_uri(reverse("accounts:sso_callback", args=[code]))
    try:
        response: HttpResponse = oidc.client_for(sso).authorize_redirect(request, callback)
    except (requests.RequestException, OAuthError, ValueError):
        return _refused(request, sso, oidc.SignInRefused("unavailable"))
    return response


@require_GET
def sso_callback(request: HttpRequest, code: str) -> HttpResponse:
    sso = _sso_for(code)
    if sso is None:
        return _not_set_up(request)
    next_path = _safe(request.session.get(NEXT_KEY, ""), request)
    try:
        claims = oidc.verified_claims(sso, request)
        user = oidc.sso_user_for(sso=sso, claims=claims)
    except oidc.SignInRefused as exc:
        return _refused(request, sso, exc)
    login(request, user, backend=MODEL_BACKEND)
    mfa = sso.accepts_mfa(claims)
    if mfa:
        otp_login(request, oidc.provider_mfa_device(sso=sso, user=user))
        services.session_cycle_after_second_factor(user=user, session=request.session)
    oidc.audit_sign_in(sso=sso, user=user, mfa_from_provider=mfa)
    return redirect(next_path)
