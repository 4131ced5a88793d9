"""Documents in a subject access bundle (ADR 0031, 0032): what each organisation holds or can
read, as metadata (never the file): its description, kind and type, date and marking.

- A subject's request: the police, their force's documents on his cases, orders and
  referrals; the provider, the documents police let it read (kind and date only: it never
  sees the police's description). Never an advocacy service's document: the advocacy file is
  the victim's account, not his.
- A victim's request: the advocacy service, the documents on her advocacy cases; the police,
  those on the cases she is a victim in and on the orders whose terms protect her.

The description is free text, so it runs through the same third-party redactors as every
other value.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from desist.core.marking import MARKING
from desist.core.models import Organisation
from desist.documents.models import Document
from desist.sar.registry import Collector, Record, register, show


def _kind(organisation: Organisation) -> str:
    return str(organisation.kind)


def _records(found: QuerySet[Document], *, described: bool) -> list[Record]:
    out = []
    for d in found.order_by("uploaded_at", "pk"):
        on = d.record
        fields = [("Description", d.title)] if described else []
        fields += [
            ("Kind of document", d.get_kind_display()),
            ("File type", d.extension.upper()),
            ("Attached on", show(d.uploaded_at)),
            ("Protective marking", MARKING),
        ]
        out.append(
            Record(
                record=d._meta.label,
                id=d.pk,
                reference=f"Document {d.pk}",
                title=f"Document attached to {on._meta.verbose_name} {getattr(on, 'reference', '')}".strip(),
                fields=fields,
                data={
                    "Kind of document": {"code": d.kind},
                    "File type": {"code": d.content_type},
                    "Attached on": {"iso": d.uploaded_at.isoformat(timespec="seconds")},
                },
            )
        )
    return out


def subject_documents(subject: Any, organisation: Organisation) -> list[Record]:
    kind = _kind(organisation)
    if kind == "police_force":
        own = Document.objects.filter(organisation=organisation, advocacy_case__isnull=True)
        return _records(own.filter(subject=subject), described=True)
    if kind == "provider":
        referred = Q(referral__programme__provider=organisation) | Q(
            order__subject__programme_referrals__programme__provider=organisation
        )
        safe = Document.objects.filter(
            referred, subject=subject, provider_safe=True, case__isnull=True
        ).distinct()
        return _records(safe.filter(advocacy_case__isnull=True), described=False)
    return []


def victim_documents(victim: Any, organisation: Organisation) -> list[Record]:
    kind = _kind(organisation)
    if kind == "advocacy":
        own = Document.objects.filter(organisation=organisation, advocacy_case__victim=victim)
        return _records(own, described=True)
    if kind == "police_force":
        about = Q(case__victims=victim) | Q(order__terms__protected_persons=victim)
        own = Document.objects.filter(about, organisation=organisation).distinct()
        return _records(own.filter(advocacy_case__isnull=True), described=True)
    return []


register(
    Collector(
        key="documents.subject",
        title="Documents attached to records about you",
        kind="subject",
        registered_by="documents",
        collect=subject_documents,
        rank=90,
    )
)
register(
    Collector(
        key="documents.victim",
        title="Documents attached to records about you",
        kind="victim",
        registered_by="documents",
        collect=victim_documents,
        rank=90,
    )
)
