"""Forms for the webhook pages. The commands (services.py) validate and say what is wrong in
GOV.UK words; these only shape the input."""

from __future__ import annotations

from typing import Any

from django import forms

from desist.core.models import Organisation
from desist.events.kinds import EVENT_LABELS, TYPES_FOR_KIND, EventType


class SubscriptionForm(forms.Form):
    organisation = forms.TypedChoiceField(
        label="Which organisation's events?",
        coerce=int,
        error_messages={
            "required": "Choose the organisation whose events will be sent",
            "invalid_choice": "Choose the organisation whose events will be sent",
        },
    )
    name = forms.CharField(
        label="Name",
        max_length=100,
        required=False,
        help_text="Say which system receives the events, like 'Niche RMS'.",
    )
    url = forms.CharField(
        label="Endpoint URL",
        max_length=500,
        required=False,
        help_text="Where Desist sends each event, starting https://",
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "url"}),
    )
    event_types = forms.MultipleChoiceField(
        label="Which events?",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Police forces receive events about their own orders and referrals; "
        "intervention providers only referral status changes, for their own programmes.",
    )

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org: Any = self.fields["organisation"]
        org.choices = [("", "Choose an organisation")] + [(o.pk, o.name) for o in organisations]
        # Offer only the events some offered organisation may receive (a provider's
        # administrator never sees order events); the command checks the one chosen.
        offered = {t for o in organisations for t in TYPES_FOR_KIND.get(o.kind, ())}
        types: Any = self.fields["event_types"]
        types.choices = [(str(t), EVENT_LABELS[t]) for t in EventType if t in offered]


class StatusForm(forms.Form):
    action = forms.ChoiceField(
        label="What do you want to do?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what to do with the subscription",
            "invalid_choice": "Select what to do with the subscription",
        },
    )
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed to pause or revoke. This is recorded in the audit log.",
    )

    def __init__(self, *args: Any, actions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        action: Any = self.fields["action"]
        action.choices = actions
