"""API key pages (issue 17, ADR 0029): list, issue (the key shown once) and revoke. For system
administrators (every organisation) and organisation administrators (their own). Thin: the
commands in actions/api_keys.py validate, write and audit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from desist import policy
from desist.accounts import selectors
from desist.accounts.actions import api_keys
from desist.accounts.admin_forms import ApiKeyForm, ApiKeyRevokeForm
from desist.accounts.http import AuthedRequest
from desist.audit.services import audit_consultation
from desist.core.forms import add_service_errors


@login_required
def api_key_list(request: AuthedRequest) -> HttpResponse:
    keys = list(selectors.api_key_list_for(actor=request.user))
    audit_consultation(
        actor=request.user, verb="api_key.list", object_type="accounts.ApiKey", new={}
    )
    return render(
        request,
        "accounts/admin/api_keys.html",
        {"keys": keys, "labels": dict(policy.API_SCOPE_LABELS)},
    )


@never_cache  # the page that shows the new key must not be kept by a browser or proxy
@login_required
@require_http_methods(["GET", "POST"])
def api_key_new(request: AuthedRequest) -> HttpResponse:
    orgs = selectors.organisations_for_api_keys(actor=request.user)
    form = ApiKeyForm(
        request.POST or None,
        organisations=orgs,
        scopes=[(s.value, f"{label} ({s.value})") for s, label in policy.API_SCOPE_LABELS.items()],
        expiry_days=api_keys.EXPIRY_CHOICES,
        initial={"organisation": orgs[0].pk if len(orgs) == 1 else "", "expires_in_days": 90},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        org = selectors.organisation_for_api_keys(
            actor=request.user, organisation_id=data["organisation"]
        )
        try:
            issued = api_keys.api_key_create(
                actor=request.user,
                organisation=org,
                name=data["name"],
                scopes=data["scopes"],
                expires_in_days=data["expires_in_days"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return render(
                request,
                "accounts/admin/api_key_created.html",
                {"key": issued.key, "token": issued.token},
            )
    return render(request, "accounts/admin/api_key_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def api_key_revoke(request: AuthedRequest, key_id: int) -> HttpResponse:
    key = selectors.api_key_get_for(actor=request.user, key_id=key_id)
    form = ApiKeyRevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            api_keys.api_key_revoke(actor=request.user, key=key, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"API key {key.name} ({key.prefix}) has been revoked")
            return redirect("accounts:api_keys")
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=key, verb="api_key.view")
    return render(request, "accounts/admin/api_key_revoke.html", {"key": key, "form": form})
