"""Forms parse what was typed; `services` decides what is allowed (its GOV.UK messages land on
these forms through `core.forms.add_service_errors`)."""

from __future__ import annotations

from typing import Any

from django import forms

_RELOAD = {"required": "Reload the page and try again", "invalid": "Reload the page and try again"}


class ProposeForm(forms.Form):
    to_force = forms.TypedChoiceField(
        label="Which force has the subject moved to?",
        coerce=int,
        empty_value=None,
        error_messages={
            "required": "Select the force the subject has moved to",
            "invalid_choice": "Select the force the subject has moved to",
        },
    )
    new_area = forms.CharField(
        label="Area they have moved to (optional)",
        help_text="A town or district, for example Guildford. Record the address on the subject.",
        required=False,
        max_length=100,
        error_messages={"max_length": "The new area must be 100 characters or fewer"},
    )
    reason = forms.CharField(
        label="Why is the file being transferred?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={
            "required": "Enter why the subject's file is being transferred",
            "max_length": "The reason must be 2000 characters or fewer",
        },
    )

    def __init__(self, *args: Any, forces: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["to_force"]
        field.choices = [("", "Select a force")] + forces


class AcceptForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, error_messages=_RELOAD)


class DeclineForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, error_messages=_RELOAD)
    reason = forms.CharField(
        label="Why are you declining the transfer?",
        help_text="The sending force sees this.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={
            "required": "Enter why you are declining the transfer",
            "max_length": "The reason must be 2000 characters or fewer",
        },
    )


class WithdrawForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, error_messages=_RELOAD)
    reason = forms.CharField(
        label="Why are you withdrawing the request?",
        help_text="The receiving force sees this.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={
            "required": "Enter why you are withdrawing the transfer request",
            "max_length": "The reason must be 2000 characters or fewer",
        },
    )
