from __future__ import annotations

from typing import Any

from django import forms

from desist.core.dates import plausible_date
from desist.core.forms import FirstError, GovukDateField, not_future
from desist.sar.models import PersonKind, Requester


class LogForm(forms.Form):
    person_kind = forms.ChoiceField(
        label="Whose data is asked for?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select whose data is asked for"},
    )
    person_id = forms.IntegerField(
        label="Their ID in Desist",
        help_text="The number in the address of their page, for example 123 for /subjects/123/ "
        "or /safeguarding/victims/123/",
        min_value=1,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-10"}),
        error_messages={
            "required": "Enter their ID in Desist",
            "invalid": "Enter their ID in Desist as a number",
            "min_value": "Enter their ID in Desist as a number",
        },
    )
    requester = forms.ChoiceField(
        label="Who made the request?",
        choices=Requester.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who made the request"},
    )
    requester_details = forms.CharField(
        label="Who is acting for them (if someone is)",
        help_text="Name and organisation, for example a solicitor's firm",
        required=False,
        max_length=500,
        error_messages={"max_length": "Who is acting for them must be 500 characters or fewer"},
    )
    received_on = GovukDateField(
        what="the date the request was received",
        label="Date the request was received",
        help_text="The due date is one calendar month after it",
        validators=[plausible_date("the date the request was received")],
        error_messages={
            "required": "Enter the date the request was received",
        },
    )

    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(value, label) for value, label in PersonKind.choices if value in kinds]
        kind_field = self.fields["person_kind"]
        assert isinstance(kind_field, forms.ChoiceField)
        kind_field.choices = choices


class ReleaseForm(forms.Form):
    """Releasing cannot be undone: the day the bundle went to the person, and a confirmation."""

    released_on = GovukDateField(
        what="the date the bundle was released",
        label="Date the bundle was released to the person",
        help_text="Today or earlier, not before the request was received",
        validators=[
            FirstError(
                not_future("The date the bundle was released must be today or in the past"),
                plausible_date("the date the bundle was released"),
            )
        ],
        error_messages={
            "required": "Enter the date the bundle was released",
        },
    )
    confirm = forms.BooleanField(
        label="I have checked every record and sent the bundle to the person",
        error_messages={"required": "Confirm that you have checked and sent the bundle"},
    )
