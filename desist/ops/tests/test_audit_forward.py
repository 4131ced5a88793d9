"""`desist audit_forward`: each audit event reaches the file exactly once across restarts,
and after a crash at either point of a batch; syslog receives the same JSON lines, and a
failed or refused send leaves the position where it was."""

from __future__ import annotations

import io
import json
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from desist.audit.models import AuditEvent, Category
from desist.audit.services import audit_record
from desist.ops.audit_forward import FileSink, exclusive, read_position, write_position


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


def test_a_lost_position_file_is_rebuilt_before_the_file_is_rotated(
    tmp_path: Path, db: Any
) -> None:
    # Found by a tester: with the state file lost and nothing new, the run forwarded nothing
    # but left no state file, so after a rotation every event was forwarded again.
    out = tmp_path / "audit.jsonl"
    state = tmp_path / "audit.jsonl.position"
    _events(3)
    _forward(out)
    sent = _ids_in(out)
    state.unlink()
    _forward(out)  # nothing new: the position comes from the file's last line
    assert read_position(state) == sent[-1]
    out.rename(tmp_path / "audit.jsonl.1")  # rotated, as the runbook describes
    new = _events(1, start=3)
    _forward(out)
    assert _ids_in(out) == new


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


def _syslog(address: str, state: Path, *extra: str) -> None:
    args = ["--syslog", address, "--state", str(state), *extra]
    call_command("audit_forward", *args, stdout=io.StringIO())


def _json(message: str) -> dict[str, Any]:
    assert message.startswith("<86>desist-audit: ")
    return json.loads(message[message.index("{") :])


def test_syslog_over_tcp_receives_each_event_as_json(tmp_path: Path, db: Any) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)
    port = listener.getsockname()[1]
    ids = _events(2)
    state = tmp_path / "syslog.position"
    received: list[str] = []
    with listener:
        for _ in range(2):
            _syslog(f"127.0.0.1:{port}", state)
            conn, _ = listener.accept()
            with conn:
                data = b""
                while chunk := conn.recv(65536):
                    data += chunk
            received += data.decode().splitlines()
            _events(1, start=2)
    rows = [_json(m) for m in received]
    assert [r["id"] for r in rows][-3:-1] == ids
    # Every event once, in order (ids need not be contiguous: PostgreSQL sequences skip); the
    # last event was written after the second pass, so it is not sent yet.
    every = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    assert [r["id"] for r in rows] == every[:-1]


@pytest.fixture
def dev_log() -> Any:
    # A short path: unix socket paths are limited to about 100 bytes.
    directory = Path(tempfile.mkdtemp(prefix="dl-", dir="/tmp"))
    yield directory / "log"
    shutil.rmtree(directory)


def _listen(path: Path) -> socket.socket:
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(str(path))
    receiver.settimeout(5)
    return receiver


def test_a_failed_syslog_send_keeps_the_position(tmp_path: Path, dev_log: Path, db: Any) -> None:
    state = tmp_path / "syslog.position"
    _events(1)
    receiver = _listen(dev_log)
    _syslog(str(dev_log), state)
    first = [_json(receiver.recv(65536).decode()) for _ in range(AuditEvent.objects.count())]
    saved = read_position(state)
    assert saved == first[-1]["id"]
    # The syslog daemon restarts: its socket is gone while two more events happen.
    receiver.close()
    dev_log.unlink()
    missed = _events(2, start=1)
    with pytest.raises(CommandError, match="position kept"):
        _syslog(str(dev_log), state)
    assert read_position(state) == saved
    # Back again: the next run sends exactly what was missed.
    with _listen(dev_log) as receiver:
        _syslog(str(dev_log), state)
        again = [_json(receiver.recv(65536).decode())["id"] for _ in missed]
        receiver.settimeout(0.2)
        with pytest.raises(TimeoutError):
            receiver.recv(65536)
    assert again == missed
    assert read_position(state) == missed[-1]


def test_a_line_over_the_syslog_limit_is_refused(tmp_path: Path, dev_log: Path, db: Any) -> None:
    state = tmp_path / "syslog.position"
    with _listen(dev_log) as receiver:
        _syslog(str(dev_log), state)
        while True:
            try:
                receiver.recv(65536)
            except TimeoutError:
                break
            receiver.settimeout(0.2)
        saved = read_position(state)
        big = audit_record(
            actor=None, category=Category.ALTERATION, verb="test.big", justification="x" * 9000
        )
        with pytest.raises(CommandError, match=f"audit event {big.pk} is .* over the syslog"):
            _syslog(str(dev_log), state)
        assert read_position(state) == saved
        _syslog(str(dev_log), state, "--max-line", "65000")
        assert _json(receiver.recv(65536).decode())["id"] == big.pk
    assert read_position(state) == big.pk


def test_syslog_needs_a_state_file(db: Any) -> None:
    with pytest.raises(CommandError, match="--state"):
        call_command("audit_forward", "--syslog", "/dev/log", stdout=io.StringIO())


def test_a_last_line_longer_than_the_read_chunk(tmp_path: Path, db: Any) -> None:
    out = tmp_path / "audit.jsonl"
    audit_record(
        actor=None, category=Category.ALTERATION, verb="t.long", justification="y" * 200_000
    )
    _forward(out)
    (tmp_path / "audit.jsonl.position").unlink()  # the file's own last line is the position
    _events(1)
    _forward(out)
    forwarded = _ids_in(out)
    assert forwarded == list(AuditEvent.objects.order_by("id").values_list("id", flat=True))


def test_a_following_file_sink_reopens_a_rotated_file(tmp_path: Path, db: Any) -> None:
    out = tmp_path / "audit.jsonl"
    sink = FileSink(out)
    try:
        sink.write(['{"id": 1}'])
        out.rename(tmp_path / "audit.jsonl.1")  # logrotate moves it away
        sink.write(['{"id": 2}'])
    finally:
        sink.close()
    assert (tmp_path / "audit.jsonl.1").read_text() == '{"id": 1}\n'
    assert out.read_text() == '{"id": 2}\n'


def test_the_position_file_is_owner_only(tmp_path: Path) -> None:
    state = tmp_path / "audit.jsonl.position"
    write_position(state, 41)
    write_position(state, 42)  # replaced, not appended, and still owner-only
    assert read_position(state) == 42
    assert state.stat().st_mode & 0o777 == 0o600
