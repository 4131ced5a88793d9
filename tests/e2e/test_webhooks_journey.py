"""An organisation administrator creates a webhook subscription for their provider, sees its
secret once, rotates it, finds an event the receiver never accepted in the subscription's
deliveries and among those not delivered, sends it again, and revokes the subscription
(issue 17, ADR 0035). axe on every page visited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def _submit(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def _dead_letter_one(subscription: Any) -> Any:
    """A referral event for the subscription, tried by the real delivery pass against a port
    nothing listens on until it is given up (time moved to each next attempt)."""
    from desist.events import delivery, outbox
    from desist.events.kinds import EventType
    from desist.events.models import OutboundEvent

    happening = outbox.Happening(
        EventType.REFERRAL_STATUS_CHANGED,
        force_id=0,
        provider_id=subscription.organisation_id,
        data={"referral": {"id": 1, "reference": "REF-E2E", "status": "received"}},
    )
    [event] = outbox.emit(happening)
    now = event.next_attempt_at
    for _ in range(20):
        delivery.deliver_due(now=now)
        event.refresh_from_db()
        if event.status != OutboundEvent.Status.PENDING:
            break
        now = event.next_attempt_at + dt.timedelta(seconds=1)
    assert event.status == OutboundEvent.Status.DEAD
    return event


def test_an_organisation_administrator_manages_a_webhook_subscription(
    page: Any,
    seeded: Any,
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.events.models import OutboundEvent, Subscription
    from desist.events.tests.receiver import free_port

    login(page, "org.admin")
    with page.expect_navigation():
        page.get_by_role("link", name="Webhooks").first.click()
    assert page.locator("h1").inner_text() == "Webhooks"
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("button", name="Create a subscription").click()
    assert_accessible(page)
    # A provider is offered referral events only; an endpoint must be a URL: GOV.UK errors.
    assert page.get_by_label("Breach of an order recorded").count() == 0
    page.get_by_label("Endpoint URL").fill("not a url")
    _submit(page, "Create subscription")
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter a name for the subscription" in summary
    assert "Enter an endpoint URL in the correct format" in summary
    assert "Select at least one event to send" in summary
    assert page.title().startswith("Error:")
    assert_accessible(page)

    port = free_port()  # nothing listens: every attempt fails
    page.get_by_label("Name", exact=True).fill("Case system events")
    page.get_by_label("Endpoint URL").fill(f"http://127.0.0.1:{port}/desist")
    page.get_by_label("Referral status changed").check()
    _submit(page, "Create subscription")
    assert page.locator("h1").inner_text() == "Subscription created"
    assert_accessible(page)
    secret = page.locator("#signing-secret").input_value()
    assert secret.startswith("whsec_")
    # Post-redirect-get: a refresh neither creates a second subscription nor shows it again.
    page.reload()
    assert "was shown once" in page.locator("#secret-shown-once").inner_text()
    assert secret not in page.content()
    assert Subscription.objects.filter(name="Case system events").count() == 1
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("link", name="Go to the subscription").click()
    assert page.locator("h1").inner_text() == "Case system events"
    assert secret not in page.content()  # shown once only
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("button", name="Rotate secret").click()
    assert_accessible(page)
    _submit(page, "Rotate secret")
    assert page.locator("h1").inner_text() == "New signing secret"
    assert_accessible(page)
    rotated = page.locator("#signing-secret").input_value()
    assert rotated.startswith("whsec_") and rotated != secret
    page.reload()  # not rotated again
    assert rotated not in page.content()
    assert Subscription.objects.get(name="Case system events").secret == rotated
    with page.expect_navigation():
        page.get_by_role("link", name="Go to the subscription").click()
    assert rotated not in page.content()

    subscription = Subscription.objects.get(name="Case system events")
    event = _dead_letter_one(subscription)
    page.reload()
    deliveries = page.locator("table").inner_text()
    assert str(event.event_id) in deliveries and "Not delivered" in deliveries
    assert_accessible(page)
    assert page.get_by_role("link", name=f"Send again event {event.event_id}").count() == 1
    with page.expect_navigation():
        page.get_by_role("link", name="Back to webhooks").click()
    not_delivered = page.locator("table").nth(1).inner_text()
    assert str(event.event_id) in not_delivered
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name=f"Send again event {event.event_id}").click()
    assert page.locator("h1").inner_text() == "Send event again"
    assert_accessible(page)
    _submit(page, "Send again")
    assert "will be sent again" in page.locator(".govuk-notification-banner").inner_text()
    assert str(event.event_id) not in page.locator("table").nth(1).inner_text()
    assert_accessible(page)
    event.refresh_from_db()
    assert event.status == OutboundEvent.Status.PENDING

    with page.expect_navigation():
        page.get_by_role("link", name="Case system events").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Pause, resume or revoke").click()
    assert_accessible(page)
    _submit(page, "Continue")
    assert "Select what to do" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Revoke: stop for good").check()
    _submit(page, "Continue")
    assert (
        "Enter why the subscription is being revoked"
        in page.locator(".govuk-error-summary").inner_text()
    )
    assert_accessible(page)
    page.get_by_label("Reason").fill("The case system is being replaced")
    _submit(page, "Continue")
    assert "has been revoked" in page.locator(".govuk-notification-banner").inner_text()
    assert "Revoked" in page.locator(".govuk-summary-list").inner_text()
    assert page.get_by_role("button", name="Rotate secret").count() == 0
    assert_accessible(page)
    # An old link to rotate lands back on the subscription with a message.
    page.goto(page.url.rstrip("/") + "/rotate/")
    assert "its secret cannot be rotated" in page.locator(".govuk-notification-banner").inner_text()
    assert page.locator("h1").inner_text() == "Case system events"
