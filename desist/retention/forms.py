from __future__ import annotations

from django import forms

from desist.core.dates import plausible_date
from desist.core.forms import GovukDateField
from desist.retention.services import REASON_MAX

# Reasons carry no max_length: a browser's maxlength would cut a pasted reason silently. The
# commands refuse one over REASON_MAX with a GOV.UK message instead.


class KeepForm(forms.Form):
    reason = forms.CharField(
        label="Why is the record kept?",
        help_text="The policing, care or legal purpose that still needs it, "
        f"in {REASON_MAX:,} characters or fewer",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why the record is kept"},
    )
    next_review_on = GovukDateField(
        what="the date of the next review",
        label="Date of the next review",
        validators=[plausible_date("the date of the next review")],
        error_messages={
            "required": "Enter the date of the next review",
        },
    )


class HoldForm(forms.Form):
    reason = forms.CharField(
        label="Why is the record held?",
        help_text="For example, the claim, inquiry or complaint that needs it kept, "
        f"in {REASON_MAX:,} characters or fewer",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why the record is held"},
    )


class LiftForm(forms.Form):
    reason = forms.CharField(
        label="Why is the hold lifted?",
        help_text=f"In {REASON_MAX:,} characters or fewer",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why the hold is lifted"},
    )
