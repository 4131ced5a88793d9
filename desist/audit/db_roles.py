"""The PostgreSQL grants of scripts/db-roles.sql, for `desist db_roles` and the test set-up.

One source: the SQL file (psql variables :"owner" and :"runtime"). Here its comments are
dropped and the variables replaced by quoted role names, statement by statement.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper

SQL_FILE = Path(settings.BASE_DIR) / "scripts" / "db-roles.sql"
_ROLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_$-]{0,62}$")


def quote_role(role: str) -> str:
    if not _ROLE.match(role):
        raise ValueError(f"Not a plain role name: {role!r}")
    return '"' + role + '"'


def statements(*, owner: str, runtime: str) -> list[str]:
    if owner == runtime:
        raise ValueError("The runtime role must not be the owner role")
    text = "\n".join(
        line for line in SQL_FILE.read_text().splitlines() if not line.lstrip().startswith("--")
    )
    text = text.replace(':"owner"', quote_role(owner)).replace(':"runtime"', quote_role(runtime))
    return [" ".join(s.split()) for s in text.split(";") if s.strip()]


def apply(connection: BaseDatabaseWrapper, *, runtime: str, owner: str = "") -> list[str]:
    """Run the grants on `connection`, which must be the owner's (or a superuser's, naming
    the owner). Returns the statements run."""
    if connection.vendor != "postgresql":
        raise ValueError("Database roles apply to PostgreSQL only")
    with connection.cursor() as cursor:
        if not owner:
            cursor.execute("SELECT current_user")
            owner = cursor.fetchone()[0]
        done = statements(owner=owner, runtime=runtime)
        for sql in done:
            cursor.execute(sql)
    return done
