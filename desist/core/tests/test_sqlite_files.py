"""The embedded SQLite database is readable by its owner only (issue 12, Medium 5)."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

from desist.core.sqlite_files import secure_sqlite_files


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_is_created_0600_in_a_0700_directory(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask, which would give 0644
    try:
        var = tmp_path / "var"
        db = var / "desist.sqlite3"
        secure_sqlite_files(db, own_directory=var)
        assert _mode(var) == 0o700 and _mode(db) == 0o600
        # SQLite gives its WAL and shared-memory files the database file's mode.
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
        for extra in ("-wal", "-shm"):
            assert _mode(Path(f"{db}{extra}")) == 0o600, extra
        conn.close()
    finally:
        os.umask(old)


def test_an_existing_database_and_its_wal_are_tightened(tmp_path: Path) -> None:
    db = tmp_path / "chosen" / "x.sqlite3"
    db.parent.mkdir(mode=0o755)
    for name in (db, Path(f"{db}-wal")):
        name.write_bytes(b"")
        name.chmod(0o644)
    secure_sqlite_files(db)
    assert _mode(db) == 0o600 and _mode(Path(f"{db}-wal")) == 0o600
    assert _mode(db.parent) == 0o755  # a directory the operator chose is left alone


def test_in_memory_databases_are_left_alone(tmp_path: Path) -> None:
    secure_sqlite_files(":memory:")
    assert not (Path.cwd() / ":memory:").exists()
