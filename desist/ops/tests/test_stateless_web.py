"""Stateless web tier (issue 15, deliverable 4): two gunicorn servers (separate masters, one
worker each, different ports) on one database, as two replicas behind a proxy. A rate limit
counts across both (the shared cache: the database cache, or Redis when DESIST_CACHE_URL is
set), and a session made through one is good on the other, and ended on both by signing out.

Runs on the suite's database: a migrated SQLite file beside the test on SQLite, the test
database itself on PostgreSQL. Seen red with a per-process cache (LocMemCache): the limit was
reached only after twice as many requests."""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
from django.db import connection

from desist.core.roles import RoleCode
from desist.ops.tests.production_env import free_port

ROOT = Path(__file__).resolve().parents[3]
HARD_LIMIT = 4  # self-referrals from one address before any more are refused (429)
PASSWORD = "correct-horse-battery-staple"  # conftest.make_user's
USERNAME = "two-servers"

pytestmark = [pytest.mark.timeout(120), pytest.mark.django_db(transaction=True)]


def _shared_database_url(tmp_path: Path) -> str:
    """The test database itself on PostgreSQL; on SQLite, whose test database is in memory, a
    copy of it in a file (the SQLite backup API), made after this test's rows were written."""
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        auth = f"{quote(s['USER'])}:{quote(s['PASSWORD'] or '')}@" if s["USER"] else ""
        return f"postgres://{auth}{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"
    path = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    with closing(sqlite3.connect(path)) as copy:
        connection.connection.backup(copy)
    return f"sqlite:///{path}"


def _start(env: dict[str, str], port: int, metrics_dir: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT,
        env={
            **env,
            "DESIST_BIND": f"127.0.0.1:{port}",
            "DESIST_WEB_WORKERS": "1",
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        assert server.poll() is None, f"the server at {base} exited with {server.returncode}"
        try:
            requests.get(f"{base}/healthz", timeout=10)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise AssertionError(f"nothing answered at {base}")


@pytest.fixture
def two_servers(tmp_path: Path, make_user: Callable[..., Any]) -> Iterator[tuple[str, str]]:
    make_user(RoleCode.POLICE_OFFICER, username=USERNAME)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO"))}
    env.pop("DESIST_MIGRATE_DATABASE_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DESIST_ENV="test",
        DESIST_SELF_REFERRAL_HARD_LIMIT=str(HARD_LIMIT),
        # The servers sit behind a proxy on this host, which names the client.
        DESIST_TRUSTED_PROXIES="127.0.0.1",
    )
    env["DATABASE_URL"] = _shared_database_url(tmp_path)
    ports = free_port(), free_port()
    servers = [_start(env, p, tmp_path / f"metrics-{p}") for p in ports]
    try:
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        for base, server in zip(bases, servers, strict=True):
            _wait_for(base, server)
        yield bases[0], bases[1]
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            server.wait(timeout=30)


def _csrf(response: requests.Response) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
    assert found, response.text[:500]
    return found.group(1)


def test_two_servers_share_rate_limits_and_sessions(two_servers: tuple[str, str]) -> None:
    """One test, so the servers start once (the suite's budget)."""
    _a_rate_limit_counts_across_both_servers(*two_servers)
    _a_session_made_on_one_server_is_good_on_the_other(*two_servers)


def _a_rate_limit_counts_across_both_servers(a: str, b: str) -> None:
    browser = requests.Session()  # one client behind a proxy that alternates between replicas
    # A fresh client address each run, so no earlier count in a shared cache is met.
    browser.headers["X-Forwarded-For"] = str(
        ipaddress.ip_address("2001:db8::") + secrets.randbits(64)
    )
    token = _csrf(browser.get(f"{a}/safeguarding/refer/"))
    statuses = []
    for n in range(HARD_LIMIT * 2):
        base = (a, b)[n % 2]
        # A filled honeypot: counted against the address, stored nowhere.
        response = browser.post(
            f"{base}/safeguarding/refer/",
            data={"csrfmiddlewaretoken": token, "website": "https://spam.example"},
            headers={"Referer": f"{base}/safeguarding/refer/"},
            allow_redirects=False,
        )
        statuses.append(response.status_code)
    # Refused from the (HARD_LIMIT + 1)th request on, whichever server it reached.
    assert statuses == [200] * HARD_LIMIT + [429] * HARD_LIMIT, statuses


def _a_session_made_on_one_server_is_good_on_the_other(a: str, b: str) -> None:
    browser = requests.Session()
    token = _csrf(browser.get(f"{a}/accounts/login/"))
    signed_in = browser.post(
        f"{a}/accounts/login/",
        data={"csrfmiddlewaretoken": token, "username": USERNAME, "password": PASSWORD},
        headers={"Referer": f"{a}/accounts/login/"},
        allow_redirects=False,
    )
    assert signed_in.status_code == 302, signed_in.text[:500]
    session = str(browser.cookies["sessionid"])
    # Cookies go with the host, not the port: the same cookie reaches either server.
    on_b = browser.get(f"{b}/accounts/password/", allow_redirects=False)
    assert on_b.status_code == 200 and "Change your password" in on_b.text
    assert requests.get(f"{b}/accounts/password/", allow_redirects=False).status_code == 302
    # Signed out through B, the session is over on A too.
    signed_out = browser.post(
        f"{b}/accounts/logout/",
        data={"csrfmiddlewaretoken": _csrf(on_b)},
        headers={"Referer": f"{b}/accounts/password/"},
        allow_redirects=False,
    )
    assert signed_out.status_code == 302
    stale = requests.get(
        f"{a}/accounts/password/",
        cookies={"sessionid": session},
        allow_redirects=False,
    )
    assert stale.status_code == 302 and "/accounts/login/" in stale.headers["Location"]
