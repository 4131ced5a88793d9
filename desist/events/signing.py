"""Signing an event's body for its receiver (ADR 0035; how to verify: docs/integration.md).

The signature is HMAC-SHA256, keyed with the subscription's secret, over `<timestamp>.<body>`,
so a captured request cannot be replayed later with a new timestamp.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
TOLERANCE_SECONDS = 300  # receivers reject a timestamp older (or newer) than this


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: str) -> str:
    message = f"{timestamp}.{body}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def headers(
    *, secret: str, event_id: str, event_type: str, timestamp: int, body: str
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "Desist-Webhooks/1",
        "Desist-Event-Id": event_id,
        "Desist-Event-Type": event_type,
        "Desist-Timestamp": str(timestamp),
        "Desist-Signature": f"v1={signature(secret, timestamp, body)}",
    }


def verify(*, secret: str, timestamp: str, body: str, signature_header: str, now: int) -> bool:
    """What a receiver does (the same code as in docs/integration.md): a fresh timestamp and
    a matching v1 signature."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent_at) > TOLERANCE_SECONDS:
        return False
    expected = signature(secret, sent_at, body)
    given = [p.split("=", 1)[1] for p in signature_header.split(",") if p.startswith("v1=")]
    return any(hmac.compare_digest(expected, g) for g in given)
