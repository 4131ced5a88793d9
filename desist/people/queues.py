"""Home-page work queue providers for subjects."""

from __future__ import annotations

from django.urls import reverse

from desist.accounts.models import User
from desist.home.queues import QueueResult, QueueRow, provide
from desist.people import selectors

LIMIT = 5


@provide("police.not_considered")
def not_considered(actor: User) -> QueueResult:
    """Subjects with an interim or full SPO and no intervention decision yet (two queries)."""
    qs = selectors.subjects_not_considered_for(actor=actor)
    rows = [
        QueueRow(
            label=s.full_name,
            url=reverse("people:detail", args=[s.pk]),
            detail=f"Born {s.date_of_birth:%d %b %Y}" if s.date_of_birth else "",
            tag="Decision needed",
        )
        for s in qs[:LIMIT]
    ]
    return QueueResult(
        count=qs.count(),
        rows=rows,
        more_url=reverse("people:list") + "?queue=not_considered",
    )
