"""Reads of documents: every one through `policy.scope_documents` (ADR 0032)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.urls import reverse

from desist import policy
from desist.accounts.models import User
from desist.documents.models import Document
from desist.policy import Perm


@dataclass(frozen=True)
class Parent:
    """A kind of record documents attach to: the model (named, not imported: those apps sit
    above this one), the field on Document, the scope that lists the records, and the page
    to go back to."""

    label: str
    field: str
    url_name: str
    url_kwarg: str

    def scope(self, actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
        return {
            "cases.Case": policy.scope_cases,
            "orders.Order": policy.scope_orders,
            "programme.Referral": policy.scope_referrals,
            "safeguarding.AdvocacyCase": policy.scope_advocacy_cases,
        }[self.label](actor, qs)


PARENTS: dict[str, Parent] = {
    "case": Parent("cases.Case", "case", "cases:detail", "case_id"),
    "order": Parent("orders.Order", "order", "orders:detail", "order_id"),
    "referral": Parent("programme.Referral", "referral", "programme:referral", "referral_id"),
    "advocacy": Parent(
        "safeguarding.AdvocacyCase", "advocacy_case", "safeguarding:case", "case_id"
    ),
}
PARENT_BY_LABEL = {p.label: key for key, p in PARENTS.items()}


def record_for_upload(*, actor: User, kind: str, record_id: int) -> Model:
    """The record a document is to be attached to: 404 out of scope, 403 without the right."""
    parent = PARENTS.get(kind)
    if parent is None:
        raise Http404
    model = apps.get_model(parent.label)
    record = parent.scope(actor, model._default_manager.all()).filter(pk=record_id).first()
    if record is None:
        raise Http404
    policy.require(actor, Perm.DOCUMENT_UPLOAD, record)
    return record


def _scoped(actor: User) -> QuerySet[Document]:
    return policy.scope_documents(actor, Document.objects.all()).select_related("order")


def document_list_for(*, actor: User, record: Model) -> list[Document]:
    """The documents on one record the actor may read."""
    field = PARENTS[PARENT_BY_LABEL[record._meta.label]].field
    return list(_scoped(actor).filter(**{field: record}))


def document_list_for_referral(*, actor: User, referral: Any) -> list[Document]:
    """A referral's documents and those on its subject's orders: where the provider finds
    what police marked safe for it."""
    on_referral = Q(referral=referral) | Q(order__subject_id=referral.subject_id)
    return list(_scoped(actor).filter(on_referral))


def document_get_for(*, actor: User, document_id: int) -> Document:
    """One document: 404 when out of scope (a provider asking for a police-only document
    learns nothing, not even that it exists)."""
    document = _scoped(actor).filter(pk=document_id).first()
    if document is None:
        raise Http404
    policy.require(actor, Perm.DOCUMENT_VIEW, document)
    return document


@dataclass(frozen=True)
class Panel:
    """What a record's page shows of its documents (documents/includes/documents.html)."""

    documents: list[Document]
    upload_url: str
    own_org: int | None
    can_mark: bool
    on_order: bool


def panel_for(*, actor: User, record: Model) -> Panel:
    """The documents section of a case, order, referral or advocacy case page."""
    key = PARENT_BY_LABEL[record._meta.label]
    if key == "referral":
        documents = document_list_for_referral(actor=actor, referral=record)
    else:
        documents = document_list_for(actor=actor, record=record)
    upload = ""
    if policy.can(actor, Perm.DOCUMENT_UPLOAD, record):
        upload = reverse("documents:upload", kwargs={"kind": key, "record_id": record.pk})
    return Panel(
        documents=documents,
        upload_url=upload,
        own_org=actor.organisation_id,
        can_mark=policy.has_perm(actor, Perm.DOCUMENT_MARK),
        on_order=key == "order",
    )
