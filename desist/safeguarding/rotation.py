"""Re-encrypt every encrypted field, and every stored document, under the newest key
(DESIST_FIELD_KEYS, first key).

Works on the stored tokens directly (no decrypt-to-model round trip, no `save()`), in batches,
each batch in its own transaction: a rotation stopped half way leaves every value readable,
because every key still listed decrypts. Plaintext never leaves this function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.db import connection, transaction

from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.core import crypto
from desist.documents.rotation import DocumentRotationError, rotate_documents


class RotationError(Exception):
    pass


@dataclass
class RotationResult:
    rows: dict[str, int] = field(default_factory=dict)
    documents: int = 0  # stored files re-encrypted (desist/documents/rotation.py)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def encrypted_columns() -> list[tuple[Any, list[Any]]]:
    """(model, [EncryptedTextField, ...]) for every concrete, managed model that has any."""
    found = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        fields = [f for f in meta.concrete_fields if isinstance(f, crypto.EncryptedTextField)]
        if fields:
            found.append((model, fields))
    return found


def rotate_field_keys(
    *, batch_size: int = 500, actor_username: str = "rotate_field_keys"
) -> RotationResult:
    crypto.reset_keys()
    qn = connection.ops.quote_name
    result = RotationResult()
    for model, fields in encrypted_columns():
        table = qn(model._meta.db_table)
        pk = qn(model._meta.pk.column)
        columns = [qn(f.column) for f in fields]
        select = (
            f"SELECT {pk}, {', '.join(columns)} FROM {table} "  # noqa: S608 (names from _meta)
            f"WHERE {pk} > %s ORDER BY {pk} LIMIT %s"
        )
        update = (
            f"UPDATE {table} SET {', '.join(f'{c} = %s' for c in columns)} "  # noqa: S608
            f"WHERE {pk} = %s"
        )
        last: Any = -1
        count = 0
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(select, [last, batch_size])
                rows = cursor.fetchall()
                for row in rows:
                    row_pk, tokens = row[0], row[1:]
                    try:
                        fresh = [crypto.rotate(t) if t else t for t in tokens]
                    except InvalidToken:
                        raise RotationError(
                            f"{model._meta.label} row {row_pk} could not be decrypted with any "
                            "key in DESIST_FIELD_KEYS; nothing in this batch was changed"
                        ) from None
                    cursor.execute(update, [*fresh, row_pk])
                    count += 1
            if len(rows) < batch_size:
                break
            last = rows[-1][0]
        result.rows[model._meta.label] = count
    try:
        result.documents = rotate_documents()
    except DocumentRotationError as exc:
        raise RotationError(str(exc)) from None
    with transaction.atomic():
        audit_record(
            actor=None,
            actor_username=actor_username,
            category=Category.SECURITY,
            verb="crypto.rotate_field_keys",
            new={"rows": result.rows, "documents": result.documents},
        )
    return result
