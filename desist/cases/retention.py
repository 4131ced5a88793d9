"""Police cases in the retention schedule, on the MoPI review groups (ADR 0028). A closed
case's group follows its most serious content: an SPO made in it (group 1, public
protection), fear of violence or a breach (group 2), anything else (group 3)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from desist.cases.models import Case, CaseStatus, IncidentType
from desist.retention.blank import blank
from desist.retention.registry import Action, RecordClass, register

_ORDER_MADE = Q(orders__interim_made_on__isnull=False) | Q(orders__full_made_on__isnull=False)
_SERIOUS = Q(
    incidents__incident_type__in=[IncidentType.STALKING_FEAR_VIOLENCE, IncidentType.SPO_BREACH]
)


def _closed() -> QuerySet[Case]:
    return Case.objects.filter(status=CaseStatus.CLOSED, closed_on__isnull=False)


def _with(q: Q) -> QuerySet[Any]:
    return Case.objects.filter(q).values("pk")


def group_1() -> QuerySet[Case]:
    return _closed().filter(pk__in=_with(_ORDER_MADE))


def group_2() -> QuerySet[Case]:
    return _closed().exclude(pk__in=_with(_ORDER_MADE)).filter(pk__in=_with(_SERIOUS))


def group_3() -> QuerySet[Case]:
    return _closed().exclude(pk__in=_with(_ORDER_MADE)).exclude(pk__in=_with(_SERIOUS))


def dispose_case(case: Case) -> None:
    blank(Case.objects.filter(pk=case.pk), "summary")
    blank(case.incidents.all(), "description")


_COMMON: dict[str, Any] = {
    "model": "cases.Case",
    "runs_from": "the day the case was closed",
    "registered_by": "cases",
    "event_on": lambda case: case.closed_on,
    "owner_id": lambda case: case.force_id,
    "reference": lambda case: case.crime_reference,
    "dispose": dispose_case,
    "names": {"people.Subject": "subject_id", "safeguarding.Victim": "victims"},
}

register(
    RecordClass(
        key="cases.group-1",
        title="Police case with a Stalking Protection Order (MoPI group 1)",
        years=10,
        action=Action.REVIEW,
        basis="MoPI group 1, public protection: reviewed every 10 years, never disposed of",
        records=group_1,
        **_COMMON,
    )
)
register(
    RecordClass(
        key="cases.group-2",
        title="Police case involving fear of violence or a breach (MoPI group 2)",
        years=10,
        action=Action.ANONYMISE,
        basis="MoPI group 2, violent or serious offences: 10-year clean period, then review",
        records=group_2,
        **_COMMON,
    )
)
register(
    RecordClass(
        key="cases.group-3",
        title="Other police case (MoPI group 3)",
        years=6,
        action=Action.ANONYMISE,
        basis="MoPI group 3, all other offences: 6-year clean period",
        records=group_3,
        **_COMMON,
    )
)
