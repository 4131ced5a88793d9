"""Stream audit events, as JSON lines, to a file or to syslog (`desist audit_forward`).

The position (the id of the last event handed over) is kept in a state file, written after
each batch (a temporary file, fsync, rename: never half written). A restart carries on after
it, so nothing is skipped, and nothing already handed over is sent again:

- to a file, exactly once even after a crash: the batch is fsynced before the position, and at
  start the file's own last complete line is the position if it is further on (a crash between
  the two); a torn last line (a crash mid-write) is cut off and sent again.
- to syslog, nothing is read back: a crash or a failed send between hand-off and saving the
  position repeats that one batch. Each line carries the event's id and chain hash, so a
  receiver can drop a repeat. Sends go over our own socket (a unix datagram socket such as
  /dev/log, or TCP), never UDP to another host and never through logging's SysLogHandler,
  which swallows send errors: a failed send raises, so the position is not moved past it.

Ids are in commit order: appends take one lock for the chain (desist/audit/services.py), so a
later id is never committed before an earlier one and a forwarder that moved past an id cannot
miss it. Only one forwarder may use a state file at a time (an exclusive lock beside it).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from desist.audit import chain
from desist.audit.models import AuditEvent

BATCH = 500
# authpriv (10), informational (6): RFC 5424's PRI.
SYSLOG_PRI = 10 * 8 + 6
# Receivers cut longer messages short without saying so (rsyslog's default maxMessageSize is
# 8 KiB), so a longer line is refused here instead (--max-line, to match the receiver).
SYSLOG_MAX_LINE = 8192


class LineTooLong(RuntimeError):
    pass


class Sink(Protocol):
    def last_forwarded(self) -> int: ...

    def write(self, lines: list[str]) -> None: ...

    def close(self) -> None: ...


def event_line(event: AuditEvent) -> str:
    row = {field: getattr(event, field) for field in chain.FIELDS}
    row["occurred_at"] = event.occurred_at.isoformat()
    row.update(id=event.pk, prev_hash=event.prev_hash, row_hash=event.row_hash)
    return json.dumps(row, sort_keys=True, separators=(",", ":"), default=str)


class FileSink:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._cut_torn_line()
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self.file = os.fdopen(fd, "a", encoding="utf-8")

    def _cut_torn_line(self) -> None:
        if not self.path.exists():
            return
        with self.path.open("rb+") as f:
            data = f.read()
            if data and not data.endswith(b"\n"):
                f.truncate(data.rfind(b"\n") + 1)
                os.fsync(f.fileno())

    def last_forwarded(self) -> int:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return 0
        with self.path.open("rb") as f:
            return int(json.loads(_last_line(f))["id"])

    def write(self, lines: list[str]) -> None:
        self._reopen_if_moved()
        self.file.write("".join(line + "\n" for line in lines))
        self.file.flush()
        os.fsync(self.file.fileno())

    def _reopen_if_moved(self) -> None:
        # With --follow the file stays open; after rotation (the file moved away) write to a
        # new file at the path, as logging's WatchedFileHandler does.
        try:
            current = os.stat(self.path)
        except FileNotFoundError:
            current = None
        opened = os.fstat(self.file.fileno())
        if current is None or (current.st_dev, current.st_ino) != (opened.st_dev, opened.st_ino):
            self.file.close()
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            self.file = os.fdopen(fd, "a", encoding="utf-8")

    def close(self) -> None:
        self.file.close()


def _last_line(f: Any, chunk: int = 65536) -> bytes:
    """The file's last line (without its newline), however long: read backwards until a
    newline before it is found."""
    end = f.seek(0, os.SEEK_END)
    tail = b""
    position = end
    while position > 0:
        position = max(0, position - chunk)
        f.seek(position)
        tail = f.read(min(chunk, end - position)) + tail
        body = tail.rstrip(b"\n")
        if b"\n" in body:
            return body.rsplit(b"\n", 1)[-1]
        end = position
    return tail.rstrip(b"\n")


class SyslogSink:
    """RFC 3164-style lines ("<PRI>desist-audit: {json}") on our own socket: a unix datagram
    socket (a path such as /dev/log) or TCP (host:port, one line per message, newline-framed).
    Any send error propagates, so forward() does not save the position past it."""

    def __init__(self, address: str, *, max_line: int = SYSLOG_MAX_LINE) -> None:
        self.address = address
        self.max_line = max_line
        self.sock: socket.socket | None = None

    def _connect(self) -> socket.socket:
        if self.address.startswith("/"):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            target: Any = self.address
        else:
            host, port = self.address.rsplit(":", 1)
            sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
            target = (host.strip("[]"), int(port))
        sock.settimeout(30)
        try:
            sock.connect(target)
        except OSError:
            sock.close()
            raise
        return sock

    def last_forwarded(self) -> int:
        return 0  # syslog cannot be read back; the state file alone holds the position

    def write(self, lines: list[str]) -> None:
        messages = [f"<{SYSLOG_PRI}>desist-audit: {line}".encode() for line in lines]
        for line, message in zip(lines, messages, strict=True):
            if len(message) > self.max_line:
                event = json.loads(line)["id"]
                raise LineTooLong(
                    f"audit event {event} is {len(message)} bytes, over the syslog limit of "
                    f"{self.max_line} (--max-line): raise the receiver's limit and --max-line, "
                    "or forward to a file"
                )
        try:
            if self.sock is None:
                self.sock = self._connect()
            for message in messages:
                if self.sock.type == socket.SOCK_DGRAM:
                    self.sock.send(message)
                else:
                    self.sock.sendall(message + b"\n")
        except OSError:
            # Reconnect next time (the receiver may have restarted); the caller keeps the
            # position where it was.
            self.close()
            raise

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def read_position(state: Path) -> int:
    try:
        return int(state.read_text().strip() or 0)
    except FileNotFoundError:
        return 0


def write_position(state: Path, position: int) -> None:
    temporary = state.with_name(state.name + ".tmp")
    # Owner-only, like the sink: where forwarding stopped is nobody else's business.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"{position}\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, state)


@contextmanager
def exclusive(state: Path) -> Iterator[None]:
    state.parent.mkdir(parents=True, exist_ok=True)
    with open(state.with_name(state.name + ".lock"), "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another audit_forward is using {state}") from None
        yield


def forward(*, sink: Sink, state: Path, batch: int = BATCH) -> int:
    """Hand every event after the saved position to the sink; return how many."""
    saved = read_position(state)
    position = max(saved, sink.last_forwarded())
    if position != saved:
        # The sink knows more than the state file (a crash between the two, or a lost state
        # file): save it now, before a rotation takes the file that told us.
        write_position(state, position)
    total = 0
    while True:
        events = list(AuditEvent.objects.filter(id__gt=position).order_by("id")[:batch])
        if not events:
            return total
        sink.write([event_line(e) for e in events])
        position = events[-1].pk
        write_position(state, position)
        total += len(events)
