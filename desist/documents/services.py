"""Writes and audited reads of documents (ADR 0032). Each runs through the write pipeline."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import timezone

from desist.accounts.models import User
from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.core.concurrency import StaleRecordError, save_versioned
from desist.documents import content, store
from desist.documents.models import ContentCheck, Document, DocumentKind
from desist.policy import Perm
from desist.sharing.redaction import RedactionBlocked, guard_text

TITLE_MAX = 200
STALE_MESSAGE = "This document's sharing was changed by someone else. Check it and try again"
CONFIRM_MESSAGE = (
    "Confirm that you have checked every page of the document and it shows no victim's details"
)


def _owner_fields(record: Model) -> dict[str, Any]:
    """Where a document on this record belongs: the field naming the record, the owning
    organisation (the force, or the advocacy service) and the subject, for the guard."""
    label = record._meta.label
    r: Any = record
    if label == "safeguarding.AdvocacyCase":
        return {"advocacy_case": record, "organisation_id": r.service_id, "subject_id": None}
    field = {"cases.Case": "case", "orders.Order": "order", "programme.Referral": "referral"}
    return {field[label]: record, "organisation_id": r.force_id, "subject_id": r.subject_id}


@command(Perm.DOCUMENT_UPLOAD, on="record")
def document_upload(
    *, actor: User, record: Model, kind: str, title: str, file: content.Inspected
) -> Document:
    """Attach a file (already checked by content: `content.inspect`) to a record."""
    errors = Errors()
    title = (title or "").strip()
    if kind not in DocumentKind.values:
        errors.add("kind", "Select what kind of document this is")
    if not title:
        errors.add("title", "Enter a description of the document")
    elif len(title) > TITLE_MAX:
        errors.add("title", f"The description must be {TITLE_MAX} characters or fewer")
    errors.raise_if_any()
    name = store.put(file.data)
    try:
        document = Document.objects.create(
            **_owner_fields(record),
            kind=kind,
            title=title,
            content_type=file.content_type,
            extension=file.extension,
            size=len(file.data),
            sha256=hashlib.sha256(file.data).hexdigest(),
            stored_name=name,
            uploaded_by=actor,
        )
        audit_record(
            actor=actor,
            category=Category.COLLECTION,
            verb="document.upload",
            obj=document,
            new={
                "record": f"{record._meta.label}:{record.pk}",
                "kind": kind,
                "content_type": file.content_type,
                "size": len(file.data),
            },
        )
    except BaseException:
        store.remove(name)  # no file without its row
        raise
    return document


def _readable(document: Document) -> str:
    return content.readable_text(store.get(document.stored_name), document.content_type)


IDENTIFIER_MESSAGE = (
    "The file contains a victim's details: text read from it names or locates a victim. "
    "Remove them from the file and attach it again, or do not share it with the provider"
)


def _guard_readable_text(*, actor: User, document: Document, **_: Any) -> None:
    """Outside the transaction: the guard audits a refusal durably (ADR 0012). The text read
    from the file (a PDF's text, an image's descriptions) is checked as provider notes are."""
    text = _readable(document)
    try:
        guard_text(
            subject=document.subject,
            fields={"confirmed": text},
            actor=actor,
            where="document.provider_safe",
        )
    except RedactionBlocked:
        raise RedactionBlocked({"confirmed": [IDENTIFIER_MESSAGE]}) from None


_SHARING_FIELDS = ["provider_safe", "provider_safe_by", "provider_safe_at", "content_check"]


def _locked(document: Document) -> Document:
    """The row as it is now, locked until the command's transaction ends, and `document`
    brought up to date with it: a second officer waits for the first, then sees the change."""
    current = Document.objects.select_for_update().get(pk=document.pk)
    for name in [*_SHARING_FIELDS, "version"]:
        setattr(document, name, getattr(current, name))
    return document


def _save_sharing(document: Document, *, version: int) -> None:
    try:
        save_versioned(document, expected_version=version, fields=_SHARING_FIELDS)
    except StaleRecordError:  # a writer the lock did not hold back (SQLite has no row locks)
        raise ValidationError(STALE_MESSAGE) from None


@command(Perm.DOCUMENT_MARK, on="document", check=_guard_readable_text)
def document_mark_provider_safe(
    *, actor: User, document: Document, confirmed: bool, version: int | None = None
) -> bool:
    """Let the provider read this document. The text that can be read from the file has
    passed the redaction guard (the check step); the rest a police officer confirms.

    `version` is the document's version when the officer was shown the form: if its sharing
    changed since (someone shared and withdrew it), nothing is written and they are asked to
    check again. Already shared, nothing is written either, and False says so."""
    _locked(document)
    seen = document.version if version is None else version
    if document.provider_safe:
        return False
    if document.version != seen:
        raise ValidationError(STALE_MESSAGE)
    errors = Errors()
    if not confirmed:
        errors.add("confirmed", CONFIRM_MESSAGE)
    errors.raise_if_any()
    # "Checked" only where text was in fact read; a scan or a photograph is confirmed only.
    text_read = bool(_readable(document).strip())
    document.provider_safe = True
    document.provider_safe_by = actor
    document.provider_safe_at = timezone.now()
    document.content_check = (
        ContentCheck.TEXT_CHECKED_AND_CONFIRMED if text_read else ContentCheck.CONFIRMED
    )
    _save_sharing(document, version=seen)
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="document.mark_provider_safe",
        obj=document,
        old={"provider_safe": False},
        new={"provider_safe": True, "content_check": document.content_check},
    )
    return True


@command(Perm.DOCUMENT_MARK, on="document")
def document_unmark_provider_safe(*, actor: User, document: Document) -> bool:
    """Withdraw the provider's access (it has read what it downloaded already; the audit log
    says who did). No version asked: withdrawing is the safe direction, so a withdrawal made
    from an older page still stands. Already withdrawn, nothing is written and False says so."""
    _locked(document)
    if not document.provider_safe:
        return False
    document.provider_safe = False
    document.provider_safe_by = None
    document.provider_safe_at = None
    document.content_check = ""
    _save_sharing(document, version=document.version)
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="document.unmark_provider_safe",
        obj=document,
        old={"provider_safe": True},
        new={"provider_safe": False},
    )
    return True


@command(Perm.DOCUMENT_VIEW, on="document")
def document_download(*, actor: User, document: Document) -> bytes:
    """The file's bytes, decrypted and checked against the digest taken at upload. Audited:
    a consultation by the owning organisation, a disclosure to anyone else (the provider)."""
    data = store.get(document.stored_name)
    if hashlib.sha256(data).hexdigest() != document.sha256:
        raise RuntimeError(f"Document {document.pk} does not match the file uploaded")
    own = actor.organisation_id == document.organisation_id
    organisation = actor.organisation
    audit_record(
        actor=actor,
        category=Category.CONSULTATION if own else Category.DISCLOSURE,
        verb="document.download",
        obj=document,
        recipients=[] if own or organisation is None else [organisation.name],
        new={"record": f"{document.record._meta.label}:{document.record.pk}"},
    )
    return data
