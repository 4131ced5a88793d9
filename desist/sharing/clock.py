"""The sharing app's clock. Services take `now=` for tests; policy checks of break-glass grants
call `now()` here, so a test can move time with `monkeypatch.setattr(clock, "now", ...)`."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()
