from __future__ import annotations

import base64
import time
from typing import Any, cast
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from desist import policy
from desist.accounts import selectors, services
from desist.accounts.forms import (
    ConfirmPasswordForm,
    DesistPasswordChangeForm,
    LoginForm,
    ReasonForm,
    TokenForm,
    TwoFactorResetForm,
)
from desist.accounts.middleware import idle_timeout_seconds, mark_active
from desist.accounts.models import User
from desist.audit.services import audit_consultation
from desist.core.concurrency import StaleRecordError


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Signing out also empties the browser's storage for the site: unsent note drafts kept
    over an idle sign-out (ADR 0026) must not outlive a deliberate one. session.js clears
    them too, for browsers that ignore the header."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"storage"'
        return response


@login_required
@require_POST
def session_keepalive(request: HttpRequest) -> JsonResponse:
    """The timeout warning's "Stay signed in". SessionLifetimeMiddleware has checked the idle
    clock; this moves it on now (a page view moves it at most once a minute, issue 21) and
    answers how long the session now has.

    Not audited: it reads and changes no record, and sign-in and every sign-out (idle ones
    included) are already audit events; the request log keeps each call."""
    mark_active(request)
    return JsonResponse({"idle_seconds": idle_timeout_seconds()})


def _actor(request: HttpRequest) -> User:
    """The signed-in user (the views that call this are behind login_required)."""
    return cast(User, request.user)


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


REAUTH_SESSION_KEY = "desist_password_confirmed_at"
PENDING_SESSION_KEY = "desist_pending_totp"


def _proof(request: HttpRequest) -> services.SessionProof:
    user: Any = request.user
    return services.SessionProof(
        otp_verified=bool(getattr(user, "is_verified", lambda: False)()),
        password_confirmed_at=request.session.get(REAUTH_SESSION_KEY),
    )


def _to(name: str, next_path: str) -> HttpResponse:
    return redirect(f"{reverse(name)}?next={quote(next_path)}")


@login_required
@require_http_methods(["GET"])
def two_factor_manage(request: HttpRequest) -> HttpResponse:
    """The person's own two-factor page: whether it is set up, and how to replace it."""
    user: Any = request.user
    device = selectors.totp_device_for(user=user)
    return render(request, "accounts/two_factor_manage.html", {"device": device})


@login_required
@require_http_methods(["GET", "POST"])
def confirm_password(request: HttpRequest) -> HttpResponse:
    """GOV.UK-style 'confirm your password' before a change to how the person signs in."""
    user: Any = request.user
    form = ConfirmPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        checked = authenticate(
            request, username=user.get_username(), password=form.cleaned_data["password"]
        )
        if checked is not None and checked.pk == user.pk:
            services.password_confirm_record(actor=user)
            request.session[REAUTH_SESSION_KEY] = time.time()
            return redirect(_safe_next(request))
        form.add_error("password", "Your password is not correct")
    return render(
        request,
        "accounts/confirm_password.html",
        {"form": form, "next": _safe_next(request), "minutes": settings.DESIST_REAUTH_MINUTES},
    )


def _change_refused(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    if isinstance(exc, services.PasswordConfirmationRequired):
        return _to("accounts:confirm_password", request.get_full_path())
    return _to("accounts:two_factor_verify", request.get_full_path())


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up a first authenticator, or replace one (verified session and password needed)."""
    user: Any = request.user
    proof = _proof(request)
    replacing = services.has_second_factor(user)
    try:
        services.two_factor_change_check(actor=user, proof=proof)
        device = selectors.pending_totp_device_for(
            user=user, device_id=request.session.get(PENDING_SESSION_KEY)
        )
        if device is None:
            device = services.totp_device_start(actor=user, proof=proof)
            request.session[PENDING_SESSION_KEY] = device.pk
    except PermissionDenied as exc:
        return _change_refused(request, exc)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_device_confirm(
                actor=user, device=device, token=form.cleaned_data["token"], proof=proof
            )
        except PermissionDenied as exc:
            return _change_refused(request, exc)
        except (ValidationError, services.TwoFactorThrottled) as exc:
            form.add_error("token", _message(exc))
        else:
            request.session.pop(PENDING_SESSION_KEY, None)
            request.session.pop(REAUTH_SESSION_KEY, None)  # one change per confirmation
            otp_login(request, device)
            services.session_cycle_after_second_factor(user=user, session=request.session)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _safe_next(request), "replaced": replacing},
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
            "replacing": replacing,
        },
    )


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return str(exc.messages[0])
    return str(exc)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not services.has_second_factor(user):
        return redirect("accounts:two_factor_setup")
    form = TokenForm(request.POST or None)
    form.fields["token"].label = "Code from your authenticator app, or a recovery code"
    if request.method == "POST" and form.is_valid():
        try:
            device = services.two_factor_verify(actor=user, token=form.cleaned_data["token"])
        except (ValidationError, services.TwoFactorThrottled) as exc:
            form.add_error("token", _message(exc))
        else:
            otp_login(request, device)
            services.session_cycle_after_second_factor(user=user, session=request.session)
            return redirect(_safe_next(request))
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _safe_next(request)}
    )


# --- account administration ---------------------------------------------------------------


@login_required
def manage_list(request: HttpRequest) -> HttpResponse:
    policy.require_perm(request.user, policy.Perm.ACCOUNTS_MANAGE)
    actor = _actor(request)
    users = list(selectors.user_list_for(actor=actor))
    for u in users:  # one wording with the account page and the export
        u.status = selectors.account_status(u)  # type: ignore[attr-defined]
        u.status_tag = selectors.AccountStatus.TAGS[u.status]  # type: ignore[attr-defined]
    audit_consultation(actor=request.user, verb="account.list", object_type="accounts.User")
    may_review = policy.has_perm(actor, policy.Perm.ACCOUNTS_REVIEW)
    return render(
        request,
        "accounts/manage_list.html",
        {
            "users": users,
            "manage_all": policy.has_perm(actor, policy.Perm.ACCOUNTS_MANAGE_ALL),
            "manage_orgs": policy.has_perm(actor, policy.Perm.ORGANISATIONS_MANAGE),
            "may_configure_sso": actor.organisation is not None
            and policy.can(actor, policy.Perm.SSO_CONFIGURE, actor.organisation),
            "may_review": may_review,
            "reviews_due": selectors.user_reviews_due_for(actor=actor).count() if may_review else 0,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def manage_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    target = selectors.user_get_for(actor=_actor(request), user_id=user_id)
    form = ReasonForm(request.POST or None, initial={"version": target.version})
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["version"] != target.version:
                raise StaleRecordError(StaleRecordError.message)
            if target.is_active:
                services.user_disable(
                    actor=_actor(request), user=target, reason=form.cleaned_data["reason"]
                )
                messages.success(request, f"{target.username} has been disabled and signed out")
            else:
                services.user_enable(
                    actor=_actor(request), user=target, reason=form.cleaned_data["reason"]
                )
                messages.success(request, f"{target.username} has been enabled")
        except StaleRecordError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form.add_error("reason", exc.messages[0])
        else:
            return redirect("accounts:manage_detail", user_id=target.pk)
    audit_consultation(actor=request.user, obj=target, verb="account.view")
    return render(
        request,
        "accounts/manage_detail.html",
        {
            "target": target,
            "status": selectors.account_status(target),
            "form": form,
            "has_2fa": services.has_second_factor(target),
            "may_reset_2fa": policy.can(request.user, policy.Perm.ACCOUNTS_2FA_RESET, target),
            "may_review": policy.can(request.user, policy.Perm.ACCOUNTS_REVIEW, target),
            "last_review": target.access_reviews.first(),
            "invited": target.is_active
            and not target.has_usable_password()
            and not target.external_identities.exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def manage_two_factor_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    """An administrator resets a colleague's lost authenticator, with a reason, after typing
    their own password again."""
    actor = _actor(request)
    target = selectors.user_get_for(actor=actor, user_id=user_id)
    policy.require(actor, policy.Perm.ACCOUNTS_2FA_RESET, target)
    if not _proof(request).password_is_recent():
        return _to("accounts:confirm_password", request.get_full_path())
    form = TwoFactorResetForm(request.POST or None)
    has_2fa = services.has_second_factor(target)
    status = 200
    if request.method == "POST" and not has_2fa:
        # Nothing to reset: refused before the form is even checked (the service refuses too).
        return render(
            request,
            "accounts/manage_two_factor_reset.html",
            {"target": target, "form": form, "has_2fa": False},
            status=409,
        )
    if request.method == "POST" and form.is_valid():
        try:
            services.two_factor_reset(actor=actor, user=target, reason=form.cleaned_data["reason"])
        except services.NothingToReset as exc:
            has_2fa = False
            form.add_error(None, exc.messages[0])
        except services.ResetsLimited as exc:
            form.add_error(None, exc.messages[0])
            status = 429
        except ValidationError as exc:
            form.add_error("reason", exc.messages[0])
        else:
            messages.success(
                request,
                f"Two-factor authentication for {target.username} has been reset. "
                "They will set up a new authenticator app when they next sign in",
            )
            return redirect("accounts:manage_detail", user_id=target.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=target, verb="account.view_for_2fa_reset")
    return render(
        request,
        "accounts/manage_two_factor_reset.html",
        {"target": target, "form": form, "has_2fa": has_2fa},
        status=status,
    )
