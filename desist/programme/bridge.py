"""What programme shows on the order page (issue 19), registered by ProgrammeConfig.ready()
(ADR 0018): the subject's intervention outcome and the provider's summary for the police.
Read through programme's selectors, so only police of the subject's force see it."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from desist.accounts.models import User
from desist.orders.interventions import InterventionSummary, register_intervention_source
from desist.programme import selectors


def order_interventions(*, actor: User, order: Any) -> list[InterventionSummary]:
    return [
        InterventionSummary(
            record=row["referral"],
            reference=row["referral"].reference,
            url=reverse("programme:referral", args=[row["referral"].pk]),
            outcome=row["outcome"],
            ended_on=row["ended_on"],
            sessions_attended=row["attended"],
            has_report=row["report"] is not None,
            police_summary=row["report"].police_summary if row["report"] else "",
            written_on=timezone.localdate(row["report"].written_at) if row["report"] else None,
        )
        for row in selectors.end_summaries_for_order(actor=actor, order=order)
    ]


register_intervention_source(order_interventions)
