"""Breaches of an order's terms (a criminal offence in itself) and the court's outcome."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from desist import policy
from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.cases.models import IncidentType
from desist.cases.services import incident_add
from desist.core.concurrency import StaleRecordError
from desist.orders import law, tasking
from desist.orders.actions.common import check_date, clean_text
from desist.orders.availability import RECORD_BREACH
from desist.orders.derived import (
    breach_incident_description,
    fmt,
    in_force_from,
    in_force_until,
)
from desist.orders.models import Breach, Order, OrderStatus, Term
from desist.policy import Perm
from desist.sharing.events import EventKind, publish

if TYPE_CHECKING:
    from desist.accounts.models import User

S = OrderStatus
C = Breach.CourtOutcome


def _refusal_gap(order: Order) -> tuple[dt.date, dt.date] | None:
    """(refused on, made on appeal) when an interim order ended with a refusal and the full
    order was made on appeal: the days strictly between had no order in force."""
    if order.interim_made_on is None or order.full_made_on is None:
        return None
    refused = (
        order.status_changes.filter(from_status=S.INTERIM, to_status=S.REFUSED)
        .order_by("-changed_at", "-id")
        .values_list("effective_on", flat=True)
        .first()
    )
    appealed = order.status_changes.filter(from_status=S.REFUSED, to_status=S.FULL).exists()
    if refused is None or not appealed:
        return None
    if order.interim_expires_on is not None:
        # An interim order that ran out before the refusal was not in force after its end.
        refused = law.interim_last_day(order.interim_expires_on, refused)
    return refused, order.full_made_on


def _check_occurred_on(errors: Errors, order: Order, occurred_on: dt.date | None) -> None:
    if not check_date(errors, "occurred_on", occurred_on, what="the date of the breach"):
        return
    assert occurred_on is not None
    start, end = in_force_from(order), in_force_until(order)
    assert start is not None
    if occurred_on < start:
        errors.add(
            "occurred_on",
            "The date of the breach must be the same as or after the date the order was "
            f"made ({fmt(start)})",
        )
    elif end is not None and occurred_on > end:
        errors.add(
            "occurred_on",
            f"The date of the breach must be on or before the date the order ended ({fmt(end)})",
        )
    elif (gap := _refusal_gap(order)) and gap[0] < occurred_on < gap[1]:
        errors.add(
            "occurred_on",
            "No order was in force on that date: the court refused the order on "
            f"{fmt(gap[0])} and it was made on appeal on {fmt(gap[1])}",
        )


def _check_court_outcome(
    errors: Errors,
    *,
    court_outcome: str,
    court_outcome_on: dt.date | None,
    after: dt.date | None,
) -> None:
    decided = court_outcome in (C.CONVICTED, C.ACQUITTED, C.DISCONTINUED)
    if decided and court_outcome_on is None:
        errors.add("court_outcome_on", "Enter the date of the court outcome")
    if court_outcome_on is not None and not decided:
        errors.add(
            "court_outcome_on",
            "Only enter a date for a conviction, acquittal or discontinuance",
        )
    if (
        court_outcome_on is not None
        and check_date(
            errors, "court_outcome_on", court_outcome_on, what="the date of the court outcome"
        )
        and after is not None
        and court_outcome_on < after
    ):
        errors.add(
            "court_outcome_on",
            "The date of the court outcome must be the same as or after the date of the "
            f"breach ({fmt(after)})",
        )


def _check_breach(
    errors: Errors,
    order: Order,
    *,
    term: Term | None,
    occurred_on: dt.date | None,
    detection: str,
    police_action: str,
    court_outcome: str,
    court_outcome_on: dt.date | None,
) -> None:
    if term is None or term.order_id != order.pk:
        errors.add("term", "Select the term that was breached")
    if detection not in Breach.Detection.values:
        errors.add("detection", "Select how the breach came to light")
    if police_action not in Breach.PoliceAction.values:
        errors.add("police_action", "Select the action the police took")
    if court_outcome not in C.values:
        errors.add("court_outcome", "Select the court outcome")
    _check_occurred_on(errors, order, occurred_on)
    _check_court_outcome(
        errors, court_outcome=court_outcome, court_outcome_on=court_outcome_on, after=occurred_on
    )


def _tell_others(actor: User, order: Order, breach: Breach) -> None:
    """Alerts to the victims' advocates and the force's supervisors (sharing rules), in the
    breach's transaction: no breach without its alerts, no alert without its breach. The
    breach is also an incident in the case's timeline (a new offence in itself)."""
    term = breach.term
    publish(
        kind=EventKind.BREACH_RECORDED,
        actor=actor,
        subject=order.subject,
        source=breach,
        summary=(
            f"A breach of SPO {order.reference} ({term.get_kind_display().lower()}) on "
            f"{fmt(breach.occurred_on)} was recorded. Police action: "
            f"{breach.get_police_action_display().lower()}."
        ),
    )
    case = order.case
    if case is not None and policy.can(actor, Perm.CASE_EDIT, case):
        incident_add(
            actor=actor,
            case=case,
            occurred_on=breach.occurred_on,
            incident_type=IncidentType.SPO_BREACH,
            description=breach_incident_description(order.reference, term.get_kind_display()),
        )


@command(Perm.ORDER_EDIT, on="order")
def order_record_breach(
    *,
    actor: User,
    order: Order,
    term: Term | None,
    occurred_on: dt.date | None,
    detection: str,
    police_action: str,
    court_outcome: str = "",
    court_outcome_on: dt.date | None = None,
    details: str = "",
) -> Breach:
    """Record a breach of one of the order's terms while it was in force."""
    RECORD_BREACH.require(actor, order)
    errors = Errors()
    _check_breach(
        errors,
        order,
        term=term,
        occurred_on=occurred_on,
        detection=detection,
        police_action=police_action,
        court_outcome=court_outcome,
        court_outcome_on=court_outcome_on,
    )
    errors.raise_if_any()
    assert occurred_on is not None and term is not None
    breach = Breach.objects.create(
        order=order,
        term=term,
        occurred_on=occurred_on,
        detection=detection,
        police_action=police_action,
        court_outcome=court_outcome,
        court_outcome_on=court_outcome_on,
        details=clean_text(details),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        category=Category.COLLECTION,
        verb="order.breach_record",
        obj=order,
        new={
            "breach_id": breach.pk,
            "term_id": term.pk,
            "occurred_on": occurred_on,
            "detection": detection,
            "police_action": police_action,
            "court_outcome": court_outcome,
            "court_outcome_on": court_outcome_on,
        },
    )
    _tell_others(actor, order, breach)
    tasking.raise_breach_investigation(breach, timezone.localdate())  # the officer in charge's
    return breach


def outcome_seen(breach: Breach) -> str:
    """The court outcome as a user reads it, carried by the form to detect a concurrent save."""
    return f"{breach.court_outcome}|{breach.court_outcome_on or ''}"


def _breach_order(kwargs: Mapping[str, Any]) -> Order:
    breach: Breach = kwargs["breach"]
    return breach.order


@command(Perm.ORDER_EDIT, on=_breach_order)
def breach_record_court_outcome(
    *,
    actor: User,
    breach: Breach,
    court_outcome: str,
    court_outcome_on: dt.date | None,
    seen: str | None = None,
) -> Breach:
    """Record (or update) what the court decided about a breach. `seen` is the outcome the
    user read (`outcome_seen(breach)` when the form was shown): if someone saved another since,
    nothing is saved (StaleRecordError), so two officers never silently overwrite each other."""
    if seen is not None:
        current = Breach.objects.select_for_update().get(pk=breach.pk)
        if outcome_seen(current) != seen:
            raise StaleRecordError(StaleRecordError.message)
        breach.court_outcome, breach.court_outcome_on = (
            current.court_outcome,
            current.court_outcome_on,
        )
    errors = Errors()
    if court_outcome not in C.values:
        errors.add("court_outcome", "Select the court outcome")
    _check_court_outcome(
        errors,
        court_outcome=court_outcome,
        court_outcome_on=court_outcome_on,
        after=breach.occurred_on,
    )
    errors.raise_if_any()
    old = {"court_outcome": breach.court_outcome, "court_outcome_on": breach.court_outcome_on}
    Breach.objects.filter(pk=breach.pk).update(
        court_outcome=court_outcome, court_outcome_on=court_outcome_on
    )
    breach.court_outcome, breach.court_outcome_on = court_outcome, court_outcome_on
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="order.breach_outcome",
        obj=breach.order,
        old={"breach_id": breach.pk, **old},
        new={
            "breach_id": breach.pk,
            "court_outcome": court_outcome,
            "court_outcome_on": court_outcome_on,
        },
    )
    return breach
