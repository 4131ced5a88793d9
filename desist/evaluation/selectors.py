"""Reads for evaluation and oversight, under the access policy.

Police read and record outcomes for subjects of their own force. Everything the evaluator,
the overseer and the programme manager see is built in `frames.py`/`dashboards.py` from the
scoped querysets here and leaves this app only pseudonymised or aggregated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from desist import policy
from desist.accounts.models import User
from desist.evaluation.models import EvaluationRun, Finding, Offence
from desist.orders import dates as order_dates
from desist.orders.lookups import with_duty_end
from desist.orders.models import Breach, Notification, Order
from desist.people import selectors as people_selectors
from desist.people.models import Subject
from desist.policy import Perm
from desist.programme import selectors as programme_selectors

# --- police: outcomes of one subject -----------------------------------------------------


def outcome_subject_get_for(*, actor: User, subject_id: int) -> Subject:
    """A subject the actor may record outcomes for (own force); 404 otherwise."""
    policy.require_perm(actor, Perm.OUTCOME_RECORD)
    subject = people_selectors.subject_get_for(actor=actor, subject_id=subject_id)
    policy.require(actor, Perm.OUTCOME_RECORD, subject)
    return subject


def offence_list_for(*, actor: User, subject: Subject | None = None) -> QuerySet[Offence]:
    qs = policy.scope_offences(actor, Offence.objects.all())
    if subject is not None:
        qs = qs.filter(subject=subject)
    return qs.order_by("-offence_date", "-id")


def offence_get_for(*, actor: User, subject: Subject, offence_id: int) -> Offence:
    try:
        offence = offence_list_for(actor=actor, subject=subject).get(pk=offence_id)
    except Offence.DoesNotExist:
        raise Http404("No such offence") from None
    policy.require(actor, Perm.OUTCOME_RECORD, offence)
    return offence


def notification_failed(n: Any, today: dt.date) -> bool:
    """Orders' one rule (ADR 0019): not made by its due date while it was owed; `n` carries
    `duty_ended_on` from `orders.lookups.with_duty_end`."""
    return order_dates.notification_failed(
        due_on=n.due_on, received_on=n.received_on, duty_ended_on=n.duty_ended_on, today=today
    )


@dataclass(frozen=True)
class StartPoints:
    order_made: dt.date | None
    order_served: dt.date | None
    programme_start: dt.date | None


@dataclass(frozen=True)
class OutcomesPage:
    subject: Subject
    offences: list[Offence]
    breaches: list[Breach]
    notification_failures: list[Notification]
    start_points: StartPoints


def _earliest(*days: dt.date | None) -> dt.date | None:
    found = [d for d in days if d is not None]
    return min(found) if found else None


def start_points_for_orders(orders: list[Order]) -> tuple[dt.date | None, dt.date | None]:
    made = _earliest(*[_earliest(o.interim_made_on, o.full_made_on) for o in orders])
    served = _earliest(*[_earliest(o.interim_served_on, o.full_served_on) for o in orders])
    return made, served


def _programme_start(actor: User, subject: Subject) -> dt.date | None:
    """The earliest programme start among the subject's referrals the actor may see."""
    referrals = programme_selectors.referrals_for_subject(actor=actor, subject=subject)
    starts = [r.started_on for r in referrals if r.started_on]
    return min(starts) if starts else None


def outcomes_page_for(*, actor: User, subject_id: int) -> OutcomesPage:
    """Everything the outcomes page shows for one subject, in a fixed number of queries."""
    subject = outcome_subject_get_for(actor=actor, subject_id=subject_id)
    orders = list(policy.scope_orders(actor, Order.objects.filter(subject=subject)))
    breaches = list(
        Breach.objects.filter(order__in=orders)
        .select_related("order", "term")
        .order_by("-occurred_on", "-id")
    )
    today = timezone.localdate()
    failures = [
        n
        for n in with_duty_end(Notification.objects.filter(order__in=orders))
        .select_related("order")
        .order_by("-due_on", "-id")
        if notification_failed(n, today)
    ]
    made, served = start_points_for_orders(orders)
    programme_start = _programme_start(actor, subject)
    return OutcomesPage(
        subject=subject,
        offences=list(offence_list_for(actor=actor, subject=subject)),
        breaches=breaches,
        notification_failures=failures,
        start_points=StartPoints(
            order_made=made,
            order_served=served,
            programme_start=programme_start,
        ),
    )


# --- evaluation runs -----------------------------------------------------------------------


def evaluation_run_list_for(*, actor: User) -> QuerySet[EvaluationRun]:
    return (
        policy.scope_evaluation_runs(actor, EvaluationRun.objects.all())
        .select_related("created_by")
        .defer("result")
        .order_by("-created_at", "-id")
    )


def evaluation_run_get_for(*, actor: User, run_id: int) -> EvaluationRun:
    try:
        run = policy.scope_evaluation_runs(actor, EvaluationRun.objects.all()).get(pk=run_id)
    except EvaluationRun.DoesNotExist:
        raise Http404("No such evaluation run") from None
    policy.require(actor, Perm.EVALUATION_VIEW, run)
    return run


# --- findings --------------------------------------------------------------------------------


def finding_list_for(*, actor: User) -> QuerySet[Finding]:
    return (
        policy.scope_findings(actor, Finding.objects.all())
        .select_related("created_by")
        .order_by("status", "follow_up_due", "-id")
    )


def finding_get_for(*, actor: User, finding_id: int) -> Finding:
    try:
        finding = finding_list_for(actor=actor).get(pk=finding_id)
    except Finding.DoesNotExist:
        raise Http404("No such finding") from None
    policy.require(actor, Perm.OVERSIGHT_DASHBOARD, finding)
    return finding
