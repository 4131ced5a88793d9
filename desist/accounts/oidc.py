"""OpenID Connect sign-in with Authlib, one identity provider per organisation.

Authlib does the protocol (discovery, state, nonce, PKCE, the code exchange, the ID token's
signature against the provider's published keys, issuer, audience and expiry); this module
turns a verified token into a Desist account, or into a refusal with a reason that is shown
to the person and audited. See docs/adr/0024-single-sign-on.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.django_client import OAuth
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from joserfc import errors as jose_errors

from desist.accounts import services
from desist.accounts.models import User
from desist.accounts.sso_models import (
    ExternalIdentity,
    IdentityProviderDevice,
    MatchBy,
    SingleSignOn,
)
from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.core.roles import RoleCode

# What the person is told for each refusal (the reason code goes to the audit row).
REFUSALS = {
    "signature": "The sign-in could not be checked: it was not signed by your organisation's "
    "sign-in service.",
    "audience": "The sign-in was issued for another service, not for Desist.",
    "expired": "The sign-in had expired before it reached Desist. Sign in again.",
    "invalid_token": "The sign-in sent by your organisation's sign-in service was not valid.",
    "provider": "Your organisation's sign-in service did not complete the sign-in.",
    "unavailable": "Desist could not reach your organisation's sign-in service.",
    "state": "The sign-in was started in another window or took too long. Sign in again.",
    "no_account": "There is no Desist account for you. Ask your organisation's administrator "
    "to invite you.",
    "disabled": "Your Desist account has been disabled. Ask your organisation's administrator "
    "if you think this is wrong.",
    "not_linkable": "Your Desist account cannot be joined to this sign-in automatically. Ask "
    "your organisation's administrator.",
    "jit_refused": "Desist could not create an account for you from this sign-in. Ask your "
    "organisation's administrator to invite you.",
}

SCOPE = "openid email profile"
HTTP_TIMEOUT_SECONDS = 10

_oauth = OAuth()


class SignInRefused(Exception):
    def __init__(self, reason: str, *, username: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.username = username

    @property
    def message(self) -> str:
        return REFUSALS[self.reason]


def sso_for(code: str) -> SingleSignOn | None:
    """The enabled single sign-on of the (not retired) organisation with this code, if any;
    one whose secret is refused (SingleSignOn.secret) counts as not set up."""
    sso = (
        SingleSignOn.objects.select_related("organisation")
        .filter(organisation__code=code, organisation__retired_at__isnull=True, enabled=True)
        .first()
    )
    return sso if sso is not None and sso.secret() is not None else None


def sso_list() -> list[SingleSignOn]:
    return [
        sso
        for sso in SingleSignOn.objects.select_related("organisation")
        .filter(enabled=True, organisation__retired_at__isnull=True)
        .order_by("organisation__name")
        if sso.secret() is not None
    ]


def client_for(sso: SingleSignOn) -> Any:
    """Authlib's client for this configuration. Cached per configuration (the provider's
    metadata and keys with it); a changed issuer, client or secret gets a fresh one."""
    secret = sso.secret()
    if secret is None:
        raise ValueError("single sign-on secret refused")  # never sent anywhere
    fingerprint = hashlib.sha256(
        f"{sso.pk}|{sso.issuer}|{sso.client_id}|{secret}".encode()
    ).hexdigest()[:20]
    name = f"sso-{fingerprint}"
    return _oauth.create_client(name) or _oauth.register(
        name,
        client_id=sso.client_id,
        client_secret=secret,
        server_metadata_url=sso.issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": SCOPE,
            "code_challenge_method": "S256",
            "default_timeout": HTTP_TIMEOUT_SECONDS,
        },
    )


def _reason_for(exc: Exception) -> str:
    if isinstance(exc, jose_errors.ExpiredTokenError):
        return "expired"
    # A token for another client fails on aud, or on azp (required when aud is not us).
    if getattr(exc, "claim", None) in {"aud", "azp"}:
        return "audience"
    if isinstance(exc, jose_errors.BadSignatureError):
        return "signature"
    return "invalid_token"


def verified_claims(sso: SingleSignOn, request: HttpRequest) -> dict[str, Any]:
    """Finish the code flow and return the ID token's claims, verified; or refuse."""
    try:
        token = client_for(sso).authorize_access_token(request)
    except jose_errors.JoseError as exc:
        raise SignInRefused(_reason_for(exc)) from exc
    except OAuthError as exc:
        reason = "state" if exc.error == "mismatching_state" else "provider"
        raise SignInRefused(reason) from exc
    except requests.RequestException as exc:
        raise SignInRefused("unavailable") from exc
    claims = token.get("userinfo")
    if not claims or not claims.get("sub"):
        raise SignInRefused("invalid_token")
    return dict(claims)


def _username_from(claims: Mapping[str, Any]) -> str:
    return str(claims.get("email") or claims.get("sub") or "")[:150]


def _matched_user(sso: SingleSignOn, claims: Mapping[str, Any]) -> User | None:
    link = (
        ExternalIdentity.objects.select_related("user")
        .filter(issuer=sso.issuer, subject=str(claims["sub"]))
        .first()
    )
    if link is not None:
        return link.user
    email = str(claims.get("email") or "")
    if sso.match_by != MatchBy.EMAIL or not email:
        return None
    matches = list(
        User.objects.filter(organisation=sso.organisation, email__iexact=email).order_by("pk")[:2]
    )
    if len(matches) != 1:
        return None
    user = matches[0]
    refused = SignInRefused("not_linkable", username=user.username)
    # Only an address the provider says it verified may open an account: a missing claim is
    # not a verified one (Entra ID often leaves it out).
    if claims.get("email_verified") is not True:
        raise refused
    # A system administrator's account is never taken over by an e-mail claim.
    if RoleCode.SYSTEM_ADMIN in user.role_codes:
        raise refused
    # An address the provider has moved to another person must not open the old account.
    if ExternalIdentity.objects.filter(user=user, issuer=sso.issuer).exists():
        raise refused
    return user


def _free_username(wanted: str) -> str:
    base = (wanted.split("@")[0] or "sso-user")[:140]
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _created_just_in_time(sso: SingleSignOn, claims: Mapping[str, Any]) -> User | None:
    """A first sign-in creates an account only with roles the token names and this
    organisation allows for just-in-time creation."""
    wanted = claims.get("roles") or []
    roles = sorted(
        RoleCode(r)
        for r in (wanted if isinstance(wanted, list) else [wanted])
        if r in sso.allowed_jit_roles() and r != RoleCode.SYSTEM_ADMIN
    )
    if not roles or not claims.get("email"):
        return None
    try:
        user = services.user_create(
            actor=None,
            username=_free_username(str(claims["email"])),
            organisation=sso.organisation,
            roles=roles,
            password=None,
            email=str(claims["email"]),
            first_name=str(claims.get("given_name") or "")[:150],
            last_name=str(claims.get("family_name") or "")[:150],
        )
    except (ValidationError, IntegrityError) as exc:
        # A role the organisation's kind cannot hold, or an address another account has.
        raise SignInRefused("jit_refused", username=_username_from(claims)) from exc
    audit_record(
        actor=None,
        actor_username=user.username,
        category=Category.SECURITY,
        verb="auth.sso_account_created",
        obj=user,
        new={"issuer": sso.issuer, "roles": [r.value for r in roles]},
    )
    return user


def sso_user_for(*, sso: SingleSignOn, claims: Mapping[str, Any]) -> User:
    """The account these verified claims sign in to, linking the provider's subject to it on
    the first sign-in; or refuse (no account, another organisation's, or disabled)."""
    with transaction.atomic():
        user = _matched_user(sso, claims) or _created_just_in_time(sso, claims)
        if user is None or user.organisation_id != sso.organisation_id:
            raise SignInRefused("no_account", username=_username_from(claims))
        if not user.is_active:
            raise SignInRefused("disabled", username=user.username)
        try:
            with transaction.atomic():
                ExternalIdentity.objects.get_or_create(
                    issuer=sso.issuer, subject=str(claims["sub"]), defaults={"user": user}
                )
        except IntegrityError:  # a concurrent first sign-in linked it already
            pass
    return user


def provider_mfa_device(*, sso: SingleSignOn, user: User) -> IdentityProviderDevice:
    device, _ = IdentityProviderDevice.objects.get_or_create(
        user=user, name=f"sso:{sso.organisation.code}", defaults={"confirmed": True}
    )
    return device


def audit_refusal(*, sso: SingleSignOn | None, refusal: SignInRefused) -> None:
    audit_record(
        actor=None,
        actor_username=refusal.username,
        category=Category.SECURITY,
        verb="auth.sso_refused",
        new={
            "organisation": sso.organisation.code if sso else "",
            "reason": refusal.reason,
        },
    )


def audit_sign_in(*, sso: SingleSignOn, user: User, mfa_from_provider: bool) -> None:
    audit_record(
        actor=user,
        category=Category.SECURITY,
        verb="auth.sso_login",
        obj=user,
        new={"issuer": sso.issuer, "mfa_from_provider": mfa_from_provider},
    )
