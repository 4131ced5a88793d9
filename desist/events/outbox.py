"""Writing events to the outbox (issue 17, ADR 0035).

The events are heard where the domain already reports them, not by editing each action:
- `on_audit` (registered with `audit.services.register_listener`): every audited write, inside
  its transaction; orders' status changes (made, ended) and referrals' status changes;
- `on_publish` (registered with `sharing.port.register_listener`): events sharing turns into
  alerts, inside the caller's transaction; a breach recorded, a notification overdue (a scan).
So the outbox rows commit or roll back with the change: a rolled-back write emits nothing.

Each subscription that may hear of the record gets its own row and body. Bodies carry
references only, never a victim's identity: a force hears about its own records; a provider
only about referrals to its own programmes.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from desist.events.kinds import EventType
from desist.events.models import OutboundEvent, Subscription
from desist.orders.models import ENDED_STATUSES, LIVE_STATUSES, Breach, Notification, Order
from desist.programme.models import Referral

E = EventType


@dataclass(frozen=True)
class Happening:
    """What happened, with who may hear of it: the owning force, and the provider for a
    referral."""

    event_type: EventType
    force_id: int
    data: dict[str, Any]
    provider_id: int | None = None
    dedupe_key: str = ""
    # Added only for a subscription of the owning force (the force's own reference).
    force_only: dict[str, Any] = field(default_factory=dict)


def receives(subscription: Subscription, happening: Happening) -> bool:
    if happening.event_type not in subscription.event_types:
        return False
    org = subscription.organisation
    if org.kind == "police_force":
        return org.pk == happening.force_id
    if org.kind == "provider":
        return happening.event_type == E.REFERRAL_STATUS_CHANGED and org.pk == happening.provider_id
    return False


def body_for(subscription: Subscription, happening: Happening, event_id: uuid.UUID, at: Any) -> str:
    data = dict(happening.data)
    if subscription.organisation_id == happening.force_id:
        data.update(happening.force_only)
    payload = {
        "id": str(event_id),
        "type": str(happening.event_type),
        "occurred_at": at.isoformat(),
        "data": data,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"))


def emit(happening: Happening) -> list[OutboundEvent]:
    """One outbox row for each live subscription that may hear of it (paused ones too: their
    events wait until they are resumed)."""
    now = timezone.now()
    live = Subscription.objects.exclude(status=Subscription.Status.REVOKED).select_related(
        "organisation"
    )
    made = []
    for subscription in live:
        if not receives(subscription, happening):
            continue
        key = happening.dedupe_key
        if key and OutboundEvent.objects.filter(subscription=subscription, dedupe_key=key).exists():
            continue
        event_id = uuid.uuid4()
        try:
            with transaction.atomic():  # a savepoint: a racing scan's duplicate is skipped
                made.append(
                    OutboundEvent.objects.create(
                        event_id=event_id,
                        subscription=subscription,
                        event_type=happening.event_type,
                        occurred_at=now,
                        body=body_for(subscription, happening, event_id, now),
                        dedupe_key=key,
                        next_attempt_at=now,
                    )
                )
        except IntegrityError:
            continue
    return made


# --- what the domain reports, as happenings --------------------------------------------------


def _order_data(order: Order) -> dict[str, Any]:
    return {
        "order": {"id": order.pk, "reference": order.reference, "status": order.status},
        "subject": {"id": order.subject_id},
    }


def _subject_force_ref(order_or_referral: Any) -> dict[str, Any]:
    ref = order_or_referral.subject.force_reference
    return {"subject": {"id": order_or_referral.subject_id, "force_reference": ref}}


def order_status_changed(order_id: int, old: str, new: str) -> Happening | None:
    if new in LIVE_STATUSES and old not in LIVE_STATUSES:
        event_type = E.ORDER_MADE
    elif new in ENDED_STATUSES and old not in ENDED_STATUSES:
        event_type = E.ORDER_ENDED
    else:
        return None
    order = Order.objects.select_related("subject").get(pk=order_id)
    data = _order_data(order) | {"previous_status": old}
    return Happening(event_type, order.force_id, data, force_only=_subject_force_ref(order))


def referral_status_changed(referral_id: int, old: str, new: str) -> Happening:
    referral = Referral.objects.select_related("programme", "subject", "order").get(pk=referral_id)
    data = {
        "referral": {
            "id": referral.pk,
            "reference": referral.reference,
            "status": new,
            "previous_status": old,
        },
        "subject": {"id": referral.subject_id},
    }
    force_only: dict[str, Any] = _subject_force_ref(referral)
    if referral.order is not None:
        force_only["order"] = {"id": referral.order_id, "reference": referral.order.reference}
    return Happening(
        E.REFERRAL_STATUS_CHANGED,
        referral.force_id,
        data,
        provider_id=referral.programme.provider_id,
        force_only=force_only,
    )


def breach_recorded(breach: Breach) -> Happening:
    order = breach.order
    data = _order_data(order) | {"breach": {"id": breach.pk, "term_id": breach.term_id}}
    return Happening(E.BREACH_RECORDED, order.force_id, data, force_only=_subject_force_ref(order))


def notification_overdue(notification: Notification, dedupe_key: str) -> Happening:
    order = notification.order
    data = _order_data(order) | {
        "notification": {
            "id": notification.pk,
            "kind": notification.kind,
            "due_on": notification.due_on.isoformat(),
        }
    }
    return Happening(
        E.NOTIFICATION_OVERDUE,
        order.force_id,
        data,
        dedupe_key=dedupe_key or f"notification_overdue:{notification.pk}",
        force_only=_subject_force_ref(order),
    )


def on_audit(event: Any) -> None:
    """Audit listener: orders' and referrals' status changes."""
    old = (event.old_values or {}).get("status", "")
    new = (event.new_values or {}).get("status", "")
    happening: Happening | None = None
    if event.verb == "order.status_change":
        happening = order_status_changed(int(event.object_id), old, new)
    elif event.verb in ("referral.status_change", "referral.put_forward"):
        happening = referral_status_changed(int(event.object_id), old, new or "put_forward")
    if happening is not None:
        emit(happening)


def on_publish(*, kind: str, source: Any, dedupe_key: str) -> None:
    """Sharing listener: a breach recorded, a notification overdue."""
    if kind == "breach_recorded" and isinstance(source, Breach):
        emit(breach_recorded(source))
    elif kind == "notification_overdue" and isinstance(source, Notification):
        emit(notification_overdue(source, dedupe_key))
