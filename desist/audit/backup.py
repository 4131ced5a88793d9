"""`desist backup` and `desist restore`: whole-database copies, encrypted (ADR 0022).

PostgreSQL: `pg_dump --format=custom` of one exported snapshot, streamed through the cipher;
restored with `pg_restore --single-transaction` into an empty database the owner role has made,
then the runtime role's grants (scripts/db-roles.sql) are applied again. SQLite: the SQLite
backup API into memory, never a plaintext copy on disk.

Each backup carries a manifest taken from the same snapshot as the data: per-table row counts
and checksums, and the last audit row. A restore recomputes them on the restored database and
walks the audit hash chain; any difference fails the restore.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import struct
import subprocess
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import dj_database_url
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend

from desist.audit import backup_stream, chain, db_roles
from desist.audit.selectors import audit_chain_rows

FORMAT = 1
_MANIFEST_LEN = struct.Struct(">I")
_READ = 1024 * 1024
_MODULUS = 2**256

Fingerprints = dict[str, list[Any]]  # table -> [row count, checksum]


class RestoreError(Exception):
    """The restore was refused or did not reproduce the backup."""


# --- fingerprints --------------------------------------------------------------------------


def _canonical(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


def _row_digest(row: Iterable[Any]) -> int:
    text = json.dumps(list(row), default=_canonical, sort_keys=True, ensure_ascii=False)
    return int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")


def _tables(conn: Any, vendor: str) -> list[str]:
    if vendor == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    else:
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    cursor = conn.cursor()
    cursor.execute(sql)
    return sorted(r[0] for r in cursor.fetchall())


def fingerprints(conn: Any, vendor: str) -> Fingerprints:
    """Per table: rows and an order-free checksum (the sum of each row's SHA-256, mod 2**256),
    read through a plain DB-API connection (sqlite3, or psycopg in UTC), so two copies of one
    database give equal figures whichever server or file they are on."""
    result: Fingerprints = {}
    if vendor == "postgresql":
        conn.execute("SET LOCAL TIME ZONE 'UTC'")
    for table in _tables(conn, vendor):
        quoted = '"' + table.replace('"', '""') + '"'
        cursor = conn.cursor(name="desist_fingerprint") if vendor == "postgresql" else conn.cursor()
        cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 (a table name the catalogue gave)
        count, total = 0, 0
        while rows := cursor.fetchmany(2000):
            count += len(rows)
            total = (total + sum(_row_digest(r) for r in rows)) % _MODULUS
        cursor.close()
        result[table] = [count, f"{total:064x}"]
    return result


def _last_audit(conn: Any) -> list[Any] | None:
    cursor = conn.cursor()
    cursor.execute("SELECT id, row_hash FROM audit_event ORDER BY id DESC LIMIT 1")
    row = cursor.fetchone()
    return [row[0], row[1]] if row else None


def manifest_for(conn: Any, vendor: str) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "database": vendor,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "tables": fingerprints(conn, vendor),
        "audit_last": _last_audit(conn),
    }


def differences(expected: Fingerprints, found: Fingerprints) -> list[str]:
    """What differs between two sets of fingerprints, one line per table."""
    lines = []
    for table in sorted(set(expected) | set(found)):
        want, got = expected.get(table), found.get(table)
        if want is None or got is None:
            lines.append(f"{table}: {'missing' if got is None else 'not in the backup'}")
        elif want[0] != got[0]:
            lines.append(f"{table}: {got[0]} rows, the backup had {want[0]}")
        elif want[1] != got[1]:
            lines.append(f"{table}: same {got[0]} rows, different contents")
    return lines


# --- the target database -------------------------------------------------------------------


def database_settings(url: str | None) -> dict[str, Any]:
    """A full Django settings dict: the configured default, or `url` (the same form as
    DATABASE_URL) laid over it."""
    base = dict(connections["default"].settings_dict)
    if not url:
        return base
    parsed = dj_database_url.parse(url)
    same_engine = parsed["ENGINE"] == base["ENGINE"]
    base.update({k: parsed[k] for k in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT")})
    base["OPTIONS"] = dict(base.get("OPTIONS") or {}) if same_engine else {}
    return base


def vendor_of(settings_dict: dict[str, Any]) -> str:
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise RestoreError(f"Backups support SQLite and PostgreSQL, not {engine}")


def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    # libpq's variables, so the password never appears in a process listing.
    env = dict(os.environ)
    for var, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    env["PGDATABASE"] = str(settings_dict["NAME"])
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return env


def cannot_connect(settings_dict: dict[str, Any], exc: BaseException) -> RestoreError:
    """A failed connection as one line without the password (not a page of traceback)."""
    text = " ".join(str(exc).split())
    password = str(settings_dict.get("PASSWORD") or "")
    if password:
        text = text.replace(password, "***")
    return RestoreError(f"Cannot connect to database {settings_dict.get('NAME')}: {text}")


def _pg_connect(settings_dict: dict[str, Any]) -> Any:
    import psycopg  # only where PostgreSQL is used

    try:
        return psycopg.connect(
            dbname=settings_dict["NAME"],
            user=settings_dict.get("USER") or None,
            password=settings_dict.get("PASSWORD") or None,
            host=settings_dict.get("HOST") or None,
            port=settings_dict.get("PORT") or None,
        )
    except psycopg.OperationalError as exc:
        raise cannot_connect(settings_dict, exc) from None


def _sqlite_connect(name: str) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(name, uri=name.startswith("file:"))
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1")  # opens the file: fails here if not
    except sqlite3.Error as exc:
        raise cannot_connect({"NAME": name}, exc) from None
    return conn


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise RestoreError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


@contextmanager
def database_connection(settings_dict: dict[str, Any]) -> Iterator[BaseDatabaseWrapper]:
    """The target database as a Django connection of its own (not one of the configured
    aliases), for the ORM's reads of it."""
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(
        settings_dict, alias="desist_restore_target"
    )
    try:
        yield wrapper
    finally:
        wrapper.close()


# --- backup --------------------------------------------------------------------------------


def _with_manifest(manifest: dict[str, Any], data: Iterable[bytes]) -> Iterator[bytes]:
    encoded = json.dumps(manifest, sort_keys=True).encode()
    yield _MANIFEST_LEN.pack(len(encoded)) + encoded
    yield from data


def _backup_sqlite(settings_dict: dict[str, Any], out: BinaryIO, key: bytes) -> dict[str, Any]:
    source = _sqlite_connect(str(settings_dict["NAME"]))
    memory = sqlite3.connect(":memory:")
    try:
        source.backup(memory)
        manifest = manifest_for(memory, "sqlite")
        image = memory.serialize()
    finally:
        source.close()
        memory.close()
    view = memoryview(image)
    pieces = (view[i : i + _READ].tobytes() for i in range(0, len(view), _READ))
    backup_stream.encrypt(_with_manifest(manifest, pieces), out, key=key)
    return manifest


def _backup_postgresql(settings_dict: dict[str, Any], out: BinaryIO, key: bytes) -> dict[str, Any]:
    import psycopg

    conn = _pg_connect(settings_dict)
    try:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        # One snapshot for the manifest and for pg_dump: both describe the same moment.
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        manifest = manifest_for(conn, "postgresql")
        command = [_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}"]
        with subprocess.Popen(  # noqa: S603 (fixed arguments, no shell)
            command, stdout=subprocess.PIPE, env=_pg_env(settings_dict)
        ) as dump:
            assert dump.stdout is not None
            pieces = iter(lambda: dump.stdout.read(_READ), b"")  # type: ignore[union-attr]
            backup_stream.encrypt(_with_manifest(manifest, pieces), out, key=key)
        if dump.returncode != 0:
            raise RestoreError(f"pg_dump failed (exit {dump.returncode}); the backup is void")
    finally:
        conn.close()
    return manifest


def backup(out_path: Path, *, key: bytes, url: str | None = None) -> dict[str, Any]:
    """Write an encrypted backup of the database to `out_path` (mode 0600; written beside it
    and renamed only when complete). Returns the manifest."""
    settings_dict = database_settings(url)
    vendor = vendor_of(settings_dict)
    partial = out_path.with_name(out_path.name + ".partial")
    fd = os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            if vendor == "sqlite":
                manifest = _backup_sqlite(settings_dict, out, key)
            else:
                manifest = _backup_postgresql(settings_dict, out, key)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, out_path)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


# --- restore -------------------------------------------------------------------------------


def _read_manifest(plain: Iterator[bytes]) -> tuple[dict[str, Any], Iterator[bytes]]:
    buffer = b""
    for piece in plain:
        buffer += piece
        if len(buffer) >= _MANIFEST_LEN.size:
            size = _MANIFEST_LEN.unpack(buffer[: _MANIFEST_LEN.size])[0]
            if len(buffer) >= _MANIFEST_LEN.size + size:
                break
    size = _MANIFEST_LEN.unpack(buffer[: _MANIFEST_LEN.size])[0]
    manifest = json.loads(buffer[_MANIFEST_LEN.size : _MANIFEST_LEN.size + size])
    rest = buffer[_MANIFEST_LEN.size + size :]

    def remaining() -> Iterator[bytes]:
        if rest:
            yield rest
        yield from plain

    return manifest, remaining()


def _refuse_unless_empty(conn: Any, vendor: str, where: str) -> None:
    tables = _tables(conn, vendor)
    if tables:
        named = ", ".join(tables[:3]) + (", ..." if len(tables) > 3 else "")
        count = "1 table" if len(tables) == 1 else f"{len(tables)} tables"
        raise RestoreError(
            f"{where} already holds {count} ({named}). Restore only into an empty database "
            "(PostgreSQL: a new one, created by the owner role)."
        )


def _restore_sqlite(settings_dict: dict[str, Any], data: Iterator[bytes]) -> Fingerprints:
    name = str(settings_dict["NAME"])
    target = _sqlite_connect(name)
    memory = sqlite3.connect(":memory:")
    try:
        _refuse_unless_empty(target, "sqlite", name)
        image = bytearray(b"".join(data))
        if len(image) >= 20:
            # A WAL-mode database's header cannot open in memory; read it as rollback-journal.
            image[18:20] = b"\x01\x01"
        memory.deserialize(bytes(image))
        if memory.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise RestoreError("The SQLite image in the backup fails its integrity check")
        memory.backup(target)
        return fingerprints(target, "sqlite")
    finally:
        memory.close()
        target.close()


def _restore_postgresql(
    settings_dict: dict[str, Any], data: Iterator[bytes], runtime: str
) -> Fingerprints:
    with _pg_connect(settings_dict) as conn:
        _refuse_unless_empty(conn, "postgresql", f"Database {settings_dict['NAME']}")
        # Checked first: a role that does not exist would fail the grants after the data is in.
        if (
            runtime
            and not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [runtime]).fetchone()
        ):
            raise RestoreError(
                f"The runtime role {runtime!r} does not exist: create it (scripts/db-roles.sql) "
                "or name the right one with --runtime. Nothing was restored."
            )
    command = [
        _tool("pg_restore"),
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={settings_dict['NAME']}",
    ]
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, env=_pg_env(settings_dict))  # noqa: S603
    assert proc.stdin is not None
    try:
        for piece in data:
            proc.stdin.write(piece)
        proc.stdin.close()
    except BaseException:
        proc.kill()  # before EOF: a cut-off dump must never look complete to pg_restore
        proc.wait()
        raise
    if proc.wait() != 0:
        raise RestoreError(f"pg_restore failed (exit {proc.returncode}); nothing was restored")
    with _pg_connect(settings_dict) as conn:
        if runtime:
            for sql in db_roles.statements(owner=settings_dict["USER"], runtime=runtime):
                conn.execute(sql)
        conn.execute("ANALYZE")
        conn.commit()
        found = fingerprints(conn, "postgresql")
        conn.rollback()
    return found


# Every object in the target's schema (not an extension's), as DROP would name it.
_PG_OBJECTS = """
SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
       WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, c.oid::regclass::text
  FROM pg_class c
 WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                   AND d.objid = c.oid AND d.deptype = 'e')
UNION ALL
SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
       p.oid::regprocedure::text
  FROM pg_proc p
 WHERE p.pronamespace = current_schema()::regnamespace
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                   AND d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT 'TYPE', t.oid::regtype::text
  FROM pg_type t
 WHERE t.typnamespace = current_schema()::regnamespace AND t.typtype IN ('e', 'd', 'r', 'm')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                   AND d.objid = t.oid AND d.deptype = 'e')
"""


def _pg_objects(settings_dict: dict[str, Any]) -> list[tuple[str, str]]:
    with _pg_connect(settings_dict) as conn:
        return [(kind, name) for kind, name in conn.execute(_PG_OBJECTS).fetchall()]


def _restore_postgresql_proven(
    settings_dict: dict[str, Any], manifest: dict[str, Any], data: Iterator[bytes], runtime: str
) -> chain.Result:
    """pg_restore commits before the restore can be proven; if the proof fails, drop what it
    created, so the database is empty again and a retry (say with the right key) is accepted."""
    before = set(_pg_objects(settings_dict))
    try:
        return _proven(settings_dict, manifest, _restore_postgresql(settings_dict, data, runtime))
    except BaseException:
        with _pg_connect(settings_dict) as conn:
            # Tables first: their CASCADE takes identity sequences and triggers with them.
            created = set(_pg_objects(settings_dict)) - before
            for kind, name in sorted(created, key=lambda o: (o[0] != "TABLE", o)):
                # IF EXISTS: an earlier CASCADE may have dropped it already.
                conn.execute(f"DROP {kind} IF EXISTS {name} CASCADE")
        raise


def _verify_chain(settings_dict: dict[str, Any], manifest: dict[str, Any]) -> chain.Result:
    with database_connection(settings_dict) as db:
        result = chain.verify(audit_chain_rows(db=db))
    if result.broken is not None:
        raise RestoreError(
            f"The restored audit chain is broken at {result.broken}. A likely cause: "
            "DESIST_AUDIT_HMAC_KEY differs from the key the backup's database used. Nothing was "
            "kept; restore again with that key."
        )
    last = [result.last_id, result.last_hash] if result.last_id is not None else None
    if last != manifest["audit_last"]:
        raise RestoreError(
            f"The restored audit log ends at {last}, the backup's at {manifest['audit_last']}"
        )
    return result


def restore(
    source: BinaryIO, *, keys: list[bytes], url: str | None = None, runtime: str = ""
) -> dict[str, Any]:
    """Restore an encrypted backup into an empty database (the configured one, or `url`), then
    prove it: per-table rows and checksums equal the backup's, and the audit chain verifies
    up to the backup's last row. Returns the manifest and the chain's figures."""
    settings_dict = database_settings(url)
    vendor = vendor_of(settings_dict)
    manifest, data = _read_manifest(backup_stream.decrypt(source, keys))
    if manifest.get("format") != FORMAT or manifest.get("database") != vendor:
        raise RestoreError(
            f"This is a {manifest.get('database')} backup; the target database is {vendor}"
        )
    if vendor == "sqlite" and not str(settings_dict["NAME"]).startswith("file:"):
        result = _restore_sqlite_file(settings_dict, manifest, data)
    else:
        if vendor == "sqlite":
            result = _proven(settings_dict, manifest, _restore_sqlite(settings_dict, data))
        else:
            result = _restore_postgresql_proven(settings_dict, manifest, data, runtime)
    return {"manifest": manifest, "audit_checked": result.checked}


def _proven(
    settings_dict: dict[str, Any], manifest: dict[str, Any], found: Fingerprints
) -> chain.Result:
    wrong = differences(manifest["tables"], found)
    if wrong:
        raise RestoreError("The restored database differs from the backup:\n" + "\n".join(wrong))
    return _verify_chain(settings_dict, manifest)


def _remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _restore_sqlite_file(
    settings_dict: dict[str, Any], manifest: dict[str, Any], data: Iterator[bytes]
) -> chain.Result:
    """Restore into a new file (0600) beside the target and put it in place only once it is
    proven: a failed restore leaves no file, or only the empty one that was there."""
    path = Path(str(settings_dict["NAME"]))
    if path.exists():
        with closing(_sqlite_connect(str(path))) as existing:
            _refuse_unless_empty(existing, "sqlite", str(path))
    partial = path.with_name(f".{path.name}.restoring")
    _remove_sqlite_files(partial)  # a crashed earlier attempt's
    os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    try:
        in_progress = {**settings_dict, "NAME": str(partial)}
        result = _proven(in_progress, manifest, _restore_sqlite(in_progress, data))
        os.replace(partial, path)
    finally:
        _remove_sqlite_files(partial)
    return result
