"""Issue and revoke API keys (issue 17, ADR 0029), and check one presented to the API.

A key is `dsk_<prefix>_<secret>`. Only a keyed hash of the secret is stored; the whole key is
returned once, by `api_key_create`, for the administrator to copy. Each key acts through its
own service account (no role, no usable password), so what it does is audited under the key.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from desist import policy
from desist.accounts.models import ApiKey, User, api_key_secret_hashes
from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.core.models import Organisation

P = policy.Perm
TOKEN_PREFIX = "dsk"
# How long a new key lives; an administrator picks one (days).
EXPIRY_CHOICES = (30, 90, 180, 365)
# last_used_at is written at most this often per key, not on every call.
LAST_USED_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    token: str  # shown once, never stored


def _check(
    errors: Errors, organisation: Organisation, name: str, scopes: Iterable[str], days: int
) -> tuple[str, list[str]]:
    name = " ".join(name.split())
    if not name:
        errors.add("name", "Enter a name for the key, like the system that will use it")
    elif len(name) > 100:
        errors.add("name", "Name must be 100 characters or fewer")
    allowed = policy.api_scopes_for_kind(organisation.kind)
    chosen = [s for s in allowed if s in set(scopes)]
    if not set(scopes):
        errors.add("scopes", "Select at least one thing the key may do")
    elif len(chosen) != len(set(scopes)):
        errors.add("scopes", "Select only what this organisation's keys may do")
    if days not in EXPIRY_CHOICES:
        errors.add("expires_in_days", "Select when the key expires")
    return name, [s.value for s in chosen]


@command(P.API_KEYS_MANAGE, on="organisation")
def api_key_create(
    *,
    actor: User,
    organisation: Organisation,
    name: str,
    scopes: Iterable[str],
    expires_in_days: int,
    now: dt.datetime | None = None,
) -> IssuedKey:
    errors = Errors()
    scopes = list(scopes)
    name, chosen = _check(errors, organisation, name, scopes, expires_in_days)
    errors.raise_if_any()
    now = now or timezone.now()
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    account = User(
        username=f"api-key-{prefix}",
        first_name="API key",
        last_name=name[:150],
        organisation=organisation,
        is_active=True,
    )
    account.set_unusable_password()
    account.save()
    key = ApiKey.objects.create(
        organisation=organisation,
        user=account,
        name=name,
        prefix=prefix,
        secret_hash=api_key_secret_hashes(secret)[0],
        scopes=chosen,
        created_by=actor,
        created_at=now,
        expires_at=now + dt.timedelta(days=expires_in_days),
    )
    audit_record(
        actor=actor,
        category=Category.SECURITY,
        verb="api_key.create",
        obj=key,
        new={
            "organisation": organisation.pk,
            "prefix": prefix,
            "scopes": chosen,
            "expires_at": key.expires_at,
            "service_account": account.pk,
        },
    )
    return IssuedKey(key=key, token=f"{TOKEN_PREFIX}_{prefix}_{secret}")


@command(P.API_KEYS_MANAGE, on="key")
def api_key_revoke(
    *, actor: User, key: ApiKey, reason: str, now: dt.datetime | None = None
) -> ApiKey:
    errors = Errors()
    key = ApiKey.objects.select_for_update().select_related("user").get(pk=key.pk)
    if key.revoked_at is not None:
        errors.add("reason", "This key has already been revoked")
    if not reason.strip():
        errors.add("reason", "Enter why the key is being revoked")
    elif len(reason) > 500:
        errors.add("reason", "Reason must be 500 characters or fewer")
    errors.raise_if_any()
    key.revoked_at = now or timezone.now()
    key.revoked_by = actor
    key.save(update_fields=["revoked_at", "revoked_by"])
    # Belt and braces: the service account cannot act even if the key check were skipped.
    key.user.is_active = False
    key.user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        category=Category.SECURITY,
        verb="api_key.revoke",
        obj=key,
        justification=reason.strip(),
        new={"prefix": key.prefix, "revoked_at": key.revoked_at},
    )
    return key


def api_key_authenticate(token: str, *, now: dt.datetime | None = None) -> User | None:
    """The service account a presented key acts through, with its credential set, or None
    when the key is malformed, unknown, wrong, revoked or expired, or its organisation is
    retired. Every refusal looks the same to the caller."""
    parts = (token or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    key = (
        ApiKey.objects.select_related("user", "user__organisation", "organisation")
        .filter(prefix=parts[1])
        .first()
    )
    if key is None:
        return None
    hashes = api_key_secret_hashes(parts[2])
    if not any(hmac.compare_digest(key.secret_hash, h) for h in hashes):
        return None
    now = now or timezone.now()
    account = key.user
    if not key.is_live(now) or not account.is_active or key.organisation.retired_at is not None:
        return None
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    account.api_credential = policy.ApiCredential(  # type: ignore[attr-defined]
        key_id=key.pk, scopes=frozenset(key.scopes)
    )
    return account
