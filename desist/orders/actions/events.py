"""Events in an order's life decided by a court: variation, renewal, discharge and appeal.

Granted discharges, and appeals by the subject that are allowed, end the order (status
'discharged'). A police appeal against a refusal that is allowed makes the full order (from the
date of the decision). A granted renewal, or a variation with a new end date, moves the full
order's end date. Which events are open is the order page's rule (`orders.availability`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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
    roles,
    save_order,
)
from desist.orders.actions.status import order_transition
from desist.orders.availability import EVENT_ACTIONS
from desist.orders.derived import fmt, in_force_from
from desist.orders.models import LIVE_STATUSES, Order, OrderEvent, OrderStatus
from desist.orders.workflow import check_transition_allowed
from desist.policy import Perm
from desist.sharing.events import EventKind, resolve

if TYPE_CHECKING:
    from desist.accounts.models import User

S = OrderStatus
K = OrderEvent.Kind
A = OrderEvent.Applicant


@dataclass(frozen=True)
class _Decision:
    """What the court decided, as the command received it (details cleaned)."""

    applicant: str
    decided_on: dt.date | None
    details: str
    new_ends_on: dt.date | None
    until_further_order: bool
    defendant_consents: bool = False
    chief_officer_consents: bool = False


@dataclass
class _Effect:
    """What a granted event does to the order: a status to move to, and fields to change."""

    target: str | None = None
    changes: dict[str, Any] = field(default_factory=dict)


def _check_decision(
    errors: Errors, order: Order, *, kind: str, outcome: str, court: str, d: _Decision
) -> None:
    """What every event needs: who applied, the decision, the court and its date."""
    if d.applicant not in A.values:
        errors.add("applicant", "Select who applied")
    if outcome not in OrderEvent.Outcome.values:
        errors.add("outcome", "Select the court's decision")
    check_court(errors, court, required_message="Enter the name of the court")
    refused = order.status == S.REFUSED
    start = order.ended_on if refused else in_force_from(order)
    if check_date(errors, "decided_on", d.decided_on, what="the date of the decision") and start:
        assert d.decided_on is not None
        if not law.decision_date_valid(start, d.decided_on):
            since = "the application was refused" if refused else "the order was made"
            errors.add(
                "decided_on",
                f"The date of the decision must be the same as or after the date {since} "
                f"({fmt(start)})",
            )
    if kind == K.APPEAL and refused and d.applicant == A.SUBJECT:
        # Whatever the outcome: the subject has nothing to appeal against a refusal.
        errors.add("applicant", "Only the police can appeal against a refusal")


# --- what each granted event does ------------------------------------------------------------


def _renewed(errors: Errors, order: Order, d: _Decision) -> _Effect:
    if d.until_further_order and d.new_ends_on is not None:
        errors.add(
            "new_ends_on",
            "Enter the new end date, or select 'until a further order', not both",
        )
    elif not d.until_further_order and d.new_ends_on is None:
        errors.add("new_ends_on", "Enter the new end date, or select 'until a further order'")
    elif (
        d.new_ends_on is not None
        and order.full_ends_on is not None
        and not law.renewal_end_valid(order.full_ends_on, d.new_ends_on)
    ):
        errors.add(
            "new_ends_on",
            f"The new end date must be after the current end date ({fmt(order.full_ends_on)})",
        )
    return _Effect(
        changes={
            "full_ends_on": None if d.until_further_order else d.new_ends_on,
            "until_further_order": d.until_further_order,
        }
    )


def _varied(errors: Errors, order: Order, d: _Decision) -> _Effect:
    if not d.details:
        errors.add("details", "Enter what the court changed")
    if d.new_ends_on is None:
        return _Effect()
    if order.status != S.FULL:
        errors.add("new_ends_on", "Only a full order's end date can be varied")
    elif order.full_made_on and not law.variation_end_valid(order.full_made_on, d.new_ends_on):
        errors.add(
            "new_ends_on",
            "A full order must last at least 2 years: the end date must be on or after "
            f"{fmt(law.minimum_fixed_period_end(order.full_made_on))}",
        )
    return _Effect(changes={"full_ends_on": d.new_ends_on, "until_further_order": False})


def _discharged(errors: Errors, order: Order, d: _Decision) -> _Effect:
    if not d.details:
        errors.add("details", "Enter the court's reasons")
    return _Effect(target=S.DISCHARGED)


def _discharge_granted(errors: Errors, order: Order, d: _Decision) -> _Effect:
    """s.7: within 2 years beginning with the day a full order was made, a discharge needs
    the consent of both the subject (the defendant) and the chief officer of police."""
    made = order.full_made_on
    if (
        order.status == S.FULL
        and made is not None
        and d.decided_on is not None
        and not law.discharge_allowed(
            made_on=made,
            decided_on=d.decided_on,
            defendant_consents=d.defendant_consents,
            chief_officer_consents=d.chief_officer_consents,
        )
    ):
        errors.add(
            "consents",
            f"A full order made on {fmt(made)} can only be discharged on or before "
            f"{fmt(law.discharge_needs_consent_until(made))} if both the subject and the chief "
            "officer of police consented: select both, or check the date of the decision",
        )
    return _discharged(errors, order, d)


def _appeal_allowed(errors: Errors, order: Order, d: _Decision) -> _Effect:
    if order.status in LIVE_STATUSES:
        # The subject's appeal allowed ends the order; the police's changes nothing here.
        return _discharged(errors, order, d) if d.applicant == A.SUBJECT else _Effect()
    # Allowing the police's appeal against a refusal, the Crown Court makes the full order.
    if not d.details:
        errors.add("details", "Enter the court's reasons")
    check_full_term(
        errors,
        "new_ends_on",
        made_on=d.decided_on,
        ends_on=d.new_ends_on,
        until_further_order=d.until_further_order,
    )
    return _Effect(
        target=S.FULL,
        changes={
            "full_made_on": d.decided_on,
            "full_ends_on": None if d.until_further_order else d.new_ends_on,
            "until_further_order": d.until_further_order,
            "ended_on": None,
        },
    )


_GRANTED: dict[str, Callable[[Errors, Order, _Decision], _Effect]] = {
    K.RENEWAL: _renewed,
    K.VARIATION: _varied,
    K.DISCHARGE: _discharge_granted,
    K.APPEAL: _appeal_allowed,
}


def _apply_effect(
    actor: User, order: Order, *, version: int, decided_on: dt.date, details: str, effect: _Effect
) -> None:
    if effect.target is not None:
        order_transition(
            actor=actor,
            order=order,
            version=version,
            to_status=effect.target,
            effective_on=decided_on,
            reason=details,
            changes=effect.changes,
        )
        return
    save_order(order, version=version, changes=effect.changes)
    if "full_ends_on" in effect.changes:
        # Renewed or varied: the renewal decision the alert asked for has been made.
        resolve(
            kind=EventKind.ORDER_EXPIRING,
            actor=actor,
            source=order,
            reason="Closed: the order's end date changed",
        )


@command(Perm.ORDER_EDIT, on="order")
def order_record_event(
    *,
    actor: User,
    order: Order,
    version: int,
    kind: str,
    applicant: str,
    court: str,
    decided_on: dt.date | None,
    outcome: str,
    details: str = "",
    new_ends_on: dt.date | None = None,
    until_further_order: bool = False,
    defendant_consents: bool = False,
    chief_officer_consents: bool = False,
) -> OrderEvent:
    """Record a court's decision on a variation, renewal, discharge or appeal (see the
    module's docstring for what each granted event does to the order). The consents matter
    only for a discharge (s.7, `_discharge_granted`)."""
    errors = Errors()
    if kind not in K.values:
        errors.add("kind", "Select what the court decided on")
        errors.raise_if_any()
    EVENT_ACTIONS[kind].require(actor, order)
    court = one_line(court)
    consents = kind == K.DISCHARGE
    d = _Decision(
        applicant,
        decided_on,
        clean_text(details),
        new_ends_on,
        until_further_order,
        defendant_consents=consents and defendant_consents,
        chief_officer_consents=consents and chief_officer_consents,
    )
    _check_decision(errors, order, kind=kind, outcome=outcome, court=court, d=d)
    granted = outcome == OrderEvent.Outcome.GRANTED
    effect = _GRANTED[kind](errors, order, d) if granted else _Effect()
    if effect.target is not None:
        check_transition_allowed(role_codes=roles(actor), source=order.status, target=effect.target)
    errors.raise_if_any()
    assert decided_on is not None
    event = OrderEvent.objects.create(
        order=order,
        kind=kind,
        applicant=applicant,
        court=court,
        decided_on=decided_on,
        outcome=outcome,
        details=d.details,
        new_ends_on=effect.changes.get("full_ends_on"),
        defendant_consented=d.defendant_consents,
        chief_officer_consented=d.chief_officer_consents,
        created_by=actor,
    )
    _apply_effect(
        actor, order, version=version, decided_on=decided_on, details=d.details, effect=effect
    )
    audit_record(
        actor=actor,
        category=Category.COLLECTION,
        verb=f"order.{kind}_record",
        obj=order,
        new={
            "event_id": event.pk,
            "applicant": applicant,
            "decided_on": decided_on,
            "outcome": outcome,
            **(
                {
                    "defendant_consented": d.defendant_consents,
                    "chief_officer_consented": d.chief_officer_consents,
                }
                if consents
                else {}
            ),
            **effect.changes,
        },
    )
    return event


@command(Perm.ORDER_EDIT, on="order")
def order_record_variation(
    *,
    actor: User,
    order: Order,
    version: int,
    applicant: str,
    court: str,
    decided_on: dt.date | None,
    outcome: str,
    details: str = "",
    new_ends_on: dt.date | None = None,
) -> OrderEvent:
    return order_record_event(
        actor=actor,
        order=order,
        version=version,
        kind=K.VARIATION,
        applicant=applicant,
        court=court,
        decided_on=decided_on,
        outcome=outcome,
        details=details,
        new_ends_on=new_ends_on,
    )


@command(Perm.ORDER_EDIT, on="order")
def order_record_renewal(
    *,
    actor: User,
    order: Order,
    version: int,
    applicant: str,
    court: str,
    decided_on: dt.date | None,
    outcome: str,
    new_ends_on: dt.date | None = None,
    until_further_order: bool = False,
    details: str = "",
) -> OrderEvent:
    return order_record_event(
        actor=actor,
        order=order,
        version=version,
        kind=K.RENEWAL,
        applicant=applicant,
        court=court,
        decided_on=decided_on,
        outcome=outcome,
        details=details,
        new_ends_on=new_ends_on,
        until_further_order=until_further_order,
    )


@command(Perm.ORDER_EDIT, on="order")
def order_record_discharge(
    *,
    actor: User,
    order: Order,
    version: int,
    applicant: str,
    court: str,
    decided_on: dt.date | None,
    outcome: str,
    details: str = "",
    defendant_consents: bool = False,
    chief_officer_consents: bool = False,
) -> OrderEvent:
    return order_record_event(
        actor=actor,
        order=order,
        version=version,
        kind=K.DISCHARGE,
        applicant=applicant,
        court=court,
        decided_on=decided_on,
        outcome=outcome,
        details=details,
        defendant_consents=defendant_consents,
        chief_officer_consents=chief_officer_consents,
    )


@command(Perm.ORDER_EDIT, on="order")
def order_record_appeal(
    *,
    actor: User,
    order: Order,
    version: int,
    applicant: str,
    court: str,
    decided_on: dt.date | None,
    outcome: str,
    details: str = "",
    new_ends_on: dt.date | None = None,
    until_further_order: bool = False,
) -> OrderEvent:
    """An appeal; one by the police allowed against a refusal makes the full order, with
    `new_ends_on` (or `until_further_order`) as its term."""
    return order_record_event(
        actor=actor,
        order=order,
        version=version,
        kind=K.APPEAL,
        applicant=applicant,
        court=court,
        decided_on=decided_on,
        outcome=outcome,
        details=details,
        new_ends_on=new_ends_on,
        until_further_order=until_further_order,
    )
