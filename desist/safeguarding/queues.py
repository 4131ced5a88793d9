"""The advocacy queues on advocates' and advocacy managers' home pages.

(`advocacy.alerts` belongs to the sharing app.)
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from desist.accounts.models import User
from desist.core.dates import long_date, long_datetime
from desist.home.queues import QueueResult, QueueRow, provide
from desist.safeguarding.selectors import caseload_for

LIMIT = 5


def _when(moment: Any) -> str:
    return long_datetime(moment)


def _result(
    actor: User, view: str, detail: Any, tag: Any, url_name: str = "safeguarding:case"
) -> QueueResult:
    now = timezone.now()
    qs = caseload_for(actor=actor, view=view, now=now)
    rows = [
        QueueRow(
            label=f"{c.reference}: {c.victim.first_names} {c.victim.last_name.upper()}",
            url=reverse(url_name, args=[c.pk]),
            detail=detail(c),
            tag=tag(c, now),
        )
        for c in qs[:LIMIT]
    ]
    return QueueResult(
        count=qs.count(), rows=rows, more_url=reverse("safeguarding:caseload") + f"?view={view}"
    )


@provide("advocacy.new_referrals")
def new_referrals(actor: User) -> QueueResult:
    return _result(
        actor,
        "new",
        lambda c: f"{c.get_origin_display()}, first contact due by {_when(c.first_contact_due)}",
        lambda c, now: "Overdue" if c.first_contact_due < now else "",
    )


@provide("advocacy.first_contact_overdue")
def first_contact_overdue(actor: User) -> QueueResult:
    return _result(
        actor,
        "overdue",
        lambda c: f"First contact was due by {_when(c.first_contact_due)}",
        lambda c, now: "Overdue",
    )


@provide("advocacy.safety_plan_reviews")
def safety_plan_reviews(actor: User) -> QueueResult:
    def detail(c: Any) -> str:
        return f"Safety plan review due {long_date(c.review_on)}"

    return _result(
        actor,
        "reviews",
        detail,
        lambda c, now: "Overdue" if c.review_on < timezone.localdate(now) else "Due today",
    )


@provide("advocacy.check_before_triage")
def check_before_triage(actor: User) -> QueueResult:
    return _result(
        actor,
        "check",
        lambda c: (
            f"{c.get_check_reason_display()}; first contact due by {_when(c.first_contact_due)}"
        ),
        lambda c, now: "Contact overdue" if c.first_contact_due < now else "To check",
        url_name="safeguarding:case_check",
    )


@provide("advocacy.unallocated")
def unallocated(actor: User) -> QueueResult:
    return _result(
        actor,
        "unallocated",
        lambda c: f"{c.get_origin_display()} on {_when(c.referred_at)}",
        lambda c, now: "Contact overdue" if c.first_contact_due < now else "",
    )
