"""Forms for subjects. They parse what was typed; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms

from desist.core.dates import LIFETIME
from desist.core.forms import date_field
from desist.people import services
from desist.people.models import InterventionDecision, Sex, validate_pnc
from desist.people.validators import normalise_postcode


def postcode_validator(value: str) -> None:
    normalise_postcode(value)


class SubjectForm(forms.Form):
    first_names = forms.CharField(
        label="First names",
        max_length=120,
        error_messages={
            "required": "Enter the subject's first names",
            "max_length": "First names must be 120 characters or fewer",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=120,
        error_messages={
            "required": "Enter the subject's last name",
            "max_length": "Last name must be 120 characters or fewer",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    date_of_birth = date_field(
        "Date of birth",
        required=False,
        what="the date of birth",
        help_text="If known.",
        future_message=services.DOB_FUTURE,
        bounds=LIFETIME,
    )
    sex = forms.ChoiceField(
        label="Sex",
        choices=Sex.choices,
        initial=Sex.OTHER,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the subject's sex",
            "invalid_choice": "Select the subject's sex",
        },
    )
    pnc_number = forms.CharField(
        label="PNC number (optional)",
        required=False,
        max_length=20,
        help_text="Year, a slash, the serial number and the check letter, like 2019/0123456E.",
        validators=[validate_pnc],
        error_messages={"max_length": "Enter a PNC number in the format 2019/0123456E"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    cro_number = forms.CharField(
        label="CRO number (optional)",
        required=False,
        max_length=20,
        help_text="Serial number, a slash, the year and the check letter, like 123456/19K.",
        error_messages={"max_length": "Enter a CRO number in the format 123456/19K"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    pnd_reference = forms.CharField(
        label="PND reference (optional)",
        required=False,
        max_length=30,
        help_text="The person's reference on the Police National Database.",
        error_messages={"max_length": "The PND reference must be 30 characters or fewer"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    force_reference = forms.CharField(
        label="Force reference (optional)",
        required=False,
        max_length=40,
        help_text="Your force's own reference for this person in its local system (Niche, "
        "Athena or Connect), if it has one.",
        error_messages={"max_length": "The force reference must be 40 characters or fewer"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class SubjectEditForm(SubjectForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class AliasForm(forms.Form):
    name = forms.CharField(
        label="Other name",
        max_length=250,
        help_text="A name the subject uses or has used, including nicknames and online names.",
        error_messages={
            "required": "Enter the other name",
            "max_length": "The name must be 250 characters or fewer",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class AddressForm(forms.Form):
    address = forms.CharField(
        label="Address",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        error_messages={
            "required": "Enter the address",
            "max_length": "The address must be 500 characters or fewer",
        },
    )
    postcode = forms.CharField(
        label="Postcode (optional)",
        required=False,
        max_length=10,
        validators=[postcode_validator],
        error_messages={"max_length": "Enter a real postcode, like BN1 1AA"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    from_date = date_field(
        "Date they started living here",
        required=True,
        what="the date the subject started living at this address",
        help_text="Their previous address will be recorded as ending on this date.",
        future_message=services.MOVED_IN_FUTURE,
        bounds=LIFETIME,
    )


class InterventionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=InterventionDecision.Decision.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the decision about the intervention",
            "invalid_choice": "Select the decision about the intervention",
        },
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=2000,
        help_text="Required if the subject is not suitable or declined.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": "The reason must be 2000 characters or fewer"},
    )
    decided_on = date_field(
        "Date of the decision",
        required=True,
        what="the date of the decision",
        future_message=services.DECIDED_FUTURE,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        missing = services.intervention_reason_error(
            data.get("decision") or "", data.get("reason") or ""
        )
        if missing and "decision" in data:
            self.add_error("reason", missing)
        return data


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Name, alias, PNC number, crime reference or order reference",
        required=False,
        max_length=200,
        error_messages={"max_length": "Search terms must be 200 characters or fewer"},
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    date_of_birth = date_field(
        "Date of birth (optional)",
        required=False,
        what="the date of birth",
        help_text="Only subjects born on this date are shown.",
        bounds=LIFETIME,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not (data.get("q") or "").strip() and not data.get("date_of_birth"):
            self.add_error("q", "Enter a name, PNC number or reference, or a date of birth")
        return data
