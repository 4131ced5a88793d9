"""What cases answers to the sharing bridge (ADR 0018), registered in CasesConfig.ready():
who created a subject's latest case (an officer in charge), and the case a break-glass
reference names. Sharing never imports cases."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from desist.cases.models import Case
from desist.sharing import port


def latest_case_creator(subject: Any) -> int | None:
    """Who created the subject's most recent case."""
    return (
        Case.objects.filter(subject=subject, created_by__isnull=False)
        .order_by("-created_at", "-id")
        .values_list("created_by_id", flat=True)
        .first()
    )


def cases_by_reference(reference: str) -> QuerySet[Case]:
    """The case a break-glass request names by its crime reference."""
    return Case.objects.filter(crime_reference__iexact=reference)


# After the order's creator (rank 0, orders.alerting): the order is the stronger tie.
port.register_officer_source("cases.latest_case", latest_case_creator, rank=1)
port.register_record_finder(port.BreakGlassRecord.CASE, cases_by_reference)
