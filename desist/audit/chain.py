"""The audit hash chain: each row carries the previous row's hash and an HMAC-SHA256 over that
hash plus a canonical serialisation of its own contents (docs/adr/0014-audit-hash-chain-and-db-roles.md).

A changed row no longer matches its own HMAC; a deleted, inserted or reordered row breaks the
link to its neighbour; and without the key (held apart from the database) nobody can compute
a new chain over altered rows. `verify()` walks the table in id order and reports the first
broken link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Published, so only for demo, dev and test; `check --deploy` refuses it in production.
DEMO_KEY = "desist-demo-audit-hmac-key-not-for-production"
MIN_KEY_LENGTH = 32
# Serialisation version, inside every HMAC so a later format cannot be confused with this one.
VERSION = "v1"
# Every stored column except id and the chain's own two.
FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_username",
    "organisation_id",
    "organisation_name",
    "category",
    "verb",
    "object_type",
    "object_id",
    "justification",
    "recipients",
    "old_values",
    "new_values",
    "request_id",
    "client_address",
)
# Any bigint: the transaction-level advisory lock that serialises appends on PostgreSQL.
ADVISORY_LOCK_ID = 0x64657369_73740001
_EXACT_FLOAT = 2**53


def key() -> bytes:
    value = settings.DESIST_AUDIT_HMAC_KEY or ""
    if not value:
        if settings.DESIST_ENV == "production":
            raise ImproperlyConfigured("DESIST_AUDIT_HMAC_KEY must be set in production")
        value = DEMO_KEY
    return value.encode()


def key_problem(value: str) -> str | None:
    """Why a key is unfit for production, or None."""
    if not value:
        return "DESIST_AUDIT_HMAC_KEY is not set"
    if value == DEMO_KEY:
        return "DESIST_AUDIT_HMAC_KEY is the published demo key"
    if len(value) < MIN_KEY_LENGTH:
        return f"DESIST_AUDIT_HMAC_KEY is shorter than {MIN_KEY_LENGTH} characters"
    return None


def _number(value: Any) -> Any:
    # PostgreSQL's jsonb stores numbers as numeric: 1e16 comes back as the integer
    # 10000000000000000. Fold numbers to one form so the hash survives the round trip.
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < _EXACT_FLOAT:
        return int(value)
    if isinstance(value, int) and abs(value) >= _EXACT_FLOAT:
        return repr(float(value)) if abs(value) < 1e308 else str(value)
    if isinstance(value, float) and abs(value) >= _EXACT_FLOAT:
        return repr(value)
    return value


def _json(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return _number(value)


def _address(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return ipaddress.ip_address(value).compressed
    except ValueError:
        return value


def canonical(row: Mapping[str, Any]) -> str:
    """One string for a row's contents, the same whether built from the values written or
    from the values read back (PostgreSQL or SQLite)."""
    occurred: dt.datetime = row["occurred_at"]
    data = {name: row[name] for name in FIELDS}
    data["occurred_at"] = occurred.astimezone(dt.UTC).isoformat(timespec="microseconds")
    data["client_address"] = _address(row["client_address"])
    for name in ("recipients", "old_values", "new_values"):
        data[name] = _json(row[name])
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def row_hash(prev_hash: str, row: Mapping[str, Any], *, secret: bytes | None = None) -> str:
    message = f"{VERSION}\n{prev_hash}\n{canonical(row)}".encode()
    return hmac.new(secret or key(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold."""

    event_id: int
    reason: str

    def __str__(self) -> str:
        return f"audit event {self.event_id}: {self.reason}"


@dataclass(frozen=True)
class Result:
    checked: int
    last_id: int | None
    last_hash: str
    broken: Break | None


def verify(
    rows: Iterator[Mapping[str, Any]],
    *,
    start_id: int | None = None,
    start_hash: str = "",
    secret: bytes | None = None,
) -> Result:
    """Walk rows (dicts with id, prev_hash, row_hash and FIELDS) in id order, from the start
    of the log or from a checkpoint (the id and row_hash of the last row already verified)."""
    secret = secret or key()
    prev_id, prev = start_id, start_hash
    checked = 0
    for row in rows:
        if not row["row_hash"]:
            return Result(checked, prev_id, prev, Break(row["id"], "has no hash (never chained)"))
        if not hmac.compare_digest(row_hash(row["prev_hash"], row, secret=secret), row["row_hash"]):
            return Result(
                checked, prev_id, prev, Break(row["id"], "its contents do not match its hash")
            )
        if row["prev_hash"] != prev:
            after = f"event {prev_id}" if prev_id is not None else "the start of the log"
            reason = f"does not follow on from {after}: a row was deleted, inserted or reordered"
            return Result(checked, prev_id, prev, Break(row["id"], reason))
        prev_id, prev = row["id"], row["row_hash"]
        checked += 1
    return Result(checked, prev_id, prev, None)
