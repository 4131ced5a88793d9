"""Delivering the outbox (issue 17, ADR 0035): one pass, run by the job queue
(`jobs.tasks`, job `webhooks_deliver`), never in a request.

Each due event is claimed with a conditional update that moves its `next_attempt_at` on by
the lease (on PostgreSQL the candidates are read with `FOR UPDATE SKIP LOCKED` first, so
workers do not queue behind each other's rows); only the worker holding the claim may record
the attempt, and an event is marked delivered once. A 2xx answer is delivery; anything else,
or no answer, is retried on the schedule in `kinds.RETRY_DELAYS` with jitter, then
dead-lettered. The receiver gets the same event id on every attempt and de-duplicates on it:
a worker stopped after the receiver answered but before the row was marked sends again when
the lease ends (at-least-once at the edge, as for e-mail, ADR 0025).

Time is `django.utils.timezone.now`, so tests can move it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import random
import socket
import uuid
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from desist.events import services, signing
from desist.events.kinds import JITTER, MAX_ATTEMPTS, RETRY_DELAYS
from desist.events.models import DeliveryAttempt, OutboundEvent, Subscription

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5.0
LEASE = dt.timedelta(seconds=60)  # longer than one POST can take (connect + read timeouts)
BATCH = 50


def retry_delay(attempt: int, rng: random.Random | None = None) -> dt.timedelta:
    """The wait after failed attempt number `attempt`, moved by up to JITTER either way."""
    base = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
    spread = (rng or random).uniform(-JITTER, JITTER)
    return base * (1 + spread)


def _claim_next(now: dt.datetime, skip: set[int]) -> tuple[int, uuid.UUID] | None:
    """Claim the next due event: its id and our claim, or None when nothing is due."""
    due = (
        OutboundEvent.objects.filter(
            status=OutboundEvent.Status.PENDING,
            next_attempt_at__lte=now,
            subscription__status=Subscription.Status.ACTIVE,
        )
        .exclude(pk__in=skip)
        .order_by("next_attempt_at", "id")
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            due = due.select_for_update(skip_locked=True, of=("self",))
        pk = due.values_list("pk", flat=True).first()
        if pk is None:
            return None
        claim = uuid.uuid4()
        # The conditional update is the claim on SQLite (which has no row locks, and
        # serialises writers) and the belt to PostgreSQL's braces.
        taken = OutboundEvent.objects.filter(
            pk=pk, status=OutboundEvent.Status.PENDING, next_attempt_at__lte=now
        ).update(next_attempt_at=now + LEASE, claim=claim, attempts=F("attempts") + 1)
    skip.add(pk)
    return (pk, claim) if taken else _claim_next(now, skip)


REFUSED = "Refused: the address is not allowed"


def _refused(url: str) -> bool:
    """Whether the endpoint's host resolves to an address we never connect to (this machine,
    link-local, unspecified, multicast). The form checks the URL as typed; a name such as
    localtest.me can still resolve to 127.0.0.1, so the job checks again before connecting."""
    if services.local_endpoints_allowed():
        return False
    parts = urlsplit(url)
    try:
        found = socket.getaddrinfo(parts.hostname or "", parts.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        return False  # not resolvable: requests fails with no answer, as before
    return any(services.address_refused(ipaddress.ip_address(info[4][0])) for info in found)


def _post(event: OutboundEvent, now: dt.datetime) -> tuple[int | None, str]:
    """POST the event; its status code (None when there was no answer) and what went wrong."""
    subscription = event.subscription
    if _refused(subscription.url):
        return None, REFUSED  # the same words whatever the port: nothing to probe with
    timestamp = int(now.timestamp())
    headers = signing.headers(
        secret=subscription.secret,
        event_id=str(event.event_id),
        event_type=event.event_type,
        timestamp=timestamp,
        body=event.body,
    )
    try:
        response = requests.post(
            subscription.url,
            data=event.body.encode(),
            headers=headers,
            timeout=getattr(settings, "DESIST_WEBHOOK_TIMEOUT", TIMEOUT_SECONDS),
            allow_redirects=False,  # a redirect is not delivery, and may leave our control
        )
    except requests.RequestException as exc:
        return None, f"No answer: {type(exc).__name__}"[:300]
    response.close()
    if 200 <= response.status_code < 300:
        return response.status_code, ""
    return response.status_code, f"Answered {response.status_code}"


def attempt(pk: int, claim: uuid.UUID, now: dt.datetime) -> str:
    """Make one attempt at a claimed event: 'delivered', 'retry' or 'dead'."""
    event = OutboundEvent.objects.select_related("subscription").get(pk=pk)
    status_code, error = _post(event, now)
    delivered = not error
    ours = OutboundEvent.objects.filter(pk=pk, claim=claim, status=OutboundEvent.Status.PENDING)
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            event=event,
            number=event.attempts,
            at=now,
            status_code=status_code,
            error=error,
            delivered=delivered,
        )
        if delivered:
            ours.update(status=OutboundEvent.Status.DELIVERED, delivered_at=now, last_error="")
            return "delivered"
        in_round = event.attempts - event.round_base
        if in_round >= MAX_ATTEMPTS:
            ours.update(status=OutboundEvent.Status.DEAD, dead_at=now, last_error=error)
            return "dead"
        ours.update(next_attempt_at=now + retry_delay(in_round), last_error=error)
        return "retry"


def deliver_due(now: dt.datetime | None = None) -> dict[str, int]:
    """One pass over the events due now (at most BATCH attempts)."""
    now = now or timezone.now()
    counts = {"delivered": 0, "retry": 0, "dead": 0}
    skip: set[int] = set()
    for _ in range(BATCH):
        claimed = _claim_next(now, skip)
        if claimed is None:
            break
        counts[attempt(*claimed, now)] += 1
    if counts["dead"]:
        log.warning("%s outbound events dead-lettered", counts["dead"])
    return counts
