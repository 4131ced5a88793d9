"""Dates derived from an order's recorded dates, for services (validation) and pages (display).

Pure functions of an Order instance's fields (no queries); the arithmetic is in `dates.py`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from desist.orders import dates, law
from desist.orders.models import ENDED_STATUSES, Order, OrderStatus


def fmt(day: dt.date) -> str:
    """GOV.UK date style: 1 March 2026."""
    return f"{day.day} {day:%B %Y}"


def breach_incident_description(reference: str, term_kind: str) -> str:
    """The case-timeline incident a recorded breach adds (`order_record_breach`); the timeline
    finds the breach behind an incident by it (`selectors.case_timeline_breaches`)."""
    return f"Breach of SPO {reference} ({term_kind.lower()})."


def in_force_from(order: Order) -> dt.date | None:
    """The day the order first had effect: the interim order, else the full order."""
    return order.interim_made_on or order.full_made_on


def in_force_until(order: Order) -> dt.date | None:
    """The last day the order has (or had) effect; None while open-ended or never made."""
    if order.status in ENDED_STATUSES:
        return order.ended_on if in_force_from(order) else None
    if order.status == OrderStatus.FULL:
        return None if order.until_further_order else order.full_ends_on
    if order.status == OrderStatus.INTERIM:
        return order.interim_expires_on
    return None


def current_end(order: Order) -> dt.date | None:
    """The end date that would make a live order expire (None if it cannot expire)."""
    if order.status == OrderStatus.INTERIM:
        return order.interim_expires_on
    if order.status == OrderStatus.FULL and not order.until_further_order:
        return order.full_ends_on
    return None


@dataclass(frozen=True)
class OrderDates:
    in_force_from: dt.date | None
    in_force_until: dt.date | None
    minimum_full_end: dt.date | None
    review_opens: dt.date | None
    in_review_window: bool
    can_expire_now: bool


def order_dates(order: Order, *, today: dt.date, window_days: int) -> OrderDates:
    end = order.full_ends_on if order.status == OrderStatus.FULL else None
    made = order.full_made_on
    live_end = current_end(order)
    return OrderDates(
        in_force_from=in_force_from(order),
        in_force_until=in_force_until(order),
        minimum_full_end=law.minimum_fixed_period_end(made) if made else None,
        review_opens=(
            dates.review_opens(end, window_days) if end and not order.until_further_order else None
        ),
        in_review_window=bool(
            end
            and not order.until_further_order
            and dates.in_review_window(end, today, window_days)
        ),
        can_expire_now=bool(live_end and dates.has_ended(live_end, today)),
    )
