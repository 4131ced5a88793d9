"""Managing subscriptions (ADR 0035): endpoint validation in GOV.UK words, what each kind of
organisation may subscribe to, the secret encrypted at rest and shown once, and the audit
trail of create, rotate, pause, revoke and send again."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode
from desist.events import services
from desist.events.models import OutboundEvent, Subscription

R = RoleCode


def _create(actor: Any, organisation: Any, **kw: Any) -> services.IssuedSecret:
    fields = {"name": "Force RMS", "url": "https://rms.example.org/desist"}
    fields["event_types"] = ["breach.recorded", "order.made"]
    fields.update(kw)
    return services.subscription_create(actor=actor, organisation=organisation, **fields)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Enter the endpoint URL"),
        ("rms.example.org", "Enter an endpoint URL in the correct format"),
        ("http://rms.example.org/desist", "Enter an endpoint URL that starts with https://"),
        ("https://user:pw@rms.example.org/", "without a user name or password"),
        ("https://127.0.0.1/desist", "not this server"),
        ("https://localhost:8100/x", "not this server"),
        ("https://hooks.localhost/x", "not this server"),
        ("https://224.0.0.1/x", "not this server"),
        ("https://[::ffff:127.0.0.1]/x", "not this server"),
    ],
)
def test_an_endpoint_must_be_an_https_url_elsewhere(
    users: Any, orgs: Any, settings: Any, url: str, message: str
) -> None:
    settings.DESIST_WEBHOOKS_ALLOW_LOCAL = False
    with pytest.raises(ValidationError) as raised:
        _create(users[R.SYSTEM_ADMIN], orgs["police_force"], url=url)
    assert message in " ".join(raised.value.message_dict["url"])


def test_http_to_this_machine_only_in_tests_or_debug(users: Any, orgs: Any, settings: Any) -> None:
    local = "http://127.0.0.1:8999/hook"
    assert services.url_problem(local) == ""  # the test settings allow the tests' receiver
    settings.DESIST_WEBHOOKS_ALLOW_LOCAL = False
    assert "https://" in services.url_problem(local)
    settings.DEBUG = True
    assert services.url_problem("http://localhost:8000/hook") == ""


def test_a_provider_may_subscribe_to_referral_events_only_and_others_not_at_all(
    users: Any, orgs: Any
) -> None:
    admin = users[R.SYSTEM_ADMIN]
    with pytest.raises(ValidationError) as raised:
        _create(admin, orgs["provider"])
    assert raised.value.message_dict["event_types"] == [
        "Select only events this organisation may receive"
    ]
    _create(admin, orgs["provider"], event_types=["referral.status_changed"])
    with pytest.raises(ValidationError) as nothing:
        _create(admin, orgs["police_force"], name="", event_types=[])
    assert nothing.value.message_dict == {
        "name": ["Enter a name for the subscription, like the system that receives it"],
        "event_types": ["Select at least one event to send"],
    }
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):  # advocacy services hold no record these describe
        _create(admin, orgs["advocacy"], event_types=["referral.status_changed"])
    with pytest.raises(PermissionDenied):  # another force's administrator
        _create(users[R.ORGANISATION_ADMIN], orgs["other_police_force"])


def test_the_secret_is_encrypted_at_rest_and_every_change_is_audited(users: Any, orgs: Any) -> None:
    admin = users[R.SYSTEM_ADMIN]
    issued = _create(admin, orgs["police_force"])
    subscription = issued.subscription
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM events_subscription WHERE id = %s", [subscription.pk])
        stored = cursor.fetchone()[0]
    assert issued.secret.startswith("whsec_") and issued.secret not in stored
    assert Subscription.objects.get(pk=subscription.pk).secret == issued.secret
    rotated = services.subscription_rotate(actor=admin, subscription=subscription)
    assert rotated.secret != issued.secret
    services.subscription_set_status(
        actor=admin, subscription=subscription, action="pause", reason="Upgrade"
    )
    with pytest.raises(ValidationError) as no_reason:
        services.subscription_set_status(actor=admin, subscription=subscription, action="revoke")
    assert no_reason.value.message_dict == {
        "reason": ["Enter why the subscription is being revoked"]
    }
    services.subscription_set_status(
        actor=admin, subscription=subscription, action="revoke", reason="Replaced"
    )
    dead = OutboundEvent.objects.create(
        subscription=subscription,
        event_type="breach.recorded",
        occurred_at=subscription.created_at,
        body="{}",
        status=OutboundEvent.Status.DEAD,
        next_attempt_at=subscription.created_at,
    )
    with pytest.raises(ValidationError):  # revoked: nothing is sent again
        services.event_redeliver(actor=admin, subscription=subscription, event=dead)
    verbs = list(
        AuditEvent.objects.filter(object_type="events.Subscription")
        .order_by("id")
        .values_list("verb", "justification")
    )
    assert verbs == [
        ("webhook.create", ""),
        ("webhook.rotate_secret", ""),
        ("webhook.pause", "Upgrade"),
        ("webhook.revoke", "Replaced"),
    ]
    assert issued.secret not in str(list(AuditEvent.objects.values_list("new_values", flat=True)))


@pytest.mark.parametrize(("env", "allowed"), [("demo", "False"), ("test", "True")])
def test_only_the_tests_allow_endpoints_on_this_machine(env: str, allowed: str) -> None:
    """The public demo accepted https://127.0.0.1/hook and delivered to it (tester finding)."""
    import os
    import subprocess
    import sys

    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DESIST_", "DATABASE_URL"))}
    done = subprocess.run(  # noqa: S603 (our own interpreter and settings)
        [sys.executable, "-c", "import config.settings as s; print(s.DESIST_WEBHOOKS_ALLOW_LOCAL)"],
        env={**keep, "DESIST_ENV": env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.strip() == allowed, done.stderr
