"""Field encryption at rest (Fernet; MultiFernet for key rotation).

Keys come from DESIST_FIELD_KEYS: comma-separated Fernet keys, newest first. New values are
encrypted with the first key; any listed key decrypts. To rotate: put a new key first, run
`desist rotate_field_keys`, then drop the old key.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    raw = [k.strip() for k in (settings.DESIST_FIELD_KEYS or "").split(",") if k.strip()]
    if not raw:
        if settings.DESIST_ENV == "production":
            raise ImproperlyConfigured("DESIST_FIELD_KEYS must be set in production")
        # Demo, dev and test only: a key derived from the (non-production) secret key.
        raw = [
            base64.urlsafe_b64encode(hashlib.sha256(settings.SECRET_KEY.encode()).digest()).decode()
        ]
    return MultiFernet([Fernet(k.encode()) for k in raw])


def reset_keys() -> None:
    """Forget cached keys (after settings change, e.g. in a rotation)."""
    _fernet.cache_clear()


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "An encrypted field could not be decrypted with any key in DESIST_FIELD_KEYS"
        ) from exc


def encrypt_bytes(data: bytes) -> bytes:
    """A whole file, for documents (ADR 0031): the same keys as the fields, so one rotation
    and one key custody cover both."""
    return _fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return _fernet().decrypt(token)
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored document could not be decrypted with any key in DESIST_FIELD_KEYS"
        ) from exc


def rotate(token: str) -> str:
    return _fernet().rotate(token.encode()).decode()


class EncryptedTextField(models.TextField):
    """Text stored encrypted. Cannot be filtered or ordered on in the database."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))


def _is_token(value: str) -> bool:
    try:
        _fernet().decrypt(value.encode())
    except (InvalidToken, ValueError):
        return False
    return True


def encrypt_columns_in_place(
    schema_editor: Any, table: str, columns: list[str], *, decrypting: bool = False
) -> int:
    """For data migrations that turn a clear column into an EncryptedTextField: encrypt every
    stored value (or, `decrypting`, the reverse), working on the raw rows because the
    historical model would try to decrypt clear text. Values already in the wanted state are
    left alone, so a migration interrupted half way can be run again. Returns rows changed."""
    conn = schema_editor.connection
    qn = conn.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    changed = 0
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT {qn('id')}, {cols} FROM {qn(table)}")  # noqa: S608 (names)
        rows = cursor.fetchall()
        sets = ", ".join(f"{qn(c)} = %s" for c in columns)
        update = f"UPDATE {qn(table)} SET {sets} WHERE {qn('id')} = %s"  # noqa: S608
        for row_id, *values in rows:
            fresh = [_convert(v, decrypting) for v in values]
            if fresh != values:
                cursor.execute(update, [*fresh, row_id])
                changed += 1
    return changed


def _convert(value: Any, decrypting: bool) -> Any:
    if value is None or value == "":
        return value
    if decrypting:
        return decrypt(value) if _is_token(value) else value
    return value if _is_token(value) else encrypt(str(value))
