from __future__ import annotations

from django import forms

from desist.core.dates import plausible_date
from desist.core.forms import GovukDateField
from desist.evaluation.engine.params import COHORTS, COMPARISONS, OUTCOMES
from desist.evaluation.models import FindingArea, FindingStatus, OffenceOutcome


class OffenceForm(forms.Form):
    offence_date = GovukDateField(
        what="the date of the offence",
        label="Date of the offence",
        validators=[plausible_date("the date of the offence")],
        error_messages={"required": "Enter the date the offence was committed"},
    )
    crime_reference = forms.CharField(
        label="Crime reference (optional)", required=False, max_length=40
    )
    stalking_related = forms.BooleanField(
        label="This is a stalking or harassment offence", required=False
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=OffenceOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the outcome of the offence"},
    )
    proven_date = GovukDateField(
        what="the date proven",
        label="Date proven (conviction or caution)",
        validators=[plausible_date("the date proven")],
        required=False,
        help_text="Only for a conviction or a caution",
    )


class OffenceEditForm(OffenceForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


COHORT_LABELS = {
    "itt": "Intention to treat (everyone put forward)",
    "starters": "Starters (attended at least the first session)",
    "completers": "Completers",
}
COMPARISON_LABELS = {
    "not_put_forward": "Subjects not put forward",
    "declined": "Subjects who declined",
    "both": "Both",
}
OUTCOME_LABELS = {
    "any": "Any proven offence",
    "stalking": "Proven stalking or harassment offence",
    "breach": "Proven breach of an SPO",
    "stalking_or_breach": "Stalking offence or SPO breach",
}


class EvaluationParamsForm(forms.Form):
    cohort = forms.ChoiceField(
        label="Treated cohort",
        choices=[("all", "All three cohorts")] + [(c, COHORT_LABELS[c]) for c in COHORTS],
        initial="all",
        widget=forms.RadioSelect,
    )
    comparison = forms.ChoiceField(
        label="Comparison pool",
        choices=[(c, COMPARISON_LABELS[c]) for c in COMPARISONS],
        initial="both",
        widget=forms.RadioSelect,
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[(o, OUTCOME_LABELS[o]) for o in OUTCOMES],
        initial="any",
        widget=forms.RadioSelect,
    )
    follow_up_months = forms.IntegerField(
        label="Follow-up window in months",
        min_value=1,
        max_value=60,
        initial=12,
        error_messages={
            "required": "Enter the follow-up window in months",
            "min_value": "The follow-up window must be at least 1 month",
            "max_value": "The follow-up window must be 60 months or fewer",
            "invalid": "The follow-up window must be a whole number of months",
        },
    )
    waiting_months = forms.IntegerField(
        label="Waiting period in months",
        help_text="Extra time for an offence committed in the window to be proven",
        min_value=0,
        max_value=24,
        initial=6,
        error_messages={
            "required": "Enter the waiting period in months",
            "min_value": "The waiting period cannot be negative",
            "max_value": "The waiting period must be 24 months or fewer",
            "invalid": "The waiting period must be a whole number of months",
        },
    )
    caliper = forms.DecimalField(
        label="Matching caliper (standard deviations of the logit of the propensity score)",
        min_value=0.01,
        max_value=5,
        decimal_places=2,
        initial="0.2",
        error_messages={
            "required": "Enter the matching caliper",
            "min_value": "The caliper must be more than 0",
            "max_value": "The caliper must be 5 or less",
            "invalid": "The caliper must be a number, like 0.2",
        },
    )
    replacement = forms.BooleanField(label="Match with replacement", required=False)

    def params(self) -> dict[str, object]:
        d = self.cleaned_data
        cohorts = list(COHORTS) if d["cohort"] == "all" else [d["cohort"]]
        return {
            "cohorts": cohorts,
            "comparison": d["comparison"],
            "outcome": d["outcome"],
            "follow_up_months": int(d["follow_up_months"]),
            "waiting_months": int(d["waiting_months"]),
            "caliper": float(d["caliper"]),
            "replacement": bool(d["replacement"]),
        }


class FindingForm(forms.Form):
    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter a short title"}
    )
    area = forms.ChoiceField(
        label="Area",
        choices=FindingArea.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the area the finding is about"},
    )
    detail = forms.CharField(
        label="What was found",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Do not include the names of subjects or victims",
        error_messages={"required": "Enter what was found"},
    )
    follow_up = forms.CharField(
        label="Follow-up action (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    follow_up_due = GovukDateField(
        what="the follow-up due date",
        label="Follow-up due (optional)",
        validators=[plausible_date("the follow-up due date")],
        required=False,
    )
    status = forms.ChoiceField(
        label="Status",
        choices=FindingStatus.choices,
        initial=FindingStatus.OPEN,
        widget=forms.RadioSelect,
    )


class FindingEditForm(FindingForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
