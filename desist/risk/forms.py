"""Forms for risk. The assessment form is generated from the instrument's definition; the
service validates the answers (through the engine), so item fields here only carry values."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from desist.core.dates import plausible_date
from desist.core.forms import GovukDateField
from desist.risk import engine
from desist.risk.models import AssessmentContext
from desist.risk.services import MAX_RATIONALE, answer_field


class InstrumentUploadForm(forms.Form):
    file = forms.FileField(
        label="Upload an instrument file",
        help_text="A JSON or YAML file, smaller than 1MB, set out as the instrument file guide describes.",
        error_messages={"required": "Select a JSON or YAML file"},
    )


class InstrumentChoiceForm(forms.Form):
    instrument = forms.TypedChoiceField(
        label="Which instrument do you want to use?",
        coerce=int,
        error_messages={
            "required": "Select an instrument",
            "invalid_choice": "Select an instrument",
        },
    )

    def __init__(self, *args: Any, instruments: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["instrument"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(i.pk, str(i)) for i in instruments]


class ActiveForm(forms.Form):
    is_active = forms.BooleanField(required=False, widget=forms.HiddenInput)


def _item_field(item: engine.Item) -> forms.Field:
    """An item's answer as given; the engine decides whether it is allowed. A date item is a
    GOV.UK date input whose legend carries the question's number, as the other items' do."""
    if item.type == engine.DATE:
        optional = "" if item.required else " (optional)"
        return GovukDateField(
            what=f"the date for question {item.number}",
            label=f"{item.number}. {item.text}{optional}",
            required=False,
        )
    return forms.CharField(label=item.text, required=False, strip=True)


class AssessmentForm(forms.Form):
    """Common fields plus one field per item (named `item_<id>`)."""

    assessed_on = GovukDateField(
        what="the date of the assessment",
        label="Date of the assessment",
        validators=[plausible_date("the date of the assessment")],
        required=False,
    )
    context = forms.CharField(label="When was this assessment made?", required=False)
    review_date = GovukDateField(
        what="the date of the next review",
        label="Date of the next review",
        validators=[plausible_date("the date of the next review")],
        required=False,
        help_text="The subject will appear in the risk reviews queue from this date.",
    )
    rationale = forms.CharField(
        label="Reasons for your assessment (optional)",
        required=False,
        max_length=MAX_RATIONALE,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Anything that the score does not show. Do not include the victim's address or contact details.",
        error_messages={"max_length": f"Reasons must be {MAX_RATIONALE:,} characters or fewer"},
    )

    def __init__(self, *args: Any, definition: engine.Definition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.definition = definition
        judgement = definition.judgement
        if judgement and judgement.review_date_item:
            del self.fields["review_date"]
        if judgement and judgement.rationale_item:
            del self.fields["rationale"]
        if "review_date" in self.fields and definition.kind == engine.OUTCOME_MEASURE:
            self.fields["review_date"].label = "Date of the next review (optional)"
        for item in definition.items:
            self.fields[answer_field(item.id)] = _item_field(item)
        # The order of the page, so the error summary lists problems top to bottom.
        self.order_fields(
            ["assessed_on", "context"]
            + [answer_field(i.id) for i in definition.items]
            + ["review_date", "rationale"]
        )

    @property
    def context_choices(self) -> list[tuple[str, str]]:
        return list(AssessmentContext.choices)

    def answers(self) -> dict[str, str]:
        data = self.cleaned_data
        found = {i.id: data.get(answer_field(i.id)) for i in self.definition.items}
        # The engine takes every answer as text, a date in ISO format.
        return {k: v.isoformat() if isinstance(v, dt.date) else v or "" for k, v in found.items()}

    def item_rows(self) -> list[dict[str, Any]]:
        """Each item with its bound field and a heading when its section starts."""
        rows = []
        section = ""
        for item in self.definition.items:
            heading = item.section if item.section and item.section != section else ""
            section = item.section or section
            rows.append({"item": item, "field": self[answer_field(item.id)], "heading": heading})
        return rows
