"""Forms for orders. They parse what was typed; the services decide what is allowed (dates in
order, 2-year minimum, who may change the status) and their messages land on these fields."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import F

from desist.core.forms import date_field
from desist.orders.models import (
    Breach,
    Hearing,
    Notification,
    OrderEvent,
    OrderStatus,
    Term,
    VictimUpdate,
)

YES_NO = [("yes", "Yes"), ("no", "No")]


def text_field(
    label: str, *, what: str, max_length: int, required: bool = True, help_text: str = ""
) -> Any:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        error_messages={
            "required": f"Enter {what}",
            "max_length": f"{what[0].upper()}{what[1:]} must be {max_length} characters or fewer",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


def long_text(
    label: str, *, what: str, required: bool = False, help_text: str = "", max_length: int = 4000
) -> Any:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": f"Enter {what}",
            "max_length": f"{what[0].upper()}{what[1:]} must be {max_length} characters or fewer",
        },
    )


def radios(label: str, choices: Any, *, message: str, required: bool = True) -> Any:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=required,
        widget=forms.RadioSelect,
        error_messages={"required": message, "invalid_choice": message},
    )


def select(label: str, choices: Any, *, message: str, required: bool = True) -> Any:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=required,
        error_messages={"required": message, "invalid_choice": message},
    )


class VersionedForm(forms.Form):
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "Reload the page and try again",
            "invalid": "Reload the page and try again",
        },
    )


# --- register ----------------------------------------------------------------------------------


# The register's orderings (issue 19): value -> (label, fields).
REGISTER_SORTS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "": ("Newest application first", ("-application_date", "-id")),
    "oldest": ("Oldest application first", ("application_date", "id")),
    "ending": (
        "Ending soonest",
        (
            F("full_ends_on").asc(nulls_last=True),
            F("interim_expires_on").asc(nulls_last=True),
            "id",
        ),
    ),
    "reference": ("Reference", ("reference", "id")),
}


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *OrderStatus.choices],
    )
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[(k, label) for k, (label, _) in REGISTER_SORTS.items()],
    )


class ApplyForm(forms.Form):
    application_date = date_field("Date of the application", what="the date of the application")
    court = text_field(
        "Magistrates' court",
        what="the name of the magistrates' court",
        max_length=200,
        help_text="The court the application was made to, for example Brighton Magistrates' Court.",
    )
    applying_force = select(
        "Police force that applied", [], message="Select the police force that applied"
    )
    case = select(
        "Case (optional)", [], message="Select a case involving this subject", required=False
    )
    reference = text_field(
        "Order reference (optional)",
        what="the order reference",
        max_length=40,
        required=False,
        help_text="Leave empty to have a reference made for you, like SPO-SUSSEX-2026-0001.",
    )
    sex_offender_notification = radios(
        "Is the subject already subject to sex offender notification requirements?",
        YES_NO,
        message="Select yes if the subject is already subject to sex offender notification",
    )

    def __init__(
        self,
        *args: Any,
        force_choices: list[tuple[int, str]],
        case_choices: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["applying_force"].choices = force_choices  # type: ignore[attr-defined]
        self.fields["case"].choices = [("", "No case linked"), *case_choices]  # type: ignore[attr-defined]


class EditForm(VersionedForm):
    reference = text_field("Order reference", what="the order reference", max_length=40)
    court = text_field(
        "Magistrates' court", what="the name of the magistrates' court", max_length=200
    )
    case = select(
        "Case (optional)", [], message="Select a case involving this subject", required=False
    )
    sex_offender_notification = radios(
        "Is the subject already subject to sex offender notification requirements?",
        YES_NO,
        message="Select yes if the subject is already subject to sex offender notification",
    )

    def __init__(self, *args: Any, case_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].choices = [("", "No case linked"), *case_choices]  # type: ignore[attr-defined]


# --- hearings and decisions ----------------------------------------------------------------------


class HearingForm(VersionedForm):
    heard_on = date_field("Date of the hearing", what="the date of the hearing")
    kind = radios("Kind of hearing", Hearing.Kind.choices, message="Select the kind of hearing")
    court = text_field(
        "Court (optional)",
        what="the name of the court",
        max_length=200,
        required=False,
        help_text="Leave empty if it was the court the application was made to.",
    )
    adjourned_to = date_field(
        "Adjourned to (optional)",
        what="the date the hearing was adjourned to",
        required=False,
        help_text="The date of the next hearing, if the court set one.",
    )
    notes = long_text("Notes (optional)", what="the notes")


class InterimForm(VersionedForm):
    made_on = date_field("Date the interim order was made", what="the date the order was made")
    expires_on = date_field(
        "Date the interim order expires",
        what="the date the interim order expires",
        help_text="The end of the fixed period the court set. The order also ends when the "
        "full application is decided.",
    )
    court = text_field(
        "Court (optional)", what="the name of the court", max_length=200, required=False
    )


class FullForm(VersionedForm):
    made_on = date_field("Date the full order was made", what="the date the order was made")
    ends_on = date_field(
        "Date the order ends",
        what="the date the order ends",
        required=False,
        help_text="At least 2 years, counting the day it was made as the first day (made 4 "
        "December 2026, it may end 3 December 2028). Leave empty if the order lasts "
        "until a further order.",
    )
    until_further_order = forms.BooleanField(
        label="The order lasts until a further order", required=False
    )
    court = text_field(
        "Court (optional)", what="the name of the court", max_length=200, required=False
    )


class RefuseForm(VersionedForm):
    refused_on = date_field("Date the court refused the order", what="the date of the refusal")
    reason = long_text(
        "The court's reasons", what="the court's reasons for refusing the order", required=True
    )
    court = text_field(
        "Court (optional)", what="the name of the court", max_length=200, required=False
    )


class WithdrawForm(VersionedForm):
    withdrawn_on = date_field("Date the application was withdrawn", what="the date of withdrawal")
    reason = long_text("Reason", what="the reason for withdrawing the application", required=True)


class ServeForm(VersionedForm):
    served_on = date_field(
        "Date of service",
        what="the date of service",
        help_text="The subject must notify their names and home address within 3 days; the "
        "day of service is day 1.",
    )


class CirculationForm(VersionedForm):
    circulated_on = date_field(
        "Date of the PNC entry",
        what="the date of the PNC entry",
        help_text="The day the order was entered on the Police National Computer.",
    )


class ConfirmForm(VersionedForm):
    """A check-your-answers confirmation carrying only the version read."""


# --- terms ------------------------------------------------------------------------------------


class TermForm(forms.Form):
    kind = radios(
        "Kind of term",
        Term.Kind.choices,
        message="Select whether the term is a prohibition or a requirement",
    )
    category = radios(
        "What is the term about?",
        Term.Category.choices,
        message="Select what the term is about",
    )
    wording = long_text(
        "Wording of the term",
        what="the wording of the term",
        required=True,
        help_text="As the court wrote it. Only the police see this wording.",
    )
    provider_description = long_text(
        "Description for the intervention provider",
        what="a description of the term for the provider",
        required=True,
        max_length=1000,
        help_text="The provider sees this instead of the court's wording. Describe what the "
        "subject must or must not do without naming, locating or giving contact details of "
        "any victim: for example, 'Must not contact the protected person by any means, "
        "including through other people'. Protected people are shown as references.",
    )
    area = text_field(
        "Area (optional)",
        what="the area",
        max_length=300,
        required=False,
        help_text="For example the streets or distance the term names.",
    )
    protected_persons = forms.MultipleChoiceField(
        label="People this term protects",
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        help_text="Victims recorded on this subject's cases.",
        error_messages={
            "required": "Select the people this term protects",
            "invalid_choice": "Select protected people from the victims of this subject's cases",
        },
    )
    responsible_organisation = select(
        "Organisation responsible (requirements only)",
        [],
        message="Select the organisation responsible for the requirement",
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        victim_choices: list[tuple[int, str]],
        organisation_choices: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["protected_persons"].choices = victim_choices  # type: ignore[attr-defined]
        self.fields["responsible_organisation"].choices = [  # type: ignore[attr-defined]
            ("", "None (a prohibition)"),
            *organisation_choices,
        ]


# --- variation, renewal, discharge, appeal -------------------------------------------------------


class EventForm(VersionedForm):
    applicant = radios("Who applied?", OrderEvent.Applicant.choices, message="Select who applied")
    court = text_field("Court", what="the name of the court", max_length=200)
    decided_on = date_field("Date of the decision", what="the date of the decision")
    outcome = radios("Decision", OrderEvent.Outcome.choices, message="Select the court's decision")
    details = long_text(
        "Details",
        what="the details",
        help_text="What the court decided and why. Required if the application was granted.",
    )
    new_ends_on = date_field("New end date", what="the new end date", required=False, help_text="")
    until_further_order = forms.BooleanField(
        label="The order now lasts until a further order", required=False
    )
    consents = forms.MultipleChoiceField(
        label="Consent to the discharge",
        choices=[
            ("defendant", "The subject (the defendant) consented"),
            ("chief_officer", "The chief officer of police consented"),
        ],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Select who consented to the discharge"},
    )

    def __init__(
        self,
        *args: Any,
        kind: str,
        against_refusal: bool = False,
        consent_needed_until: dt.date | None = None,
        full: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        K = OrderEvent.Kind  # noqa: N806
        if kind == K.DISCHARGE and consent_needed_until is not None:
            self.fields["consents"].help_text = (
                "A full order cannot be discharged within 2 years of the day it was made "
                "without the consent of both the subject and the chief officer of police "
                "(Stalking Protection Act 2019, section 7). For this order that is a decision "
                f"on or before {consent_needed_until.day} {consent_needed_until:%B %Y}."
            )
        else:
            del self.fields["consents"]
        ends_with_order = kind == K.RENEWAL or (kind == K.APPEAL and against_refusal)
        if kind == K.APPEAL:
            self.fields["court"].help_text = "Appeals are heard by the Crown Court."
            self.fields["applicant"].label = "Who appealed?"
        if kind == K.APPEAL and against_refusal:
            self.fields["new_ends_on"].label = "Date the order ends"
            self.fields["new_ends_on"].help_text = (
                "Required if the appeal was allowed and the court made a full order: at least "
                "2 years, counting the day of the decision as the first day."
            )
            self.fields["until_further_order"].label = "The order lasts until a further order"
            self.fields["new_ends_on"].error_messages["invalid"] = (
                "The date the order ends must be a real date"
            )
            self.fields[
                "details"
            ].help_text = "What the court decided and why. Required if the appeal was allowed."
        elif kind == K.RENEWAL:
            self.fields["new_ends_on"].help_text = "Required if the renewal was granted."
        elif kind == K.VARIATION:
            self.fields["new_ends_on"].label = "New end date (optional)"
            self.fields["new_ends_on"].help_text = (
                "Only if the court changed when a full order ends: at least 2 years, counting "
                "the day it was made as the first day."
            )
        # Only a full order's end date can be varied: an interim order is not offered it.
        varies_end = kind == K.VARIATION and full
        if kind != K.RENEWAL and not varies_end and not ends_with_order:
            del self.fields["new_ends_on"]
        if not ends_with_order:
            del self.fields["until_further_order"]


# --- notifications -----------------------------------------------------------------------------


class ChangeNotificationForm(forms.Form):
    kind = radios(
        "What did the subject notify?",
        [
            (Notification.Kind.CHANGE_OF_NAME, "A change of name"),
            (Notification.Kind.CHANGE_OF_ADDRESS, "A change of home address"),
        ],
        message="Select whether the subject notified a change of name or of address",
    )
    changed_on = date_field(
        "Date of the change",
        what="the date of the change",
        help_text="The notification is due within 3 days; the day of the change is day 1.",
    )
    received_on = date_field(
        "Date the subject notified the police", what="the date the notification was received"
    )
    new_name = text_field(
        "New name (for a change of name)",
        what="the name the subject notified",
        max_length=250,
        required=False,
    )
    address = forms.CharField(
        label="New address (for a change of address)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        error_messages={"max_length": "The address must be 500 characters or fewer"},
    )
    postcode = text_field("Postcode (optional)", what="the postcode", max_length=10, required=False)


class ReceivedForm(forms.Form):
    received_on = date_field(
        "Date the subject notified the police", what="the date the notification was received"
    )


class AcknowledgedForm(forms.Form):
    acknowledged_on = date_field(
        "Date of the written acknowledgement", what="the date of the acknowledgement"
    )


# --- breaches ---------------------------------------------------------------------------------


class BreachForm(forms.Form):
    term = radios("Term breached", [], message="Select the term that was breached")
    occurred_on = date_field("Date of the breach", what="the date of the breach")
    detection = select(
        "How the breach came to light",
        [("", "Select"), *Breach.Detection.choices],
        message="Select how the breach came to light",
    )
    police_action = radios(
        "Police action", Breach.PoliceAction.choices, message="Select the action the police took"
    )
    court_outcome = select(
        "Court outcome",
        Breach.CourtOutcome.choices,
        message="Select the court outcome",
        required=False,
    )
    court_outcome_on = date_field(
        "Date of the court outcome (optional)",
        what="the date of the court outcome",
        required=False,
    )
    details = long_text("Details (optional)", what="the details")

    def __init__(self, *args: Any, term_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["term"].choices = term_choices  # type: ignore[attr-defined]


class BreachOutcomeForm(forms.Form):
    court_outcome = select(
        "Court outcome",
        Breach.CourtOutcome.choices,
        message="Select the court outcome",
        required=False,
    )
    court_outcome_on = date_field(
        "Date of the court outcome", what="the date of the court outcome", required=False
    )
    # The outcome as read when the form was shown (breaches.outcome_seen): a concurrent save
    # is refused instead of overwritten.
    seen = forms.CharField(widget=forms.HiddenInput, required=False)


# --- changes to terms and dates (issue 19) --------------------------------------------------

_WORDING_HELP = "As the court wrote it. Only the police see this wording."
_PROVIDER_HELP = (
    "Write it again for the new wording. The provider sees this instead of the court's "
    "wording: never name, locate or give contact details of any victim."
)


class _TermTextForm(VersionedForm):
    wording = long_text(
        "Wording of the term",
        what="the wording of the term",
        required=True,
        help_text=_WORDING_HELP,
    )
    provider_description = long_text(
        "Description for the intervention provider",
        what="a description of the term for the provider",
        required=True,
        max_length=1000,
        help_text=_PROVIDER_HELP,
    )
    area = text_field(
        "Area (optional)", what="the area", max_length=300, required=False, help_text=""
    )


class TermVaryForm(_TermTextForm):
    decided_on = date_field(
        "Date the court varied the term", what="the date of the court's decision"
    )
    reason = long_text("Notes on the variation (optional)", what="notes", max_length=2000)


class TermEndForm(VersionedForm):
    decided_on = date_field(
        "Date the court ended the term", what="the date of the court's decision"
    )
    reason = long_text(
        "What the court decided", what="what the court decided", required=True, max_length=2000
    )


class TermCorrectForm(_TermTextForm):
    reason = long_text(
        "Reason for the correction",
        what="the reason for the correction",
        required=True,
        max_length=2000,
        help_text="For example, what was keyed wrongly and where the right wording comes from.",
    )


class DateCorrectForm(VersionedForm):
    """One date input per date the order has recorded, and the reason."""

    reason = long_text(
        "Reason for the correction",
        what="the reason for the correction",
        required=True,
        max_length=2000,
        help_text="For example, the court record the right date comes from.",
    )

    def __init__(self, *args: Any, fields: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reason = self.fields.pop("reason")
        for name, label in fields:
            self.fields[name] = date_field(label, what=f"the date: {label.lower()}")
        self.fields["reason"] = reason


# --- updates to victims (Victims' Code) ---------------------------------------------------------


class VictimUpdateForm(forms.Form):
    victim = radios(
        "Who did you give the update to?", [], message="Select the victim you gave the update to"
    )
    event_key = radios("What was the update about?", [], message="Select what the update was about")
    told_on = date_field("Date you gave the update", what="the date you gave the update")
    how = radios(
        "How did you give the update?",
        VictimUpdate.How.choices,
        message="Select how you gave the update",
    )
    summary = long_text(
        "What you told the victim",
        what="what you told the victim",
        required=True,
        max_length=2000,
        help_text="Police only. Do not write anything the victim asked not to be recorded.",
    )

    def __init__(
        self,
        *args: Any,
        victim_choices: list[tuple[int, str]],
        event_choices: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["victim"].choices = victim_choices  # type: ignore[attr-defined]
        self.fields["event_key"].choices = [  # type: ignore[attr-defined]
            *event_choices,
            ("other", "Something else (not one of these events)"),
        ]
