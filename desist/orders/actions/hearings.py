"""Hearings of the application: adjourned, interim order made, full order made, refused.

An outcome other than 'adjourned' changes the order's status through the transition table;
which outcomes are open is the same rule as the order page's buttons (`orders.availability`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.orders import law
from desist.orders.actions.common import (
    check_court,
    check_date,
    check_full_term,
    clean_text,
    one_line,
    renamed,
    save_order,
)
from desist.orders.actions.status import order_transition
from desist.orders.availability import HEARING_ACTIONS, RECORD_HEARING
from desist.orders.derived import fmt
from desist.orders.models import Hearing, NotificationExemption, Order, OrderStatus
from desist.policy import Perm

if TYPE_CHECKING:
    from desist.accounts.models import User

S = OrderStatus
O = Hearing.Outcome  # noqa: E741
_TARGETS: dict[str, str] = {O.INTERIM_MADE: S.INTERIM, O.FULL_MADE: S.FULL, O.REFUSED: S.REFUSED}


@dataclass(frozen=True)
class _Decision:
    """What the court decided at the hearing, beyond its date, kind and outcome."""

    heard_on: dt.date | None
    adjourned_to: dt.date | None
    interim_expires_on: dt.date | None
    full_ends_on: dt.date | None
    until_further_order: bool
    reason: str


def _check_heard_on(errors: Errors, order: Order, heard_on: dt.date | None) -> None:
    if not check_date(errors, "heard_on", heard_on, what="the date of the hearing"):
        return
    assert heard_on is not None
    if heard_on < order.application_date:
        errors.add(
            "heard_on",
            "The date of the hearing must be the same as or after the date of the "
            f"application ({fmt(order.application_date)})",
        )
    elif order.interim_made_on and heard_on < order.interim_made_on:
        errors.add(
            "heard_on",
            "The date of the hearing must be the same as or after the date the interim "
            f"order was made ({fmt(order.interim_made_on)})",
        )


# --- each outcome: its checks, and the order fields it changes ------------------------------

Step = Callable[[Errors, Order, _Decision], dict[str, Any]]


def _adjourned(errors: Errors, order: Order, d: _Decision) -> dict[str, Any]:
    if d.adjourned_to is not None and d.heard_on is not None and d.adjourned_to <= d.heard_on:
        errors.add(
            "adjourned_to",
            "The date the hearing was adjourned to must be after the date of the hearing",
        )
    return {}


def _interim_made(errors: Errors, order: Order, d: _Decision) -> dict[str, Any]:
    if d.interim_expires_on is None:
        errors.add("interim_expires_on", "Enter the date the interim order expires")
    elif d.heard_on is not None and not law.interim_expiry_valid(d.heard_on, d.interim_expires_on):
        errors.add(
            "interim_expires_on",
            "The date the interim order expires must be after the date it was made",
        )
    return {"interim_made_on": d.heard_on, "interim_expires_on": d.interim_expires_on}


def _full_made(errors: Errors, order: Order, d: _Decision) -> dict[str, Any]:
    check_full_term(
        errors,
        "full_ends_on",
        made_on=d.heard_on,
        ends_on=d.full_ends_on,
        until_further_order=d.until_further_order,
    )
    exemption = order.notification_exemption
    if order.interim_made_on and exemption == NotificationExemption.NONE:
        exemption = NotificationExemption.REPLACES_INTERIM
    return {
        "full_made_on": d.heard_on,
        "full_ends_on": None if d.until_further_order else d.full_ends_on,
        "until_further_order": d.until_further_order,
        "notification_exemption": exemption,
    }


def _refused(errors: Errors, order: Order, d: _Decision) -> dict[str, Any]:
    if not clean_text(d.reason):
        errors.add("reason", "Enter the court's reasons for refusing the order")
    return {}


_OUTCOMES: dict[str, Step] = {
    O.ADJOURNED: _adjourned,
    O.INTERIM_MADE: _interim_made,
    O.FULL_MADE: _full_made,
    O.REFUSED: _refused,
}


def _write_status(
    actor: User, order: Order, *, version: int, outcome: str, d: _Decision, changes: dict[str, Any]
) -> None:
    target = _TARGETS.get(outcome)
    if target is None:
        save_order(order, version=version, changes={})
        return
    order_transition(
        actor=actor,
        order=order,
        version=version,
        to_status=target,
        effective_on=d.heard_on,
        reason=d.reason,
        changes=changes,
    )


@command(Perm.ORDER_EDIT, on="order")
def order_record_hearing(
    *,
    actor: User,
    order: Order,
    version: int,
    heard_on: dt.date | None,
    kind: str,
    outcome: str,
    court: str = "",
    adjourned_to: dt.date | None = None,
    notes: str = "",
    interim_expires_on: dt.date | None = None,
    full_ends_on: dt.date | None = None,
    until_further_order: bool = False,
    reason: str = "",
) -> Hearing:
    """Record a hearing of the application and its outcome. An outcome other than
    'adjourned' changes the order's status through the transition table."""
    HEARING_ACTIONS.get(outcome, RECORD_HEARING).require(actor, order)
    errors = Errors()
    if kind not in Hearing.Kind.values:
        errors.add("kind", "Select the kind of hearing")
    if outcome not in O.values:
        errors.add("outcome", "Select the outcome of the hearing")
    court = one_line(court) or order.court
    check_court(errors, court, required_message=None)
    _check_heard_on(errors, order, heard_on)
    decision = _Decision(
        heard_on, adjourned_to, interim_expires_on, full_ends_on, until_further_order, reason
    )
    step = _OUTCOMES.get(outcome)
    changes = step(errors, order, decision) if step else {}
    errors.raise_if_any()
    assert heard_on is not None
    hearing = Hearing.objects.create(
        order=order,
        heard_on=heard_on,
        kind=kind,
        court=court,
        outcome=outcome,
        adjourned_to=adjourned_to if outcome == O.ADJOURNED else None,
        notes=clean_text(notes),
        created_by=actor,
    )
    _write_status(actor, order, version=version, outcome=outcome, d=decision, changes=changes)
    audit_record(
        actor=actor,
        category=Category.COLLECTION,
        verb="order.hearing_record",
        obj=order,
        new={
            "hearing_id": hearing.pk,
            "heard_on": heard_on,
            "kind": kind,
            "outcome": outcome,
            "adjourned_to": hearing.adjourned_to,
            **{k: v for k, v in changes.items() if k != "notification_exemption"},
        },
    )
    return hearing


@command(Perm.ORDER_EDIT, on="order")
def order_make_interim(
    *,
    actor: User,
    order: Order,
    version: int,
    made_on: dt.date | None,
    expires_on: dt.date | None,
    court: str = "",
) -> Hearing:
    """The court made an interim order at a hearing on `made_on`."""
    try:
        return order_record_hearing(
            actor=actor,
            order=order,
            version=version,
            heard_on=made_on,
            kind=Hearing.Kind.INTERIM,
            outcome=O.INTERIM_MADE,
            court=court,
            interim_expires_on=expires_on,
        )
    except ValidationError as exc:
        raise renamed(exc, {"heard_on": "made_on", "interim_expires_on": "expires_on"}) from None


@command(Perm.ORDER_EDIT, on="order")
def order_make_full(
    *,
    actor: User,
    order: Order,
    version: int,
    made_on: dt.date | None,
    ends_on: dt.date | None,
    until_further_order: bool = False,
    court: str = "",
) -> Hearing:
    """The court made a full order at a hearing on `made_on`: a fixed term of at least
    2 years, or until a further order."""
    try:
        return order_record_hearing(
            actor=actor,
            order=order,
            version=version,
            heard_on=made_on,
            kind=Hearing.Kind.FULL,
            outcome=O.FULL_MADE,
            court=court,
            full_ends_on=ends_on,
            until_further_order=until_further_order,
        )
    except ValidationError as exc:
        raise renamed(exc, {"heard_on": "made_on", "full_ends_on": "ends_on"}) from None


@command(Perm.ORDER_EDIT, on="order")
def order_refuse(
    *,
    actor: User,
    order: Order,
    version: int,
    refused_on: dt.date | None,
    reason: str,
    court: str = "",
) -> Hearing:
    """The court refused the application (an interim order, if any, ends)."""
    try:
        return order_record_hearing(
            actor=actor,
            order=order,
            version=version,
            heard_on=refused_on,
            kind=Hearing.Kind.FULL,
            outcome=O.REFUSED,
            court=court,
            reason=reason,
        )
    except ValidationError as exc:
        raise renamed(exc, {"heard_on": "refused_on"}) from None
