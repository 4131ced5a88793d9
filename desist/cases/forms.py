"""Forms for cases. They parse what was typed; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms

from desist.cases import services
from desist.cases.models import ClosureReason, IncidentType, Relationship
from desist.core.forms import date_field

FOUR_CHOICES = [
    ("fixated", "Fixated"),
    ("obsessive", "Obsessive"),
    ("unwanted", "Unwanted"),
    ("repeated", "Repeated"),
]
FOUR_HINTS = {
    "fixated": "A fixation on the victim: thoughts, contact or behaviour centred on them.",
    "obsessive": "Behaviour that is persistent and hard for the subject to stop.",
    "unwanted": "The victim has made clear, or it is plain, that the attention is unwanted.",
    "repeated": "It has happened more than once, in any form.",
}


class CaseForm(forms.Form):
    crime_reference = forms.CharField(
        label="Crime reference",
        max_length=40,
        error_messages={
            "required": "Enter the crime reference",
            "max_length": "The crime reference must be 40 characters or fewer",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    relationship = forms.ChoiceField(
        label="The subject's relationship to the victim",
        choices=Relationship.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the subject's relationship to the victim",
            "invalid_choice": "Select the subject's relationship to the victim",
        },
    )
    indicators = forms.MultipleChoiceField(
        label="FOUR indicators present",
        required=False,
        choices=FOUR_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select only the FOUR indicators listed"},
    )
    summary = forms.CharField(
        label="Summary (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"max_length": "The summary must be 5000 characters or fewer"},
    )
    opened_on = date_field(
        "Date the case was opened",
        required=True,
        what="the date the case was opened",
        future_message=services.OPENED_FUTURE,
    )


class IncidentForm(forms.Form):
    occurred_on = date_field(
        "Date of the incident",
        required=True,
        what="the date of the incident",
        future_message=services.INCIDENT_FUTURE,
    )
    incident_type = forms.ChoiceField(
        label="Type of incident",
        choices=IncidentType.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the type of incident",
            "invalid_choice": "Select the type of incident",
        },
    )
    description = forms.CharField(
        label="What happened (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"max_length": "The description must be 5000 characters or fewer"},
    )


class _Versioned(forms.Form):
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "Reload the page and try again",
            "invalid": "Reload the page and try again",
        },
    )


class CaseEditForm(CaseForm, _Versioned):
    pass


class CloseForm(_Versioned):
    closed_on = date_field(
        "Date the case was closed",
        required=True,
        what="the date the case was closed",
        future_message=services.CLOSED_FUTURE,
    )
    reason = forms.ChoiceField(
        label="Why is the case being closed?",
        choices=ClosureReason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select why the case is being closed",
            "invalid_choice": "Select why the case is being closed",
        },
    )


class ReopenForm(_Versioned):
    pass


class AssignForm(_Versioned):
    """Officer in charge and team for a case or order; the choices are the record's force's
    (desist.cases.ownership), and the service checks the answer again."""

    officer = forms.TypedChoiceField(
        label="Officer in charge",
        coerce=int,
        empty_value=None,
        error_messages={
            "required": "Select the officer in charge",
            "invalid_choice": "Select an officer of this force",
        },
    )
    team = forms.ChoiceField(
        label="Team",
        required=False,
        help_text="Leave as the officer's own team unless the work sits with another team.",
        error_messages={"invalid_choice": "Select a team from the list"},
    )

    def __init__(
        self,
        *args: Any,
        officers: list[tuple[int, str]],
        teams: list[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].choices = [("", "Select an officer"), *officers]  # type: ignore[attr-defined]
        self.fields["team"].choices = [("", "The officer's own team"), *((t, t) for t in teams)]  # type: ignore[attr-defined]
