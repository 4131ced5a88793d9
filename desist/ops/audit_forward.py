"""Stream audit events, as JSON lines, to a file or to syslog (`desist audit_forward`).

The position (the id of the last event handed over) is kept in a state file, written after
each batch (a temporary file, fsync, rename: never half written). A restart carries on after
it, so nothing is skipped, and nothing already handed over is sent again:

- to a file, exactly once even after a crash: the batch is fsynced before the position, and at
  start the file's own last complete line is the position if it is further on (a crash between
  the two); a torn last line (a crash mid-write) is cut off and sent again.
- to syslog, nothing is read back: a crash between hand-off and saving the position repeats
  that one batch. Each line carries the event's id and chain hash, so a receiver can drop a
  repeat.

Ids are in commit order: appends take one lock for the chain (desist/audit/services.py), so a
later id is never committed before an earlier one and a forwarder that moved past an id cannot
miss it. Only one forwarder may use a state file at a time (an exclusive lock beside it).
"""

from __future__ import annotations

import fcntl
import json
import logging.handlers
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from desist.audit import chain
from desist.audit.models import AuditEvent

BATCH = 500
# Syslog's practical line limit is the receiver's; RFC 5424 receivers take at least 2048.
SYSLOG_FACILITY = logging.handlers.SysLogHandler.LOG_AUTHPRIV


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
            f.seek(max(0, self.path.stat().st_size - 65536))
            last = f.read().rstrip(b"\n").rsplit(b"\n", 1)[-1]
        return int(json.loads(last)["id"])

    def write(self, lines: list[str]) -> None:
        self.file.write("".join(line + "\n" for line in lines))
        self.file.flush()
        os.fsync(self.file.fileno())

    def close(self) -> None:
        self.file.close()


class SyslogSink:
    def __init__(self, address: str) -> None:
        target: Any = address
        if ":" in address and not address.startswith("/"):
            host, port = address.rsplit(":", 1)
            target = (host, int(port))
        self.handler = logging.handlers.SysLogHandler(address=target, facility=SYSLOG_FACILITY)
        self.handler.ident = "desist-audit: "

    def last_forwarded(self) -> int:
        return 0  # syslog cannot be read back; the state file alone holds the position

    def write(self, lines: list[str]) -> None:
        for line in lines:
            record = logging.makeLogRecord({"msg": line, "levelno": logging.INFO})
            record.levelname = "INFO"
            self.handler.emit(record)

    def close(self) -> None:
        self.handler.close()


def read_position(state: Path) -> int:
    try:
        return int(state.read_text().strip() or 0)
    except FileNotFoundError:
        return 0


def write_position(state: Path, position: int) -> None:
    temporary = state.with_name(state.name + ".tmp")
    with temporary.open("w") as f:
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
    position = max(read_position(state), sink.last_forwarded())
    total = 0
    while True:
        events = list(AuditEvent.objects.filter(id__gt=position).order_by("id")[:batch])
        if not events:
            return total
        sink.write([event_line(e) for e in events])
        position = events[-1].pk
        write_position(state, position)
        total += len(events)
