"""The orders part of "What we can tell you about the person" on the advocacy case page
(issue 20), registered with `safeguarding.perpetrator` when OrdersConfig.ready() imports this
module: safeguarding imports nothing of orders (ADR 0018).

Which orders: those of the victim's perpetrators that protect her (a term names her) or were
applied for on a police case she is linked to; an order that protects only someone else is not
hers to know of. Terms are redacted for this victim: the court's wording where the term protects
her (or nobody by name), passed through `redact`, which removes every *other* victim's
identifiers; the area only where she is the only person it protects; a term protecting only
other people shows its kind, its category and the provider-safe description, redacted the same
way. Other protected people are counted, never named or referenced.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q

from desist import policy
from desist.accounts.models import User
from desist.orders.models import Order, Term
from desist.orders.references import term_protected_ids, term_provider_text
from desist.policy import Perm
from desist.safeguarding.perpetrator import OrderFacts, TermFacts, register_order_source


def _order_dates(order: Order) -> list[tuple[str, Any]]:
    rows = [
        ("Applied for", order.application_date),
        ("Interim order made", order.interim_made_on),
        ("Interim order served", order.interim_served_on),
        ("Interim order ends", order.interim_expires_on),
        ("Full order made", order.full_made_on),
        ("Full order served", order.full_served_on),
        ("Full order ends", order.full_ends_on),
        ("Ended", order.ended_on),
    ]
    return [(label, day) for label, day in rows if day is not None]


def _order_events(order: Order) -> list[tuple[str, Any]]:
    # Kind and outcome only: the court's details may name other people.
    return [
        (f"{e.get_kind_display()}: {e.get_outcome_display().lower()}", e.decided_on)
        for e in order.events.all()
    ]


def _term(
    term: Term, victim_id: int, protected: list[int], redact: Callable[[str], str]
) -> TermFacts:
    mine = victim_id in protected
    others = len([v for v in protected if v != victim_id])
    # The court's wording where it is hers (or nobody's by name); else the provider's text.
    wording = term.wording if mine or not protected else term_provider_text(term)
    return TermFacts(
        kind=term.get_kind_display(),
        category=term.get_category_display(),
        wording=redact(wording),
        area=redact(term.area) if mine and not others else "",
        protects_victim=mine,
        others=others,
    )


def orders_for_victim(
    *,
    actor: User,
    case: Any,
    victim_id: int,
    subjects: list[Any],
    redact: Callable[[str], str],
) -> list[OrderFacts]:
    policy.require(actor, Perm.ADVOCACY_PERPETRATOR_VIEW, case)
    if not subjects:
        return []
    protecting = Term.protected_persons.through.objects.filter(victim_id=victim_id)
    orders = list(
        Order.objects.filter(subject__in=subjects)
        .filter(Q(pk__in=protecting.values("term__order_id")) | Q(case__victims=victim_id))
        .distinct()
        .prefetch_related("terms", "events")
        .order_by("-application_date", "-id")
    )
    protected = term_protected_ids(t.pk for o in orders for t in o.terms.all())
    return [
        OrderFacts(
            record=order,
            reference=order.reference,
            status=order.status,
            status_label=order.get_status_display(),
            dates=_order_dates(order),
            events=_order_events(order),
            terms=[
                _term(t, victim_id, protected.get(t.pk, []), redact)
                for t in sorted(order.terms.all(), key=lambda t: t.pk)
            ],
        )
        for order in orders
    ]


register_order_source(orders_for_victim)
