"""Stalking Protection Orders, for a subject access request (ADR 0031): the force's records.
A victim's request shows the orders protecting them and only the terms that name them."""

from __future__ import annotations

from typing import Any

from desist.core.models import Organisation
from desist.orders.models import Order, Term, VictimUpdate
from desist.sar.registry import Collector, Record, record, register

ORDER_FIELDS = ["reference", "status", "application_date", "court", "interim_made_on"]
ORDER_FIELDS += ["interim_served_on", "interim_expires_on", "full_made_on", "full_served_on"]
ORDER_FIELDS += ["full_ends_on", "until_further_order", "ended_on", "pnc_circulated_on"]
TERM_FIELDS = ["kind", "category", "wording", "area", "ended_on"]
# Issue 19: each change to a term, and each corrected date, is the subject's data too.
TERM_CHANGE_FIELDS = ["kind", "decided_on", "old_wording", "new_wording", "reason"]
DATE_FIX_FIELDS = ["field", "old_value", "new_value", "reason"]


def subject_orders(subject: Any, organisation: Organisation) -> list[Record]:
    found: list[Record] = []
    orders = Order.objects.filter(subject=subject, force=organisation).prefetch_related(
        "terms",
        "terms__changes",
        "hearings",
        "notifications",
        "breaches",
        "events",
        "date_corrections",
    )
    for order in orders:
        found.append(record(order, "Order", ORDER_FIELDS))
        found += [
            record(t, "Term of the order", TERM_FIELDS, reference=f"Term {n} of {order.reference}")
            for n, t in enumerate(order.terms.all(), start=1)
        ]
        found += [
            record(c, "Change to a term", TERM_CHANGE_FIELDS)
            for t in order.terms.all()
            for c in t.changes.all()
        ]
        found += [
            record(c, "Corrected date", DATE_FIX_FIELDS) for c in order.date_corrections.all()
        ]
        found += [
            record(h, "Hearing", ["heard_on", "kind", "court", "outcome", "adjourned_to", "notes"])
            for h in order.hearings.all()
        ]
        found += [
            record(n, "Notification", ["kind", "trigger_on", "due_on", "received_on"])
            for n in order.notifications.all()
        ]
        found += [
            record(
                b,
                "Breach",
                ["occurred_on", "detection", "police_action", "court_outcome", "details"],
            )
            for b in order.breaches.all()
        ]
        found += [
            record(
                e, "Change to the order", ["kind", "applicant", "decided_on", "outcome", "details"]
            )
            for e in order.events.all()
        ]
    return found


def victim_orders(victim: Any, organisation: Organisation) -> list[Record]:
    found: list[Record] = []
    terms = Term.objects.filter(protected_persons=victim, order__force=organisation)
    orders: dict[int, Order] = {}
    for term in terms.select_related("order").order_by("order_id", "pk"):
        if term.order_id not in orders:
            orders[term.order_id] = term.order
            found.append(
                record(term.order, "Order protecting you", ["reference", "status", "full_ends_on"])
            )
        found.append(
            record(term, "Term that protects you", TERM_FIELDS, reference=term.order.reference)
        )
    updates = VictimUpdate.objects.filter(victim=victim, order__force=organisation)
    found += [
        record(
            u,
            "Update the police gave you",
            ["told_on", "how", "event_label", "summary"],
            reference=u.order.reference,
        )
        for u in updates.select_related("order").order_by("told_on", "pk")
    ]
    return found


register(
    Collector(
        key="orders.orders",
        title="Stalking Protection Orders",
        kind="subject",
        registered_by="orders",
        collect=subject_orders,
    )
)
register(
    Collector(
        key="orders.orders",
        title="Orders that protect you",
        kind="victim",
        registered_by="orders",
        collect=victim_orders,
    )
)
