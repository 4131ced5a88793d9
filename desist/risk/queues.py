"""The police "Risk reviews due" queue on the home page."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from desist.accounts.models import User
from desist.core.dates import long_date
from desist.core.reach import SUBJECT_OWNERS, Reach, narrow
from desist.home.queues import QueueResult, QueueRow, provide
from desist.risk.selectors import review_due_row, risk_reviews_due_for

LIMIT = 5


def level_text(code: str | None) -> str:
    return (code or "").replace("_", " ").capitalize()


@provide("police.risk_reviews", by_reach=True)
def risk_reviews(actor: User, reach: Reach = Reach.FORCE) -> QueueResult:
    today = timezone.localdate()
    # A subject is the actor's (or team's) through any case or order they are in charge of.
    qs = narrow(risk_reviews_due_for(actor=actor, on=today), actor, reach, via=SUBJECT_OWNERS)
    rows = []
    for r in map(review_due_row, qs[:LIMIT]):
        due = r.review_date
        level = f" (latest level: {level_text(r.risk_level)})" if r.risk_level else ""
        rows.append(
            QueueRow(
                label=r.subject.full_name,
                url=reverse("risk:subject", args=[r.subject.pk]),
                detail=f"Review due {long_date(due)}{level}",
                tag="Overdue" if due < today else "Due today",
            )
        )
    return QueueResult(
        count=qs.count(),
        rows=rows,
        more_url=f"{reverse('risk:reviews')}?view={reach.value}",
    )
