"""Password reset pages: Django's reset views with GOV.UK templates and Desist's rules
(rate limits, audit, one answer whether or not the address has an account)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse, reverse_lazy

from desist.accounts import recovery


class ResetRequestForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="The address your organisation gave Desist for you.",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


class ResetPasswordForm(SetPasswordForm):  # type: ignore[type-arg]
    error_messages = {
        **SetPasswordForm.error_messages,
        "password_mismatch": "The new passwords do not match",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].error_messages["required"] = "Enter the new password again"
        self.fields["new_password1"].help_text = (
            "At least 12 characters. Not a common password, not all numbers, "
            "and not like your name or username."
        )


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    form_class = ResetRequestForm  # type: ignore[assignment]
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        base_url = recovery.base_url_for(self.request.build_absolute_uri("/"))
        send = recovery.password_reset_request(email=form.cleaned_data["email"], base_url=base_url)
        return recovery.SendAfterResponse(str(self.success_url), after=send)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = ResetPasswordForm
    token_generator = recovery.reset_tokens
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        # The new password, the ended sessions and the audit row stand or fall together: a
        # reset that could not end the old sessions must not leave the password changed.
        with transaction.atomic():
            response = super().form_valid(form)
            recovery.password_reset_complete(user=form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "login_url": reverse("accounts:login")}
