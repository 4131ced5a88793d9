"""Re-encrypt stored documents under the newest field key, with `rotate_field_keys`.

One document at a time (never the whole store in memory): the stored object is decrypted and
checked against the SHA-256 taken at upload, written again under a new name with the newest
key, read back and checked again, and only then does the row point at it and the old object
go. A rotation stopped half way leaves every document readable: the row names either the old
object (still decryptable while its key is listed) or the new one, checked.
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from desist.documents import store
from desist.documents.models import Document

CHUNK = 100


class DocumentRotationError(RuntimeError):
    pass


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def rotate_document(document: Document) -> None:
    old = document.stored_name
    try:
        plain = store.get(old)
    except ImproperlyConfigured:
        raise DocumentRotationError(
            f"Document {document.pk} could not be decrypted with any key in DESIST_FIELD_KEYS"
        ) from None
    if _digest(plain) != document.sha256:
        raise DocumentRotationError(f"Document {document.pk} does not match the file uploaded")
    fresh = store.put(plain)
    del plain
    if _digest(store.get(fresh)) != document.sha256:
        store.remove(fresh)
        raise DocumentRotationError(
            f"Document {document.pk} did not read back as written; left as it was"
        )
    with transaction.atomic():
        moved = Document.objects.filter(pk=document.pk, stored_name=old).update(stored_name=fresh)
    if not moved:  # changed or deleted meanwhile: leave what the row names
        store.remove(fresh)
        return
    store.remove(old)


def rotate_documents() -> int:
    """Every stored document, re-encrypted; the count. One that cannot be read or does not
    match its digest stops the run (DocumentRotationError; those before it are done)."""
    count = 0
    rows = Document.objects.only("pk", "stored_name", "sha256").order_by("pk")
    for document in rows.iterator(chunk_size=CHUNK):
        rotate_document(document)
        count += 1
    return count
