"""The documents storage: bytes are encrypted here before any backend sees them.

The backend is the `documents` entry of STORAGES (local disk or S3, config/settings.py). It is
handed Fernet tokens only, under random names, so neither the disk, the bucket nor its logs
hold a document's content or its name.
"""

from __future__ import annotations

import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages

from desist.core.crypto import decrypt_bytes, encrypt_bytes


def backend() -> Storage:
    return storages["documents"]


def put(data: bytes) -> str:
    """Encrypt and store; the name the backend kept."""
    return backend().save(f"{uuid.uuid4().hex}.bin", ContentFile(encrypt_bytes(data)))


def get(name: str) -> bytes:
    with backend().open(name, "rb") as stored:
        return decrypt_bytes(stored.read())


def remove(name: str) -> None:
    backend().delete(name)
