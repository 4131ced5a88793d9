"""Scale-out on PostgreSQL: one web process against two, and a burst of alerts through two
workers (issue 15, deliverable 10). Figures in docs/performance.md ("Scale-out").

    .venv/bin/python benchmarks/scale_out.py                 # about 4 minutes on 2 cores
    .venv/bin/python benchmarks/scale_out.py --duration 20 --alerts 100

What it starts, all on 127.0.0.1, all in production mode (DESIST_ENV=production, 2FA on):

1. PostgreSQL: its own throwaway cluster from scripts/ci-postgres.sh (DESIST_PG_DIR, default
   /tmp/desist-bench-scale-pg; port DESIST_PG_PORT or the next free one). The owner role
   migrates and seeds the demo partnership (`desist demo --no-serve`) and grants the runtime
   role its rights (`desist db_roles --apply`); the web and worker processes run as the
   runtime role, as in production. Stopped and deleted at the end unless --keep-pg.
2. A real SMTP server (aiosmtpd) in this process, recording every message it accepts.
3. Two job workers: `desist worker --with-scheduler`, each with its own id.
4. gunicorn with config/gunicorn.conf.py (as `desist serve` runs it), one sync worker per
   server (DESIST_WEB_WORKERS=1), first ONE server, then a SECOND one on another port: two
   replicas, as compose.yaml runs behind its proxy. The client sends each request to the next
   server in turn, as a round-robin proxy would, so one signed-in session is served by both
   (sessions and the cache are in the database).

The load: client threads, each signed in (password, then a TOTP code from an authenticator
this script registers for the account) as a police officer, a practitioner or a victim
advocate, request their list pages and queues in random order as fast as answers come back
(closed loop), for --duration seconds per phase after a warm-up. The same threads and the same
sessions are used against one server, then two. Requests carry X-Forwarded-Proto: https, as
the TLS-terminating proxy in front of gunicorn would send (DESIST_TRUSTED_PROXIES=127.0.0.1).

Then the burst: --alerts urgent alerts raised through the alerts service
(`desist.sharing.alerts.alert_create`, which queues each e-mail) to the demo accounts, while
both servers and both workers run. The script waits until the SMTP server has every e-mail
and counts duplicates and losses against the e-mails the burst queued (one per alert), and
reads the queue latency from the e-mail rows and the task table.

It prints the figures as tables and exits 1 if any e-mail was lost or sent twice, or any
request failed. Not collected by pytest (testpaths are desist/ and tests/).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DESIST = str(Path(sys.executable).with_name("desist"))
PASSWORD = "demo-password-2026"  # the demo seed's password (DESIST_DEMO_PASSWORD)

# Who signs in, and what each asks for (the pages benchmarks/pages.py times in process).
PAGES: dict[str, tuple[str, ...]] = {
    "police.sussex": (
        "/",
        "/subjects/",
        "/subjects/search/?q=Brennan",
        "/cases/",
        "/orders/",
        "/sharing/alerts/",
    ),
    "police.surrey": ("/", "/subjects/", "/cases/", "/orders/", "/sharing/alerts/"),
    "practitioner": ("/", "/programme/", "/sharing/alerts/"),
    "advocate": ("/", "/safeguarding/advocacy/", "/sharing/alerts/"),
}
ROLES = {
    "police.sussex": "police officer",
    "police.surrey": "police officer",
    "practitioner": "practitioner",
    "advocate": "victim advocate",
}
SUBJECT_REFERENCE = re.compile(r"alert (\S+)")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- stages run inside Django, in a child process ---------------------------------------------


def stage_prepare() -> dict[str, Any]:
    """Register an authenticator for each load account (so it signs in with a TOTP code, as
    production requires), and give every demo account a distinct address for the burst."""
    from desist.accounts.models import AuthenticatorDevice, User

    keys = {}
    for username in PAGES:
        user = User.objects.get(username=username)
        device = AuthenticatorDevice.objects.create(user=user, name="benchmark", confirmed=True)
        keys[username] = device.key
    for user in User.objects.filter(is_demo=True, is_active=True):
        user.email = f"{user.username}@bench.example.org"
        user.save(update_fields=["email"])
    return {"keys": keys}


def stage_burst(count: int) -> dict[str, Any]:
    """Raise `count` urgent alerts through the alerts service, one after another, to the demo
    accounts in turn. Each queues one e-mail; returns what the SMTP server should receive."""
    from desist.accounts.models import User
    from desist.sharing import services
    from desist.sharing.events import EventKind, Urgency
    from desist.sharing.models import OutboundEmail

    recipients = list(User.objects.filter(is_demo=True, is_active=True).order_by("username"))
    started = time.time()
    alerts = [
        services.alert_create(
            actor=None,
            kind=EventKind.BREACH_RECORDED,
            priority=Urgency.URGENT,
            recipient=recipients[n % len(recipients)],
            title=f"Scale-out benchmark alert {n + 1}",
            body="A synthetic alert raised by benchmarks/scale_out.py.",
        )
        for n in range(count)
    ]
    emails = OutboundEmail.objects.filter(alert__in=alerts)
    return {
        "started": started,
        "finished": time.time(),
        "alert_ids": [a.pk for a in alerts],
        "expected": [[e.to_address, e.email_subject] for e in emails],
    }


def stage_report(alert_ids: list[int], since: float) -> dict[str, Any]:
    """The burst's e-mail rows, and the delivery jobs run since the burst began."""
    import datetime as dt

    from django_tasks_db.models import DBTaskResult

    from desist.sharing.models import OutboundEmail

    emails = OutboundEmail.objects.filter(alert_id__in=alert_ids)
    rows = [
        {
            "to": e.to_address,
            "subject": e.email_subject,
            "status": e.status,
            "attempts": e.attempts,
            "created": e.created_at.timestamp(),
        }
        for e in emails
    ]
    jobs = DBTaskResult.objects.filter(
        args_kwargs__kwargs__name="alerts_deliver",
        enqueued_at__gte=dt.datetime.fromtimestamp(since - 1, tz=dt.UTC),
        started_at__isnull=False,
    )
    runs = [
        {
            "enqueued": j.enqueued_at.timestamp(),
            "started": j.started_at.timestamp() if j.started_at else 0.0,
            "finished": j.finished_at.timestamp() if j.finished_at else None,
            "workers": list(j.worker_ids or []),
            "status": j.status,
        }
        for j in jobs
    ]
    # Every e-mail row there is (the seed's too), counted per (address, subject): an e-mail
    # received more often than rows were queued for it was sent twice.
    queued = Counter(OutboundEmail.objects.values_list("to_address", "email_subject"))
    return {
        "emails": rows,
        "deliver_jobs": runs,
        "queued": [[to, subject, n] for (to, subject), n in queued.items()],
        "retried": list(
            OutboundEmail.objects.filter(attempts__gt=1).values_list(
                "to_address", "email_subject", "attempts", "last_error"
            )
        ),
    }


def run_stage(name: str, payload: dict[str, Any]) -> None:
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    if name == "prepare":
        result = stage_prepare()
    elif name == "burst":
        result = stage_burst(int(payload["count"]))
    elif name == "report":
        result = stage_report(payload["alert_ids"], float(payload["since"]))
    else:
        raise SystemExit(f"unknown stage {name!r}")
    print(json.dumps(result))


# --- the parent: processes -------------------------------------------------------------------


@dataclass
class Stack:
    """Everything started, stopped in reverse order."""

    workdir: Path
    pg_env: dict[str, str]
    keep_pg: bool
    processes: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)
    pg_started: bool = False

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        out = (self.workdir / f"{name}.log").open("wb")
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)  # noqa: S603
        self.processes.append((name, process))
        return process

    def stop(self) -> None:
        self.stop_processes()
        if self.pg_started and not self.keep_pg:
            pg = [str(ROOT / "scripts" / "ci-postgres.sh"), "stop"]
            subprocess.run(pg, env=self.pg_env, check=False, capture_output=True)  # noqa: S603
            self.pg_started = False

    def stop_processes(self) -> None:
        for name, process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    log(f"{name} did not stop on SIGTERM; killing it")
                    process.kill()
                    process.wait()


def postgres(stack: Stack) -> tuple[str, str]:
    script = str(ROOT / "scripts" / "ci-postgres.sh")
    started = subprocess.run(  # noqa: S603 (this checkout's own script)
        [script, "start"], env=stack.pg_env, capture_output=True, text=True, check=False
    )
    if started.returncode != 0:
        raise SystemExit(f"PostgreSQL did not start:\n{started.stderr}")
    stack.pg_started = True
    owner = started.stdout.strip().splitlines()[-1]
    runtime = subprocess.run(  # noqa: S603
        [script, "runtime-url"], env=stack.pg_env, capture_output=True, text=True, check=True
    ).stdout.strip()
    return owner, runtime


def base_env(**extra: str) -> dict[str, str]:
    """Nothing inherited but PATH and HOME: every setting is the script's."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", tempfile.gettempdir()),
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **extra,
    }


def run(command: list[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(  # noqa: S603 (desist and this script, fixed arguments)
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def stage(name: str, env: dict[str, str], **payload: Any) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--stage", name]
    command += ["--payload", json.dumps(payload)]
    out = run(command, env, f"stage {name}")
    return dict(json.loads(out.strip().splitlines()[-1]))


def wait_http(url: str, process: subprocess.Popen[bytes], within: float = 90) -> None:
    import requests

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server for {url} exited with {process.returncode}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit(f"nothing answered at {url} within {within} s")


# --- the SMTP server -------------------------------------------------------------------------


class Inbox:
    """Records (recipient, subject, time received) for every message accepted."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[str, str, float]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes

        message = message_from_bytes(envelope.original_content or envelope.content)
        subject = str(message.get("Subject", ""))
        now = time.time()
        with self.lock:
            self.received.extend((to, subject, now) for to in envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def snapshot(self) -> list[tuple[str, str, float]]:
        with self.lock:
            return list(self.received)


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
        asyncio.set_event_loop(None)


# --- the HTTP client -------------------------------------------------------------------------


FORWARDED = {"X-Forwarded-Proto": "https"}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REDIRECTS = {301, 302, 303, 307, 308}


class Browser:
    """A requests session that keeps its own cookies. Production cookies are Secure
    (`__Host-` names) and the TLS-terminating proxy is not run here: requests would never send
    them over plain http, so they are kept by name and sent as the proxy would after
    decrypting. Redirects are followed here, so a cookie set on the way is sent onwards."""

    def __init__(self, cookies: dict[str, str] | None = None) -> None:
        import requests

        self.http = requests.Session()
        self.http.headers.update(FORWARDED)
        self.cookies = dict(cookies or {})

    def request(self, method: str, url: str, *, follow: bool = True, **kw: Any) -> Any:
        from urllib.parse import urljoin

        for _ in range(10):
            answer = self.http.request(
                method, url, cookies=self.cookies, allow_redirects=False, timeout=60, **kw
            )
            self.cookies.update({c.name: c.value for c in answer.cookies if c.value})
            self.http.cookies.clear()
            if not follow or answer.status_code not in REDIRECTS:
                return answer
            url = urljoin(url, answer.headers["Location"])
            method = "GET"
            kw.pop("data", None)
        raise SystemExit(f"too many redirects at {url}")


def sign_in(base: str, username: str, key_hex: str) -> Browser:
    """Password, then a TOTP code from the registered authenticator: production's two steps."""
    from django_otp.oath import totp

    browser = Browser()
    origin = {"Origin": base.replace("http://", "https://")}
    page = browser.request("GET", f"{base}/accounts/login/")
    token = CSRF.search(page.text)
    if page.status_code != 200 or token is None:
        raise SystemExit(f"login page: {page.status_code}")
    answer = browser.request(
        "POST",
        f"{base}/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
        headers=origin,
    )
    token = CSRF.search(answer.text)
    if "/accounts/two-factor/verify/" not in answer.url or token is None:
        raise SystemExit(f"{username}: no two-factor step after the password ({answer.url})")
    code = f"{totp(bytes.fromhex(key_hex), 30, 0, 6, 0):06d}"
    verified = browser.request(
        "POST",
        answer.url,
        data={"token": code, "csrfmiddlewaretoken": token.group(1), "next": "/"},
        headers=origin,
    )
    if verified.status_code != 200 or verified.url.rstrip("/") != base:
        raise SystemExit(f"{username}: the TOTP code was not accepted ({verified.url})")
    return browser


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    elapsed: float = 0.0

    def figures(self) -> dict[str, float]:
        ms = sorted(x * 1000 for x in self.latencies)
        if not ms:
            return {"requests": 0, "errors": sum(self.errors.values())}
        p95 = ms[min(len(ms) - 1, int(round(0.95 * len(ms))) - 1)]
        return {
            "requests": len(ms),
            "errors": sum(self.errors.values()),
            "rps": len(ms) / self.elapsed,
            "median": statistics.median(ms),
            "p95": p95,
            "max": ms[-1],
        }


def drive(
    phase: Phase,
    bases: list[str],
    clients: list[tuple[str, dict[str, str]]],
    duration: float,
    seed: int,
) -> None:
    """Closed loop: each client asks for its next page when the last one has answered. The
    n-th request of the whole run goes to server n mod len(bases) (round-robin)."""
    lock = threading.Lock()
    counter = iter(range(10**9))
    stop_at = time.monotonic() + duration

    def client(index: int, username: str, cookies: Any) -> None:
        browser = Browser(cookies)
        rng = random.Random(seed * 1000 + index)
        pages = PAGES[username]
        while time.monotonic() < stop_at:
            with lock:
                base = bases[next(counter) % len(bases)]
            path = rng.choice(pages)
            t0 = time.perf_counter()
            try:
                answer = browser.request("GET", base + path, follow=False)
                status = str(answer.status_code)
            except Exception as exc:  # a refused or reset connection is a failed request
                status = type(exc).__name__
            took = time.perf_counter() - t0
            with lock:
                if status == "200":
                    phase.latencies.append(took)
                else:
                    phase.errors[f"{path} {status}"] += 1

    threads = [
        threading.Thread(target=client, args=(i, user, cookies), daemon=True)
        for i, (user, cookies) in enumerate(clients)
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    phase.elapsed = time.perf_counter() - t0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered))) - 1))]


# --- the run ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=30, help="seconds of load per phase")
    parser.add_argument("--warmup", type=float, default=5, help="untimed seconds per phase")
    parser.add_argument("--clients", type=int, default=8, help="client threads")
    parser.add_argument("--alerts", type=int, default=200, help="alerts in the burst")
    parser.add_argument(
        "--alerts-interval",
        type=int,
        default=5,
        help="DESIST_ALERTS_INTERVAL_SECONDS for the workers (production default 30)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep-pg", action="store_true", help="keep the cluster and its data")
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--payload", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stage:
        run_stage(args.stage, json.loads(args.payload))
        return 0

    began = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="desist-scale-out-"))
    pg_env = base_env(
        DESIST_PG_DIR=os.environ.get(
            "DESIST_PG_DIR", str(Path(tempfile.gettempdir(), "desist-bench-scale-pg"))
        ),
        DESIST_PG_PORT=os.environ.get("DESIST_PG_PORT", "54420"),
    )
    stack = Stack(workdir=workdir, pg_env=pg_env, keep_pg=args.keep_pg)
    log(f"logs in {workdir}")
    try:
        return _run(args, stack, began)
    finally:
        stack.stop()
        log(f"done in {time.monotonic() - began:.0f} s")


def _run(args: argparse.Namespace, stack: Stack, began: float) -> int:
    from cryptography.fernet import Fernet

    owner_url, runtime_url = postgres(stack)
    log("PostgreSQL started")
    # The same keys for every process: the seed's encrypted fields and audit chain must read
    # back under the servers and workers.
    keys = {
        "DESIST_SECRET_KEY": secrets.token_urlsafe(50),
        "DESIST_FIELD_KEYS": Fernet.generate_key().decode(),
        "DESIST_PSEUDONYM_KEY": secrets.token_urlsafe(32),
        "DESIST_AUDIT_HMAC_KEY": secrets.token_urlsafe(32),
    }
    owner_env = base_env(DESIST_ENV="demo", DATABASE_URL=owner_url, **keys)
    run([DESIST, "demo", "--no-serve"], owner_env, "desist demo --no-serve")
    run([DESIST, "db_roles", "--runtime", "desist_app", "--apply"], owner_env, "db_roles")
    log(f"migrated and seeded the demo ({time.monotonic() - began:.0f} s so far)")

    with smtp_server() as (inbox, smtp_port):
        try:
            return _measure(args, stack, keys, runtime_url, inbox, smtp_port, began)
        finally:
            stack.stop_processes()  # before the SMTP server goes, or workers retry into nothing


def _measure(
    args: argparse.Namespace,
    stack: Stack,
    keys: dict[str, str],
    runtime_url: str,
    inbox: Inbox,
    smtp_port: int,
    began: float,
) -> int:
    production = base_env(
        DESIST_ENV="production",
        DATABASE_URL=runtime_url,
        DESIST_ALLOWED_HOSTS="127.0.0.1",
        DESIST_BASE_URL="https://desist.example.org",
        DESIST_TRUSTED_PROXIES="127.0.0.1",
        DESIST_EMAIL_HOST="127.0.0.1",
        DESIST_EMAIL_PORT=str(smtp_port),
        DESIST_EMAIL_FROM="desist@example.org",
        DESIST_ALERTS_INTERVAL_SECONDS=str(args.alerts_interval),
        DESIST_LOG_LEVEL="WARNING",  # not a JSON line per request into the logs
        **keys,
    )
    # Production serves hashed names from the manifest: collect every time (only changed
    # files are copied again), or a new asset is missing from it.
    run([DESIST, "collectstatic", "--noinput", "-v", "0"], production, "collectstatic")
    prepared = stage("prepare", production)
    for worker_id in ("bench-worker-a", "bench-worker-b"):
        stack.start(
            worker_id,
            [DESIST, "worker", "--with-scheduler", "--worker-id", worker_id, "-v", "0"],
            production,
        )
    ports = [free_port(), free_port()]
    bases = [f"http://127.0.0.1:{port}" for port in ports]

    def serve(n: int) -> None:
        env = {**production, "PORT": str(ports[n]), "DESIST_WEB_WORKERS": "1"}
        process = stack.start(f"web-{n + 1}", [DESIST, "serve"], env)
        wait_http(f"{bases[n]}/healthz", process)

    serve(0)
    log("one web server and two workers up")
    signed_in = {u: sign_in(bases[0], u, k) for u, k in prepared["keys"].items()}
    users = list(PAGES)
    clients = [
        (users[i % len(users)], signed_in[users[i % len(users)]].cookies)
        for i in range(args.clients)
    ]

    phases = []
    load = [os.getloadavg()[0]]
    for name, servers in (("1 process", bases[:1]), ("2 processes", bases)):
        if len(servers) == 2:
            serve(1)
            log("second web server up")
        drive(Phase("warm-up"), servers, clients, args.warmup, args.seed)
        phase = Phase(name)
        log(f"load, {name}: {args.clients} clients for {args.duration:.0f} s")
        drive(phase, servers, clients, args.duration, args.seed)
        phases.append(phase)
        load.append(os.getloadavg()[0])

    log(f"burst of {args.alerts} alerts")
    burst = stage("burst", production, count=args.alerts)
    expected = Counter((to, subject) for to, subject in burst["expected"])
    wanted = set(expected)
    deadline = time.monotonic() + 60 + args.alerts_interval * 2
    while time.monotonic() < deadline:
        got = {(to, s) for to, s, _ in inbox.snapshot()}
        if wanted <= got:
            break
        time.sleep(0.2)
    # A little longer, so a late duplicate would still be counted.
    time.sleep(args.alerts_interval + 2)
    report = stage("report", production, alert_ids=burst["alert_ids"], since=burst["started"])

    received = inbox.snapshot()
    return _print(args, phases, burst, expected, received, report, began, load)


def _print(
    args: argparse.Namespace,
    phases: list[Phase],
    burst: dict[str, Any],
    expected: Counter[tuple[str, str]],
    received: list[tuple[str, str, float]],
    report: dict[str, Any],
    began: float,
    load: list[float],
) -> int:
    one, two = (p.figures() for p in phases)
    print()
    print(
        f"Load: {args.clients} client threads ({', '.join(sorted(set(ROLES.values())))}), "
        f"{args.duration:.0f} s per phase after {args.warmup:.0f} s warm-up, "
        f"one gunicorn sync worker per server, PostgreSQL on the same machine; "
        f"{os.cpu_count()} cores, 1-minute load average "
        f"{' / '.join(f'{x:.1f}' for x in load)} (before, after each phase)"
    )
    print()
    print(f"| {'':<22} | {'1 process':>10} | {'2 processes':>11} |")
    print(f"|{'-' * 24}|{'-' * 12}:|{'-' * 13}:|")
    rows: list[tuple[str, str, Callable[[float], str]]] = [
        ("requests (200 OK)", "requests", lambda v: f"{v:.0f}"),
        ("failed requests", "errors", lambda v: f"{v:.0f}"),
        ("throughput (req/s)", "rps", lambda v: f"{v:.1f}"),
        ("median (ms)", "median", lambda v: f"{v:.0f}"),
        ("p95 (ms)", "p95", lambda v: f"{v:.0f}"),
        ("slowest (ms)", "max", lambda v: f"{v:.0f}"),
    ]
    for label, key, fmt in rows:
        print(f"| {label:<22} | {fmt(one.get(key, 0)):>10} | {fmt(two.get(key, 0)):>11} |")
    for phase in phases:
        for what, n in phase.errors.most_common(5):
            print(f"  {phase.name}: {n} x {what}")

    wanted = set(expected)
    per_message = Counter((to, subject) for to, subject, _ in received)
    burst_received = {k: n for k, n in per_message.items() if k in wanted}
    queued = {(to, subject): n for to, subject, n in report["queued"]}
    twice = {k: n - queued.get(k, 0) for k, n in per_message.items() if n > queued.get(k, 0)}
    duplicates = sum(twice.values())
    lost = len(wanted - set(burst_received))
    first_seen: dict[tuple[str, str], float] = {}
    for to, subject, at in received:
        first_seen.setdefault((to, subject), at)
    created = {(e["to"], e["subject"]): e["created"] for e in report["emails"]}
    to_inbox = [first_seen[k] - created[k] for k in wanted if k in first_seen and k in created]
    jobs = report["deliver_jobs"]
    waits = [j["started"] - j["enqueued"] for j in jobs]
    by_worker = Counter(w for j in jobs for w in j["workers"][-1:])
    statuses = Counter(e["status"] for e in report["emails"])
    drain = max((first_seen[k] for k in wanted if k in first_seen), default=burst["finished"])

    print()
    print(
        f"Burst: {len(burst['alert_ids'])} urgent alerts raised in "
        f"{burst['finished'] - burst['started']:.1f} s through the alerts service; "
        f"2 workers, alerts pass every {args.alerts_interval} s"
    )
    print()
    print(f"| {'':<44} | {'value':>16} |")
    print(f"|{'-' * 46}|{'-' * 17}:|")
    table = [
        ("e-mails queued by the burst", f"{len(wanted)}"),
        ("received by the SMTP server (distinct)", f"{len(burst_received)}"),
        ("duplicates (received more often than queued)", f"{duplicates}"),
        ("lost (queued, never received)", f"{lost}"),
        ("other e-mails received (the seed's alerts)", f"{len(per_message) - len(burst_received)}"),
        ("e-mail rows by status", ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))),
        ("alert to inbox, median / p95 (s)", _pair(to_inbox)),
        ("first alert raised to last e-mail in (s)", f"{drain - burst['started']:.1f}"),
        ("delivery jobs run during the burst", f"{len(jobs)}"),
        ("delivery job wait in queue, median / p95 (s)", _pair(waits)),
        ("delivery jobs per worker", ", ".join(f"{w} {n}" for w, n in sorted(by_worker.items()))),
    ]
    for label, value in table:
        print(f"| {label:<44} | {value:>16} |")
    print()
    for to, subject, attempts, error in report["retried"][:10]:
        print(f"  sent after {attempts} attempts: {to} {subject!r} (last error {error!r})")
    for (to, subject), extra in sorted(twice.items())[:10]:
        print(f"  sent {extra} more time(s) than queued: {to} {subject!r}")
    print(
        f"Whole run up to this report: {time.monotonic() - began:.0f} s (then the servers and PostgreSQL stop; the last log line gives the total)"
    )
    failed = one.get("errors", 0) + two.get("errors", 0)
    return 1 if duplicates or lost or failed else 0


def _pair(values: list[float]) -> str:
    if not values:
        return "n/a"
    return f"{statistics.median(values):.2f} / {percentile(values, 0.95):.2f}"


if __name__ == "__main__":
    sys.exit(main())
