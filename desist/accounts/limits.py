"""Hourly counters in the shared cache (the database cache in production, so every worker
counts together): the password reset limits' mechanism, also used for recovery codes and an
administrator's two-factor resets. Sign-in itself is throttled by django-axes (lockout.py)."""

from __future__ import annotations

from django.core.cache import cache

WINDOW_SECONDS = 3600


def count(key: str, limit: int, window: int = WINDOW_SECONDS) -> bool:
    """Count one event under `key`; True while still within `limit` for the window."""
    if cache.add(key, 1, timeout=window):
        return True
    try:
        return int(cache.incr(key)) <= limit
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return True


def reached(key: str, limit: int) -> bool:
    """True once `limit` events have been counted under `key` in the window (counts nothing)."""
    return int(cache.get(key, 0)) >= limit
