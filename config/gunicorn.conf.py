"""gunicorn settings for Desist in production: `desist serve` with DESIST_ENV=production runs
`gunicorn -c config/gunicorn.conf.py config.wsgi:application` (docs/deployment.md).

Every value comes from the environment. Before the first worker starts, the master runs
`check --deploy` and refuses to serve if any required production setting or key is missing.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any


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
# write full URLs, query strings included, so it stays off.
accesslog = None
errorlog = "-"
loglevel = (os.environ.get("DESIST_LOG_LEVEL") or "info").lower()
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
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(mode=0o700, parents=True)
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
    try:
        call_command("check", deploy=True, fail_level="ERROR")
    except SystemCheckError as exc:
        print(f"Desist will not serve: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    finally:
        sys.stdout.flush()  # or each forked worker prints the check's output again at exit
        connections.close_all()  # never hand a master's connection to forked workers


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
