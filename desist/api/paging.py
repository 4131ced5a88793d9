"""Cursor pagination, the `updated_since` filter and ETags: the API's only shaping of a
selector's queryset. Pages run in id order, so a cursor stays valid while rows are added."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from desist.audit.selectors import changed_since

MAX_LIMIT = 100
DEFAULT_LIMIT = 50
BAD_CURSOR = "Use the next_cursor value from the previous page, unchanged"


def encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"after:{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationError({"cursor": [BAD_CURSOR]}) from None
    label, _, number = text.partition(":")
    if label != "after" or not number.isdigit() or len(number) > 18:
        raise ValidationError({"cursor": [BAD_CURSOR]})
    return int(number)


def since_utc(since: dt.datetime) -> dt.datetime:
    """`updated_since` in UTC; without an offset it is read as UTC."""
    if since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    try:
        return since.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise ValidationError(
            {"updated_since": ["Enter a date and time between the years 1 and 9999"]}
        ) from None


def page(
    qs: QuerySet[Any],
    *,
    cursor: str | None,
    limit: int,
    updated_since: dt.datetime | None,
    serialise: Callable[[Any], Any],
    children: tuple[str, ...] = (),
    changed: Callable[[QuerySet[Any], dt.datetime], QuerySet[Any]] | None = None,
) -> dict[str, Any]:
    if updated_since is not None:
        since = since_utc(updated_since)
        qs = changed(qs, since) if changed else changed_since(qs, since=since, children=children)
    if cursor:
        qs = qs.filter(pk__gt=decode_cursor(cursor))
    rows = list(qs.order_by("pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [serialise(r) for r in rows],
        "next_cursor": encode_cursor(rows[-1].pk) if more else None,
    }


def etag(data: Any) -> str:
    """A strong ETag of a representation: the same bytes give the same tag."""
    body = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return '"' + hashlib.sha256(body.encode()).hexdigest()[:40] + '"'


def if_match_ok(header: str, current: str) -> bool:
    tags = [t.strip() for t in header.split(",")]
    return "*" in tags or current in tags
