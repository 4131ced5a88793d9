"""The police-side victim form. Messages never repeat what was typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms

from desist.people.validators import normalise_email, normalise_phone, normalise_postcode

SEX_CHOICES = [("female", "Female"), ("male", "Male"), ("other", "Other or not recorded")]


def _check(normalise: Callable[[str], str]) -> Callable[[str], None]:
    def validator(value: str) -> None:
        normalise(value)

    return validator


def _text(
    label: str,
    *,
    required: bool,
    max_length: int,
    messages: dict[str, str],
    validators: list[Any] | None = None,
    input_type: str = "text",
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        validators=validators or [],
        error_messages=messages,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "type": input_type}
        ),
    )


class VictimForm(forms.Form):
    first_names = _text(
        "First names",
        required=True,
        max_length=120,
        messages={
            "required": "Enter the victim's first names",
            "max_length": "First names must be 120 characters or fewer",
        },
    )
    last_name = _text(
        "Last name",
        required=True,
        max_length=120,
        messages={
            "required": "Enter the victim's last name",
            "max_length": "Last name must be 120 characters or fewer",
        },
    )
    sex = forms.ChoiceField(
        label="Sex",
        choices=SEX_CHOICES,
        initial="other",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the victim's sex",
            "invalid_choice": "Select the victim's sex",
        },
    )
    address = forms.CharField(
        label="Address (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        error_messages={"max_length": "The address must be 500 characters or fewer"},
    )
    postcode = _text(
        "Postcode (optional)",
        required=False,
        max_length=10,
        validators=[_check(normalise_postcode)],
        messages={"max_length": "Enter a real postcode, like BN1 1AA"},
    )
    phone = _text(
        "Telephone number (optional)",
        required=False,
        max_length=30,
        validators=[_check(normalise_phone)],
        messages={"max_length": "Enter a telephone number, like 01632 960 001"},
        input_type="tel",
    )
    email = _text(
        "Email address (optional)",
        required=False,
        max_length=254,
        validators=[_check(normalise_email)],
        messages={"max_length": "The email address must be 254 characters or fewer"},
        input_type="email",
    )
