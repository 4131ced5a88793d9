"""Outbound events (issue 17, ADR 0035) against a real HTTP receiver on 127.0.0.1: the
done-when promise (the receiver down for ten minutes, then the event delivered exactly once),
signatures, who hears what, and the outbox's transaction."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings

from desist.core.roles import RoleCode
from desist.events import services, signing
from desist.events.kinds import MAX_ATTEMPTS, EventType
from desist.events.models import DeliveryAttempt, OutboundEvent, Subscription
from desist.events.tests.conftest import Clock
from desist.events.tests.receiver import Receiver
from desist.jobs import tasks
from desist.orders import actions as orders
from desist.orders.tests.helpers import ago, ahead, applied, breach, full, make_subject
from desist.programme import actions as programme

R = RoleCode
ALL_TYPES = [str(t) for t in EventType]


def subscribe(
    world: Any, organisation: Any, receiver: Receiver, path: str, types: Any = None
) -> Subscription:
    issued = services.subscription_create(
        actor=world.admin,
        organisation=organisation,
        name=f"Receiver {path}",
        url=receiver.url(path),
        event_types=types
        or (
            [str(EventType.REFERRAL_STATUS_CHANGED)]
            if organisation.kind == "provider"
            else ALL_TYPES
        ),
    )
    receiver.secrets[path] = issued.secret
    return issued.subscription


def worker_pass() -> dict[str, int]:
    """What a worker runs each time the scheduler enqueues the job."""
    result: dict[str, int] = tasks.run_job.call(name="webhooks_deliver")
    return result


def record_breach(force_world: Any) -> Any:
    return breach(force_world.officer, force_world.order, force_world.term, ago(2))


def test_an_event_survives_the_receiver_down_for_ten_minutes_and_arrives_once(
    world: Any, clock: Clock, receiver: Receiver
) -> None:
    subscribe(world, world.sussex.force, receiver, "/sussex")
    record_breach(world.sussex)
    [event] = OutboundEvent.objects.all()
    # Ten minutes down: the port closed for five, then the receiver answering 503.
    for step in range(20):
        if step == 10:
            receiver.status = 503
            receiver.start()
        worker_pass()
        clock.advance(seconds=30)
    failed = list(DeliveryAttempt.objects.filter(event=event).order_by("number"))
    assert [a.delivered for a in failed] == [False] * len(failed)
    assert len(failed) >= 3  # 0, ~1 and ~3 minutes: retried while down
    assert {a.status_code for a in failed} == {None, 503}
    assert receiver.delivered() == []
    # Up again: the next due attempt delivers, and no later pass sends it again.
    receiver.status = 200
    for _ in range(120):  # an hour of passes
        worker_pass()
        clock.advance(seconds=30)
    clock.advance(days=3)
    worker_pass()
    [got] = receiver.delivered()
    assert got.headers["Desist-Event-Id"] == str(event.event_id)
    assert json.loads(got.body)["id"] == str(event.event_id)
    assert got.signature_ok
    event.refresh_from_db()
    assert event.status == OutboundEvent.Status.DELIVERED
    tries = list(DeliveryAttempt.objects.filter(event=event).order_by("number"))
    assert len(tries) == len(failed) + 1 == event.attempts
    assert [t.delivered for t in tries] == [False] * len(failed) + [True]
    # Every earlier attempt that reached the receiver carried the same event id.
    assert {r.headers["Desist-Event-Id"] for r in receiver.requests} == {str(event.event_id)}


def _documented_verify(clock: Clock) -> Any:
    text = (settings.BASE_DIR / "docs" / "integration.md").read_text()
    section = text.split("## 7. Receive events")[1]
    code = section.split("```python\n")[1].split("```")[0]
    namespace: dict[str, Any] = {}
    exec(compile(code, "docs/integration.md", "exec"), namespace)  # noqa: S102
    namespace["time"] = SimpleNamespace(time=clock.seconds)  # the snippet's `time.time()`
    return namespace["verify"]


def test_the_signature_verifies_and_a_tampered_body_or_an_old_timestamp_fails(
    world: Any, clock: Clock, receiver: Receiver
) -> None:
    subscription = subscribe(world, world.sussex.force, receiver, "/sussex")
    receiver.start()
    record_breach(world.sussex)
    worker_pass()
    [got] = receiver.requests
    assert got.signature_ok and got.answered == 200
    secret = receiver.secrets["/sussex"]
    stamp, sig = got.headers["Desist-Timestamp"], got.headers["Desist-Signature"]
    now = clock.seconds()
    assert signing.verify(
        secret=secret, timestamp=stamp, body=got.body, signature_header=sig, now=now
    )
    tampered = got.body.replace("breach.recorded", "order.ended")
    assert not signing.verify(
        secret=secret, timestamp=stamp, body=tampered, signature_header=sig, now=now
    )
    assert not signing.verify(
        secret="whsec_other", timestamp=stamp, body=got.body, signature_header=sig, now=now
    )
    # The receiver's code in docs/integration.md agrees (its clock is this test's clock).
    doc_verify = _documented_verify(clock)
    assert doc_verify(secret, stamp, got.body.encode(), sig)
    assert not doc_verify(secret, stamp, tampered.encode(), sig)
    replayed_at = now + signing.TOLERANCE_SECONDS + 1
    assert not signing.verify(
        secret=secret, timestamp=stamp, body=got.body, signature_header=sig, now=replayed_at
    )
    # A rotated secret signs what is sent from then on; the old one no longer verifies it.
    rotated = services.subscription_rotate(actor=world.admin, subscription=subscription)
    receiver.secrets["/sussex"] = rotated.secret
    record_breach(world.sussex)
    worker_pass()
    assert receiver.requests[-1].signature_ok
    assert not signing.verify(
        secret=secret,
        timestamp=receiver.requests[-1].headers["Desist-Timestamp"],
        body=receiver.requests[-1].body,
        signature_header=receiver.requests[-1].headers["Desist-Signature"],
        now=now,
    )


def test_a_surrey_subscription_never_receives_a_sussex_event(
    world: Any, clock: Clock, receiver: Receiver, users: Any
) -> None:
    subscribe(world, world.sussex.force, receiver, "/sussex")
    subscribe(world, world.surrey.force, receiver, "/surrey")
    receiver.start()
    record_breach(world.sussex)
    record_breach(world.surrey)
    full(world.sussex.officer, make_subject(world.sussex.force), made=ago(5), ends=ahead(800))
    referral = world.sussex.referral
    programme.referral_transition(
        actor=users[R.CLINICAL_SUPERVISOR],
        referral=referral,
        version=referral.version,
        target="received",
        effective_on=ago(0),
    )
    worker_pass()
    bodies = {
        p: [json.loads(r.body) for r in receiver.delivered(p)] for p in ("/sussex", "/surrey")
    }
    assert sorted(b["type"] for b in bodies["/sussex"]) == [
        "breach.recorded",
        "order.made",
        "referral.status_changed",
    ]
    [surrey] = bodies["/surrey"]
    assert surrey["type"] == "breach.recorded"
    assert surrey["data"]["order"]["reference"] == world.surrey.order.reference
    sussex_refs = {world.sussex.order.reference, referral.reference}
    assert not any(ref in r.body for ref in sussex_refs for r in receiver.delivered("/surrey"))


def _identifiers(victim: Any) -> list[str]:
    from desist.safeguarding.models import Victim

    v = Victim.objects.get(pk=victim.pk)
    return [v.first_names, v.last_name, "Larkspur", v.phone, v.email, v.reference]


def test_a_provider_hears_only_of_its_referrals_and_never_a_victim_identifier(
    world: Any, clock: Clock, receiver: Receiver, users: Any
) -> None:
    subscribe(world, world.provider, receiver, "/provider")
    subscribe(world, world.sussex.force, receiver, "/sussex")
    receiver.start()
    record_breach(world.sussex)  # not the provider's to hear
    referral = world.sussex.referral
    programme.referral_transition(
        actor=users[R.CLINICAL_SUPERVISOR],
        referral=referral,
        version=referral.version,
        target="received",
        effective_on=ago(0),
    )
    worker_pass()
    [got] = receiver.delivered("/provider")
    body = json.loads(got.body)
    assert body["type"] == "referral.status_changed"
    assert body["data"] == {
        "referral": {
            "id": referral.pk,
            "reference": referral.reference,
            "status": "received",
            "previous_status": "put_forward",
        },
        "subject": {"id": referral.subject_id},
    }
    for identifier in _identifiers(world.sussex.victim):
        assert identifier and identifier.lower() not in got.body.lower(), identifier
    # The force's own subscription hears both, with its own references and still no victim.
    sussex = receiver.delivered("/sussex")
    assert len(sussex) == 2
    for r in sussex:
        for identifier in _identifiers(world.sussex.victim):
            assert identifier.lower() not in r.body.lower(), identifier


def test_a_rolled_back_write_emits_nothing_and_order_made_and_ended_are_heard(
    world: Any, clock: Clock, receiver: Receiver, users: Any
) -> None:
    subscribe(world, world.sussex.force, receiver, "/sussex")
    with pytest.raises(RuntimeError), transaction.atomic():
        record_breach(world.sussex)
        assert OutboundEvent.objects.count() == 1
        raise RuntimeError("the request failed after the write")
    assert OutboundEvent.objects.count() == 0
    order = applied(world.sussex.officer, make_subject(world.sussex.force), on=ago(20))
    orders.order_withdraw(
        actor=users[R.POLICE_SUPERVISOR],
        order=order,
        version=order.version,
        withdrawn_on=ago(1),
        reason="Victim's situation changed",
    )
    [ended] = OutboundEvent.objects.all()
    body = json.loads(ended.body)
    assert body["type"] == "order.ended"
    assert body["data"]["order"] == {
        "id": order.pk,
        "reference": order.reference,
        "status": "withdrawn",
    }
    assert body["data"]["previous_status"] == "applied"


def test_a_receiver_that_never_answers_gets_every_retry_over_a_day_then_the_event_is_dead_lettered_and_sent_again(
    world: Any, clock: Clock, receiver: Receiver
) -> None:
    subscription = subscribe(world, world.sussex.force, receiver, "/sussex")
    receiver.status = 500
    receiver.start()
    record_breach(world.sussex)
    [event] = OutboundEvent.objects.all()
    started = clock.at
    while True:
        worker_pass()
        event.refresh_from_db()
        if event.status != OutboundEvent.Status.PENDING:
            break
        clock.at = event.next_attempt_at
    assert event.status == OutboundEvent.Status.DEAD
    assert event.attempts == MAX_ATTEMPTS == len(receiver.requests)
    assert (clock.at - started).total_seconds() >= 24 * 3600
    # Nothing more is tried on its own.
    clock.advance(days=5)
    worker_pass()
    assert len(receiver.requests) == MAX_ATTEMPTS
    # Sent again by an administrator: the same id and body, delivered once.
    services.event_redeliver(actor=world.admin, subscription=subscription, event=event)
    receiver.status = 200
    worker_pass()
    worker_pass()
    [got] = receiver.delivered()
    assert got.body == event.body
    event.refresh_from_db()
    assert event.status == OutboundEvent.Status.DELIVERED
    assert DeliveryAttempt.objects.filter(event=event).count() == MAX_ATTEMPTS + 1


def test_a_paused_subscription_keeps_its_events_until_resumed_and_a_revoked_one_gets_none(
    world: Any, clock: Clock, receiver: Receiver
) -> None:
    subscription = subscribe(world, world.sussex.force, receiver, "/sussex")
    receiver.start()
    services.subscription_set_status(
        actor=world.admin, subscription=subscription, action="pause", reason="Maintenance"
    )
    record_breach(world.sussex)
    worker_pass()
    assert receiver.requests == []
    services.subscription_set_status(actor=world.admin, subscription=subscription, action="resume")
    worker_pass()
    assert len(receiver.delivered()) == 1
    services.subscription_set_status(
        actor=world.admin, subscription=subscription, action="revoke", reason="System retired"
    )
    record_breach(world.sussex)
    worker_pass()
    assert len(receiver.requests) == 1
    assert OutboundEvent.objects.count() == 1


def test_a_notification_overdue_is_sent_once_however_often_the_scan_runs(
    world: Any, clock: Clock, receiver: Receiver
) -> None:
    from desist.orders.models import Notification
    from desist.sharing import services as sharing

    subscribe(world, world.sussex.force, receiver, "/sussex", [str(EventType.NOTIFICATION_OVERDUE)])
    receiver.start()
    order = world.sussex.order
    orders.order_serve(
        actor=world.sussex.officer, order=order, version=order.version, served_on=ago(30)
    )
    overdue = Notification.objects.get(order=order, received_on__isnull=True, due_on__lt=ago(0))
    sharing.alerts_scan()
    sharing.alerts_scan()
    worker_pass()
    [got] = receiver.delivered()
    body = json.loads(got.body)
    assert body["type"] == "notification.overdue"
    assert body["data"]["notification"]["id"] == overdue.pk


def test_the_job_refuses_to_connect_to_this_machine_whatever_the_name_or_port(
    world: Any, clock: Clock, receiver: Receiver, monkeypatch: Any
) -> None:
    """The form checks the URL as typed; the job checks where the name resolves to. Outside
    the tests an endpoint on this machine (loopback, link-local, multicast) is refused with
    the same words whether its port is open or closed, so an administrator cannot probe."""
    import socket

    from desist.events import delivery

    sussex = subscribe(world, world.sussex.force, receiver, "/open")
    closed = subscribe(world, world.surrey.force, receiver, "/closed")
    closed.url = "http://127.0.0.1:1/closed"  # nothing listens there
    closed.save(update_fields=["url"])
    receiver.start()
    # Saved while allowed (as the demo allowed), or a name that resolves to loopback.
    with override_settings(DESIST_WEBHOOKS_ALLOW_LOCAL=False):
        record_breach(world.sussex)
        record_breach(world.surrey)
        worker_pass()
    assert receiver.requests == []  # never connected
    errors = set(
        DeliveryAttempt.objects.filter(event__subscription__in=[sussex, closed]).values_list(
            "error", "status_code", "delivered"
        )
    )
    assert errors == {("Refused: the address is not allowed", None, False)}

    real = socket.getaddrinfo

    def resolve(host: str, *args: Any, **kw: Any) -> Any:
        fake = {"localtest.me": "127.0.0.1", "metadata.example": "169.254.169.254"}
        return real(fake.get(host, host), *args, **kw)

    monkeypatch.setattr(delivery.socket, "getaddrinfo", resolve)
    with override_settings(DESIST_WEBHOOKS_ALLOW_LOCAL=False):
        assert services.url_problem("https://localtest.me/hook") == ""  # the form can't tell
        assert delivery._refused("https://localtest.me/hook")
        assert delivery._refused("https://metadata.example/latest")
        assert delivery._refused("https://[::ffff:127.0.0.1]/hook")
        assert delivery._refused("https://224.0.0.1/hook")
        # A force's receiver on its own network is allowed by design (ADR 0035).
        assert not delivery._refused("https://10.1.2.3/hook")
        assert not delivery._refused("https://192.168.0.10/hook")
