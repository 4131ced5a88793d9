"""`desist audit_forward`: each audit event reaches the file exactly once across restarts,
and after a crash at either point of a batch; syslog receives the same JSON lines."""

from __future__ import annotations

import io
import json
import socket
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from desist.audit.models import AuditEvent, Category
from desist.audit.services import audit_record
from desist.ops.audit_forward import exclusive, read_position, write_position


def _events(n: int, start: int = 0) -> list[int]:
    return [
        audit_record(actor=None, category=Category.ALTERATION, verb=f"test.event_{start + i}").pk
        for i in range(n)
    ]


def _ids_in(path: Path) -> list[int]:
    return [json.loads(line)["id"] for line in path.read_text().splitlines()]


def _forward(path: Path) -> None:
    call_command("audit_forward", "--file", str(path), stdout=io.StringIO())


def test_restart_neither_skips_nor_repeats(tmp_path: Path, db: Any) -> None:
    out = tmp_path / "audit.jsonl"
    before = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    first = _events(3)
    _forward(out)
    second = _events(4, start=3)
    _forward(out)  # a restart: a new process would start from the same two files
    _forward(out)  # and again with nothing new
    forwarded = _ids_in(out)
    assert forwarded == [*before, *first, *second]
    assert len(forwarded) == len(set(forwarded))
    line = json.loads(out.read_text().splitlines()[-1])
    assert line["verb"] == "test.event_6" and line["row_hash"] and "occurred_at" in line


def test_a_crash_before_the_position_was_saved_repeats_nothing(tmp_path: Path, db: Any) -> None:
    out = tmp_path / "audit.jsonl"
    state = tmp_path / "audit.jsonl.position"
    _events(2)
    _forward(out)
    saved = read_position(state)
    _events(2, start=2)
    _forward(out)
    write_position(state, saved)  # as if it died after writing the batch, before saving
    _events(1, start=4)
    _forward(out)
    forwarded = _ids_in(out)
    assert len(forwarded) == len(set(forwarded)) == AuditEvent.objects.count()


def test_a_torn_last_line_is_cut_and_sent_again(tmp_path: Path, db: Any) -> None:
    out = tmp_path / "audit.jsonl"
    _events(2)
    _forward(out)
    lines = out.read_text().splitlines(keepends=True)
    # It died mid-write: the last event half written, the position not saved.
    write_position(tmp_path / "audit.jsonl.position", json.loads(lines[-2])["id"])
    out.write_text("".join(lines[:-1]) + lines[-1][:15])
    _forward(out)
    forwarded = _ids_in(out)
    assert forwarded == list(AuditEvent.objects.order_by("id").values_list("id", flat=True))


def test_one_forwarder_per_state_file(tmp_path: Path, db: Any) -> None:
    out = tmp_path / "audit.jsonl"
    locked = exclusive(tmp_path / "audit.jsonl.position")
    with locked, pytest.raises(CommandError, match="another audit_forward"):
        _forward(out)


def test_syslog_receives_each_event_as_json(tmp_path: Path, db: Any) -> None:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    port = receiver.getsockname()[1]
    ids = _events(2)
    state = tmp_path / "syslog.position"
    with receiver:
        args = ["--syslog", f"127.0.0.1:{port}", "--state", str(state)]
        call_command("audit_forward", *args, stdout=io.StringIO())
        total = AuditEvent.objects.count()
        messages = [receiver.recv(65536).decode() for _ in range(total)]
        _events(1, start=2)
        call_command("audit_forward", *args, stdout=io.StringIO())
        messages.append(receiver.recv(65536).decode())
    received = [json.loads(m[m.index("{") :].rstrip("\x00")) for m in messages]
    assert [r["id"] for r in received][-3:-1] == ids
    assert len({r["id"] for r in received}) == len(received) == total + 1
    assert all(m.startswith("<") and "desist-audit: " in m for m in messages)
