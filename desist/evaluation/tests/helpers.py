"""Test data for evaluation: subjects with orders, decisions and outcomes, written straight to
the database (the services that would make them are tested in their own apps)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from desist.core.models import Organisation, OrganisationKind, Partnership
from desist.evaluation.models import Offence, OffenceOutcome
from desist.orders.models import Breach, Notification, Order, OrderStatus, Term
from desist.people.models import InterventionDecision, Subject

_seq = itertools.count(1)


def partnership(*orgs: Organisation) -> Partnership:
    n = next(_seq)
    p = Partnership.objects.create(code=f"p-{n}", name=f"Partnership {n}")
    p.organisations.set(orgs)
    return p


def partnership_for(orgs: dict[str, Organisation]) -> Partnership:
    return partnership(
        orgs[OrganisationKind.POLICE_FORCE],
        orgs[OrganisationKind.PROVIDER],
        orgs[OrganisationKind.ADVOCACY],
        orgs[OrganisationKind.OVERSIGHT],
        orgs[OrganisationKind.COMMISSIONER],
    )


def make_subject(
    force: Organisation,
    *,
    first: str = "Test",
    last: str | None = None,
    dob: dt.date | None = dt.date(1985, 5, 17),
    sex: str = "male",
) -> Subject:
    s = Subject(
        force=force,
        first_names=first,
        last_name=last or f"Subject{next(_seq)}",
        date_of_birth=dob,
        sex=sex,
    )
    s.refresh_search()
    s.save()
    return s


def make_order(
    subject: Subject,
    *,
    made: dt.date,
    served: dt.date | None = None,
    full: bool = False,
) -> Order:
    return Order.objects.create(
        force=subject.force,
        subject=subject,
        reference=f"SPO/{next(_seq):05d}",
        status=OrderStatus.FULL if full else OrderStatus.INTERIM,
        application_date=made - dt.timedelta(days=7),
        applying_force=subject.force,
        court="Test Magistrates' Court",
        interim_made_on=None if full else made,
        interim_served_on=None if full else served,
        full_made_on=made if full else None,
        full_served_on=served if full else None,
    )


def decide(subject: Subject, decision: str, on: dt.date, actor: Any) -> InterventionDecision:
    return InterventionDecision.objects.create(
        subject=subject, decision=decision, decided_on=on, decided_by=actor
    )


def offence(
    subject: Subject,
    *,
    on: dt.date,
    proven: dt.date | None = None,
    stalking: bool = False,
) -> Offence:
    return Offence.objects.create(
        force=subject.force,
        subject=subject,
        offence_date=on,
        outcome=OffenceOutcome.CONVICTED if proven else OffenceOutcome.PENDING,
        proven_date=proven,
        stalking_related=stalking,
    )


def breach(order: Order, *, on: dt.date, convicted_on: dt.date | None = None) -> Breach:
    term = Term.objects.create(order=order, kind="prohibition", wording="Not to contact.")
    return Breach.objects.create(
        order=order,
        term=term,
        occurred_on=on,
        detection="police",
        police_action="charge",
        court_outcome="convicted" if convicted_on else "",
        court_outcome_on=convicted_on,
    )


def late_notification(order: Order, *, due: dt.date, received: dt.date | None) -> Notification:
    return Notification.objects.create(
        order=order,
        kind="initial",
        trigger_on=due - dt.timedelta(days=2),
        due_on=due,
        received_on=received,
    )
