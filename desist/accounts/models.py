from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.functional import cached_property
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key, key_validator

from desist.core.crypto import EncryptedTextField
from desist.core.models import Organisation
from desist.core.roles import HOME_ORDER, RoleCode


class Role(models.Model):
    """A row per RoleCode, kept in step with the code by `roles_sync`."""

    code = models.CharField(max_length=40, primary_key=True, choices=RoleCode.choices)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


# django-otp has no type stubs, so its Device.user reverse managers cannot be resolved.
class User(AbstractUser):  # type: ignore[django-manager-missing]
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="users", null=True
    )
    roles = models.ManyToManyField(Role, related_name="users", blank=True)
    is_demo = models.BooleanField(default=False)
    disabled_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    # Issue 16: the team within the organisation (free text, moved by the mover flow) and the
    # person an unacknowledged alert escalates to before the organisation's supervisors.
    team = models.CharField(max_length=100, blank=True)
    line_manager = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    # Not stored: set by a move to another organisation, the reports it left without a line
    # manager, for the confirmation to name.
    unlinked_reports: tuple[User, ...] = ()

    class Meta:
        ordering = ["username"]
        constraints = [
            # Password reset and single sign-on find a person by e-mail: one address (in any
            # case), one account. Accounts without an address are not constrained.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_ci_unique",
            )
        ]

    @cached_property
    def role_codes(self) -> frozenset[str]:
        if not self.pk:
            return frozenset()
        return frozenset(self.roles.values_list("code", flat=True))

    @property
    def primary_role(self) -> RoleCode | None:
        for code in HOME_ORDER:
            if code in self.role_codes:
                return code
        return None

    @property
    def role_names(self) -> list[str]:
        return [RoleCode(c).label for c in HOME_ORDER if c in self.role_codes]

    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Invitation(models.Model):
    """A single-use link that lets an invited person set their first password. Only a hash of
    the token is kept (docs/workflows/administration.md), so a copy of the database opens no account."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Replaced by a later invitation, or the account was disabled before it was used.
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invitation {self.pk} for {self.user_id}"


class ReviewOutcome(models.TextChoices):
    CONFIRMED = "confirmed", "Roles confirmed"
    CHANGED = "changed", "Roles changed"
    REMOVED = "removed", "Access removed"


class AccessReview(models.Model):
    """An administrator's periodic decision on one account's roles (history rows, never
    edited). An account whose latest review is older than the review period is overdue."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="access_reviews")
    reviewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=20, choices=ReviewOutcome.choices)
    roles = models.JSONField(default=list)  # role codes held after the review
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-reviewed_at", "-id"]

    def __str__(self) -> str:
        return f"review of {self.user_id} at {self.reviewed_at:%Y-%m-%d}"


class UserSession(models.Model):
    """Sessions per user, so disabling an account can end them all at once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tracked_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"session of {self.user_id}"


# --- second factors (ADR 0017) ---------------------------------------------------------------
# django-otp's TOTPDevice keeps the seed in clear and StaticToken the recovery codes in clear.
# These two device models take their place: same django-otp machinery (throttling, timestamps,
# `devices_for_user`, `otp_login`), but the seed is encrypted and the codes are only hashed.


class AuthenticatorDevice(TimestampMixin, ThrottlingMixin, Device):
    """An authenticator app (TOTP). The seed is encrypted at rest and in key rotation."""

    key = EncryptedTextField(default=default_key, validators=[key_validator])
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = "authenticator app"

    # django-otp's own TOTP logic, unchanged: only where the key is kept differs.
    bin_key = TOTPDevice.bin_key
    verify_token = TOTPDevice.verify_token
    get_throttle_factor = TOTPDevice.get_throttle_factor
    config_url = TOTPDevice.config_url
    _read_str_from_settings = TOTPDevice._read_str_from_settings


RECOVERY_CODE_SALT = "desist.accounts.recovery-code"


def recovery_code_hashes(code: str) -> list[str]:
    """Keyed hashes of a recovery code under SECRET_KEY and each of its fallbacks (the first
    is the one to store). Keyed, so a copy of the database alone cannot be searched for the
    codes; a hash, so the code itself is never recoverable."""
    normalised = code.strip().lower().replace(" ", "")
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [
        salted_hmac(RECOVERY_CODE_SALT, normalised, secret=k, algorithm="sha256").hexdigest()
        for k in keys
    ]


class RecoveryCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """Single-use recovery codes, kept only as keyed hashes; each is deleted when used."""

    class Meta(Device.Meta):
        verbose_name = "recovery codes"

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1))

    def set_codes(self, codes: list[str]) -> None:
        RecoveryCode.objects.bulk_create(
            RecoveryCode(device=self, code_hash=recovery_code_hashes(c)[0]) for c in codes
        )

    def verify_token(self, token: str) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        match = self.codes.filter(code_hash__in=recovery_code_hashes(token)).first()
        if match is None:
            self.throttle_increment()
            return False
        match.delete()
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, db_index=True)

    def __str__(self) -> str:
        return f"recovery code {self.pk}"


# --- API keys (issue 17, ADR 0029) ------------------------------------------------------------


API_KEY_SALT = "desist.accounts.api-key"


def api_key_secret_hashes(secret: str) -> list[str]:
    """Keyed hashes of a key's secret under SECRET_KEY and each fallback (the first is the one
    stored), as for recovery codes: a copy of the database alone opens nothing."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [
        salted_hmac(API_KEY_SALT, secret, secret=k, algorithm="sha256").hexdigest() for k in keys
    ]


class ApiKey(models.Model):
    """A credential a partner organisation's system uses to call the API. It acts through its
    own service account (`user`, which holds no role and no usable password), so every command
    and audit event names the key. Only a keyed hash of the secret is kept."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="api_key")
    name = models.CharField(max_length=100)
    # The public part of the key: shown in lists and the audit log, used to find the key.
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"API key {self.prefix}"

    def is_live(self, now: object = None) -> bool:
        moment = now or timezone.now()
        return self.revoked_at is None and self.expires_at > moment  # type: ignore[operator]
