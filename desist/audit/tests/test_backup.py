"""Backups that restore (issue 15): `desist backup` of the seeded demo, `desist restore` into an
empty database, then every table's row count and checksum compared with the source, and the
audit hash chain verified on the copy. On SQLite, and on PostgreSQL (CI's second run: the
backup runs as the runtime role, the restore as the owner into a database it has just made)."""

from __future__ import annotations

import getpass
import io
import logging
import os
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dj_database_url
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from desist.audit import backup, backup_stream, chain
from desist.audit.models import AuditEvent, Category
from desist.audit.selectors import audit_chain_rows
from desist.demo.seed import seed

KEY = backup_stream.generate_key()
OLD_KEY = backup_stream.generate_key()


@pytest.fixture
def backup_key(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    monkeypatch.setenv("DESIST_BACKUP_KEY", f"{KEY},{OLD_KEY}")
    return backup_stream.keys_from_environment()


# --- the sealed stream ---------------------------------------------------------------------


def _seal(data: bytes, key: bytes) -> bytes:
    out = io.BytesIO()
    backup_stream.encrypt([data[i : i + 1000] for i in range(0, len(data), 1000)], out, key=key)
    return out.getvalue()


def _open(sealed: bytes, keys: list[bytes]) -> bytes:
    return b"".join(backup_stream.decrypt(io.BytesIO(sealed), keys))


@pytest.mark.parametrize("size", [0, 1, backup_stream.CHUNK, backup_stream.CHUNK + 1, 200_000])
def test_the_stream_round_trips_any_length(size: int) -> None:
    keys = backup_stream.parse_keys(KEY)
    data = os.urandom(size)
    sealed = _seal(data, keys[0])
    assert data not in sealed or size < 16  # a byte or two may occur in ciphertext by chance
    assert _open(sealed, keys) == data


def test_a_changed_cut_or_extended_file_is_refused() -> None:
    keys = backup_stream.parse_keys(KEY)
    sealed = _seal(os.urandom(3 * backup_stream.CHUNK), keys[0])
    one_chunk = backup_stream.CHUNK + 16
    flipped = bytearray(sealed)
    flipped[backup_stream.HEADER_SIZE + 5] ^= 1
    at_boundary = sealed[: backup_stream.HEADER_SIZE + 2 * one_chunk]
    for bad in (bytes(flipped), at_boundary, sealed[:-1], sealed + sealed[-40:], b"DESIST"):
        with pytest.raises(backup_stream.BackupCorrupt):
            _open(bad, keys)


def test_a_rotated_key_still_opens_old_backups_and_a_wrong_key_is_named() -> None:
    old, new = backup_stream.parse_keys(OLD_KEY)[0], backup_stream.parse_keys(KEY)[0]
    sealed = _seal(b"synthetic", old)
    assert _open(sealed, [new, old]) == b"synthetic"
    with pytest.raises(backup_stream.BackupKeyError, match=backup_stream.key_id(old).hex()):
        _open(sealed, [new])


def test_no_key_no_backup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DESIST_BACKUP_KEY", raising=False)
    with pytest.raises(CommandError, match="never written unencrypted"):
        call_command("backup", out=str(tmp_path / "b"))
    monkeypatch.setenv("DESIST_BACKUP_KEY", "too-short")
    with pytest.raises(CommandError, match="32 random bytes"):
        call_command("backup", out=str(tmp_path / "b"))
    assert not list(tmp_path.iterdir())


def test_restore_without_a_key_names_the_key_it_needs(
    backup_key: list[bytes], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sealed = tmp_path / "b"
    sealed.write_bytes(_seal(b"synthetic", backup_key[0]))
    monkeypatch.delenv("DESIST_BACKUP_KEY")
    with pytest.raises(CommandError) as failed:
        call_command("restore", str(sealed), database_url=f"sqlite:///{tmp_path / 'r.sqlite3'}")
    kid = backup_stream.key_id(backup_key[0]).hex()
    assert (
        f"DESIST_BACKUP_KEY is not set: set it to the key that sealed this backup (key id {kid})"
        in str(failed.value)
    )
    assert not (tmp_path / "r.sqlite3").exists()


def test_an_unreachable_sqlite_database_is_one_line(
    backup_key: list[bytes], tmp_path: Path
) -> None:
    with pytest.raises(CommandError) as failed:
        call_command("backup", out=str(tmp_path / "b"), database_url="sqlite:////no/such/dir/db")
    assert str(failed.value).startswith("Cannot connect to database /no/such/dir/db: ")
    assert "\n" not in str(failed.value)
    assert not list(tmp_path.iterdir())


# --- the round trip ------------------------------------------------------------------------


def _raw(settings_dict: dict[str, Any]) -> Any:
    if backup.vendor_of(settings_dict) == "sqlite":
        name = str(settings_dict["NAME"])
        return sqlite3.connect(name, uri=name.startswith("file:"))
    return backup._pg_connect(settings_dict)


def _fingerprints(settings_dict: dict[str, Any]) -> backup.Fingerprints:
    conn = _raw(settings_dict)
    try:
        return backup.fingerprints(conn, backup.vendor_of(settings_dict))
    finally:
        conn.close()


def _seeded_demo() -> None:
    seed(volume=False)
    assert AuditEvent.objects.exists()
    assert chain.verify(audit_chain_rows()).broken is None


def _assert_same_database(target: dict[str, Any]) -> None:
    source = _fingerprints(dict(connection.settings_dict))
    copy = _fingerprints(target)
    assert copy == source
    assert source["audit_event"][0] == AuditEvent.objects.count() > 0
    assert source["accounts_user"][0] >= 10
    with backup.database_connection(target) as db:
        result = chain.verify(audit_chain_rows(db=db))
    assert result.broken is None
    assert result.checked == AuditEvent.objects.count()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite round trip")
def test_backup_of_the_seeded_demo_restores_on_sqlite(
    transactional_db: Any, backup_key: list[bytes], tmp_path: Path, caplog: Any
) -> None:
    _seeded_demo()
    archive = tmp_path / "desist.backup"
    call_command("backup", out=str(archive), stdout=io.StringIO())
    assert archive.stat().st_mode & 0o777 == 0o600
    target_url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    out = io.StringIO()
    with caplog.at_level(logging.WARNING, logger="desist.audit"):
        call_command("restore", str(archive), database_url=target_url, stdout=out)
    assert "audit chain intact" in out.getvalue()
    kid = backup_stream.key_id(backup_key[0]).hex()
    made = AuditEvent.objects.get(verb="backup.started")
    assert made.category == Category.SECURITY and made.object_id == kid
    assert made.actor_username == f"os:{getpass.getuser()}"
    restored = [r.getMessage() for r in caplog.records if "restored by OS user" in r.getMessage()]
    assert restored and kid in restored[0] and getpass.getuser() in restored[0]
    # Written beside it as a private file and renamed into place; nothing else left behind.
    assert (tmp_path / "restored.sqlite3").stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["desist.backup", "restored.sqlite3"]
    _assert_same_database(backup.database_settings(target_url))

    with pytest.raises(CommandError, match="Restore only into an empty database") as refused:
        call_command("restore", str(archive), database_url=target_url)
    assert re.search(r"already holds \d+ tables \(\w+, \w+, \w+, \.\.\.\)", str(refused.value))
    # One table is "1 table", named (tester finding: "holds 1 tables").
    lone = tmp_path / "lone.sqlite3"
    with sqlite3.connect(lone) as conn:
        conn.execute("CREATE TABLE notes (body text)")
    with pytest.raises(CommandError, match=r"already holds 1 table \(notes\)\."):
        call_command("restore", str(archive), database_url=f"sqlite:///{lone}")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite: a file is cheap to make")
def test_a_tampered_backup_restores_nothing(
    transactional_db: Any, backup_key: list[bytes], tmp_path: Path
) -> None:
    _seeded_demo()
    archive = tmp_path / "desist.backup"
    call_command("backup", out=str(archive), stdout=io.StringIO())
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x40
    archive.write_bytes(bytes(data))
    target = tmp_path / "restored.sqlite3"
    with pytest.raises(CommandError, match="does not authenticate"):
        call_command("restore", str(archive), database_url=f"sqlite:///{target}")
    # No file at all (it was a 0-byte 0644 one): a half-restored database must not be taken
    # for an empty one, nor its temporary copy left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["desist.backup"]


# --- PostgreSQL: restore into a new database the owner makes -------------------------------


@pytest.fixture
def fresh_postgresql_database() -> Iterator[dict[str, Any]]:
    """A new, empty database created by the owner role (DESIST_MIGRATE_DATABASE_URL in CI;
    else the role the suite runs as), dropped afterwards."""
    import psycopg

    owner_url = os.environ.get("DESIST_MIGRATE_DATABASE_URL", "")
    owner = dict(connection.settings_dict)
    if owner_url:
        parsed = dj_database_url.parse(owner_url)
        owner.update({k: parsed[k] for k in ("USER", "PASSWORD", "HOST", "PORT")})
    name = f"{connection.settings_dict['NAME']}_restore"
    admin = {**owner, "NAME": "postgres"}
    with psycopg.connect(**_conninfo(admin), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**owner, "NAME": name}
    finally:
        # A session of another role still ending (the restore's own connections close as it
        # returns) cannot be terminated by the owner (FORCE): InsufficientPrivilege failed the
        # PostgreSQL run once at this teardown. Such a session ends in a moment; try for 5 s.
        for attempt in range(20):
            try:
                with psycopg.connect(**_conninfo(admin), autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                break
            except psycopg.errors.InsufficientPrivilege:
                if attempt == 19:
                    raise
                time.sleep(0.25)


def _conninfo(s: dict[str, Any]) -> dict[str, Any]:
    return {
        "dbname": s["NAME"],
        "user": s["USER"] or None,
        "password": s["PASSWORD"] or None,
        "host": s["HOST"] or None,
        "port": s["PORT"] or None,
    }


def _url(s: dict[str, Any]) -> str:
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL round trip")
def test_backup_of_the_seeded_demo_restores_on_postgresql(
    transactional_db: Any,
    backup_key: list[bytes],
    tmp_path: Path,
    fresh_postgresql_database: dict[str, Any],
) -> None:
    _seeded_demo()
    archive = tmp_path / "desist.backup"
    call_command("backup", out=str(archive), stdout=io.StringIO())  # as the runtime role
    target = fresh_postgresql_database
    out = io.StringIO()
    runtime = (
        connection.settings_dict["USER"]
        if target["USER"] != connection.settings_dict["USER"]
        else ""
    )
    call_command("restore", str(archive), database_url=_url(target), runtime=runtime, stdout=out)
    assert "audit chain intact" in out.getvalue()
    _assert_same_database(backup.database_settings(_url(target)))
    if runtime:
        # The runtime role's grants came back with it: it may read audit, not rewrite it.
        as_runtime = {**target, "USER": runtime, "PASSWORD": connection.settings_dict["PASSWORD"]}
        with _raw(as_runtime) as conn:
            assert conn.execute("SELECT count(*) FROM audit_event").fetchone()[0] > 0
            with pytest.raises(Exception, match="permission denied"):
                conn.execute("DELETE FROM audit_event")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL credentials")
def test_wrong_postgresql_credentials_are_one_line_without_the_password(
    transactional_db: Any, backup_key: list[bytes], tmp_path: Path
) -> None:
    # Tester finding: a 67-line traceback from backup, a 30-line one from restore.
    wrong = {**connection.settings_dict, "PASSWORD": "not-the-password-5f1c"}
    archive = tmp_path / "desist.backup"
    with pytest.raises(CommandError) as failed:
        call_command("backup", out=str(archive), database_url=_url(wrong))
    message = str(failed.value)
    assert message.startswith(f"Cannot connect to database {wrong['NAME']}: "), message
    assert "\n" not in message and "not-the-password-5f1c" not in message
    assert not archive.exists()

    call_command("backup", out=str(archive), stdout=io.StringIO())
    with pytest.raises(CommandError) as failed:
        call_command("restore", str(archive), database_url=_url(wrong))
    message = str(failed.value)
    assert message.startswith(f"Cannot connect to database {wrong['NAME']}: "), message
    assert "\n" not in message and "not-the-password-5f1c" not in message


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL restore")
def test_a_postgresql_restore_that_fails_its_proof_leaves_nothing_and_can_be_retried(
    transactional_db: Any,
    backup_key: list[bytes],
    tmp_path: Path,
    fresh_postgresql_database: dict[str, Any],
    settings: Any,
) -> None:
    # Tester finding: restoring with another DESIST_AUDIT_HMAC_KEY left 80 tables behind, and
    # the retry was refused ("already holds 80 tables").
    archive = tmp_path / "desist.backup"
    call_command("backup", out=str(archive), stdout=io.StringIO())  # writes one audit row
    target = _url(fresh_postgresql_database)
    key_used = settings.DESIST_AUDIT_HMAC_KEY
    settings.DESIST_AUDIT_HMAC_KEY = "another-audit-hmac-key-0123456789abcdef"
    with pytest.raises(CommandError, match="audit chain is broken") as failed:
        call_command("restore", str(archive), database_url=target)
    assert "DESIST_AUDIT_HMAC_KEY" in str(failed.value)
    settings_dict = backup.database_settings(target)
    assert backup._pg_objects(settings_dict) == []
    with _raw(settings_dict) as conn:
        assert backup._tables(conn, "postgresql") == []
    settings.DESIST_AUDIT_HMAC_KEY = key_used
    out = io.StringIO()
    call_command("restore", str(archive), database_url=target, stdout=out)
    assert "audit chain intact" in out.getvalue()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL restore")
def test_an_unknown_runtime_role_is_refused_before_anything_is_restored(
    transactional_db: Any,
    backup_key: list[bytes],
    tmp_path: Path,
    fresh_postgresql_database: dict[str, Any],
) -> None:
    # Tester finding: a mistyped --runtime failed the grants after every table was restored.
    archive = tmp_path / "desist.backup"
    call_command("backup", out=str(archive), stdout=io.StringIO())
    target = _url(fresh_postgresql_database)
    with pytest.raises(CommandError) as failed:
        call_command("restore", str(archive), database_url=target, runtime="desist_no_such_role")
    assert "'desist_no_such_role' does not exist" in str(failed.value)
    assert "Nothing was restored" in str(failed.value)
    with _raw(backup.database_settings(target)) as conn:
        assert backup._tables(conn, "postgresql") == []
