"""Updates the police owe a victim after each key event of an order (Victims' Code, issue 19).

The Code for Victims of Crime in England and Wales (2020) gives a victim the right to be told
of key decisions in their case: a charge, the outcome at court, and here also an order being
made, varied, renewed, discharged or ending. It sets how soon: within 5 working days, or within
1 working day for a victim with enhanced rights (persistently targeted victims, as most
victims of stalking are; the flag is on the victim's record). Working days here are Monday to
Friday, except bank holidays in England and Wales.

What counts as a key event is read from the order (nothing is stored until an update is
given): each has a stable key, and an update logged against that key answers it. Events older
than `tasking.LOOK_BACK_DAYS` that were never answered are history, not work, as for the task
rules; they are not listed as due.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from desist.core.dates import add_working_days
from desist.orders.derived import fmt
from desist.orders.models import Breach, Order, OrderEvent, OrderStatus, VictimUpdate
from desist.orders.tasking import LOOK_BACK_DAYS
from desist.safeguarding.models import Victim

STANDARD_WORKING_DAYS = 5
ENHANCED_WORKING_DAYS = 1


def due_within(victim: Victim) -> int:
    return ENHANCED_WORKING_DAYS if victim.enhanced_rights else STANDARD_WORKING_DAYS


@dataclass(frozen=True)
class KeyEvent:
    key: str
    label: str
    on: dt.date


_EVENT_WORDS = {
    OrderEvent.Kind.VARIATION: "Application to vary the order",
    OrderEvent.Kind.RENEWAL: "Application to renew the order",
    OrderEvent.Kind.DISCHARGE: "Application to discharge the order",
    OrderEvent.Kind.APPEAL: "Appeal",
}
_OUTCOME_WORDS = {
    OrderEvent.Outcome.GRANTED: "granted",
    OrderEvent.Outcome.REFUSED: "refused",
}


def key_events(order: Order) -> list[KeyEvent]:
    """The order's key events a victim must be told of, oldest first."""
    found: list[KeyEvent] = []
    if order.interim_made_on:
        found.append(
            KeyEvent(f"interim_made:{order.pk}", "Interim order made", order.interim_made_on)
        )
    if order.full_made_on:
        found.append(KeyEvent(f"full_made:{order.pk}", "Full order made", order.full_made_on))
    # A withdrawn application decided nothing.
    for event in order.events.exclude(outcome=OrderEvent.Outcome.WITHDRAWN):
        words = f"{_EVENT_WORDS[OrderEvent.Kind(event.kind)]} {_OUTCOME_WORDS[OrderEvent.Outcome(event.outcome)]}"
        found.append(KeyEvent(f"event:{event.pk}", words, event.decided_on))
    # A discharge is told as its decision (above); any other ending on its own.
    if order.ended_on and order.status != OrderStatus.DISCHARGED:
        ended = OrderStatus(order.status).label.lower()
        found.append(KeyEvent(f"ended:{order.pk}", f"Order ended ({ended})", order.ended_on))
    for breach in order.breaches.all():
        if breach.police_action == Breach.PoliceAction.CHARGE:
            found.append(
                KeyEvent(
                    f"charge:{breach.pk}",
                    f"Subject charged with the breach of {fmt(breach.occurred_on)}",
                    timezone.localtime(breach.created_at).date(),
                )
            )
        if breach.court_outcome_on:
            found.append(
                KeyEvent(
                    f"court:{breach.pk}",
                    f"Court outcome for the breach of {fmt(breach.occurred_on)}: "
                    f"{breach.get_court_outcome_display().lower()}",
                    breach.court_outcome_on,
                )
            )
    return sorted(found, key=lambda e: (e.on, e.key))


def order_victims(order: Order) -> QuerySet[Victim]:
    """Whom the police owe updates: the people the order's terms protect and the victims of its
    case, of the order's force."""
    named = Q(protecting_terms__order=order)
    if order.case_id:
        named |= Q(cases=order.case_id)
    return Victim.objects.filter(named, force_id=order.force_id).distinct().order_by("pk")


@dataclass(frozen=True)
class DueUpdate:
    victim: Victim
    event: KeyEvent
    due_on: dt.date
    given: VictimUpdate | None

    @property
    def state(self) -> str:
        if self.given is not None:
            return "late" if self.given.told_on > self.due_on else "given"
        return "overdue" if self.due_on < timezone.localdate() else "due"


def updates_due(
    order: Order, victims: Iterable[Victim], today: dt.date | None = None
) -> list[DueUpdate]:
    """For each victim and key event: when the update was due and the update that answered it,
    if any. Unanswered events older than the look-back are left out (history, not work)."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=LOOK_BACK_DAYS)
    events = key_events(order)
    first_given: dict[tuple[int, str], VictimUpdate] = {}
    for update in (
        VictimUpdate.objects.filter(order=order).exclude(event_key="").order_by("told_on", "id")
    ):
        first_given.setdefault((update.victim_id, update.event_key), update)
    rows = []
    for victim in victims:
        for event in events:
            given = first_given.get((victim.pk, event.key))
            if given is None and event.on < since:
                continue
            due_on = add_working_days(event.on, due_within(victim))
            rows.append(DueUpdate(victim=victim, event=event, due_on=due_on, given=given))
    return rows
