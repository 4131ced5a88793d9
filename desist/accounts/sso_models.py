"""Single sign-on through OpenID Connect, configured per organisation (docs/adr, SSO design).

Kept apart from models.py (which models.py imports at its end) so the SSO rows have one home.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from django.db import models
from django.utils import timezone
from django_otp.models import Device

from desist.accounts.models import User
from desist.core.crypto import EncryptedTextField
from desist.core.models import Organisation
from desist.core.roles import RoleCode

log = logging.getLogger(__name__)

# The client secret is sent to the organisation's issuer, which its administrator chooses: only
# variables reserved for that may be named, or any server secret (DESIST_SECRET_KEY,
# DATABASE_URL...) could be sent to a token endpoint they control.
SECRET_ENV_PREFIX = "DESIST_OIDC_SECRET_"
SECRET_ENV_NAME = re.compile(r"DESIST_OIDC_SECRET_[A-Z0-9_]{1,64}")


def secret_env_name_allowed(name: str) -> bool:
    return SECRET_ENV_NAME.fullmatch(name) is not None


class MatchBy(models.TextChoices):
    EMAIL = "email", "E-mail address"
    SUBJECT = "subject", "Subject identifier"


class SingleSignOn(models.Model):
    """One organisation's identity provider. Its staff may sign in there instead of with a
    password; the provider's MFA claim may stand in for local TOTP when accepted here."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="single_sign_on"
    )
    issuer = models.URLField(max_length=300)
    client_id = models.CharField(max_length=200)
    # Either the secret itself (encrypted at rest) or the name of an environment variable
    # holding it; the variable wins, so production can keep secrets out of the database.
    client_secret = EncryptedTextField(blank=True, default="")
    client_secret_env = models.CharField(max_length=100, blank=True, default="")
    match_by = models.CharField(max_length=10, choices=MatchBy.choices, default=MatchBy.EMAIL)
    # Space-separated RoleCodes a first sign-in may create an account with (from the token's
    # `roles` claim); empty: no just-in-time creation.
    jit_roles = models.CharField(max_length=300, blank=True, default="")
    # Space-separated `amr` values (e.g. "mfa") or `acr` values accepted in place of local
    # TOTP; both empty: the person also passes Desist's own second factor.
    mfa_amr_values = models.CharField(max_length=200, blank=True, default="")
    mfa_acr_values = models.CharField(max_length=300, blank=True, default="")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "single sign-on"

    def __str__(self) -> str:
        return f"single sign-on for {self.organisation_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.client_secret_env and not secret_env_name_allowed(self.client_secret_env):
            raise ValueError(f"client_secret_env must start with {SECRET_ENV_PREFIX}")
        super().save(*args, **kwargs)

    def secret(self) -> str | None:
        """The client secret; None (not configured) when the row names a variable outside the
        reserved ones, e.g. one stored before names were checked: it is never read."""
        if self.client_secret_env:
            if not secret_env_name_allowed(self.client_secret_env):
                log.error(
                    "single sign-on for organisation %s names a refused environment variable "
                    "for its client secret; not used",
                    self.organisation_id,
                )
                return None
            return os.environ.get(self.client_secret_env, "")
        return str(self.client_secret or "")

    def allowed_jit_roles(self) -> frozenset[RoleCode]:
        return frozenset(RoleCode(c) for c in self.jit_roles.split() if c in RoleCode.values)

    def accepts_mfa(self, claims: dict[str, object]) -> bool:
        amr = claims.get("amr") or []
        amr_values = set(amr) if isinstance(amr, list) else {str(amr)}
        if amr_values & set(self.mfa_amr_values.split()):
            return True
        return bool(claims.get("acr")) and str(claims.get("acr")) in self.mfa_acr_values.split()


class ExternalIdentity(models.Model):
    """A person's subject at an identity provider, linked on their first SSO sign-in."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="external_identities")
    issuer = models.URLField(max_length=300)
    subject = models.CharField(max_length=255)
    linked_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="external_identity_unique")
        ]

    def __str__(self) -> str:
        return f"external identity of {self.user_id}"


class IdentityProviderDevice(Device):
    """Stands for the identity provider's own MFA in django-otp: a session signed in with an
    accepted MFA claim is logged in with this device. It never accepts a typed code, and it
    does not count as a local second factor (accounts.services.has_second_factor)."""

    class Meta(Device.Meta):
        verbose_name = "identity provider MFA"

    def verify_token(self, token: str) -> bool:
        return False
