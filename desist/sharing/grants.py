"""The break-glass grant source sharing registers with the policy (SharingConfig.ready()).

The policy sits on the lowest floor and cannot import sharing; it asks this source which
records a live grant admits, and which grants touch an organisation's records (for that
organisation's audit log). Time comes from `sharing.clock`, so tests can move it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from desist.sharing import clock
from desist.sharing.models import BreakGlassGrant

if TYPE_CHECKING:
    from desist.accounts.models import User


class BreakGlassGrants:
    def live_record_ids(self, actor: User, label: str) -> QuerySet[Any]:
        """Ids of records of type `label` the actor holds a live grant for (a lazy subquery:
        no query runs until it is used in a filter)."""
        return BreakGlassGrant.objects.filter(
            user_id=actor.pk,
            record_type=label,
            status=BreakGlassGrant.Status.GRANTED,
            expires_at__gt=clock.now(),
        ).values("record_id")

    def grants_on_records_of(self, org_id: int) -> QuerySet[Any]:
        return BreakGlassGrant.objects.filter(record_organisation_id=org_id)


SOURCE = BreakGlassGrants()


def live_record_ids(actor: User, label: str) -> QuerySet[Any]:
    return SOURCE.live_record_ids(actor, label)
