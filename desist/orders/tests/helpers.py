"""Test helpers: records made directly (test code may use managers) and orders taken through
their life by the real services, with dates relative to today."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from desist.audit.models import AuditEvent
from desist.cases.models import Case
from desist.orders import actions as services
from desist.orders import law
from desist.orders.models import (
    Breach,
    Hearing,
    Notification,
    Order,
    OrderEvent,
    OrderStatusChange,
    Term,
)
from desist.people.models import Subject, SubjectAddress, SubjectAlias
from desist.safeguarding.models import Victim

_seq = itertools.count(1)

TODAY = timezone.localdate()
COURT = "Brighton Magistrates' Court"
VICTIM_NAME = ("Philippa", "Quorndon-Zeal")


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def ahead(days: int) -> dt.date:
    return TODAY + dt.timedelta(days=days)


def make_subject(force: Any, **kw: Any) -> Subject:
    n = next(_seq)
    fields = {"first_names": "Alex", "last_name": f"Testperson{n}", **kw}
    return Subject.objects.create(force=force, **fields)


def make_case(subject: Subject, **kw: Any) -> Case:
    n = next(_seq)
    fields = {
        "crime_reference": f"47/{n:06d}/25",
        "relationship": "stranger",
        "opened_on": ago(500),
        **kw,
    }
    return Case.objects.create(force=subject.force, subject=subject, **fields)


def make_victim(case: Case, **kw: Any) -> Victim:
    fields = {
        "first_names": VICTIM_NAME[0],
        "last_name": VICTIM_NAME[1],
        "address": "17 Wisteria Crescent, Hove",
        "postcode": "BN3 7QZ",
        **kw,
    }
    victim = Victim.objects.create(force=case.force, **fields)
    case.victims.add(victim)
    return victim


def fresh(order: Order) -> Order:
    return Order.objects.get(pk=order.pk)


def applied(actor: Any, subject: Subject, *, on: dt.date | None = None, **kw: Any) -> Order:
    return services.order_apply(
        actor=actor, subject=subject, application_date=on or ago(900), court=COURT, **kw
    )


def interim(
    actor: Any,
    subject: Subject,
    *,
    made: dt.date | None = None,
    expires: dt.date | None = None,
    served: dt.date | None = None,
    **kw: Any,
) -> Order:
    order = applied(actor, subject, **kw)
    made = made or ago(880)
    services.order_make_interim(
        actor=actor,
        order=order,
        version=order.version,
        made_on=made,
        expires_on=expires or (made + dt.timedelta(days=300)),
    )
    if served:
        services.order_serve(actor=actor, order=order, version=order.version, served_on=served)
    return order


def full(
    actor: Any,
    subject: Subject,
    *,
    made: dt.date | None = None,
    ends: dt.date | None = None,
    until_further_order: bool = False,
    served: dt.date | None = None,
    with_interim: bool = False,
    **kw: Any,
) -> Order:
    order = interim(actor, subject, **kw) if with_interim else applied(actor, subject, **kw)
    made = made or ago(850)
    services.order_make_full(
        actor=actor,
        order=order,
        version=order.version,
        made_on=made,
        ends_on=None if until_further_order else (ends or law.minimum_fixed_period_end(made)),
        until_further_order=until_further_order,
    )
    if served:
        services.order_serve(actor=actor, order=order, version=order.version, served_on=served)
    return order


def add_term(actor: Any, order: Order, victim: Victim, **kw: Any) -> Term:
    fields: dict[str, Any] = {
        "kind": Term.Kind.PROHIBITION,
        "category": Term.Category.NO_CONTACT,
        "wording": f"Must not contact {VICTIM_NAME[0]} {VICTIM_NAME[1]} by any means.",
        "provider_description": "Must not contact the protected person by any means.",
        "protected_persons": [victim],
        **kw,
    }
    return services.order_add_term(actor=actor, order=order, **fields)


def breach(actor: Any, order: Order, term: Term, on: dt.date, **kw: Any) -> Breach:
    fields: dict[str, Any] = {
        "detection": Breach.Detection.VICTIM_REPORT,
        "police_action": Breach.PoliceAction.ARREST,
        **kw,
    }
    return services.order_record_breach(
        actor=actor, order=order, term=term, occurred_on=on, **fields
    )


COUNTED = (
    Order,
    OrderStatusChange,
    Hearing,
    Term,
    OrderEvent,
    Notification,
    Breach,
    SubjectAddress,
    SubjectAlias,
    AuditEvent,
)


def counts() -> dict[str, int]:
    """Rows in every table a service might write: compare before and after a refusal."""
    return {m.__name__: m._default_manager.count() for m in COUNTED}


def audit_text() -> str:
    return " ".join(
        f"{e.justification} {e.old_values} {e.new_values} {e.recipients}"
        for e in AuditEvent.objects.all()
    )
