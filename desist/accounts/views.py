from __future__ import annotations

import base64
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from desist import policy
from desist.accounts import selectors, services
from desist.accounts.forms import DesistPasswordChangeForm, LoginForm, ReasonForm, TokenForm
from desist.audit.services import audit_consultation
from desist.core.concurrency import StaleRecordError


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = DesistPasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user: Any = request.user
        services.user_change_password(actor=user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, user)
        messages.success(request, "Your password has been changed")
        return redirect("core:home")
    return render(request, "accounts/password_change.html", {"form": form})


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    return image.to_string(encoding="unicode")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    device_id = request.session.get("desist_pending_totp")
    device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
    if device is None:
        device = services.totp_device_start(actor=user)
        request.session["desist_pending_totp"] = device.pk
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_device_confirm(
                actor=user, device=device, token=form.cleaned_data["token"]
            )
        except ValidationError as exc:
            form.add_error("token", exc.messages[0])
        else:
            request.session.pop("desist_pending_totp", None)
            otp_login(request, device)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _safe_next(request)},
            )
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device.config_url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": _safe_next(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:two_factor_setup")
    form = TokenForm(request.POST or None)
    form.fields["token"].label = "Code from your authenticator app, or a recovery code"
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"].replace(" ", ""))
        if device is None:
            form.add_error("token", "The code is not correct. Enter the 6-digit code from your app")
        else:
            otp_login(request, device)
            return redirect(_safe_next(request))
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _safe_next(request)}
    )


# --- account administration ---------------------------------------------------------------


@login_required
def manage_list(request: HttpRequest) -> HttpResponse:
    policy.require_perm(request.user, policy.Perm.ACCOUNTS_MANAGE)
    users = selectors.user_list_for(actor=request.user)
    return render(request, "accounts/manage_list.html", {"users": users})


@login_required
@require_http_methods(["GET", "POST"])
def manage_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    target = selectors.user_get_for(actor=request.user, user_id=user_id)
    form = ReasonForm(request.POST or None, initial={"version": target.version})
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["version"] != target.version:
                raise StaleRecordError(StaleRecordError.message)
            if target.is_active:
                services.user_disable(
                    actor=request.user, user=target, reason=form.cleaned_data["reason"]
                )
                messages.success(request, f"{target.username} has been disabled and signed out")
            else:
                services.user_enable(
                    actor=request.user, user=target, reason=form.cleaned_data["reason"]
                )
                messages.success(request, f"{target.username} has been enabled")
        except StaleRecordError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form.add_error("reason", exc.messages[0])
        else:
            return redirect("accounts:manage_detail", user_id=target.pk)
    audit_consultation(actor=request.user, obj=target, verb="account.view")
    has_2fa = TOTPDevice.objects.filter(user=target, confirmed=True).exists()
    return render(
        request, "accounts/manage_detail.html", {"target": target, "form": form, "has_2fa": has_2fa}
    )
