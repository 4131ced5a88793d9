"""One alerts pass, run once and in the caller's thread: `desist alerts_run` (cron, a
one-off from an operator) and tests. The passes' regular runs are jobs on the queue
(`desist.jobs.tasks`, run by `desist worker`, scheduled by desist/jobs/schedule.py; ADR 0025);
this module runs none in a loop or a thread.

The top floor (ADR 0018): it calls sharing's passes directly; no app imports it. (The
oversight refresh is the `oversight_refresh` job alone.)"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.db import close_old_connections, connections

from desist.sharing import services

log = logging.getLogger(__name__)


def _pass(name: str) -> Callable[[dt.datetime | None], dict[str, int]]:
    if name not in services.ALERT_PASSES:
        raise ValueError(f"Unknown pass {name!r}")
    return lambda now: services.alerts_pass(name=name, now=now)


def _tidy_connections() -> None:
    """Drop broken or aged connections, as Django does between requests. Not inside a
    caller's transaction (a test, or the command called from an atomic block): Django closes
    any connection not in autocommit, which would be the caller's."""
    if not any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        close_old_connections()


def run_pass(name: str, *, now: dt.datetime | None = None) -> dict[str, int] | None:
    """Run one pass; its result, or None if it failed (logged with its traceback)."""
    run = _pass(name)
    _tidy_connections()
    try:
        return run(now)
    except Exception:  # the others still run; the caller reports the failure
        log.exception("%s pass failed", name)
        return None
    finally:
        _tidy_connections()
