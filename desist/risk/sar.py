"""Risk assessments of a subject, for a subject access request (ADR 0031): the force's."""

from __future__ import annotations

from typing import Any

from desist.core.models import Organisation
from desist.risk import display
from desist.risk.loader import definition_of
from desist.risk.models import Assessment
from desist.sar.registry import Collector, Record, record, register

FIELDS = ["instrument", "assessed_on", "context", "answers", "score", "risk_level", "rationale"]
FIELDS += ["review_date"]


def answers_text(assessment: Assessment) -> str:
    """Each question with its answer as the instrument words it, not the stored codes."""
    rows = display.answer_rows(definition_of(assessment.instrument), assessment.answers or {})
    return "\n".join(f"{r['item'].number}. {r['item'].text}: {r['answer']}" for r in rows)


def subject_assessments(subject: Any, organisation: Organisation) -> list[Record]:
    if subject.force_id != organisation.pk:
        return []
    found = Assessment.objects.filter(subject=subject).select_related("instrument")
    return [
        record(a, "Risk assessment", FIELDS, shown={"answers": answers_text})
        for a in found.order_by("assessed_on", "pk")
    ]


register(
    Collector(
        key="risk.assessments",
        title="Risk assessments",
        kind="subject",
        registered_by="risk",
        collect=subject_assessments,
    )
)
