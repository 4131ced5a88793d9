"""Writing audit events. Call these inside the transaction of the change they record."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction
from django.utils import timezone

from desist.audit import chain
from desist.audit.models import AuditEvent, Category
from desist.core import context

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from desist.accounts.models import User

# Keys whose values never go into an audit row, whatever the caller passes.
_SECRET_MARKERS = ("password", "secret", "token", "key", "otp", "safe_word", "recovery")


def _clean(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            str(k): (
                "[withheld]" if any(m in str(k).lower() for m in _SECRET_MARKERS) else _clean(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def _fields(
    *,
    actor: User | AnonymousUser | None,
    category: Category | str,
    verb: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    justification: str = "",
    recipients: Iterable[str] = (),
    old: Mapping[str, Any] | None = None,
    new: Mapping[str, Any] | None = None,
    actor_username: str = "",
) -> dict[str, Any]:
    ctx = context.current()
    user = actor if actor is not None and actor.is_authenticated else None
    organisation = getattr(user, "organisation", None)
    if obj is not None:
        object_type = object_type or obj._meta.label
        object_id = object_id or obj.pk
    return {
        "occurred_at": timezone.now(),
        "actor_id": user.pk if user is not None else None,
        "actor_username": (user.get_username() if user is not None else actor_username)[:150],
        "organisation_id": organisation.pk if organisation else None,
        "organisation_name": organisation.name if organisation else "",
        "category": str(category),
        "verb": verb,
        "object_type": object_type,
        "object_id": str(object_id),
        "justification": justification,
        "recipients": list(recipients),
        "old_values": _clean(old) if old is not None else None,
        "new_values": _clean(new) if new is not None else None,
        "request_id": ctx.request_id,
        "client_address": ctx.client_address,
    }


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    category: Category | str,
    verb: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    justification: str = "",
    recipients: Iterable[str] = (),
    old: Mapping[str, Any] | None = None,
    new: Mapping[str, Any] | None = None,
    actor_username: str = "",
) -> AuditEvent:
    """Append one audit event. Joins the caller's transaction, so it commits or rolls back with
    the change it records."""
    fields = _fields(
        actor=actor,
        category=category,
        verb=verb,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        justification=justification,
        recipients=recipients,
        old=old,
        new=new,
        actor_username=actor_username,
    )
    with transaction.atomic():
        prev_hash = _chain_tail()
        event = AuditEvent.objects.create(
            **fields, prev_hash=prev_hash, row_hash=chain.row_hash(prev_hash, fields)
        )
        for listener in _LISTENERS:
            listener(event)
        return event


# Called with each new event inside its transaction (events' outbox, ADR 0035): what a
# listener writes commits or rolls back with the change the event records.
_LISTENERS: list[Callable[[AuditEvent], None]] = []


def register_listener(listener: Callable[[AuditEvent], None]) -> None:
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def audit_records(events: Iterable[Mapping[str, Any]]) -> int:
    """Append many audit events at once (a bulk import's batch): each mapping holds
    audit_record's keyword arguments. One lock on the chain's tail and one INSERT, with the
    rows chained in order exactly as one audit_record call each would chain them. Joins the
    caller's transaction. Returns the number written."""
    rows = [_fields(**event) for event in events]
    if not rows:
        return 0
    with transaction.atomic():
        prev_hash = _chain_tail()
        made = []
        for fields in rows:
            row_hash = chain.row_hash(prev_hash, fields)
            made.append(AuditEvent(**fields, prev_hash=prev_hash, row_hash=row_hash))
            prev_hash = row_hash
        # Ids follow list order (one INSERT), so the chain verifies walking by id.
        AuditEvent.objects.bulk_create(made)
        for event in made:
            for listener in _LISTENERS:
                listener(event)
    return len(made)


def _chain_tail() -> str:
    """The last row's hash, read under a lock held until the caller's transaction ends, so two
    transactions appending at once cannot both follow the same row (fork the chain). SQLite
    serialises writing transactions already (transaction_mode IMMEDIATE)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [chain.ADVISORY_LOCK_ID])
        cursor.execute("SELECT row_hash FROM audit_event ORDER BY id DESC LIMIT 1")
        last = cursor.fetchone()
    return last[0] if last else ""


def audit_consultation(
    *,
    actor: User | AnonymousUser | None,
    verb: str,
    obj: models.Model | None = None,
    object_type: str = "",
    justification: str = "",
    new: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Log that a sensitive page was viewed (s.62 consultation): one record (obj), or a list
    of a kind of record (object_type, with what was asked for in new)."""
    return audit_record(
        actor=actor,
        category=Category.CONSULTATION,
        verb=verb,
        obj=obj,
        object_type=object_type,
        justification=justification,
        new=new,
    )
