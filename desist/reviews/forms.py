"""Forms for case reviews: they parse what was typed; `reviews.services` decides what is
allowed (and says so in GOV.UK messages)."""

from __future__ import annotations

from typing import Any

from django import forms

from desist.core.forms import date_field
from desist.reviews.models import MeetingKind

RELOAD = "Reload the page and try again"


def _choice(label: str, message: str, **kw: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        coerce=int,
        empty_value=None,
        error_messages={"required": message, "invalid_choice": message},
        **kw,
    )


def _many(label: str, message: str, **kw: Any) -> forms.TypedMultipleChoiceField:
    return forms.TypedMultipleChoiceField(
        label=label,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": message, "invalid_choice": message},
        **kw,
    )


class ConveneForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of meeting",
        choices=MeetingKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the kind of meeting"},
    )
    held_on = date_field(
        "Date of the meeting", what="the date of the meeting", help_text="For example, 27 3 2027."
    )
    chair = _choice("Chair", "Select a police officer of this force to chair the meeting")
    agencies = _many(
        "Agencies taking part", "Select the agencies taking part, from this partnership"
    )
    attendees = _many(
        "People present",
        "Select people of this force or of the agencies taking part",
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        chairs: list[tuple[int, str]],
        agencies: list[tuple[int, str]],
        people: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chair"].choices = [("", "Select the chair"), *chairs]  # type: ignore[attr-defined]
        self.fields["agencies"].choices = agencies  # type: ignore[attr-defined]
        self.fields["attendees"].choices = people  # type: ignore[attr-defined]


class ItemForm(forms.Form):
    title = forms.CharField(
        label="What the item is about",
        max_length=200,
        error_messages={
            "required": "Enter what the item is about",
            "max_length": "The item must be 200 characters or fewer",
        },
    )
    subject = _choice("Subject", "Select a subject of this force", required=False)

    def __init__(self, *args: Any, subjects: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [("", "No subject"), *subjects]  # type: ignore[attr-defined]


class SignalForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, max_length=60)


class _Versioned(forms.Form):
    version = forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": RELOAD, "invalid": RELOAD}
    )


class ItemRecordForm(_Versioned):
    discussion = forms.CharField(
        label="Discussion", widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    decisions = forms.CharField(
        label="Decisions", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ActionForm(forms.Form):
    description = forms.CharField(
        label="What is to be done",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter what is to be done",
            "max_length": "The action must be 500 characters or fewer",
        },
    )
    owner = _choice("Owner", "Select someone of this force or of an agency at the meeting")
    due_on = date_field(
        "Due date", what="the date the action is due", help_text="For example, 27 3 2027."
    )

    def __init__(self, *args: Any, owners: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Select the owner"), *owners]  # type: ignore[attr-defined]


class MinutesForm(_Versioned):
    text = forms.CharField(
        label="Minutes", widget=forms.Textarea(attrs={"rows": 8}), required=False
    )


class SignForm(_Versioned):
    pass
