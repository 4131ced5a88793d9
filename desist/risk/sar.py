"""Risk assessments of a subject, for a subject access request (ADR 0031): the force's."""

from __future__ import annotations

from typing import Any

from desist.core.models import Organisation
from desist.risk.models import Assessment
from desist.sar.registry import Collector, Record, record, register

FIELDS = ["instrument", "assessed_on", "context", "answers", "score", "risk_level", "rationale"]
FIELDS += ["review_date"]


def subject_assessments(subject: Any, organisation: Organisation) -> list[Record]:
    if subject.force_id != organisation.pk:
        return []
    found = Assessment.objects.filter(subject=subject).select_related("instrument")
    return [record(a, "Risk assessment", FIELDS) for a in found.order_by("assessed_on", "pk")]


register(
    Collector(
        key="risk.assessments",
        title="Risk assessments",
        kind="subject",
        registered_by="risk",
        collect=subject_assessments,
    )
)
