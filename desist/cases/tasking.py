"""Cases' count for the supervisor's workload page (issue 19), registered with tasks."""

from __future__ import annotations

from django.db.models import Count

from desist import policy
from desist.accounts.models import User
from desist.cases.models import Case, CaseStatus
from desist.tasks import workload


def cases_in_charge(actor: User) -> dict[int, int]:
    """Open cases each officer of the actor's force is in charge of."""
    rows = (
        policy.scope_cases(actor, Case.objects.filter(status=CaseStatus.OPEN))
        .exclude(officer_in_charge__isnull=True)
        .values("officer_in_charge")
        .annotate(n=Count("id"))
    )
    return {row["officer_in_charge"]: row["n"] for row in rows}


workload.register_source("Open cases in charge", cases_in_charge)
