"""The single sign-on settings page and `desist sso_configure` (ADR 0024): who may use them,
GOV.UK validation, a write-only secret, the audit row; and settings made by the command work
against the real OpenID provider the suite starts."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from desist.accounts import oidc
from desist.accounts.actions import sso as sso_actions
from desist.accounts.services import user_create
from desist.accounts.sso_models import SingleSignOn
from desist.accounts.tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, ORG_CODE, Provider
from desist.accounts.tests.test_oidc import _sign_in, provider  # noqa: F401 (a fixture)
from desist.audit.models import AuditEvent
from desist.core.models import Organisation, OrganisationKind
from desist.core.roles import RoleCode as R

pytestmark = pytest.mark.django_db
SECRET = "s3cret-value-never-shown-again"


def _post(client: Any, org: Any, **fields: Any) -> Any:
    data = {
        "enabled": "on",
        "issuer": "https://login.example.org/tenant/v2.0",
        "client_id": "desist-app",
        "client_secret_env": "",
        "client_secret": "",
        "match_by": "email",
        "reason": "Staff sign in with the force's accounts",
        **fields,
    }
    return client.post(reverse("accounts:sso_settings", args=[org.pk]), data)


def test_settings_are_validated_saved_audited_and_the_secret_never_shown(
    client: Any, users: dict[R, Any], orgs: Any
) -> None:
    admin, org = users[R.SYSTEM_ADMIN], orgs["provider"]
    client.force_login(admin)
    url = reverse("accounts:sso_settings", args=[org.pk])
    page = client.get(url).content.decode()
    assert "Not set up" in page and org.code in page  # the redirect URI to register
    bad = _post(
        client,
        org,
        issuer="http://login.example.org/",
        client_id="",
        jit_roles=[R.PRACTITIONER.value],
        reason="",
    ).content.decode()
    assert "There is a problem" in bad
    for message in (
        "Enter the issuer as an https address",
        "Enter the client ID the identity provider gave Desist",
        "Enter the name of the environment variable holding the client secret, or enter",
        "Enter a reason for this change",
    ):
        assert message in bad, message
    assert not SingleSignOn.objects.exists()
    saved = _post(client, org, client_secret=SECRET, jit_roles=[R.PRACTITIONER.value])
    assert saved.status_code == 302
    sso = SingleSignOn.objects.get(organisation=org)
    assert sso.secret() == SECRET and sso.jit_roles == "practitioner"
    with connection.cursor() as cursor:  # encrypted at rest
        cursor.execute("SELECT client_secret FROM accounts_singlesignon")
        assert SECRET not in str(cursor.fetchone()[0])
    page = client.get(url).content.decode()
    assert SECRET not in page and "Stored encrypted (not shown)" in page
    event = AuditEvent.objects.get(verb="organisation.sso_configure")
    assert event.actor_id == admin.pk and event.justification.startswith("Staff sign in")
    assert SECRET not in str(event.new_values) and event.new_values["client_secret_changed"]
    # Saving again with the secret left blank keeps it; the MFA toggle sets the amr value.
    _post(client, org, client_id="desist-app-2", accept_mfa="on")
    sso.refresh_from_db()
    assert (sso.client_id, sso.secret(), sso.mfa_amr_values) == ("desist-app-2", SECRET, "mfa")
    # Moving the secret to the environment drops the stored copy.
    _post(client, org, client_secret_env="DESIST_OIDC_SECRET_HARBOUR")
    sso.refresh_from_db()
    assert sso.client_secret_env == "DESIST_OIDC_SECRET_HARBOUR"
    assert str(sso.client_secret) == "" and sso.mfa_amr_values == ""
    assert AuditEvent.objects.filter(verb="organisation.sso_view").exists()


def test_administration_roles_cannot_be_created_by_a_first_sign_in(
    users: dict[R, Any], orgs: Any
) -> None:
    org = orgs["police_force"]
    assert R.SYSTEM_ADMIN not in sso_actions.jit_role_choices(org)
    assert R.PRACTITIONER not in sso_actions.jit_role_choices(org)  # not a police role
    settings = sso_actions.SsoSettings(
        issuer="https://login.example.org/",
        client_id="x",
        client_secret_env="DESIST_OIDC_SECRET_POLICE",
        jit_roles=(R.SYSTEM_ADMIN,),
    )
    with pytest.raises(Exception, match="Select only roles this organisation"):
        sso_actions.sso_configure(
            actor=users[R.SYSTEM_ADMIN], organisation=org, settings=settings, reason="x"
        )


def test_organisation_administrator_sets_only_their_own(
    client: Any, users: dict[R, Any], orgs: Any
) -> None:
    org_admin = users[R.ORGANISATION_ADMIN]
    client.force_login(org_admin)
    listing = client.get(reverse("accounts:manage_list")).content.decode()
    own = reverse("accounts:sso_settings", args=[org_admin.organisation_id])
    assert own in listing
    assert client.get(own).status_code == 200
    other = reverse("accounts:sso_settings", args=[orgs["other_police_force"].pk])
    assert client.get(other).status_code == 404
    assert _post(client, orgs["other_police_force"]).status_code == 404
    assert not SingleSignOn.objects.exists()


def test_settings_from_the_command_sign_people_in_at_the_real_provider(
    client: Any,
    provider: Provider,  # noqa: F811
    users: dict[R, Any],
    monkeypatch: Any,
) -> None:
    force = Organisation.objects.create(
        code=ORG_CODE, name="Single Sign-On Constabulary", kind=OrganisationKind.POLICE_FORCE
    )
    user_create(
        actor=None,
        username="alice",
        organisation=force,
        roles=[R.POLICE_OFFICER],
        password=None,
        email="alice@force.example",
    )
    monkeypatch.setenv("DESIST_OIDC_SECRET_TEST", CLIENT_SECRET)
    admin = users[R.SYSTEM_ADMIN].username
    with pytest.raises(CommandError, match="client_id"):
        call_command(
            "sso_configure", ORG_CODE, "--issuer", provider.issuer, "--client-id", " ",
            "--secret-env", "DESIST_OIDC_SECRET_TEST", "--as", admin, "--reason", "Pilot",
        )  # fmt: skip
    call_command(
        "sso_configure", ORG_CODE, "--issuer", provider.issuer, "--client-id", CLIENT_ID,
        "--secret-env", "DESIST_OIDC_SECRET_TEST", "--as", admin, "--reason", "Pilot",
    )  # fmt: skip
    assert SingleSignOn.objects.get(organisation=force).secret() == CLIENT_SECRET
    response = _sign_in(client, provider, "alice")
    assert response.status_code == 302 and response["Location"] == "/cases/"
    assert AuditEvent.objects.filter(verb="organisation.sso_configure").count() == 1


REFUSED_ENV = "Enter the name of an environment variable that starts with DESIST_OIDC_SECRET_"


def test_only_reserved_variables_may_hold_the_secret_on_the_page_and_the_command(
    client: Any, users: dict[R, Any], orgs: Any
) -> None:
    """The secret is sent to an issuer the administrator chooses: naming DESIST_SECRET_KEY
    (or DATABASE_URL, PATH...) would send that to them."""
    org_admin = users[R.ORGANISATION_ADMIN]
    client.force_login(org_admin)
    for name in ("DESIST_SECRET_KEY", "DATABASE_URL", "DESIST_OIDC_SECRET_", "DESIST_OIDC_SECRETX"):
        page = _post(
            client, org_admin.organisation, client_secret_env=name, issuer="https://evil.example/"
        ).content.decode()
        assert "There is a problem" in page and REFUSED_ENV in page, name
    assert not SingleSignOn.objects.exists()
    org = users[R.ORGANISATION_ADMIN].organisation
    with pytest.raises(CommandError, match="DESIST_OIDC_SECRET_"):
        call_command(
            "sso_configure", org.code, "--issuer", "https://evil.example/", "--client-id", "x",
            "--secret-env", "DESIST_SECRET_KEY", "--as", users[R.SYSTEM_ADMIN].username,
            "--reason", "Pilot",
        )  # fmt: skip
    assert not SingleSignOn.objects.exists()
    with pytest.raises(ValueError):  # nor can code save one past the action
        SingleSignOn.objects.create(
            organisation=org, issuer="https://evil.example/", client_id="x",
            client_secret_env="DESIST_SECRET_KEY",
        )  # fmt: skip


def test_a_stored_row_naming_another_variable_never_sends_it(
    client: Any,
    provider: Provider,  # noqa: F811
    monkeypatch: Any,
) -> None:
    """A row stored before names were checked: treated as not set up, the value never read."""
    force = Organisation.objects.create(
        code=ORG_CODE, name="Single Sign-On Constabulary", kind=OrganisationKind.POLICE_FORCE
    )
    monkeypatch.setenv("DESIST_OIDC_SECRET_TEST", CLIENT_SECRET)
    sso = SingleSignOn.objects.create(
        organisation=force,
        issuer=provider.issuer,
        client_id=CLIENT_ID,
        client_secret_env="DESIST_OIDC_SECRET_TEST",
    )
    assert oidc.sso_for(ORG_CODE) is not None  # set up properly, it is offered
    monkeypatch.setenv("DESIST_SECRET_KEY", "the-server-secret-key")
    SingleSignOn.objects.filter(pk=sso.pk).update(client_secret_env="DESIST_SECRET_KEY")
    sso.refresh_from_db()
    assert sso.secret() is None
    with pytest.raises(ValueError):
        oidc.client_for(sso)
    assert oidc.sso_for(ORG_CODE) is None and oidc.sso_list() == []
    start = client.get(reverse("accounts:sso_start", args=[ORG_CODE]))
    assert start.status_code == 404  # "not set up": no redirect to the provider
    assert "the-server-secret-key" not in start.content.decode()
