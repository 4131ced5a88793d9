"""The outbound event types (issue 17, ADR 0035), what each organisation kind may subscribe
to, and the delivery schedule. The lowest module of the app: models, outbox and delivery all
name them."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum


class EventType(StrEnum):
    BREACH_RECORDED = "breach.recorded"
    ORDER_MADE = "order.made"
    ORDER_ENDED = "order.ended"
    NOTIFICATION_OVERDUE = "notification.overdue"
    REFERRAL_STATUS_CHANGED = "referral.status_changed"


EVENT_LABELS: dict[str, str] = {
    EventType.BREACH_RECORDED: "Breach of an order recorded",
    EventType.ORDER_MADE: "Order made (interim or full)",
    EventType.ORDER_ENDED: "Order ended (refused, withdrawn, expired or discharged)",
    EventType.NOTIFICATION_OVERDUE: "Notification overdue",
    EventType.REFERRAL_STATUS_CHANGED: "Referral status changed",
}

# A force hears about its own orders and referrals; a provider only about the referrals made
# to its own programmes. No other kind of organisation has records these events describe.
TYPES_FOR_KIND: dict[str, tuple[EventType, ...]] = {
    "police_force": tuple(EventType),
    "provider": (EventType.REFERRAL_STATUS_CHANGED,),
}

# Wait after failed attempt n (1-based) before the next; then the event is dead-lettered.
# 1m 2m 5m 10m 30m 1h 3h 6h 12h 12h: eleven attempts over about 35 hours.
RETRY_DELAYS: tuple[dt.timedelta, ...] = tuple(
    dt.timedelta(minutes=m) for m in (1, 2, 5, 10, 30, 60, 180, 360, 720, 720)
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# Each wait is moved by up to this fraction either way, so receivers coming back up are not
# hit by every sender at once.
JITTER = 0.1
