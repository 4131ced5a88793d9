"""The audit hash chain: links, the round trip through each database, and `audit_verify`
finding rows changed or deleted behind the application's back (by the table's owner, with
the triggers lifted)."""

from __future__ import annotations

import datetime as dt
import importlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import override_settings

from desist.audit import chain
from desist.audit.models import AuditEvent, Category
from desist.audit.selectors import audit_chain_rows
from desist.audit.services import audit_record
from desist.core import context

COLUMNS = ("id", "prev_hash", "row_hash", *chain.FIELDS)
_SQLITE_TRIGGERS = [
    sql
    for sql in importlib.import_module("desist.audit.migrations.0001_initial").SQLITE
    if "CREATE TRIGGER" in sql
]


def _append(verb: str, **kwargs: Any) -> AuditEvent:
    return audit_record(
        actor=None, actor_username="tester", category=Category.SECURITY, verb=verb, **kwargs
    )


def _checkpoint() -> tuple[int, str]:
    last = AuditEvent.objects.order_by("-id").values_list("id", "row_hash").first()
    return last if last else (0, "")


def _verify_from(start: tuple[int, str]) -> str:
    args = ["--after-id", str(start[0]), "--after-hash", start[1]] if start[0] else []
    out = StringIO()
    call_command("audit_verify", *args, stdout=out)
    return out.getvalue()


@contextmanager
def _owner_cursor() -> Iterator[Any]:
    """A cursor as the table's owner with the audit triggers lifted, committed on exit: what
    a database administrator (or an attacker holding the owner role) can do."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER audit_event_no_update")
            cursor.execute("DROP TRIGGER audit_event_no_delete")
            yield cursor
            for sql in _SQLITE_TRIGGERS:
                cursor.execute(sql)
        return
    import dj_database_url
    import psycopg

    owner = dict(connection.settings_dict)
    if os.environ.get("DESIST_MIGRATE_DATABASE_URL"):
        owner.update(dj_database_url.parse(os.environ["DESIST_MIGRATE_DATABASE_URL"]))
    with psycopg.connect(
        host=owner["HOST"],
        port=owner["PORT"],
        user=owner["USER"],
        password=owner["PASSWORD"],
        dbname=connection.settings_dict["NAME"],
    ) as conn:
        conn.execute("ALTER TABLE audit_event DISABLE TRIGGER USER")
        with conn.cursor() as cursor:
            yield cursor
        conn.execute("ALTER TABLE audit_event ENABLE TRIGGER USER")


def _raw_row(event_id: int) -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(COLUMNS)} FROM audit_event WHERE id = %s", [event_id])  # noqa: S608
        return cursor.fetchone()


def test_each_row_follows_the_one_before(db: Any) -> None:
    start = _checkpoint()
    events = [_append(f"test.chain.{n}") for n in range(3)]
    stored = list(AuditEvent.objects.filter(id__gt=start[0]).order_by("id"))
    assert [e.pk for e in stored] == [e.pk for e in events]
    assert stored[0].prev_hash == start[1]
    for before, after in zip(stored, stored[1:], strict=False):
        assert after.prev_hash == before.row_hash
        assert len(after.row_hash) == 64
    out = _verify_from(start)
    assert f"3 rows; last id {events[-1].pk}, hash {stored[-1].row_hash}" in out


def test_hash_survives_the_round_trip_through_the_database(db: Any) -> None:
    token = context.set_current(context.RequestContext("req-1", "::FFFF:192.0.2.7"))
    try:
        event = _append(
            "test.chain.values",
            justification="Zoë — “quoted” \u2028 line",
            recipients=("Sussex Police", "Ashdown Advocacy"),
            old={"n": 2.0, "big": 2**60, "float": 1e16, "tiny": 1e-7, "ok": True},
            new={"nested": {"list": [0.1, None, "é"], "when": "2026-01-01"}, "k": 3},
        )
    finally:
        context.reset(token)
    start = (event.pk - 1, event.prev_hash)
    rows = list(audit_chain_rows(after_id=event.pk - 1))
    assert rows[0]["id"] == event.pk
    assert chain.row_hash(rows[0]["prev_hash"], rows[0]) == rows[0]["row_hash"]
    assert chain.verify(iter(rows), start_id=start[0], start_hash=start[1]).broken is None


@pytest.mark.django_db(transaction=True)
def test_verify_finds_a_row_changed_by_the_owner() -> None:
    start = _checkpoint()
    first, middle, last = (_append(f"test.tamper.{n}") for n in range(3))
    with _owner_cursor() as cursor:
        cursor.execute(
            "UPDATE audit_event SET actor_username = %s WHERE id = %s", ["innocent", middle.pk]
        )
    try:
        with pytest.raises(CommandError, match=f"audit event {middle.pk}: its contents do not"):
            _verify_from(start)
    finally:
        with _owner_cursor() as cursor:
            cursor.execute(
                "UPDATE audit_event SET actor_username = %s WHERE id = %s", ["tester", middle.pk]
            )
    assert f"last id {last.pk}" in _verify_from(start)


@pytest.mark.django_db(transaction=True)
def test_verify_finds_a_deleted_row() -> None:
    start = _checkpoint()
    first, middle, last = (_append(f"test.delete.{n}") for n in range(3))
    saved = _raw_row(middle.pk)
    with _owner_cursor() as cursor:
        cursor.execute("DELETE FROM audit_event WHERE id = %s", [middle.pk])
    try:
        with pytest.raises(
            CommandError, match=f"audit event {last.pk}: does not follow on from event {first.pk}"
        ):
            _verify_from(start)
    finally:
        with connection.cursor() as cursor:  # INSERT is allowed to everyone
            cursor.execute(
                f"INSERT INTO audit_event ({', '.join(COLUMNS)}) "  # noqa: S608
                f"VALUES ({', '.join(['%s'] * len(COLUMNS))})",
                list(saved),
            )
    assert f"last id {last.pk}" in _verify_from(start)


def _rows(n: int, secret: bytes) -> list[dict[str, Any]]:
    rows, prev = [], ""
    for i in range(1, n + 1):
        row: dict[str, Any] = dict.fromkeys(chain.FIELDS, "")
        row.update(
            id=i,
            occurred_at=dt.datetime(2026, 1, 1, 9, i, tzinfo=dt.UTC),
            actor_id=None,
            organisation_id=None,
            recipients=[],
            old_values=None,
            new_values={"i": i},
            client_address=None,
        )
        row.update(prev_hash=prev, row_hash=chain.row_hash(prev, row, secret=secret))
        prev = row["row_hash"]
        rows.append(row)
    return rows


def test_verify_finds_reordered_rows_and_a_chain_forged_without_the_key() -> None:
    secret = b"k" * 32
    rows = _rows(4, secret)
    assert chain.verify(iter(rows), secret=secret).broken is None
    swapped = [rows[0], {**rows[2], "id": 2}, {**rows[1], "id": 3}, rows[3]]
    broken = chain.verify(iter(swapped), secret=secret).broken
    assert broken is not None and broken.event_id == 2 and "reordered" in broken.reason
    # Someone who rewrites every row and re-chains it with a guessed key is still caught.
    forged = _rows(4, b"guess" * 8)
    forged[1]["new_values"] = {"i": 99}
    broken = chain.verify(iter(forged), secret=secret).broken
    assert broken is not None and broken.event_id == 1 and "contents" in broken.reason
    # A row appended without the chain (a raw INSERT) is reported too.
    unchained = [*rows, {**rows[3], "id": 5, "prev_hash": "", "row_hash": ""}]
    broken = chain.verify(iter(unchained), secret=secret).broken
    assert broken is not None and broken.event_id == 5 and "no hash" in broken.reason


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers itself")
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_do_not_fork_the_chain() -> None:
    start = _checkpoint()
    first_written = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def slow() -> None:
        try:
            with transaction.atomic():
                _append("test.concurrent.slow")
                first_written.set()
                release.wait(5)
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connection.close()

    def fast() -> None:
        try:
            first_written.wait(5)
            _append("test.concurrent.fast")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=slow), threading.Thread(target=fast)]
    for t in threads:
        t.start()
    first_written.wait(5)
    # The second append waits for the first transaction instead of following the same row.
    threads[1].join(0.5)
    assert threads[1].is_alive()
    release.set()
    for t in threads:
        t.join(10)
    assert not errors
    rows = list(AuditEvent.objects.filter(id__gt=start[0]).order_by("id"))
    assert [r.verb for r in rows] == ["test.concurrent.slow", "test.concurrent.fast"]
    assert rows[1].prev_hash == rows[0].row_hash
    _verify_from(start)


def test_production_refuses_to_chain_without_a_key(db: Any) -> None:
    with (
        override_settings(DESIST_ENV="production", DESIST_AUDIT_HMAC_KEY=""),
        pytest.raises(ImproperlyConfigured, match="DESIST_AUDIT_HMAC_KEY"),
    ):
        _append("test.no_key")
    with override_settings(DESIST_AUDIT_HMAC_KEY="another-key-" * 4):
        assert chain.key() == b"another-key-" * 4


def test_verify_needs_the_checkpoint_hash(db: Any) -> None:
    with pytest.raises(CommandError, match="--after-hash"):
        call_command("audit_verify", "--after-id", "3")
