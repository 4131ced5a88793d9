"""Documents in the retention schedule (ADR 0028, 0032): a document is kept exactly as long as
the record it is attached to. For each class of a record that takes documents (cases, orders,
referrals, advocacy cases), this registers a document class with the same period, running
from the same event of that record, and the same end: reviewed (never disposed of) where the
record is; otherwise deleted, the stored file and its row. A file cannot be anonymised in
part, and no evaluation figure is read from one.

The document classes are registered in DocumentsConfig.ready(), after the apps that own the
records (INSTALLED_APPS order); a test checks every such class has its document class. A
record disposed of takes its documents with it (retention_dispose, through `follows`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from desist.documents import store
from desist.documents.models import Document
from desist.retention import registry
from desist.retention.registry import Action, RecordClass

# The record model -> the document's field naming it.
ATTACHED_BY = {
    "cases.Case": "case",
    "orders.Order": "order",
    "programme.Referral": "referral",
    "safeguarding.AdvocacyCase": "advocacy_case",
}
PREFIX = "documents."


def delete_document(document: Document) -> None:
    """The stored (encrypted) file, then its row."""
    store.remove(document.stored_name)
    document.delete()


def _document_class(parent: RecordClass) -> RecordClass:
    by = ATTACHED_BY[parent.model]
    assert parent.records is not None and parent.event_on is not None
    parent_records, parent_event, parent_reference = (
        parent.records,
        parent.event_on,
        parent.reference,
    )

    def records() -> QuerySet[Any]:
        return Document.objects.filter(**{f"{by}__in": parent_records().values("pk")})

    def reference(document: Document) -> str:
        on = parent_reference(document.record) if parent_reference else ""
        return f"Document {document.pk} on {on}".strip()

    review = parent.action == Action.REVIEW
    return RecordClass(
        key=f"{PREFIX}{parent.key}",
        title=f"Document attached to: {parent.title}",
        model="documents.Document",
        years=parent.years,
        runs_from=f"{parent.runs_from} (the record it is attached to)",
        action=Action.REVIEW if review else Action.DELETE,
        basis="Kept as long as the record it is attached to, and disposed of with it",
        registered_by="documents",
        records=records,
        event_on=lambda document: parent_event(document.record),
        owner_id=lambda document: document.organisation_id,
        reference=reference,
        dispose=None if review else delete_document,
        follows=parent.key,
        attached=lambda record: Document.objects.filter(**{by: record}),
    )


def register_document_classes() -> None:
    for parent in registry.schedule():
        if parent.model in ATTACHED_BY and parent.records is not None:
            registry.register(_document_class(parent))


register_document_classes()
