"""Home-page work queue providers for subjects."""

from __future__ import annotations

from django.urls import reverse

from desist.accounts.models import User
from desist.core.dates import long_date
from desist.core.reach import SUBJECT_OWNERS, Reach, narrow
from desist.home.queues import QueueResult, QueueRow, provide
from desist.people import selectors

LIMIT = 5


@provide("police.not_considered", by_reach=True)
def not_considered(actor: User, reach: Reach = Reach.FORCE) -> QueueResult:
    """Subjects with an interim or full SPO and no intervention decision yet (two queries)."""
    qs = narrow(
        selectors.subjects_not_considered_for(actor=actor), actor, reach, via=SUBJECT_OWNERS
    )
    rows = [
        QueueRow(
            label=s.full_name,
            url=reverse("people:detail", args=[s.pk]),
            detail=f"Born {long_date(s.date_of_birth)}" if s.date_of_birth else "",
            tag="Decision needed",
        )
        for s in qs[:LIMIT]
    ]
    return QueueResult(
        count=qs.count(),
        rows=rows,
        more_url=f"{reverse('people:list')}?queue=not_considered&view={reach.value}",
    )
