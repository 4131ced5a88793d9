"""Two real `desist worker` processes (each with its scheduler) on PostgreSQL and a real SMTP
server (aiosmtpd): a burst of alert e-mails is delivered exactly once each, while both workers
run delivery passes at the same time over the same queued rows, and then one worker is
SIGKILLed in the middle of a delivery job; the job it held runs again on the other (ADR 0025).
PostgreSQL only (SKIP LOCKED between processes); one test, to keep CI short."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from desist.core.roles import RoleCode
from desist.sharing import services
from desist.sharing.events import EventKind, Urgency
from desist.sharing.models import OutboundEmail

ROOT = Path(__file__).resolve().parents[3]
BURST = 40


class SlowInbox:
    """Accepts mail, slowly (each recipient takes 0.3 s), so a worker can be killed mid-send."""

    def __init__(self) -> None:
        self.delivered: list[str] = []
        self.in_rcpt = 0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, *a: Any
    ) -> str:
        self.in_rcpt += 1
        await asyncio.sleep(0.3)
        self.in_rcpt -= 1
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.delivered.extend(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


@pytest.fixture
def inbox() -> Iterator[tuple[SlowInbox, int]]:
    handler = SlowInbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def _database_url() -> str:
    s = connection.settings_dict
    auth = f"{quote(s['USER'])}:{quote(s['PASSWORD'] or '')}@" if s["USER"] else ""
    return f"postgres://{auth}{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"


def _worker(worker_id: str, smtp_port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DESIST_ENV": "test",
        "DESIST_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DESIST_EMAIL_HOST": "127.0.0.1",
        "DESIST_EMAIL_PORT": str(smtp_port),
        "DESIST_EMAIL_TIMEOUT": "5",
        "DESIST_EMAIL_SEND_LEASE_SECONDS": "3",
        "DESIST_WORKER_DEAD_SECONDS": "3",
        "DESIST_ALERTS_INTERVAL_SECONDS": "1",
    }
    env.pop("DESIST_MIGRATE_DATABASE_URL", None)
    command = [sys.executable, "-m", "desist.cli", "worker", "--with-scheduler", "-v", "0"]
    command += ["--worker-id", worker_id, "--interval", "0.1", "--no-startup-delay"]
    return subprocess.Popen(command, cwd=ROOT, env=env)


def _wait(condition: Callable[[], Any], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {within} s: {what}")


@pytest.mark.django_db(transaction=True)
def test_two_workers_deliver_each_email_once_and_a_killed_worker_loses_nothing(
    make_user: Any, inbox: tuple[SlowInbox, int]
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("several worker processes are run on PostgreSQL")
    handler, port = inbox
    for n in range(BURST):
        officer = make_user(RoleCode.POLICE_OFFICER)
        officer.email = f"officer{n}@example.org"
        officer.save()
        services.alert_create(
            actor=None,
            kind=EventKind.BREACH_RECORDED,
            priority=Urgency.URGENT,
            recipient=officer,
            title="SPO breach recorded: test",
            body="A breach was recorded.",
        )
    workers = {"a": _worker("a", port), "b": _worker("b", port)}

    def a_is_sending() -> bool:
        held = DBTaskResult.objects.running().filter(worker_ids=["a"])
        return (
            handler.in_rcpt > 0 and held.filter(args_kwargs__kwargs__name="alerts_deliver").exists()
        )

    def both_deliver() -> bool:
        held = DBTaskResult.objects.running().filter(args_kwargs__kwargs__name="alerts_deliver")
        holders = {ids[-1] for ids in held.values_list("worker_ids", flat=True) if ids}
        return holders >= {"a", "b"}

    try:
        # Both workers in a delivery pass at once, over the same queued rows (a pass takes
        # seconds against the slow inbox, and the next slot's pass starts on the idle worker):
        # only the claim on each row keeps them from sending it twice. Let them overlap for a
        # few e-mails before the kill.
        _wait(both_deliver, 60, "both workers in a delivery job at the same time")
        overlap = len(handler.delivered) + 6
        _wait(
            lambda: len(handler.delivered) >= overlap and a_is_sending(),
            60,
            "e-mails sent while both deliver, then worker a in the middle of a delivery job",
        )
        workers["a"].send_signal(signal.SIGKILL)
        workers["a"].wait()
        _wait(
            lambda: not OutboundEmail.objects.exclude(status=OutboundEmail.Status.SENT).exists(),
            90,
            "every e-mail sent",
        )
        # The job worker a held was handed back and run again by worker b.
        _wait(
            lambda: DBTaskResult.objects.filter(
                worker_ids=["a", "b"], status=TaskResultStatus.SUCCESSFUL
            ).exists(),
            30,
            "the killed worker's job run again",
        )
    finally:
        for process in workers.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=20)
    counts = Counter(handler.delivered)
    assert len(counts) == BURST, "an e-mail was lost"
    assert set(counts.values()) == {1}, f"sent twice: {[a for a, c in counts.items() if c > 1]}"
