"""Pseudonyms, month dates and small-number suppression (docs/adr/0008).

- `pseudonym(kind, id)`: HMAC-SHA256 keyed with `settings.DESIST_PSEUDONYM_KEY`. The same
  person gets the same pseudonym in every extract made with the same key, and nobody without
  the key can go back from a pseudonym to the record (or test a guess).
- `month(day)`: dates cut to the month, "2025-03".
- `suppress(n)`: counts from 1 to 4 are shown as "<5" (and rates built on them are withheld),
  so that nobody can be singled out from a small cell.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SUPPRESSION_THRESHOLD = 5
SUPPRESSED = "<5"
PSEUDONYM_LENGTH = 16


def pseudonym_key() -> bytes:
    key = settings.DESIST_PSEUDONYM_KEY or ""
    if key:
        return key.encode()
    if settings.DESIST_ENV == "production":
        raise ImproperlyConfigured("DESIST_PSEUDONYM_KEY must be set in production")
    # Demo, dev and test only: a key derived from the (non-production) secret key.
    return hashlib.sha256(b"desist-pseudonym:" + settings.SECRET_KEY.encode()).digest()


def pseudonym(kind: str, value: Any, *, key: bytes | None = None) -> str:
    """A stable, keyed pseudonym such as "S-3f9a0c1d2e4b5a69" for subject 42."""
    digest = hmac.new(key or pseudonym_key(), f"{kind}:{value}".encode(), hashlib.sha256)
    return f"{kind[:1].upper()}-{digest.hexdigest()[:PSEUDONYM_LENGTH]}"


def month(day: dt.date | dt.datetime | None) -> str:
    if day is None:
        return ""
    return f"{day.year:04d}-{day.month:02d}"


def is_small(n: int | None) -> bool:
    return n is not None and 0 < n < SUPPRESSION_THRESHOLD


def suppress(n: int | None) -> int | str:
    """A count fit to show outside the owning organisation: 1 to 4 become "<5"."""
    if n is None:
        return ""
    return SUPPRESSED if is_small(n) else n


def suppressed_rate(numerator: int, denominator: int) -> str:
    """A percentage, withheld when either count is small (it would reveal the small one)."""
    if denominator <= 0:
        return "Not applicable"
    if is_small(numerator) or is_small(denominator) or is_small(denominator - numerator):
        return "Withheld (small numbers)"
    return f"{100 * numerator / denominator:.0f}%"
