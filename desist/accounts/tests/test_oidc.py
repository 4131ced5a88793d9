"""Single sign-on against a real OpenID provider (npm's oidc-provider under Node), started by
the suite: sign-in, the refusals (bad signature, wrong audience, expired token, disabled user,
no account), just-in-time creation within the allowed roles, and the provider's MFA claim."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from desist.accounts.models import User
from desist.accounts.services import user_create, user_disable
from desist.accounts.sso_models import ExternalIdentity, SingleSignOn
from desist.accounts.tests.oidc_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    ORG_CODE,
    Provider,
    run_provider,
)
from desist.audit.models import AuditEvent
from desist.core.models import Organisation, OrganisationKind
from desist.core.roles import RoleCode

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    yield from run_provider()


@pytest.fixture
def sso(provider: Provider, db: Any) -> SingleSignOn:
    force = Organisation.objects.create(
        code=ORG_CODE, name="Single Sign-On Constabulary", kind=OrganisationKind.POLICE_FORCE
    )
    for name in ("alice", "bob", "leaver"):
        user_create(
            actor=None,
            username=name,
            organisation=force,
            roles=[RoleCode.POLICE_OFFICER],
            password=None,
            email=f"{name}@force.example",
        )
    return SingleSignOn.objects.create(
        organisation=force,
        issuer=provider.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        jit_roles="police_officer",
        mfa_amr_values="mfa",
    )


def _sign_in(client: Any, provider: Provider, account: str, amr: str = "pwd") -> Any:
    start = client.get(f"/accounts/sso/{ORG_CODE}/?next=/cases/")
    assert start.status_code == 302
    return client.get(provider.sign_in(start["Location"], account, amr=amr))


def _refusals() -> list[str]:
    return [e.new_values["reason"] for e in AuditEvent.objects.filter(verb="auth.sso_refused")]


def test_sign_in_maps_the_provider_account_to_the_desist_user_by_email(
    client: Any, provider: Provider, sso: SingleSignOn
) -> None:
    response = _sign_in(client, provider, "alice")

    assert response.status_code == 302 and response["Location"] == "/cases/"
    alice = User.objects.get(username="alice")
    assert int(client.session["_auth_user_id"]) == alice.pk
    # The subject is linked, so a later change of address at the provider still finds her.
    assert ExternalIdentity.objects.get(user=alice).subject == "alice"
    assert AuditEvent.objects.filter(verb="auth.sso_login", actor_id=alice.pk).exists()


@pytest.mark.parametrize(
    ("account", "reason", "wording"),
    [
        ("bad-signature", "signature", "not signed by your organisation"),
        ("wrong-audience", "audience", "issued for another service"),
        ("expired", "expired", "had expired"),
    ],
)
def test_a_faulty_id_token_is_refused_with_a_clear_page_and_an_audit_row(
    client: Any, provider: Provider, sso: SingleSignOn, account: str, reason: str, wording: str
) -> None:
    response = _sign_in(client, provider, account)

    assert response.status_code == 403
    page = response.content.decode()
    assert "You could not be signed in" in page and wording in page
    assert "_auth_user_id" not in client.session
    assert _refusals() == [reason]
    assert not ExternalIdentity.objects.exists()


def test_a_disabled_user_is_refused(client: Any, provider: Provider, sso: SingleSignOn) -> None:
    admin = user_create(
        actor=None,
        username="admin",
        organisation=sso.organisation,
        roles=[RoleCode.SYSTEM_ADMIN],
        password=None,
    )
    user_disable(actor=admin, user=User.objects.get(username="leaver"), reason="Left the force")

    response = _sign_in(client, provider, "leaver")

    assert response.status_code == 403
    assert "has been disabled" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert _refusals() == ["disabled"]


def test_just_in_time_creation_only_with_an_allowed_role(
    client: Any, provider: Provider, sso: SingleSignOn
) -> None:
    assert _sign_in(client, provider, "newcomer").status_code == 302
    newcomer = User.objects.get(email="newcomer@force.example")
    assert newcomer.role_codes == {RoleCode.POLICE_OFFICER}
    assert newcomer.organisation == sso.organisation
    client.logout()

    refused = _sign_in(client, provider, "would-be-admin")
    assert refused.status_code == 403
    assert not User.objects.filter(email="mallory@force.example").exists()
    assert _refusals() == ["no_account"]


@override_settings(DESIST_REQUIRE_2FA=True)
def test_the_providers_mfa_claim_stands_in_for_local_totp_only_when_present(
    client: Any, provider: Provider, sso: SingleSignOn
) -> None:
    _sign_in(client, provider, "alice", amr="pwd")
    # Password only at the provider: Desist's own second factor is still asked for.
    assert client.get("/cases/")["Location"].startswith("/accounts/two-factor/setup/")
    client.logout()

    _sign_in(client, provider, "alice", amr="pwd mfa")
    assert client.get("/cases/").status_code == 200
    event = AuditEvent.objects.filter(verb="auth.sso_login").latest("pk")
    assert event.new_values["mfa_from_provider"] is True


def test_an_mfa_claim_is_not_accepted_unless_the_organisation_accepts_it(
    client: Any, provider: Provider, sso: SingleSignOn
) -> None:
    sso.mfa_amr_values = ""
    sso.save()
    with override_settings(DESIST_REQUIRE_2FA=True):
        _sign_in(client, provider, "alice", amr="pwd mfa")
        assert client.get("/cases/")["Location"].startswith("/accounts/two-factor/setup/")


# --- e-mail claims never take over an account (review blocker 2) ------------------------------


@pytest.mark.parametrize("account", ["bob-unsaid", "bob-unverified"])
def test_an_address_the_provider_does_not_say_it_verified_opens_nothing(
    client: Any, provider: Provider, sso: SingleSignOn, account: str
) -> None:
    response = _sign_in(client, provider, account)

    assert response.status_code == 403
    assert "cannot be joined to this sign-in" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert _refusals() == ["not_linkable"]
    assert not ExternalIdentity.objects.exists()


def test_a_system_administrators_account_is_never_linked_by_email(
    client: Any, provider: Provider, sso: SingleSignOn
) -> None:
    user_create(
        actor=None,
        username="root",
        organisation=sso.organisation,
        roles=[RoleCode.SYSTEM_ADMIN],
        password=None,
        email="root@force.example",
    )

    response = _sign_in(client, provider, "root-claim")

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    assert _refusals() == ["not_linkable"]
    assert not ExternalIdentity.objects.exists()


def test_an_account_linked_to_one_subject_is_not_opened_by_another(
    client: Any, provider: Provider, sso: SingleSignOn
) -> None:
    alice = User.objects.get(username="alice")
    assert _sign_in(client, provider, "alice").status_code == 302
    client.logout()

    # Another subject at the same provider now claims her (verified) address.
    response = _sign_in(client, provider, "alice-again")

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    assert _refusals() == ["not_linkable"]
    assert list(ExternalIdentity.objects.values_list("user", "subject")) == [(alice.pk, "alice")]
    assert User.objects.filter(email__iexact="alice@force.example").count() == 1


def test_an_account_in_another_organisation_is_never_linked_or_copied(
    client: Any, provider: Provider, sso: SingleSignOn, make_org: Any
) -> None:
    elsewhere = make_org(OrganisationKind.POLICE_FORCE)
    carol = user_create(
        actor=None,
        username="carol",
        organisation=elsewhere,
        roles=[RoleCode.POLICE_OFFICER],
        password=None,
        email="carol@provider.example",
    )

    response = _sign_in(client, provider, "taken-elsewhere")

    # Not linked to Carol (another organisation), and no second account with her address.
    assert response.status_code == 403
    assert "could not create an account for you" in response.content.decode()
    assert _refusals() == ["jit_refused"]
    assert not ExternalIdentity.objects.exists()
    assert list(User.objects.filter(email__iexact="carol@provider.example")) == [carol]


def test_a_just_in_time_role_the_organisation_cannot_hold_is_refused_not_a_500(
    client: Any, provider: Provider, sso: SingleSignOn
) -> None:
    sso.jit_roles = "police_officer practitioner"
    sso.save()

    response = _sign_in(client, provider, "wrong-kind")

    assert response.status_code == 403
    assert _refusals() == ["jit_refused"]
    assert not User.objects.filter(email="pat@force.example").exists()


def test_a_retired_organisation_offers_no_single_sign_on(
    client: Any, provider: Provider, sso: SingleSignOn
) -> None:
    from desist.accounts import oidc

    Organisation.objects.filter(pk=sso.organisation_id).update(retired_at=timezone.now())

    assert oidc.sso_for(ORG_CODE) is None
    assert sso not in oidc.sso_list()
    start = client.get(f"/accounts/sso/{ORG_CODE}/")
    assert not start.get("Location", "").startswith(provider.issuer)
