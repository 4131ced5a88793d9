"""gunicorn settings for Desist in production: `desist serve` with DESIST_ENV=production runs
`gunicorn -c config/gunicorn.conf.py config.wsgi:application` (docs/deployment.md).

Every value comes from the environment. Before the first worker starts, the master runs
`check --deploy` and refuses to serve if any required production setting or key is missing.
"""

from __future__ import annotations

import io
import ipaddress
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from desist.ops.logs import StderrAsLog, logging_config


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


# Behind the reverse proxy; the port from PORT as for the development server.
bind = [os.environ.get("DESIST_BIND") or f"127.0.0.1:{os.environ.get('PORT') or '8000'}"]
# Synchronous workers: (2 x cores) + 1, gunicorn's own rule of thumb.
workers = _int("DESIST_WEB_WORKERS", 2 * (os.cpu_count() or 1) + 1)
threads = _int("DESIST_WEB_THREADS", 1)
timeout = _int("DESIST_WEB_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, staggered, so a slow leak never takes every worker at once.
max_requests = _int("DESIST_WEB_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
# Request lines are logged by Desist (JSON, without query strings); gunicorn's access log would
# write full URLs, query strings included, so it stays off (here and in logconfig_dict below).
accesslog = None
errorlog = "-"
loglevel = (os.environ.get("DESIST_LOG_LEVEL") or "info").lower()
# gunicorn's own lines (start, stop, worker boots and deaths, their tracebacks) as JSON too, in
# the same shape as Desist's: its loggers carry no handler of their own and pass every record to
# the root's JSON handler (desist.ops.logs), which Django's LOGGING sets up again in each worker.
logconfig_dict = {
    **logging_config(level=loglevel),
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": [], "propagate": True},
        # Off: its lines carry the client's address and the full URL, query string included.
        "gunicorn.access": {"level": "CRITICAL", "handlers": ["null"], "propagate": False},
    },
    "handlers": {
        **logging_config(level=loglevel)["handlers"],
        "null": {"class": "logging.NullHandler"},
    },
}
proc_name = "desist"
# gunicorn's control socket (one fixed path per user) is not used; several servers on one host
# would fight over it.
control_socket_disable = True
# X-Forwarded-* believed only from the proxies Desist itself trusts (DESIST_TRUSTED_PROXIES),
# never gunicorn's default of any local process.
forwarded_allow_ips = ",".join(
    str(ipaddress.ip_network(p.strip(), strict=False))
    for p in (os.environ.get("DESIST_TRUSTED_PROXIES") or "").split(",")
    if p.strip()
)
# Request size limits before Django sees anything.
limit_request_line = 8190
limit_request_fields = 100

# Prometheus multi-process mode: every worker writes its samples to files in this directory and
# /metrics adds them up. Set before any worker imports prometheus_client; emptied at start so a
# previous run's dead workers are not counted.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if not _metrics_dir:
    _metrics_dir = tempfile.mkdtemp(prefix="desist-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir


def on_starting(server: Any) -> None:
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Only the samples a previous run left (an operator's directory may hold anything else).
    for samples in directory.glob("*.db"):
        samples.unlink()
    if os.environ.get("DESIST_ENV") == "production":
        _refuse_unless_deployable()


def _refuse_unless_deployable() -> None:
    """`check --deploy` in the master: a missing key stops the server before it serves."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError
    from django.db import connections

    django.setup()
    log = logging.getLogger("gunicorn.error")
    output = io.StringIO()  # logged as one JSON line, not printed as text
    try:
        call_command("check", deploy=True, fail_level="ERROR", stdout=output, stderr=output)
    except SystemCheckError as exc:
        log.error("Desist will not serve: %s", exc)
        raise SystemExit(1) from None
    finally:
        connections.close_all()  # never hand a master's connection to forked workers
    log.info("check --deploy: %s", output.getvalue().strip())


def post_fork(server: Any, worker: Any) -> None:
    # Text a worker prints to stderr (gunicorn prints a boot failure's message) as JSON lines.
    sys.stderr = StderrAsLog(sys.stderr, "gunicorn.error")


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
