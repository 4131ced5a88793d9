"""The receiving force's supervisor's queue: transfers waiting for them. Two queries (a count
and up to five rows), however many there are."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from desist.accounts.models import User
from desist.core.dates import long_date
from desist.core.roles import RoleCode
from desist.home.queues import QueueResult, QueueRow, declare, provide
from desist.transfers import panels  # noqa: F401  (registers the subject page's section)
from desist.transfers.selectors import incoming_pending_for

LIMIT = 5

declare(
    RoleCode.POLICE_SUPERVISOR,
    "police.transfers_in",
    "Transfers to accept",
    "Requests from other forces to take over a subject's cases and orders will appear here.",
)


@provide("police.transfers_in")
def transfers_in(actor: User) -> QueueResult:
    qs = incoming_pending_for(actor=actor)
    rows = [
        QueueRow(
            label=f"{t.subject.full_name} from {t.from_force.name}",
            url=reverse("transfers:detail", args=[t.pk]),
            detail=f"Asked on {long_date(timezone.localdate(t.proposed_at))}",
        )
        for t in qs[:LIMIT]
    ]
    return QueueResult(count=qs.count(), rows=rows, more_url=reverse("transfers:list"))
