"""The webhook pages (issue 17, ADR 0035): each page writes a consultation event, the form
refuses what the command refuses with a GOV.UK error summary, the secret is shown once, a
dead letter is sent again once with its own id, lists run a fixed number of queries, and the
menu offers "Webhooks" to administrators only. Who may open which page: the access matrix
(desist/core/tests/test_access_matrix.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from desist.audit.models import AuditEvent, Category
from desist.core.roles import RoleCode
from desist.events import services
from desist.events.models import DeliveryAttempt, OutboundEvent, Subscription

R = RoleCode


def _subscribe(
    admin: Any, organisation: Any, name: str = "Force RMS", path: str = "desist"
) -> Subscription:
    return services.subscription_create(
        actor=admin,
        organisation=organisation,
        name=name,
        url=f"https://rms.example.org/{path}",
        event_types=["breach.recorded"],
    ).subscription


def _event(subscription: Subscription, status: str = OutboundEvent.Status.DEAD) -> OutboundEvent:
    now = timezone.now()
    event = OutboundEvent.objects.create(
        subscription=subscription,
        event_type="breach.recorded",
        occurred_at=now,
        body='{"id": "x"}',
        status=status,
        attempts=11,
        next_attempt_at=now,
        dead_at=now if status == OutboundEvent.Status.DEAD else None,
        last_error="Answered 503",
    )
    for number in range(2):
        DeliveryAttempt.objects.create(
            event=event, number=number, at=now, status_code=503, error="Answered 503"
        )
    return event


def test_every_webhook_page_writes_a_consultation_event(client: Any, users: Any, orgs: Any) -> None:
    admin = users[R.ORGANISATION_ADMIN]
    subscription = _subscribe(admin, admin.organisation)
    dead = _event(subscription)
    client.force_login(admin)
    pages = {
        reverse("events:subscriptions"): "webhook.list",
        reverse("events:subscription_new"): "webhook.new",
        reverse("events:subscription", args=[subscription.pk]): "webhook.view",
        reverse("events:subscription_rotate", args=[subscription.pk]): "webhook.rotate_view",
        reverse("events:subscription_secret", args=[subscription.pk]): "webhook.secret_view",
        reverse("events:subscription_status", args=[subscription.pk]): "webhook.status_view",
        reverse("events:event_redeliver", args=[subscription.pk, dead.pk]): (
            "webhook.redeliver_view"
        ),
    }
    for url, verb in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        row = AuditEvent.objects.get(request_id=response["X-Request-ID"])
        assert (row.category, row.verb, row.actor_id) == (Category.CONSULTATION, verb, admin.pk)


def test_the_form_shows_each_problem_in_an_error_summary_and_refuses_http_outside_tests(
    client: Any, users: Any, orgs: Any, settings: Any
) -> None:
    settings.DESIST_WEBHOOKS_ALLOW_LOCAL = False  # as in production
    admin = users[R.ORGANISATION_ADMIN]
    client.force_login(admin)
    url = reverse("events:subscription_new")
    response = client.post(
        url,
        {"organisation": admin.organisation_id, "name": "", "url": "http://rms.example.org/x"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page and "<title>Error:" in page
    for message in (
        "Enter a name for the subscription",
        "Enter an endpoint URL that starts with https://",
        "Select at least one event to send",
    ):
        assert message in page, message
    assert not Subscription.objects.exists()


def test_a_provider_administrator_is_offered_only_referral_events(
    client: Any, users: Any, orgs: Any, make_user: Any
) -> None:
    admin = make_user(R.ORGANISATION_ADMIN, organisation=orgs["provider"])
    client.force_login(admin)
    form = client.get(reverse("events:subscription_new")).context["form"]
    assert [value for value, _ in form.fields["event_types"].choices] == ["referral.status_changed"]
    assert [pk for pk, _ in form.fields["organisation"].choices] == ["", orgs["provider"].pk]


def test_the_secret_is_shown_once_on_creation_and_on_rotation(
    client: Any, users: Any, orgs: Any
) -> None:
    """Post-redirect-get: refreshing the page that showed the secret neither creates a second
    subscription nor rotates again; it says the secret was shown once (tester finding)."""
    admin = users[R.ORGANISATION_ADMIN]
    client.force_login(admin)
    response = client.post(
        reverse("events:subscription_new"),
        {
            "organisation": admin.organisation_id,
            "name": "Niche RMS",
            "url": "https://rms.example.org/desist",
            "event_types": ["breach.recorded", "order.made"],
        },
    )
    subscription = Subscription.objects.get(name="Niche RMS")
    shown = reverse("events:subscription_secret", args=[subscription.pk])
    assert response.status_code == 302 and response["Location"] == shown
    assert subscription.secret not in response.content.decode()
    page = client.get(shown)
    assert subscription.secret in page.content.decode()
    assert "Subscription created" in page.content.decode()
    assert "no-store" in page["Cache-Control"]  # never kept by a browser or proxy
    refreshed = client.get(shown).content.decode()
    assert subscription.secret not in refreshed and "was shown once" in refreshed
    assert Subscription.objects.count() == 1
    detail = client.get(reverse("events:subscription", args=[subscription.pk])).content.decode()
    assert subscription.secret not in detail and subscription.secret_hint in detail
    rotate = reverse("events:subscription_rotate", args=[subscription.pk])
    assert subscription.secret not in client.get(rotate).content.decode()
    rotated = client.post(rotate)
    assert rotated.status_code == 302 and rotated["Location"] == shown
    subscription.refresh_from_db()
    page = client.get(shown).content.decode()
    assert subscription.secret in page and "New signing secret" in page
    refreshed = client.get(shown).content.decode()
    assert subscription.secret not in refreshed and "was shown once" in refreshed
    assert Subscription.objects.get().secret == subscription.secret  # not rotated again
    assert AuditEvent.objects.filter(verb="webhook.rotate_secret", actor_id=admin.pk).count() == 1


def test_a_second_subscription_to_the_same_endpoint_is_refused(
    client: Any, users: Any, orgs: Any
) -> None:
    admin = users[R.ORGANISATION_ADMIN]
    first = _subscribe(admin, admin.organisation)
    client.force_login(admin)
    data = {
        "organisation": admin.organisation_id,
        "name": "Again",
        "url": "https://rms.example.org/desist",
        "event_types": ["breach.recorded"],
    }
    page = client.post(reverse("events:subscription_new"), data).content.decode()
    assert "A subscription to this endpoint URL already exists" in page
    assert Subscription.objects.count() == 1
    # Another force may use the same receiver; once revoked, the endpoint may be used again.
    _subscribe(users[R.SYSTEM_ADMIN], orgs["other_police_force"])
    services.subscription_set_status(
        actor=admin, subscription=first, action="revoke", reason="Replaced"
    )
    assert client.post(reverse("events:subscription_new"), data).status_code == 302
    assert Subscription.objects.count() == 3


def test_the_empty_form_shows_every_problem_at_once(client: Any, users: Any, orgs: Any) -> None:
    client.force_login(users[R.SYSTEM_ADMIN])  # several organisations: none chosen
    response = client.post(reverse("events:subscription_new"), {})
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    for message in (
        "Choose the organisation whose events will be sent",
        "Enter a name for the subscription",
        "Enter the endpoint URL",
        "Select at least one event to send",
    ):
        assert message in page, message
    assert not Subscription.objects.exists()


def test_the_rotate_page_is_not_offered_for_a_revoked_subscription(
    client: Any, users: Any, orgs: Any
) -> None:
    admin = users[R.ORGANISATION_ADMIN]
    subscription = _subscribe(admin, admin.organisation)
    services.subscription_set_status(
        actor=admin, subscription=subscription, action="revoke", reason="Gone"
    )
    client.force_login(admin)
    rotate = reverse("events:subscription_rotate", args=[subscription.pk])
    detail = reverse("events:subscription", args=[subscription.pk])
    assert rotate not in client.get(detail).content.decode()
    for response in (client.get(rotate), client.post(rotate)):
        assert response.status_code == 302 and response["Location"] == detail
    page = client.get(detail).content.decode()
    assert "its secret cannot be rotated" in page
    assert Subscription.objects.get().secret_rotated_at is None


def test_sending_a_dead_letter_again_requeues_the_same_event_once_and_audits_it(
    client: Any, users: Any, orgs: Any
) -> None:
    admin = users[R.ORGANISATION_ADMIN]
    subscription = _subscribe(admin, admin.organisation)
    dead = _event(subscription)
    event_id, body = dead.event_id, dead.body
    client.force_login(admin)
    url = reverse("events:event_redeliver", args=[subscription.pk, dead.pk])
    response = client.post(url)
    assert response.status_code == 302
    dead.refresh_from_db()
    assert dead.status == OutboundEvent.Status.PENDING
    assert (dead.event_id, dead.body, dead.round_base) == (event_id, body, 11)
    assert OutboundEvent.objects.count() == 1  # the same row, not a copy
    # Pressed again (a second tab, a double click): nothing left to send again.
    assert client.post(url).status_code == 404
    audits = AuditEvent.objects.filter(verb="webhook.redeliver")
    assert list(audits.values_list("actor_id", "new_values")) == [
        (admin.pk, {"event_id": str(event_id), "event_type": "breach.recorded"})
    ]


def test_two_administrators_sending_one_dead_letter_again_requeue_it_once(
    users: Any, orgs: Any
) -> None:
    """Both fetched the event while it was dead; the command re-reads it under a lock."""
    from django.core.exceptions import ValidationError

    admin = users[R.SYSTEM_ADMIN]
    subscription = _subscribe(admin, orgs["police_force"])
    dead = _event(subscription)
    stale = OutboundEvent.objects.get(pk=dead.pk)
    services.event_redeliver(actor=admin, subscription=subscription, event=dead)
    with pytest.raises(ValidationError):
        services.event_redeliver(actor=admin, subscription=subscription, event=stale)
    assert AuditEvent.objects.filter(verb="webhook.redeliver").count() == 1


def test_the_lists_run_a_fixed_number_of_queries(client: Any, users: Any, orgs: Any) -> None:
    admin = users[R.SYSTEM_ADMIN]
    client.force_login(admin)
    first = _subscribe(admin, orgs["police_force"])
    _event(first)
    pages = (
        reverse("events:subscriptions"),
        reverse("events:subscription", args=[first.pk]),
    )

    def counts() -> list[int]:
        found = []
        for url in pages:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries))
        return found

    before = counts()
    for n in range(4):
        _event(_subscribe(admin, orgs["other_police_force"], name=f"RMS {n}", path=f"{n}"))
        _event(first)
        _event(first, status=OutboundEvent.Status.DELIVERED)
    assert counts() == before


def test_the_menu_offers_webhooks_to_administrators_only(client: Any, users: Any) -> None:
    for role, user in users.items():
        client.force_login(user)
        labels = [item.label for item in client.get(reverse("core:home")).context["nav_items"]]
        assert ("Webhooks" in labels) == (role in {R.SYSTEM_ADMIN, R.ORGANISATION_ADMIN}), role
