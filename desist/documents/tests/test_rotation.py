"""Key rotation reaches stored documents (issue 18): `rotate_field_keys` re-encrypts each
file under the newest key, checked by its SHA-256, so the old key can be dropped."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from desist.audit.models import AuditEvent
from desist.core import crypto
from desist.documents import services, store
from desist.documents.tests.conftest import MARKER, World, pdf_bytes, png_bytes
from desist.documents.tests.test_documents import attach

NEW = Fernet.generate_key().decode()


def _current() -> str:
    """The keys the world was written under (the test settings' own, or the derived one)."""
    if settings.DESIST_FIELD_KEYS:
        return str(settings.DESIST_FIELD_KEYS)
    return base64.urlsafe_b64encode(hashlib.sha256(settings.SECRET_KEY.encode()).digest()).decode()


@pytest.fixture(autouse=True)
def _forget_keys() -> Iterator[None]:
    yield
    crypto.reset_keys()  # the next test reads under its own settings


def _keys(value: str) -> Any:
    crypto.reset_keys()
    return override_settings(DESIST_FIELD_KEYS=value)


def _quiet() -> Any:
    return open("/dev/null", "w")  # noqa: SIM115


def test_rotation_re_encrypts_documents_so_the_old_key_can_be_dropped(world: World) -> None:
    old = _current()
    documents = [attach(world, world.order), attach(world, world.case, png_bytes())]
    before = {d.pk: (d.stored_name, d.sha256) for d in documents}
    with _keys(f"{NEW},{old}"), _quiet() as out:
        call_command("rotate_field_keys", stdout=out)
    with _keys(NEW):
        for document in documents:
            document.refresh_from_db()
            old_name, digest = before[document.pk]
            assert document.stored_name != old_name and document.sha256 == digest
            assert not store.backend().exists(old_name)  # the old object is gone
            with store.backend().open(document.stored_name, "rb") as raw:
                assert MARKER not in raw.read()  # still ciphertext at rest
            data = services.document_download(actor=world.officer, document=document)
            assert data in (pdf_bytes(), png_bytes())
    event = AuditEvent.objects.get(verb="crypto.rotate_field_keys")
    assert event.new_values["documents"] == 2


def test_a_document_that_does_not_match_its_digest_stops_the_rotation(world: World) -> None:
    document = attach(world, world.order)
    # The stored object replaced by another file: readable, but not what was uploaded.
    store.remove(document.stored_name)
    store.backend().save(document.stored_name, ContentFile(crypto.encrypt_bytes(b"%PDF-x")))
    refused = pytest.raises(CommandError, match=f"Document {document.pk} does not match")
    with _keys(f"{NEW},{_current()}"), refused:
        call_command("rotate_field_keys")
    document.refresh_from_db()
    assert store.backend().exists(document.stored_name)  # left as it was, for someone to look
