"""Forms for account administration (issue 16). They only collect input: every rule is checked
by the commands in accounts/actions/, whose GOV.UK messages are put back on the form."""

from __future__ import annotations

from typing import Any

from django import forms

from desist.accounts.sso_models import MatchBy
from desist.core.models import Organisation, OrganisationKind
from desist.core.roles import HOME_ORDER, RoleCode

_TEXT = {"spellcheck": "false", "autocapitalize": "none"}


def _reason(label: str = "Reason for this change") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=500,
        required=False,  # the command says "Enter a reason ..." in its own words
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="This is recorded in the audit log.",
    )


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name()} ({obj.username}, {obj.organisation})"


def role_choices(grantable: frozenset[RoleCode]) -> list[tuple[str, str]]:
    return [(r.value, r.label) for r in HOME_ORDER if r in grantable]


class InviteOrganisationForm(forms.Form):
    """First step for an administrator of more than one organisation: where the person is
    joining decides whose staff the line manager list offers."""

    organisation = forms.ModelChoiceField(
        label="Which organisation is the person joining?",
        queryset=Organisation.objects.none(),
        error_messages={
            "required": "Choose the organisation the person is joining",
            "invalid_choice": "Choose the organisation the person is joining",
        },
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_field: Any = self.fields["organisation"]
        org_field.queryset = organisations


class InviteForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    email = forms.CharField(
        label="Email address",
        max_length=254,
        required=False,
        help_text="The invitation is sent here.",
        widget=forms.EmailInput(attrs={**_TEXT, "autocomplete": "off"}),
    )
    username = forms.CharField(
        label="Username",
        max_length=150,
        required=False,
        help_text="Lower case letters, numbers, full stops, hyphens and underscores.",
        widget=forms.TextInput(attrs=_TEXT),
    )
    # Chosen before this form (InviteOrganisationForm), shown above it, carried hidden.
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": "Choose the organisation the person is joining",
            "invalid_choice": "Choose the organisation the person is joining",
        },
    )
    team = forms.CharField(label="Team (optional)", max_length=100, required=False)
    roles = forms.MultipleChoiceField(
        label="Roles", required=False, widget=forms.CheckboxSelectMultiple
    )
    line_manager = PersonChoice(
        label="Line manager (optional)",
        queryset=Organisation.objects.none(),
        required=False,
        help_text="Alerts this person does not acknowledge in time go to their line manager.",
        error_messages={
            "invalid_choice": "Choose a line manager who works in the person's organisation"
        },
    )
    reason = _reason("Why does this person need an account?")

    def __init__(
        self,
        *args: Any,
        organisations: Any,
        managers: Any,
        grantable: frozenset[RoleCode],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        org_field: Any = self.fields["organisation"]
        org_field.queryset = organisations
        manager_field: Any = self.fields["line_manager"]
        manager_field.queryset = managers
        roles_field: Any = self.fields["roles"]
        roles_field.choices = role_choices(grantable)


class MoveOrganisationForm(forms.Form):
    """For an administrator of more than one organisation: where the person is moving to
    decides whose staff the line manager list offers."""

    organisation = forms.ModelChoiceField(
        label="Which organisation is the person moving to?",
        queryset=Organisation.objects.none(),
        error_messages={
            "required": "Choose the organisation the person is moving to",
            "invalid_choice": "Choose the organisation the person is moving to",
        },
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_field: Any = self.fields["organisation"]
        org_field.queryset = organisations


class MoveForm(forms.Form):
    # Chosen before this form (the person's own, or MoveOrganisationForm), carried hidden.
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": "Choose the organisation the person is moving to",
            "invalid_choice": "Choose the organisation the person is moving to",
        },
    )
    team = forms.CharField(label="Team (optional)", max_length=100, required=False)
    roles = forms.MultipleChoiceField(
        label="Roles", required=False, widget=forms.CheckboxSelectMultiple
    )
    line_manager = PersonChoice(
        label="Line manager (optional)",
        queryset=Organisation.objects.none(),
        required=False,
        error_messages={
            "invalid_choice": "Choose a line manager who works in the person's organisation"
        },
    )
    reason = _reason()
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        organisations: Any,
        managers: Any,
        grantable: frozenset[RoleCode],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        org_field: Any = self.fields["organisation"]
        org_field.queryset = organisations
        manager_field: Any = self.fields["line_manager"]
        manager_field.queryset = managers
        roles_field: Any = self.fields["roles"]
        roles_field.choices = role_choices(grantable)


class ReviewForm(forms.Form):
    keep = forms.MultipleChoiceField(
        label="Roles to keep",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Untick a role to remove it. Keeping every role confirms the account.",
    )
    reason = _reason("Reason (needed when you remove a role)")
    # The account's version when the page was opened: a move since then refuses the review.
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, held: list[RoleCode], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep: Any = self.fields["keep"]
        keep.choices = [(r.value, r.label) for r in held]


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        required=False,
        help_text="Columns: username, email, first_name, last_name, organisation (its code), "
        "roles (separated by semicolons), team, line_manager (a username).",
    )
    reason = _reason("Why are these people being added?")


class ReasonOnlyForm(forms.Form):
    reason = _reason()
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class OrganisationForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200, required=False)
    kind = forms.ChoiceField(
        label="Kind of organisation",
        choices=OrganisationKind.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    reason = _reason()
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PartnershipForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200, required=False)
    organisations = forms.ModelMultipleChoiceField(
        label="Organisations in the partnership",
        queryset=Organisation.objects.filter(retired_at__isnull=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    reason = _reason()
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AcceptInvitationForm(forms.Form):
    password1 = forms.CharField(
        label="Create a password",
        strip=False,
        required=False,
        help_text="At least 12 characters. Not a common password, not all numbers, and not "
        "like your name or username.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Type the password again",
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("password1"):
            self.add_error("password1", "Enter a password")
        elif data.get("password1") != data.get("password2"):
            self.add_error("password2", "The passwords do not match")
        return data


class SsoSettingsForm(forms.Form):
    """An organisation's single sign-on settings. The secret field is write-only: never
    filled in from what is stored, never shown back."""

    enabled = forms.BooleanField(
        label="Staff may sign in with this organisation's account", required=False
    )
    issuer = forms.CharField(
        label="Issuer",
        max_length=300,
        required=False,
        help_text="From the identity provider, like https://login.microsoftonline.com/<tenant>/v2.0",
        widget=forms.TextInput(attrs=_TEXT),
    )
    client_id = forms.CharField(
        label="Client ID",
        max_length=200,
        required=False,
        help_text="The application (client) ID the identity provider gave Desist.",
        widget=forms.TextInput(attrs=_TEXT),
    )
    client_secret_env = forms.CharField(
        label="Environment variable holding the client secret (recommended)",
        max_length=100,
        required=False,
        help_text="Its name on the Desist server; it must start with DESIST_OIDC_SECRET_, like "
        "DESIST_OIDC_SECRET_SUSSEX. The secret then never enters the database.",
        widget=forms.TextInput(attrs=_TEXT),
    )
    client_secret = forms.CharField(
        label="Client secret (optional)",
        max_length=500,
        required=False,
        strip=False,
        help_text="Only if it cannot be kept in the environment. Stored encrypted and never "
        "shown again. Leave blank to keep the one already stored.",
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
    )
    match_by = forms.ChoiceField(
        label="Find a person's Desist account by",
        choices=[],
        widget=forms.RadioSelect,
        required=False,
    )
    jit_roles = forms.MultipleChoiceField(
        label="Roles a first sign-in may create an account with (optional)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only roles the identity provider's token also names. None ticked: nobody "
        "gets an account by signing in; an administrator invites them.",
    )
    accept_mfa = forms.BooleanField(
        label="Accept the identity provider's multi-factor sign-in instead of a Desist code",
        required=False,
    )
    reason = _reason()

    def __init__(self, *args: Any, jit_choices: list[RoleCode], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        match: Any = self.fields["match_by"]
        match.choices = MatchBy.choices
        jit: Any = self.fields["jit_roles"]
        jit.choices = [(r.value, r.label) for r in jit_choices]


# --- API keys (issue 17) ----------------------------------------------------------------------


class ApiKeyForm(forms.Form):
    organisation = forms.TypedChoiceField(
        label="Which organisation will the key act for?",
        coerce=int,
        error_messages={
            "required": "Choose the organisation the key will act for",
            "invalid_choice": "Choose the organisation the key will act for",
        },
    )
    name = forms.CharField(
        label="Name",
        max_length=100,
        required=False,  # the command says "Enter a name ..." in its own words
        help_text="Say which system will use it, like 'Niche RMS nightly sync'.",
    )
    scopes = forms.MultipleChoiceField(
        label="What may the key do?",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Intervention providers' keys cannot read orders or see victims' names.",
    )
    expires_in_days = forms.TypedChoiceField(
        label="When does the key expire?",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Select when the key expires"},
    )

    def __init__(
        self,
        *args: Any,
        organisations: list[Organisation],
        scopes: list[tuple[str, str]],
        expiry_days: tuple[int, ...],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        org: Any = self.fields["organisation"]
        org.choices = [("", "Choose an organisation")] + [(o.pk, o.name) for o in organisations]
        chosen: Any = self.fields["scopes"]
        chosen.choices = scopes
        expiry: Any = self.fields["expires_in_days"]
        expiry.choices = [(d, f"In {d} days") for d in expiry_days]


class ApiKeyRevokeForm(forms.Form):
    reason = _reason("Why is the key being revoked?")
