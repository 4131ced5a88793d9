"""A background thread that runs the alerts pass (`services.alerts_run`) and the oversight
dashboard's refresh every `interval` seconds inside the demo server's process. Production
runs `desist alerts_run` and `desist oversight_refresh` from timers instead (ADR 0006).
Errors are logged, never raised: the next pass retries."""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections

log = logging.getLogger(__name__)

_started = threading.Event()


def run_once() -> None:
    from desist.evaluation.dashboards import refresh_anomaly_snapshots
    from desist.sharing.services import alerts_run

    close_old_connections()
    try:
        alerts_run()
    except Exception:  # keep the loop alive; the failure is logged with its traceback
        log.exception("alerts_run failed; retrying at the next pass")
    try:
        # The oversight dashboard's anomalies (production: `desist oversight_refresh`).
        refresh_anomaly_snapshots()
    except Exception:
        log.exception("oversight_refresh failed; retrying at the next pass")
    finally:
        close_old_connections()


def start_background_alerts(
    *, interval: int = 30, stop: threading.Event | None = None
) -> threading.Thread | None:
    """Start the loop once per process. Returns the thread (None if already started).
    Setting `stop` ends the loop (tests must not leave it running)."""
    if _started.is_set():
        return None
    _started.set()
    stop = stop or threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            run_once()

    thread = threading.Thread(target=loop, name="desist-alerts", daemon=True)
    thread.start()
    return thread
