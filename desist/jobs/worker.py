"""The background runner: each pass (escalate, scan, deliver, and the oversight dashboard's
refresh) loops in its own thread, so a mail server that hangs holds delivery only and never
escalation or the scans (issue 12, ADR 0006). `desist serve` starts it inside the demo server;
production runs `desist alerts_run --loop 30` (the same loops) or one timer per pass
(`desist alerts_run --only deliver`, ...). Each pass logs its own errors and never raises: a
failing pass (a database error, a refused connection) is tried again at its next turn.

The top floor (ADR 0018): it calls sharing's passes and evaluation's refresh directly; no app
imports it."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable

from django.db import close_old_connections, connections

from desist.evaluation import dashboards
from desist.sharing import services

log = logging.getLogger(__name__)

_started = threading.Event()

OVERSIGHT_REFRESH = "oversight_refresh"


def _oversight_refresh(now: dt.datetime | None = None) -> dict[str, int]:
    return {"refreshed": dashboards.refresh_anomaly_snapshots(now=now)}


def _pass(name: str) -> Callable[[dt.datetime | None], dict[str, int]]:
    if name == OVERSIGHT_REFRESH:
        return _oversight_refresh
    if name not in services.ALERT_PASSES:
        raise ValueError(f"Unknown pass {name!r}")
    return lambda now: services.alerts_pass(name=name, now=now)


def _tidy_connections() -> None:
    """Drop broken or aged connections between turns, as Django does between requests. Not
    inside a caller's transaction (a test, or the one-shot command called from an atomic
    block): Django closes any connection not in autocommit, which would be the caller's."""
    if not any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        close_old_connections()


def run_pass(name: str, *, now: dt.datetime | None = None) -> dict[str, int] | None:
    """Run one pass; its result, or None if it failed (logged with its traceback)."""
    run = _pass(name)
    _tidy_connections()
    try:
        return run(now)
    except Exception:  # keep the loop alive; the next turn retries
        log.exception("%s pass failed; retrying at its next turn", name)
        return None
    finally:
        _tidy_connections()


def start_pass_loops(
    names: Iterable[str],
    *,
    interval: float,
    stop: threading.Event,
    report: Callable[[str, dict[str, int] | None], None] | None = None,
) -> list[threading.Thread]:
    """One daemon thread per pass: run it, wait `interval` seconds, again, until `stop` is
    set. `report` is called with each pass's result (None when it failed)."""

    def loop(name: str) -> None:
        try:
            while not stop.is_set():
                result = run_pass(name)
                if report is not None:
                    report(name, result)
                if stop.wait(interval):
                    break
        finally:
            connections.close_all()  # this thread's own connections

    threads = []
    for name in names:
        _pass(name)  # an unknown name fails here, not in a thread
        thread = threading.Thread(target=loop, args=(name,), name=f"desist-{name}", daemon=True)
        thread.start()
        threads.append(thread)
    return threads


def start_background_alerts(
    *, interval: int = 30, stop: threading.Event | None = None
) -> list[threading.Thread]:
    """Start the demo server's loops once per process (an empty list if already started).
    Setting `stop` ends them (tests must not leave them running)."""
    if _started.is_set():
        return []
    _started.set()
    names = (*services.ALERT_PASSES, OVERSIGHT_REFRESH)
    return start_pass_loops(names, interval=interval, stop=stop or threading.Event())
