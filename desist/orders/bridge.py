"""What orders shows on pages other apps own, registered by OrdersConfig.ready() (ADR 0018):
a breach's details on the case timeline (cases) and on its alert (sharing). Both read through
orders' selectors, so only those who may see the order see them: police of the force, or a
break-glass grant on the order; never an advocate or provider staff."""

from __future__ import annotations

from typing import Any

from desist.accounts.models import User
from desist.cases.selectors import TimelineDetails, TimelineItem, register_timeline_source
from desist.orders import selectors
from desist.sharing import port


def breach_alert_detail(actor: User, source_id: str) -> port.SourceDetail | None:
    if not source_id.isdigit():
        return None
    row = selectors.breach_detail_for(actor=actor, breach_id=int(source_id))
    if row is None:
        return None
    return port.SourceDetail(
        heading="About the breach",
        rows=row.rows,
        record=row.breach.order,
        verb="order.breach_view",
    )


def case_timeline(*, actor: User, case: Any, incidents: list[Any]) -> TimelineDetails:
    matched, left = selectors.case_timeline_breaches(actor=actor, case=case, incidents=incidents)
    return TimelineDetails(
        by_incident={incident_id: row.rows for incident_id, row in matched.items()},
        extra=[
            TimelineItem(
                occurred_on=row.breach.occurred_on,
                title="SPO breach",
                byline=row.recorded_by,
                details=row.rows,
            )
            for row in left
        ],
        shown={"breaches_shown": sorted(shown)} if (shown := ids(matched, left)) else {},
    )


def ids(matched: dict[int, selectors.BreachRow], left: list[selectors.BreachRow]) -> list[int]:
    return [r.breach.pk for r in [*matched.values(), *left]]


port.register_detail_source("orders.Breach", breach_alert_detail)
register_timeline_source(case_timeline)
