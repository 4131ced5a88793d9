"""View and set an organisation's single sign-on (OpenID Connect) settings (ADR 0024): the
page and `desist sso_configure` run this one command, validated and audited.

The client secret is write-only: it is stored encrypted, never shown or audited; preferably
it stays in the environment and only the variable's name is kept (`client_secret_env`).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from desist import policy
from desist.accounts.models import User
from desist.accounts.sso_models import (
    SECRET_ENV_PREFIX,
    MatchBy,
    SingleSignOn,
    secret_env_name_allowed,
)
from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.core.models import Organisation
from desist.core.roles import ROLE_ORGANISATION_KINDS, RoleCode

P = policy.Perm
# Roles a first sign-in may never create: administration is granted by a person, audited.
NEVER_JIT = frozenset({RoleCode.SYSTEM_ADMIN, RoleCode.ORGANISATION_ADMIN})
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class SsoSettings:
    issuer: str
    client_id: str
    enabled: bool = True
    match_by: str = MatchBy.EMAIL
    jit_roles: tuple[RoleCode, ...] = ()
    accept_mfa: bool = False
    client_secret_env: str = ""
    # None or "" keeps the stored secret, unless an environment variable now holds it.
    client_secret: str | None = None


def jit_role_choices(organisation: Organisation) -> list[RoleCode]:
    """Roles a first sign-in may create in this organisation (its kind's, never admin)."""
    return [
        r
        for r in RoleCode
        if r not in NEVER_JIT and organisation.kind in ROLE_ORGANISATION_KINDS[r]
    ]


def sso_for_organisation(*, actor: User, organisation: Organisation) -> SingleSignOn | None:
    policy.require(actor, P.SSO_CONFIGURE, organisation)
    return SingleSignOn.objects.filter(organisation=organisation).first()


def _check_issuer(errors: Errors, issuer: str) -> str:
    issuer = issuer.strip()
    if not issuer:
        errors.add("issuer", "Enter the issuer address")
        return issuer
    parts = urlsplit(issuer)
    local = parts.hostname in LOCAL_HOSTS
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        errors.add(
            "issuer",
            "Enter the issuer as an https address, like "
            "https://login.microsoftonline.com/<tenant>/v2.0",
        )
    elif not parts.hostname or parts.query or parts.fragment or len(issuer) > 300:
        errors.add("issuer", "Enter the issuer address exactly as the identity provider gives it")
    return issuer


def _audited(sso: SingleSignOn) -> dict[str, object]:
    # Everything but the secret itself: only whether one is stored.
    return {
        "enabled": sso.enabled,
        "issuer": sso.issuer,
        "client_id": sso.client_id,
        "client_secret_env": sso.client_secret_env,
        "client_secret_stored": bool(sso.client_secret),
        "match_by": sso.match_by,
        "jit_roles": sso.jit_roles,
        "mfa_amr_values": sso.mfa_amr_values,
        "mfa_acr_values": sso.mfa_acr_values,
    }


@command(P.SSO_CONFIGURE, on="organisation")
def sso_configure(
    *, actor: User, organisation: Organisation, settings: SsoSettings, reason: str
) -> SingleSignOn:
    errors = Errors()
    current = SingleSignOn.objects.select_for_update().filter(organisation=organisation).first()
    issuer = _check_issuer(errors, settings.issuer)
    client_id = settings.client_id.strip()
    if not client_id:
        errors.add("client_id", "Enter the client ID the identity provider gave Desist")
    elif len(client_id) > 200:
        errors.add("client_id", "Client ID must be 200 characters or fewer")
    env_name = settings.client_secret_env.strip()
    if env_name and not secret_env_name_allowed(env_name):
        errors.add(
            "client_secret_env",
            f"Enter the name of an environment variable that starts with {SECRET_ENV_PREFIX}, "
            "in capital letters, numbers and underscores, like DESIST_OIDC_SECRET_SUSSEX",
        )
    secret = settings.client_secret
    stored = bool(current and current.client_secret)
    if not env_name and not secret and not stored:
        errors.add(
            "client_secret_env",
            "Enter the name of the environment variable holding the client secret, "
            "or enter the secret",
        )
    if settings.match_by not in MatchBy.values:
        errors.add("match_by", "Select how Desist finds a person's account")
    allowed = set(jit_role_choices(organisation))
    if not set(settings.jit_roles) <= allowed:
        errors.add("jit_roles", "Select only roles this organisation's people may hold")
    if not reason.strip():
        errors.add("reason", "Enter a reason for this change")
    errors.raise_if_any()

    old = _audited(current) if current else None
    sso = current or SingleSignOn(organisation=organisation)
    sso.enabled = settings.enabled
    sso.issuer = issuer
    sso.client_id = client_id
    sso.client_secret_env = env_name
    if secret:
        sso.client_secret = secret
    elif env_name:
        sso.client_secret = ""  # the environment holds it (and wins): keep no copy here
    sso.match_by = settings.match_by
    sso.jit_roles = " ".join(r.value for r in RoleCode if r in set(settings.jit_roles))
    if settings.accept_mfa:
        if not (sso.mfa_amr_values or sso.mfa_acr_values):
            sso.mfa_amr_values = "mfa"  # RFC 8176: the provider used more than one factor
    else:
        sso.mfa_amr_values = sso.mfa_acr_values = ""
    sso.save()
    audit_record(
        actor=actor,
        category=Category.SECURITY,  # who may sign in, and how
        verb="organisation.sso_configure",
        obj=organisation,
        justification=reason.strip(),
        old=old,
        new={**_audited(sso), "client_secret_changed": bool(secret)},
    )
    return sso
