"""The police-side victim form. Messages never repeat what was typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms

from desist.core.dates import plausible_date
from desist.core.forms import FirstError, GovukDateField, not_future
from desist.people.validators import normalise_email, normalise_phone, normalise_postcode
from desist.safeguarding.models import (
    OPENED_BY_SERVICE,
    AgencyKind,
    Channel,
    ClosureReason,
    ContactKind,
    DigitalCheck,
    EvidenceGuidance,
    HomeSecurity,
    Marac,
    NotGenuineReason,
    RiskLevel,
    ShareWith,
    Vulnerability,
)
from desist.safeguarding.services import (
    case_opening_problems,
    check_opened_on,
    check_review_on,
    safety_plan_problems,
)
from desist.sharing.models import LawfulBasis

SEX_CHOICES = [("female", "Female"), ("male", "Male"), ("other", "Other or not recorded")]


def _check(normalise: Callable[[str], str]) -> Callable[[str], None]:
    def validator(value: str) -> None:
        normalise(value)

    return validator


def _text(
    label: str,
    *,
    required: bool,
    max_length: int,
    messages: dict[str, str],
    validators: list[Any] | None = None,
    input_type: str = "text",
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        validators=validators or [],
        error_messages=messages,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "type": input_type}
        ),
    )


class VictimForm(forms.Form):
    first_names = _text(
        "First names",
        required=True,
        max_length=120,
        messages={
            "required": "Enter the victim's first names",
            "max_length": "First names must be 120 characters or fewer",
        },
    )
    last_name = _text(
        "Last name",
        required=True,
        max_length=120,
        messages={
            "required": "Enter the victim's last name",
            "max_length": "Last name must be 120 characters or fewer",
        },
    )
    sex = forms.ChoiceField(
        label="Sex",
        choices=SEX_CHOICES,
        initial="other",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the victim's sex",
            "invalid_choice": "Select the victim's sex",
        },
    )
    address = forms.CharField(
        label="Address (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        error_messages={"max_length": "The address must be 500 characters or fewer"},
    )
    postcode = _text(
        "Postcode (optional)",
        required=False,
        max_length=10,
        validators=[_check(normalise_postcode)],
        messages={"max_length": "Enter a real postcode, like BN1 1AA"},
    )
    phone = _text(
        "Telephone number (optional)",
        required=False,
        max_length=30,
        validators=[_check(normalise_phone)],
        messages={"max_length": "Enter a telephone number, like 01632 960 001"},
        input_type="tel",
    )
    email = _text(
        "Email address (optional)",
        required=False,
        max_length=254,
        validators=[_check(normalise_email)],
        messages={"max_length": "The email address must be 254 characters or fewer"},
        input_type="email",
    )


# --- victim record: contact details, preferences and wishes ---------------------------------


class VictimContactForm(VictimForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    preferred_name = _text(
        "Preferred name (optional)",
        required=False,
        max_length=120,
        messages={"max_length": "The preferred name must be 120 characters or fewer"},
    )
    alternative_phone = _text(
        "Other safe telephone number (optional)",
        required=False,
        max_length=30,
        validators=[_check(normalise_phone)],
        messages={"max_length": "Enter a telephone number, like 01632 960 001"},
        input_type="tel",
    )


def _area(label: str, *, max_length: int, help_text: str = "", rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        help_text=help_text,
        # "{Label} must be N characters or fewer": core.character_count.
        widget=forms.Textarea(attrs={"rows": rows, "autocomplete": "off"}),
    )


class VictimPreferencesForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    safe_channels = forms.MultipleChoiceField(
        label="Safe ways to contact the victim",
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={"invalid_choice": "Select safe ways to contact the victim from the list"},
    )
    safe_times = _area("Safe times to contact (optional)", max_length=500, rows=2)
    never_contact = _area(
        "Never contact (optional)",
        max_length=1000,
        help_text="For example: never leave a voicemail; never write to the home address.",
    )
    safe_word = forms.CharField(
        label="Safe word (optional)",
        required=False,
        max_length=60,
        help_text="A word the victim can use to say it is not safe to talk.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"max_length": "The safe word must be 60 characters or fewer"},
    )
    vulnerabilities = forms.MultipleChoiceField(
        label="Vulnerabilities",
        choices=Vulnerability.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={"invalid_choice": "Select vulnerabilities from the list"},
    )
    vulnerability_notes = _area("Notes about vulnerabilities (optional)", max_length=2000)
    enhanced_rights = forms.BooleanField(
        label="Entitled to enhanced rights under the Victims' Code (persistently targeted)",
        required=False,
    )
    wants_engagement_news = forms.ChoiceField(
        label="Does the victim want to be told about the perpetrator's engagement with the intervention?",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether the victim wants to be told about the perpetrator's engagement",
            "invalid_choice": "Select whether the victim wants to be told about the perpetrator's engagement",
        },
    )
    share_with = forms.MultipleChoiceField(
        label="Who the victim agrees information may be shared with",
        choices=ShareWith.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that the victim has agreed to.",
        error_messages={
            "invalid_choice": "Select who information may be shared with from the list"
        },
    )
    wishes_notes = _area("Other wishes (optional)", max_length=2000)


class ReferToAdvocacyForm(forms.Form):
    service = forms.ChoiceField(
        label="Advocacy service",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the advocacy service to refer to",
            "invalid_choice": "Select the advocacy service to refer to",
        },
    )
    notes = _area("Reason for referral (optional)", max_length=2000, rows=4)
    # Only asked when the victim's recorded wishes do not include advocacy.
    lawful_basis = forms.ChoiceField(
        label="Lawful basis for referring against the victim's wishes",
        required=False,
        choices=[c for c in LawfulBasis.choices if c[0] != LawfulBasis.CONSENT],
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": "Select the lawful basis for referring the victim against their "
            "recorded wishes"
        },
    )
    wishes_reason = _area(
        "Why the victim is being referred against their recorded wishes",
        max_length=1000,
        help_text="The advocacy service sees this reason on the case.",
    )

    def __init__(self, *args: Any, services: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [(str(s.pk), s.name) for s in services]  # type: ignore[attr-defined]


# --- advocacy casework ------------------------------------------------------------------------


def _date(label: str, what: str, *, required: bool = True) -> forms.DateField:
    return GovukDateField(
        what=what, label=label, required=required, validators=[plausible_date(what)]
    )


class CaseOpenForm(forms.Form):
    """Open a case from a phone call or another agency's referral (issue 20). The service
    checks what depends on the answers (an agency's kind and the referrer, a way of contact)."""

    origin = forms.ChoiceField(
        label="How did the referral come in?",
        choices=[(o.value, o.label) for o in OPENED_BY_SERVICE],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select how the referral came in",
            "invalid_choice": "Select how the referral came in",
        },
    )
    referred_on = GovukDateField(
        what="the date of the call or referral",
        label="Date of the call or referral",
        required=False,
        help_text="Today or earlier, within the last year.",
        # The opening's own window first: "after 1 January 1990" is no answer for a referral.
        validators=[
            FirstError(check_opened_on, plausible_date("the date of the call or referral"))
        ],
    )
    spoke_to_victim = forms.BooleanField(
        label="I spoke to the victim on this call (it counts as first contact)", required=False
    )
    # Asked only after the service found an open case that may be the same person's.
    different_person = forms.BooleanField(
        label="I have checked: this is a different person from the one in that open case",
        required=False,
    )
    agency_kind = forms.ChoiceField(
        label="Kind of agency (for a referral from another agency)",
        choices=AgencyKind.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": "Select the kind of agency that referred the victim",
        },
    )
    referrer = _area(
        "Who referred or called, and how to reach them",
        max_length=500,
        help_text="For example: Duty social worker, Brighton children's services, 01273 900100.",
        rows=2,
    )
    first_names = _text(
        "Victim's first names",
        required=False,
        max_length=120,
        messages={"max_length": "First names must be 120 characters or fewer"},
    )
    last_name = _text(
        "Victim's last name",
        required=False,
        max_length=120,
        messages={"max_length": "Last name must be 120 characters or fewer"},
    )
    phone = _text(
        "Victim's telephone number", required=False, max_length=40, messages={}, input_type="tel"
    )
    email = _text(
        "Victim's email address", required=False, max_length=254, messages={}, input_type="email"
    )
    safe_channels = forms.MultipleChoiceField(
        label="Safe ways to contact the victim",
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={"invalid_choice": "Select safe ways from the list"},
    )
    notes = _area("Reason for referral (optional)", max_length=5000, rows=4)

    def clean(self) -> dict[str, Any]:
        """Every message at once: the service's rules for the fields this form did not refuse
        (a refused date no longer hides "Select the kind of agency")."""
        data = super().clean() or {}
        values = {**data, "referred_at": data.get("referred_on")}
        for field, found in case_opening_problems(values).items():
            if field in self.fields and field not in self.errors:
                for message in found:
                    self.add_error(field, message)
        return data


class AllocateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    advocate = forms.ChoiceField(
        label="Advocate",
        widget=forms.RadioSelect,
        error_messages={"required": "Select an advocate", "invalid_choice": "Select an advocate"},
    )

    def __init__(
        self, *args: Any, advocates: list[Any], labels: dict[int, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # Each advocate with their load ("Rosa Kendrick: 12 open cases"), where known.
        labels = labels or {}
        self.fields["advocate"].choices = [  # type: ignore[attr-defined]
            (str(u.pk), labels.get(u.pk, u.display_name())) for u in advocates
        ]


class ContactForm(forms.Form):
    # Unsent text kept in the browser over an idle sign-out ({% draft_opt_in %}).
    draft_fields = ("summary", "actions")
    kind = forms.ChoiceField(
        label="Type of contact",
        choices=ContactKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the type of contact",
            "invalid_choice": "Select the type of contact",
        },
    )
    occurred_on = _date("Date of contact", "the date of the contact")
    occurred_time = forms.TimeField(
        label="Time (optional)",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Enter the time as a real time, like 14:30"},
    )
    channel = forms.ChoiceField(
        label="How",
        choices=[("", "Select how")] + list(Channel.choices),
        error_messages={
            "required": "Select how the contact happened",
            "invalid_choice": "Select how the contact happened",
        },
    )
    perpetrator = forms.ChoiceField(
        label="Who made contact",
        required=False,
        help_text="Only for a report of new contact from the perpetrator.",
        error_messages={"invalid_choice": "Select who made contact"},
    )
    summary = forms.CharField(
        label="Summary",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5, "autocomplete": "off"}),
        error_messages={
            "required": "Enter a summary of the contact",
            "max_length": "The summary must be 5000 characters or fewer",
        },
    )
    actions = _area("Actions agreed (optional)", max_length=5000, rows=3)
    override_reason = _area(
        "Reason for using a way the victim has not marked safe",
        max_length=1000,
        help_text=(
            "Only if you chose a way that is not one of the victim's safe ways to be contacted. "
            "The contact will be marked on the case as against their contact preferences."
        ),
    )

    def __init__(self, *args: Any, perpetrators: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["perpetrator"].choices = [("", "Select who")] + [  # type: ignore[attr-defined]
            (str(s.pk), f"{s.full_name} ({s.force_reference})") for s in perpetrators
        ]


def _several(label: str, choices: Any, message: str, hint: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=hint,
        error_messages={"invalid_choice": message},
    )


class SafetyPlanForm(forms.Form):
    """The structured safety plan (issue 20). The form only reads the answers; the service
    holds every rule (what is required, a date only with a referral made, a high risk case
    goes to MARAC), so all the messages show at once."""

    based_on = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    risk_level = forms.ChoiceField(
        label="Risk level",
        choices=RiskLevel.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text="Your professional judgement of the risk to the victim now.",
        error_messages={
            "required": "Select the risk level",
            "invalid_choice": "Select the risk level",
        },
    )
    marac = forms.ChoiceField(
        label="MARAC referral",
        choices=Marac.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether the victim has been referred to MARAC",
            "invalid_choice": "Select whether the victim has been referred to MARAC",
        },
    )
    marac_referred_on = GovukDateField(
        what="the date of the MARAC referral",
        label="Date of the MARAC referral",
        required=False,
        help_text="Only if referred. Any other answer removes the date.",
        validators=[
            FirstError(
                not_future("The MARAC referral date must be today or in the past"),
                plausible_date("the date of the MARAC referral"),
            )
        ],
    )
    evidence_guidance = _several(
        "Evidence diary guidance given",
        EvidenceGuidance.choices,
        "Select the evidence guidance given from the list",
        "Select all that apply. Leave blank if none has been given yet.",
    )
    digital_checks = _several(
        "Digital and online safety checks made",
        DigitalCheck.choices,
        "Select the digital and online safety checks made from the list",
        "Select all that apply. Leave blank if none has been made yet.",
    )
    digital_notes = _area("Notes about digital and online safety (optional)", max_length=2000)
    home_security = _several(
        "Home security in place",
        HomeSecurity.choices,
        "Select the home security in place from the list",
        "Select all that apply. Leave blank if none is in place yet.",
    )
    safe_contacts = _area(
        "Safe contacts (optional)",
        max_length=2000,
        help_text="People the victim can call if frightened, and how to reach them.",
    )
    risks = forms.CharField(
        label="Risks",
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6, "autocomplete": "off"}),
        error_messages={"required": "Enter the risks to the victim"},
    )
    measures = forms.CharField(
        label="Safety measures",
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6, "autocomplete": "off"}),
        error_messages={"required": "Enter the safety measures"},
    )
    review_on = GovukDateField(
        what="the review date",
        label="Review date",
        required=False,
        help_text="Today or later, and within a year.",
        # The plan's own window first: "before 1 January 2051" is no answer for a review.
        validators=[FirstError(check_review_on, plausible_date("the review date"))],
    )

    def clean(self) -> dict[str, Any]:
        """Every message at once: the service's rules for the fields this form did not refuse
        (a refused date no longer hides "Enter the risks to the victim")."""
        data = super().clean() or {}
        for field, found in safety_plan_problems(data).items():
            if field in self.fields and field not in self.errors:
                for message in found:
                    self.add_error(field, message)
        return data


def _scale(label: str, hint: str, what: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        help_text=hint,
        coerce=int,
        choices=[(str(n), str(n)) for n in range(11)],
        widget=forms.RadioSelect,
        error_messages={
            "required": f"Select the victim's rating of {what}, from 0 to 10",  # noqa: S608
            "invalid_choice": f"Select the victim's rating of {what}, from 0 to 10",  # noqa: S608
        },
    )


class RatingForm(forms.Form):
    rated_on = _date("Date of the rating", "the date of the rating")
    fear = _scale("Fear", "0 means no fear at all, 10 means extremely afraid.", "fear")
    safety = _scale(
        "Sense of safety", "0 means not safe at all, 10 means completely safe.", "sense of safety"
    )
    impact = _scale(
        "Impact on daily life",
        "0 means no impact, 10 means daily life is completely taken over.",
        "impact on daily life",
    )


class CloseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.ChoiceField(
        label="Why is the case being closed?",
        # "Not genuine" is only for a self-referral checked before triage.
        choices=[c for c in ClosureReason.choices if c[0] != ClosureReason.NOT_GENUINE],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select why the case is being closed",
            "invalid_choice": "Select why the case is being closed",
        },
    )


class ReopenForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


# --- the public self-referral form --------------------------------------------------------------


class SelfReferralForm(forms.Form):
    first_names = forms.CharField(
        label="First name",
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "given-name", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your first name",
            "max_length": "Your first name must be 120 characters or fewer",
        },
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "family-name", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your last name",
            "max_length": "Your last name must be 120 characters or fewer",
        },
    )
    phone = forms.CharField(
        label="Telephone number (optional)",
        required=False,
        max_length=30,
        validators=[_check(normalise_phone)],
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        error_messages={"max_length": "Enter a telephone number, like 01632 960 001"},
    )
    email = forms.CharField(
        label="Email address (optional)",
        required=False,
        max_length=254,
        validators=[_check(normalise_email)],
        widget=forms.TextInput(
            attrs={"autocomplete": "email", "type": "email", "spellcheck": "false"}
        ),
        error_messages={"max_length": "Your email address must be 254 characters or fewer"},
    )
    safe_channels = forms.MultipleChoiceField(
        label="How is it safe for us to contact you?",
        choices=[c for c in Channel.choices if c[0] != "via_police"],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={"invalid_choice": "Select how it is safe to contact you"},
    )
    safe_times = forms.CharField(
        label="When is it safe to contact you? (optional)",
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"max_length": "This must be 500 characters or fewer"},
    )
    notes = forms.CharField(
        label="Tell us briefly what is happening (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5, "autocomplete": "off"}),
        error_messages={"max_length": "This must be 5000 characters or fewer"},
    )
    # Spam protection: a field people never see (bots fill it) and a signed start time.
    website = forms.CharField(required=False, label="Leave this field empty")
    started = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        missing = not data.get("phone") and not data.get("email")
        if missing and "phone" not in self.errors and "email" not in self.errors:
            self.add_error(
                "phone", "Enter a telephone number or an email address so we can contact you"
            )
        return data


class VictimLinkForm(forms.Form):
    """Choose a victim from the subject's other cases (choices built from the selector)."""

    victim = forms.ChoiceField(
        label="Which victim is also a victim in this case?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select a victim from the subject's other cases",
            "invalid_choice": "Select a victim from the subject's other cases",
        },
    )

    def __init__(self, *args: Any, victims: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["victim"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (str(v.pk), f"{v.first_names} {v.last_name.upper()} ({v.reference})") for v in victims
        ]


class SelfReferralCheckForm(forms.Form):
    """The advocacy manager's check of a held self-referral."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label="Is this a genuine request for support?",
        choices=[
            ("accept", "Yes: accept it into triage"),
            ("not_genuine", "No: it is not a genuine request for support"),
        ],
        widget=forms.RadioSelect,
        help_text="If you are not sure, accept it: a person may be asking for help.",
        error_messages={
            "required": "Select whether this is a genuine request for support",
            "invalid_choice": "Select whether this is a genuine request for support",
        },
    )
    reason = forms.ChoiceField(
        label="If it is not genuine, why not?",
        choices=NotGenuineReason.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text="Nothing is deleted: the request stays on record, closed, and can be reopened.",
        error_messages={"invalid_choice": "Select why this is not a genuine request"},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "not_genuine" and not data.get("reason"):
            self.add_error("reason", "Select why this is not a genuine request")
        return data
