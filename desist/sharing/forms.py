"""Forms for the inbox, the disclosure log and break-glass access (validation messages in
GOV.UK style; the services validate again)."""

from __future__ import annotations

from typing import Any

from django import forms

from desist.core.dates import plausible_date
from desist.core.forms import GovukDateField
from desist.sharing.models import BreakGlassGrant, LawfulBasis


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="What you have done or will do (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": "The note must be 2000 characters or fewer"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class DisclosureFilterForm(forms.Form):
    organisation = forms.TypedChoiceField(
        label="Organisation (shared by or with)", required=False, coerce=int, empty_value=None
    )
    lawful_basis = forms.ChoiceField(
        label="Lawful basis",
        required=False,
        choices=[("", "Any lawful basis"), *LawfulBasis.choices],
    )
    date_from = GovukDateField(
        what="the 'from' date",
        label="From",
        required=False,
        validators=[plausible_date("the 'from' date")],
    )
    date_to = GovukDateField(
        what="the 'to' date",
        label="To",
        required=False,
        validators=[plausible_date("the 'to' date")],
    )

    def __init__(self, *args: Any, organisations: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisations:
            field = self.fields["organisation"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", "Any organisation"), *organisations]
        else:
            del self.fields["organisation"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The 'to' date must be the same as or after the 'from' date")
        return data


class BreakGlassRequestForm(forms.Form):
    record_type = forms.ChoiceField(
        label="Which kind of record do you need?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select the kind of record you need"},
    )
    reference = forms.CharField(
        label="Reference of the record",
        max_length=60,
        help_text=(
            "A subject's PNC number or force reference, a case's crime reference, an order's "
            "reference, or a victim's reference (like V000123)"
        ),
        error_messages={"required": "Enter the reference of the record"},
    )
    justification = forms.CharField(
        label="Why do you need this record now?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Your reason is recorded, shown to the overseer and reviewed.",
        error_messages={
            "required": "Enter a reason for emergency access",
            "max_length": "The reason must be 2000 characters or fewer",
        },
    )

    def __init__(self, *args: Any, record_types: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(BreakGlassGrant.RecordType.choices)
        field = self.fields["record_type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(t, labels[t]) for t in record_types]
        if BreakGlassGrant.RecordType.VICTIM not in record_types:  # only the kinds offered
            self.fields["reference"].help_text = (
                "A subject's PNC number or force reference, a case's crime reference or an "
                "order's reference"
            )


class BreakGlassDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Do you approve this emergency access?",
        choices=[
            ("approve", "Approve: open the record for the requester now"),
            ("refuse", "Refuse: the record stays closed"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether to approve or refuse the request"},
    )
    note = forms.CharField(
        label="Your reasons",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Required if you refuse. Recorded in the audit log.",
        error_messages={"max_length": "The note must be 2000 characters or fewer"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class BreakGlassReviewForm(forms.Form):
    finding = forms.ChoiceField(
        label="Your finding",
        choices=BreakGlassGrant.Finding.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select your finding"},
    )
    notes = forms.CharField(
        label="Reasons for your finding",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": "Enter the reasons for your finding",
            "max_length": "The reasons must be 4000 characters or fewer",
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
