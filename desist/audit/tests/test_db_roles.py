"""The runtime role (scripts/db-roles.sql) cannot rewrite audit: not by lifting or dropping the
triggers, not by changing, deleting or dropping rows. It can append and read.

On PostgreSQL run as the runtime role (CI: DATABASE_URL names it, DESIST_MIGRATE_DATABASE_URL
the owner; see conftest.py and .ci/run)."""

from __future__ import annotations

import os
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from desist.audit import db_roles
from desist.audit.models import Category
from desist.audit.services import audit_record

ATTACKS = [
    "ALTER TABLE audit_event DISABLE TRIGGER ALL",
    "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update",
    "DROP TRIGGER audit_event_no_update ON audit_event",
    "DROP TRIGGER audit_event_no_delete ON audit_event",
    "DROP FUNCTION audit_event_refuse_change() CASCADE",
    "UPDATE audit_event SET verb = 'tampered'",
    "DELETE FROM audit_event",
    "TRUNCATE audit_event",
    "DROP TABLE audit_event",
    "ALTER TABLE audit_event RENAME TO audit_event_old",
    "ALTER TABLE audit_event OWNER TO CURRENT_USER",
    "CREATE TABLE audit_event_shadow (id bigint)",
]

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database roles are PostgreSQL's"
)


def _is_runtime_role() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableowner <> current_user FROM pg_tables WHERE tablename = 'audit_event'"
        )
        return bool(cursor.fetchone()[0])


@on_postgresql
def test_ci_runs_the_postgresql_suite_as_the_runtime_role(db: Any) -> None:
    if not os.environ.get("DESIST_MIGRATE_DATABASE_URL"):
        pytest.skip("the owner runs this suite (set DESIST_MIGRATE_DATABASE_URL, as .ci/run does)")
    assert _is_runtime_role()


@on_postgresql
@pytest.mark.parametrize("sql", ATTACKS)
def test_runtime_role_cannot_rewrite_audit(db: Any, sql: str) -> None:
    if not _is_runtime_role():
        pytest.skip("connected as the owner (set DESIST_MIGRATE_DATABASE_URL, as .ci/run does)")
    event = audit_record(
        actor=None, actor_username="someone", category=Category.SECURITY, verb="test.role"
    )
    # Refused for want of privilege (not by a trigger, which an owner could lift).
    with (
        pytest.raises(DatabaseError, match="permission denied|must be owner"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    with connection.cursor() as cursor:
        cursor.execute("SELECT verb FROM audit_event WHERE id = %s", [event.pk])
        assert cursor.fetchone() == ("test.role",)


def test_the_sql_grants_audit_only_select_and_insert() -> None:
    sql = db_roles.statements(owner="desist_owner", runtime="desist_app")
    on_audit = [s for s in sql if "audit_event" in s]
    assert on_audit == [
        'REVOKE ALL ON audit_event FROM "desist_app"',
        'GRANT SELECT, INSERT ON audit_event TO "desist_app"',
    ]
    # The audit grant comes after the grant on every table, so it is the last word.
    assert sql.index(on_audit[0]) > sql.index(
        'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "desist_app"'
    )
    assert any('DEFAULT PRIVILEGES FOR ROLE "desist_owner"' in s for s in sql)


def test_db_roles_command_prints_and_refuses_one_role_for_both() -> None:
    out = StringIO()
    call_command("db_roles", "--runtime", "desist_app", "--owner", "desist_owner", stdout=out)
    assert 'GRANT SELECT, INSERT ON audit_event TO "desist_app";' in out.getvalue()
    with pytest.raises(CommandError, match="must not be the owner"):
        call_command("db_roles", "--runtime", "desist", "--owner", "desist")
    with pytest.raises(CommandError, match="Not a plain role name"):
        call_command("db_roles", "--runtime", 'x"; DROP TABLE audit_event; --')
