"""Owner-only permissions for the embedded SQLite database (issue 12, Medium 5).

SQLite creates a database file with the process umask (often 0644: readable by every local
user), and gives its -wal and -shm files the database file's mode. So the file is made (or
tightened) to 0600 before SQLite first opens it, and the project's own var/ directory to 0700.
Imported by settings: standard library only.
"""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def secure_sqlite_files(database: str | Path, *, own_directory: Path | None = None) -> None:
    """Create `database` empty with mode 0600 if it is missing, else tighten it (and its -wal,
    -shm and -journal files) to 0600. `own_directory` (the project's var/) is created or
    tightened to 0700; a directory the operator chose is left as it is."""
    name = str(database)
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    if own_directory is not None:
        own_directory.mkdir(mode=DIR_MODE, exist_ok=True)
        os.chmod(own_directory, DIR_MODE)
    path = Path(name)
    if not path.parent.is_dir():
        return  # SQLite will report the missing directory itself
    fd = os.open(path, os.O_CREAT | os.O_RDWR, FILE_MODE)
    os.close(fd)
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = Path(name + suffix)
        if candidate.exists():
            os.chmod(candidate, FILE_MODE)
