"""The retention clock. The monthly review and disposal read today's date here, so a test
can age the whole database with `monkeypatch.setattr(clock, "now", ...)` (the done-when test
ages the seeded demo by eight years)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()


def today() -> dt.date:
    return timezone.localdate(now())
