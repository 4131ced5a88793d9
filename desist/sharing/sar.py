"""Alerts and disclosures about a subject, for a subject access request (ADR 0031): those the
organisation sent or received. Also the victim redactor every subject's bundle runs through."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from desist.core.models import Organisation
from desist.sar.registry import Collector, Record, record, register, register_redactor
from desist.sharing.kinds import KIND_LABELS
from desist.sharing.models import Alert, Disclosure
from desist.sharing.redaction import victim_redactor

ALERT_FIELDS = ["kind", "priority", "title", "body", "created_at", "acknowledged_at"]
ALERT_FIELDS += ["acknowledgement_note"]
DISCLOSURE_FIELDS = ["disclosed_at", "what", "purpose", "lawful_basis", "agreement"]


def subject_alerts(subject: Any, organisation: Organisation) -> list[Record]:
    ours = Q(recipient_organisation=organisation) | Q(from_organisation=organisation)
    alerts = Alert.objects.filter(ours, subject=subject).order_by("created_at", "pk")
    # The kind as the inbox words it ("SPO breach recorded"); its code stays in the JSON.
    return [record(a, "Alert", ALERT_FIELDS, labels={"kind": KIND_LABELS}) for a in alerts]


def subject_disclosures(subject: Any, organisation: Organisation) -> list[Record]:
    ours = Q(to_organisation=organisation) | Q(from_organisation=organisation)
    disclosures = Disclosure.objects.filter(ours, subject=subject).select_related(
        "from_organisation", "to_organisation"
    )
    found = []
    for d in disclosures.order_by("disclosed_at", "pk"):
        title = f"Shared by {d.from_organisation} with {d.to_organisation}"
        found.append(record(d, title, DISCLOSURE_FIELDS, reference=d.reference))
    return found


register(
    Collector(
        key="sharing.alerts",
        title="Alerts about you between the partners",
        kind="subject",
        registered_by="sharing",
        collect=subject_alerts,
    )
)
register(
    Collector(
        key="sharing.disclosures",
        title="Information shared about you, and why",
        kind="subject",
        registered_by="sharing",
        collect=subject_disclosures,
    )
)
register_redactor("subject", victim_redactor)
