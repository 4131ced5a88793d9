"""Forms for risk. The assessment form is generated from the instrument's definition; the
service validates the answers (through the engine), so item fields here only carry values."""

from __future__ import annotations

from typing import Any

from django import forms

from desist.core.dates import plausible_date
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


_DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AssessmentForm(forms.Form):
    """Common fields plus one field per item (named `item_<id>`)."""

    assessed_on = forms.DateField(
        label="Date of the assessment",
        validators=[plausible_date("the date of the assessment")],
        widget=_DATE_WIDGET,
        required=False,
        error_messages={"invalid": "Enter the date of the assessment as a real date"},
    )
    context = forms.CharField(label="When was this assessment made?", required=False)
    review_date = forms.DateField(
        label="Date of the next review",
        validators=[plausible_date("the date of the next review")],
        widget=_DATE_WIDGET,
        required=False,
        help_text="The subject will appear in the risk reviews queue from this date.",
        error_messages={"invalid": "Enter the date of the next review as a real date"},
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
            self.fields[answer_field(item.id)] = forms.CharField(
                label=item.text, required=False, strip=True
            )
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
        return {i.id: data.get(answer_field(i.id)) or "" for i in self.definition.items}

    def item_rows(self) -> list[dict[str, Any]]:
        """Each item with its bound field and a heading when its section starts."""
        rows = []
        section = ""
        for item in self.definition.items:
            heading = item.section if item.section and item.section != section else ""
            section = item.section or section
            rows.append({"item": item, "field": self[answer_field(item.id)], "heading": heading})
        return rows
