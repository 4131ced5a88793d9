"""The API tests' two-force world (Sussex with a provider, Surrey), and a clock the tests
move: `django.utils.timezone.now`, which the outbox and its delivery read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from desist.api.tests.conftest import world  # noqa: F401  (the `world` fixture)
from desist.events.tests.receiver import Receiver, free_port


class Clock:
    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, **kw: float) -> None:
        self.at += dt.timedelta(**kw)

    def seconds(self) -> int:
        return int(self.at.timestamp())


@pytest.fixture
def clock(monkeypatch: Any) -> Clock:
    from django.utils import timezone

    moved = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", moved)
    return moved


@pytest.fixture
def receiver(clock: Clock) -> Iterator[Receiver]:
    made = Receiver(port=free_port(), secrets={}, clock=clock.seconds)
    yield made
    made.stop()
