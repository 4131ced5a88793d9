"""API keys (issue 17, ADR 0029): issued once, stored hashed, scoped, revocable, expiring; the
key's permissions are its organisation's base role cut down by its scopes; the key pages follow
the administrators' ladder."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from desist import policy
from desist.accounts.actions.api_keys import api_key_authenticate, api_key_create, api_key_revoke
from desist.accounts.models import ApiKey
from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode
from desist.policy import ApiScope, Perm

R = RoleCode


def _issue(actor: Any, org: Any, scopes: list[str], days: int = 90) -> Any:
    return api_key_create(
        actor=actor, organisation=org, name="Niche sync", scopes=scopes, expires_in_days=days
    )


def test_the_secret_is_shown_once_and_stored_only_as_a_keyed_hash(
    users: dict[RoleCode, Any], orgs: Any
) -> None:
    issued = _issue(users[R.SYSTEM_ADMIN], orgs["police_force"], [ApiScope.ORDERS_READ])
    secret = issued.token.split("_", 2)[2]
    key = ApiKey.objects.get(pk=issued.key.pk)
    assert secret not in key.secret_hash and len(key.secret_hash) == 64
    stored = {f.name: str(getattr(key, f.attname)) for f in ApiKey._meta.concrete_fields}
    assert not any(secret in v for v in stored.values())
    event = AuditEvent.objects.get(verb="api_key.create")
    assert secret not in str(event.new_values) and event.object_id == str(key.pk)
    assert api_key_authenticate(issued.token) is not None


def test_a_wrong_revoked_or_expired_key_opens_nothing(
    users: dict[RoleCode, Any], orgs: Any
) -> None:
    admin = users[R.SYSTEM_ADMIN]
    issued = _issue(admin, orgs["police_force"], [ApiScope.ORDERS_READ])
    prefix = issued.key.prefix
    assert api_key_authenticate(f"dsk_{prefix}_not-the-secret") is None
    assert api_key_authenticate("not a key") is None
    later = timezone.now() + dt.timedelta(days=91)
    assert api_key_authenticate(issued.token, now=later) is None
    api_key_revoke(actor=admin, key=issued.key, reason="Supplier changed")
    assert api_key_authenticate(issued.token) is None
    assert AuditEvent.objects.filter(verb="api_key.revoke", object_id=str(issued.key.pk)).exists()


def test_a_key_holds_its_base_roles_permissions_cut_down_by_its_scopes(
    users: dict[RoleCode, Any], orgs: Any
) -> None:
    admin = users[R.SYSTEM_ADMIN]
    account = api_key_authenticate(
        _issue(admin, orgs["police_force"], [ApiScope.ORDERS_READ]).token
    )
    assert policy.permissions_for(account) == {Perm.ORDER_VIEW}
    provider = api_key_authenticate(
        _issue(admin, orgs["provider"], [ApiScope.REFERRALS_READ, ApiScope.ALERTS_ACK]).token
    )
    assert policy.permissions_for(provider) == {
        Perm.REFERRAL_VIEW,
        Perm.ENGAGEMENT_VIEW,
        Perm.ALERT_RECEIVE,
        Perm.ALERT_ACKNOWLEDGE,
    }


def test_a_service_account_without_its_checked_key_holds_nothing(
    users: dict[RoleCode, Any], orgs: Any
) -> None:
    issued = _issue(users[R.SYSTEM_ADMIN], orgs["police_force"], [ApiScope.ORDERS_READ])
    account = type(issued.key.user).objects.get(pk=issued.key.user_id)
    assert policy.permissions_for(account) == frozenset()
    assert not account.has_usable_password()


def test_provider_keys_can_never_read_orders_or_victims() -> None:
    provider = policy.api_scopes_for_kind("provider")
    assert ApiScope.ORDERS_READ not in provider and ApiScope.VICTIMS_READ not in provider
    every = policy.api_key_permissions("provider", list(ApiScope))
    assert not every & {Perm.ORDER_VIEW, Perm.VICTIM_IDENTITY_VIEW, Perm.VICTIM_EDIT}
    assert policy.api_key_permissions("oversight", list(ApiScope)) == frozenset()


def test_scopes_the_organisation_cannot_use_are_refused(
    users: dict[RoleCode, Any], orgs: Any
) -> None:
    with pytest.raises(ValidationError) as exc:
        _issue(users[R.SYSTEM_ADMIN], orgs["provider"], [ApiScope.ORDERS_READ])
    assert exc.value.message_dict == {
        "scopes": ["Select only what this organisation's keys may do"]
    }
    with pytest.raises(ValidationError) as exc:
        api_key_create(
            actor=users[R.SYSTEM_ADMIN],
            organisation=orgs["police_force"],
            name=" ",
            scopes=[],
            expires_in_days=7,
        )
    assert set(exc.value.message_dict) == {"name", "scopes", "expires_in_days"}


def test_an_organisation_administrator_issues_keys_for_their_own_organisation_only(
    users: dict[RoleCode, Any], orgs: Any
) -> None:
    org_admin = users[R.ORGANISATION_ADMIN]
    assert _issue(org_admin, org_admin.organisation, [ApiScope.ALERTS_READ])
    with pytest.raises(Exception) as exc:
        _issue(org_admin, orgs["other_police_force"], [ApiScope.ALERTS_READ])
    assert type(exc.value).__name__ == "PermissionDenied"
    with pytest.raises(Exception) as exc:
        _issue(users[R.POLICE_SUPERVISOR], orgs["police_force"], [ApiScope.ALERTS_READ])
    assert type(exc.value).__name__ == "PermissionDenied"


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_revoke_page_by_role(
    client: Any, users: dict[RoleCode, Any], orgs: Any, role: RoleCode
) -> None:
    """Another force's key is a 404 for an organisation administrator; a system administrator
    reaches every organisation's; nobody else reaches any."""
    own = _issue(users[R.SYSTEM_ADMIN], orgs["police_force"], [ApiScope.ALERTS_READ]).key
    other = _issue(users[R.SYSTEM_ADMIN], orgs["other_police_force"], [ApiScope.ALERTS_READ]).key
    client.force_login(users[role])
    got = {
        k: client.get(reverse("accounts:api_key_revoke", args=[k.pk])).status_code
        for k in (own, other)
    }
    if role == R.SYSTEM_ADMIN:
        assert got == {own: 200, other: 200}
    elif role == R.ORGANISATION_ADMIN:
        assert got == {own: 200, other: 404}
    else:
        assert set(got.values()) == {403}


def test_the_key_pages_issue_show_once_and_revoke(
    client: Any, users: dict[RoleCode, Any], orgs: Any
) -> None:
    admin = users[R.ORGANISATION_ADMIN]
    client.force_login(admin)
    response = client.post(
        reverse("accounts:api_key_new"),
        {"organisation": admin.organisation_id, "name": "", "expires_in_days": "90"},
    )
    assert response.status_code == 200
    assert "Enter a name for the key" in response.content.decode()
    assert "Select at least one thing the key may do" in response.content.decode()
    response = client.post(
        reverse("accounts:api_key_new"),
        {
            "organisation": admin.organisation_id,
            "name": "Athena",
            "scopes": ["orders:read"],
            "expires_in_days": "30",
        },
    )
    key = ApiKey.objects.get(name="Athena")
    body = response.content.decode()
    token = body.split('id="api-key-token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    assert token.startswith(f"dsk_{key.prefix}_") and api_key_authenticate(token) is not None
    assert "no-store" in response.get("Cache-Control", "") or "max-age=0" in response.get(
        "Cache-Control", ""
    )
    listing = client.get(reverse("accounts:api_keys")).content.decode()
    assert key.prefix in listing and token not in listing
    url = reverse("accounts:api_key_revoke", args=[key.pk])
    assert "Enter why the key" in client.post(url, {"reason": ""}).content.decode()
    assert client.post(url, {"reason": "No longer used"}).status_code == 302
    assert api_key_authenticate(token) is None
    assert AuditEvent.objects.filter(verb="api_key.list", actor_id=admin.pk).exists()


def test_service_accounts_are_not_on_the_accounts_pages(
    client: Any, users: dict[RoleCode, Any], orgs: Any
) -> None:
    admin = users[R.SYSTEM_ADMIN]
    key = _issue(admin, orgs["police_force"], [ApiScope.ORDERS_READ]).key
    client.force_login(admin)
    assert key.user.username not in client.get(reverse("accounts:manage_list")).content.decode()
    response = client.get(reverse("accounts:manage_detail", args=[key.user_id]))
    assert response.status_code == 404
