"""The mail fault test (issue 12, High 1), with real parts: a TCP server that accepts and never
answers, Django's SMTP backend with a 1 s timeout, the runner's real threads, and aiosmtpd as
the mail server that comes back. Nothing about SMTP is mocked."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connections
from django_tasks_db.management.commands import db_worker

from desist.jobs.tasks import enqueue_job
from desist.sharing import clock, services
from desist.sharing.events import EventKind, Urgency
from desist.sharing.models import Alert, OutboundEmail
from desist.sharing.tests.conftest import NOW

TIMEOUT = 1  # seconds: EMAIL_TIMEOUT in these tests


class SilentServer:
    """Accepts TCP connections and never says a word (no SMTP banner). Records when each
    connection was accepted and when the client gave up and closed it."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[float] = []
        self.closed: list[float] = []
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.accepted.append(time.monotonic())
            self._held.append(conn)
            threading.Thread(target=self._hold, args=(conn,), daemon=True).start()

    def _hold(self, conn: socket.socket) -> None:
        try:
            while conn.recv(1024):  # the client never gets a banner, so it only ever closes
                pass
        except OSError:
            pass
        self.closed.append(time.monotonic())

    def stop(self) -> None:
        self._stop.set()
        self._acceptor.join()
        for conn in self._held:
            conn.close()
        self.sock.close()


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.stop()


@pytest.fixture
def smtp_to(settings: Any) -> Callable[[int], None]:
    """Point Django's real SMTP backend at a port on this machine, with a 1 s timeout."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = TIMEOUT

    def point(port: int) -> None:
        settings.EMAIL_PORT = port

    return point


@pytest.fixture
def real_smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


class Clock:
    """The sharing clock, moved by the test (shared with the runner's threads)."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


@pytest.fixture
def fake_clock(monkeypatch: Any) -> Clock:
    moved = Clock(NOW)
    monkeypatch.setattr(clock, "now", moved)
    return moved


def urgent_alert(recipient: Any) -> Alert:
    recipient.email = "officer.mailfault@example.org"
    recipient.save()
    return services.alert_create(
        actor=None,
        kind=EventKind.BREACH_RECORDED,
        priority=Urgency.URGENT,
        recipient=recipient,
        title="SPO breach recorded: test",
        body="A breach was recorded.",
        now=NOW,
    )


def wait_for(condition: Callable[[], Any], *, within: float = 10.0) -> float:
    """Poll until `condition()` is true; the moment it was seen (time.monotonic). On SQLite's
    shared in-memory test database a read can meet a runner's write ("table is locked"): that
    only means "not yet"."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if condition():
                return time.monotonic()
        except OperationalError:
            pass
        time.sleep(0.01)
    raise AssertionError(f"not true within {within} s")


def test_a_send_that_times_out_is_retried_with_backoff_then_delivered(
    officer: Any, silent: SilentServer, smtp_to: Any, real_smtp: tuple[Inbox, int]
) -> None:
    alert = urgent_alert(officer)
    smtp_to(silent.port)
    started = time.monotonic()
    result = services.emails_deliver_due(now=NOW)
    took = time.monotonic() - started
    assert result == {"sent": 0, "retry": 1, "failed": 0, "not_needed": 0}
    assert TIMEOUT * 0.9 <= took < TIMEOUT + 4, "bounded by the timeout, not held for ever"
    email = OutboundEmail.objects.get(alert=alert)
    assert email.status == OutboundEmail.Status.QUEUED  # failed for now, not given up
    assert email.attempts == 1
    assert email.last_error.startswith(f"No answer within {TIMEOUT} s")
    assert email.next_attempt_at == NOW + services.backoff(1)

    # Not retried before its backoff ends: the silent server sees no second connection.
    assert services.emails_deliver_due(now=NOW + dt.timedelta(seconds=30))["retry"] == 0
    assert len(silent.accepted) == 1

    inbox, port = real_smtp
    smtp_to(port)
    assert services.emails_deliver_due(now=NOW + services.backoff(1))["sent"] == 1
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == ("sent", 2, "")
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["officer.mailfault@example.org"]
    assert f"alert {alert.reference}".encode() in envelope.content


def enqueue(name: str) -> None:
    """Enqueue a job; on SQLite's shared in-memory test database a worker's write can hold
    the table for a moment ("table is locked"), so try again."""
    wait_for(lambda: enqueue_job(name))


def read(query: Callable[[], Any]) -> Any:
    """A read that meets a worker's write on SQLite's shared in-memory database is tried
    again."""
    found: list[Any] = []
    wait_for(lambda: found.append(query()) or True)
    return found[-1]


def delivered(email: OutboundEmail) -> bool:
    """A delivery turn, as the scheduler makes one every 30 s: enqueue it and wait a little.
    (A turn can fail on SQLite's shared in-memory test database; the next one runs, and the
    queue's own retry comes 10 s later, so each turn waits 5 s.)"""
    enqueue("alerts_deliver")
    try:
        wait_for(lambda: OutboundEmail.objects.get(pk=email.pk).status == "sent", within=5)
    except AssertionError:
        return False
    return True


class QueueWorker:
    """django-tasks' own database worker on some queues, in a thread of this test (as
    `desist worker --queue-name mail` runs it in its own process)."""

    def __init__(self, *queues: str) -> None:
        self.worker = db_worker.Worker(
            queue_names=list(queues),
            interval=0.02,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=f"test-{'-'.join(queues)}",
            excluded_queue_names=[],
        )
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            while self.worker.running:
                try:
                    self.worker.run()
                except OperationalError:  # SQLite's shared in-memory test database: "locked"
                    time.sleep(0.01)
        finally:
            connections.close_all()

    def stop(self) -> None:
        self.worker.running = False
        self.thread.join(timeout=TIMEOUT + 5)
        assert not self.thread.is_alive()


@pytest.mark.django_db(transaction=True)
def test_escalation_is_on_time_while_the_mail_server_hangs(
    officer: Any,
    supervisor: Any,
    silent: SilentServer,
    smtp_to: Any,
    real_smtp: tuple[Inbox, int],
    fake_clock: Clock,
) -> None:
    """Real workers on the job queue: while the `mail` queue's worker waits on a server that
    never answers, the `alerts` queue's worker escalates an alert reaching its deadline at
    once; the email is retried after the timeout and delivered when a real server listens."""
    alert = urgent_alert(officer)
    smtp_to(silent.port)
    workers = [QueueWorker("mail"), QueueWorker("alerts")]
    try:
        enqueue("alerts_deliver")
        # Delivery is now stuck waiting for a banner (30 s: a first attempt that met SQLite's
        # shared-cache lock is retried by the queue 10 s later).
        wait_for(lambda: silent.accepted, within=30)
        fake_clock.at = alert.due_by
        moved = time.monotonic()
        enqueue("alerts_escalate")
        escalated = wait_for(lambda: Alert.objects.filter(escalated_from=alert).exists())
        # Escalated while the delivery job was still waiting on the silent server.
        gave_up = wait_for(lambda: silent.closed)
        assert escalated < silent.closed[0] <= gave_up
        assert escalated - moved < TIMEOUT
        assert read(lambda: Alert.objects.get(escalated_from=alert).recipient) == supervisor
        alert = read(lambda: Alert.objects.get(pk=alert.pk))
        assert alert.escalated_at == alert.due_by  # on time by the clock too

        # The email failed for now, with the timeout as its reason, and waits to be retried.
        email = read(lambda: OutboundEmail.objects.get(alert=alert))
        # (A delivery job that meets SQLite's shared-cache lock is retried by the queue.)
        wait_for(lambda: OutboundEmail.objects.get(pk=email.pk).attempts >= 1, within=30)
        email = read(lambda: OutboundEmail.objects.get(pk=email.pk))
        assert email.status == OutboundEmail.Status.QUEUED
        assert email.last_error.startswith(f"No answer within {TIMEOUT} s")

        inbox, port = real_smtp
        smtp_to(port)
        fake_clock.at = alert.due_by + dt.timedelta(hours=2)  # past any backoff so far
        assert any(delivered(email) for _ in range(6))
        assert [e.rcpt_tos for e in inbox.envelopes] == [["officer.mailfault@example.org"]]
    finally:
        for worker in workers:
            worker.stop()


def test_the_command_runs_every_pass_even_when_one_fails(
    officer: Any, monkeypatch: Any, settings: Any
) -> None:
    from io import StringIO

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    def broken(**kw: Any) -> list[Alert]:
        raise OperationalError("no such table")

    monkeypatch.setattr(services, "alerts_escalate_due", broken)
    officer.email = "o@example.org"
    officer.save()
    services.alert_create(
        actor=None,
        kind=EventKind.BREACH_RECORDED,
        priority=Urgency.HIGH,
        recipient=officer,
        title="SPO breach recorded: test",
        body="A breach was recorded.",
    )
    out = StringIO()
    with pytest.raises(CommandError, match="escalate failed"):
        call_command("alerts_run", stdout=out)
    assert "alerts_run escalate: failed" in out.getvalue()
    assert "alerts_run deliver: 1 sent" in out.getvalue()

    out = StringIO()
    call_command("alerts_run", "--only", "scan", stdout=out)
    assert out.getvalue().strip() == "alerts_run scan: 0 scanned"
