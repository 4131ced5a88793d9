"""Cases and incidents, for a subject access request (ADR 0031): the recording force's."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from desist.cases.models import Case
from desist.core.models import Organisation
from desist.sar.registry import Collector, Record, record, register

CASE_FIELDS = ["crime_reference", "relationship", "summary", "opened_on", "status", "closed_on"]
CASE_FIELDS += ["closure_reason", "fixated", "obsessive", "unwanted", "repeated"]


def _case_records(cases: Iterable[Case]) -> list[Record]:
    found = []
    for case in cases:
        found.append(record(case, "Case", CASE_FIELDS, reference=case.crime_reference))
        found += [
            record(i, "Incident", ["occurred_on", "incident_type", "description"])
            for i in case.incidents.all()
        ]
    return found


def subject_cases(subject: Any, organisation: Organisation) -> list[Record]:
    cases = Case.objects.filter(subject=subject, force=organisation).prefetch_related("incidents")
    return _case_records(cases)


def victim_cases(victim: Any, organisation: Organisation) -> list[Record]:
    cases = Case.objects.filter(victims=victim, force=organisation).prefetch_related("incidents")
    return _case_records(cases.distinct())


register(
    Collector(
        key="cases.cases",
        title="Cases and incidents",
        kind="subject",
        registered_by="cases",
        collect=subject_cases,
    )
)
register(
    Collector(
        key="cases.cases",
        title="Cases in which you are a victim",
        kind="victim",
        registered_by="cases",
        collect=victim_cases,
    )
)
