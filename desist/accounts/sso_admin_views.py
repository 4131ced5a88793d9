"""The single sign-on settings page (ADR 0024): a system administrator for any organisation,
an organisation administrator for their own. Thin: the command in actions/sso.py validates,
saves and audits."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from desist.accounts import selectors
from desist.accounts.actions import sso as sso_actions
from desist.accounts.admin_forms import SsoSettingsForm
from desist.accounts.http import AuthedRequest
from desist.accounts.sso_models import MatchBy, SingleSignOn
from desist.audit.services import audit_consultation
from desist.core.forms import add_service_errors
from desist.core.roles import RoleCode


def _initial(sso: SingleSignOn | None) -> dict[str, Any]:
    if sso is None:
        return {"enabled": True, "match_by": MatchBy.EMAIL}
    return {
        "enabled": sso.enabled,
        "issuer": sso.issuer,
        "client_id": sso.client_id,
        "client_secret_env": sso.client_secret_env,
        "match_by": sso.match_by,
        "jit_roles": sso.jit_roles.split(),
        "accept_mfa": bool(sso.mfa_amr_values or sso.mfa_acr_values),
    }


def _settings(d: dict[str, Any]) -> sso_actions.SsoSettings:
    return sso_actions.SsoSettings(
        issuer=d["issuer"],
        client_id=d["client_id"],
        enabled=d["enabled"],
        match_by=d["match_by"] or MatchBy.EMAIL,
        jit_roles=tuple(RoleCode(r) for r in d["jit_roles"]),
        accept_mfa=d["accept_mfa"],
        client_secret_env=d["client_secret_env"],
        client_secret=d["client_secret"] or None,
    )


@login_required
@require_http_methods(["GET", "POST"])
def sso_settings(request: AuthedRequest, organisation_id: int) -> HttpResponse:
    org = selectors.organisation_for_sso(actor=request.user, organisation_id=organisation_id)
    current = sso_actions.sso_for_organisation(actor=request.user, organisation=org)
    choices = sso_actions.jit_role_choices(org)
    form = SsoSettingsForm(request.POST or None, initial=_initial(current), jit_choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            sso_actions.sso_configure(
                actor=request.user,
                organisation=org,
                settings=_settings(form.cleaned_data),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Single sign-on settings for {org.name} have been saved")
            return redirect("accounts:sso_settings", organisation_id=org.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=org, verb="organisation.sso_view")
    callback = request.build_absolute_uri(reverse("accounts:sso_callback", args=[org.code]))
    return render(
        request,
        "accounts/admin/sso_settings.html",
        {
            "organisation": org,
            "form": form,
            "current": current,
            "secret_stored": bool(current and current.client_secret),
            "callback": callback,
        },
    )
