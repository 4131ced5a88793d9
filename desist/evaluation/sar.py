"""Offences recorded after a subject's order, for a subject access request (ADR 0031)."""

from __future__ import annotations

from typing import Any

from desist.core.models import Organisation
from desist.evaluation.models import Offence
from desist.sar.registry import Collector, Record, record, register

FIELDS = ["crime_reference", "offence_date", "outcome", "proven_date", "stalking_related"]


def subject_offences(subject: Any, organisation: Organisation) -> list[Record]:
    found = Offence.objects.filter(subject=subject, force=organisation).order_by("offence_date")
    return [record(o, "Offence", FIELDS, reference=o.crime_reference) for o in found]


register(
    Collector(
        key="evaluation.offences",
        title="Offences recorded since the order",
        kind="subject",
        registered_by="evaluation",
        collect=subject_offences,
    )
)
