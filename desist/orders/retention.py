"""Stalking Protection Orders in the retention schedule (ADR 0028). An order made by a court
(interim or full) is MoPI group 1: the court found a risk of stalking-related harm, so it is
reviewed and never disposed of by the schedule. An application refused or withdrawn is
group 3."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from desist.orders.models import Order, OrderStatus
from desist.retention.blank import blank
from desist.retention.registry import Action, RecordClass, register

_MADE = Q(interim_made_on__isnull=False) | Q(full_made_on__isnull=False)


def orders_made_and_ended() -> QuerySet[Order]:
    return Order.objects.filter(_MADE, status__in=[OrderStatus.EXPIRED, OrderStatus.DISCHARGED])


def applications_ended() -> QuerySet[Order]:
    return Order.objects.exclude(_MADE).filter(
        status__in=[OrderStatus.REFUSED, OrderStatus.WITHDRAWN], ended_on__isnull=False
    )


def dispose_application(order: Order) -> None:
    blank(order.hearings.all(), "notes")
    blank(order.terms.all(), "wording", "area", "provider_description")
    blank(order.status_changes.all(), "reason")
    blank(order.events.all(), "details")
    blank(order.victim_updates.all(), "summary")
    for term in order.terms.all():
        term.protected_persons.clear()  # the victims it named are no longer named here


_COMMON: dict[str, Any] = {
    "model": "orders.Order",
    "registered_by": "orders",
    "owner_id": lambda order: order.force_id,
    "reference": lambda order: order.reference,
    "names": {"people.Subject": "subject_id", "safeguarding.Victim": "terms__protected_persons"},
}

register(
    RecordClass(
        key="orders.order-made",
        title="Stalking Protection Order made (MoPI group 1)",
        years=10,
        runs_from="the day the order ended (expired or discharged)",
        action=Action.REVIEW,
        basis="MoPI group 1, public protection: reviewed every 10 years, never disposed of",
        records=orders_made_and_ended,
        event_on=lambda order: order.ended_on or order.full_ends_on,
        **_COMMON,
    )
)
register(
    RecordClass(
        key="orders.application-ended",
        title="SPO application refused or withdrawn (MoPI group 3)",
        years=6,
        runs_from="the day the application was refused or withdrawn",
        action=Action.ANONYMISE,
        basis="MoPI group 3: 6-year clean period",
        records=applications_ended,
        event_on=lambda order: order.ended_on,
        dispose=dispose_application,
        **_COMMON,
    )
)
