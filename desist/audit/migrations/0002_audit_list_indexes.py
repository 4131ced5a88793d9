"""Indexes for the audit log page at national volume (benchmarks/pages.py).

The table is unmanaged (see 0001), so the indexes are plain SQL, like the table's own:

- organisation + time: an auditor of one organisation sees only its rows, newest first;
- category + time: the "Action" filter and the overseer's security queue;
- username + time: the "Username" filter, which is case-insensitive (`iexact`): on PostgreSQL
  Django compares UPPER(actor_username::text), on SQLite it uses LIKE, which can use an index
  only when the index compares without case (COLLATE NOCASE);
- organisation + record type: the list of record types for the filter, for one organisation
  (the whole log uses audit_event_object_idx).

On PostgreSQL they are built CONCURRENTLY (the migration is not atomic), so that adding them to
a large live audit table does not block the inserts every request makes.
"""

from django.db import migrations

INDEXES = {
    "audit_event_org_time_idx": {
        "postgresql": "audit_event (organisation_id, occurred_at, id)",
        "sqlite": "audit_event (organisation_id, occurred_at, id)",
    },
    "audit_event_category_time_idx": {
        "postgresql": "audit_event (category, occurred_at, id)",
        "sqlite": "audit_event (category, occurred_at, id)",
    },
    "audit_event_username_idx": {
        "postgresql": "audit_event (UPPER(actor_username::text), occurred_at, id)",
        "sqlite": "audit_event (actor_username COLLATE NOCASE, occurred_at, id)",
    },
    "audit_event_org_object_type_idx": {
        "postgresql": "audit_event (organisation_id, object_type)",
        "sqlite": "audit_event (organisation_id, object_type)",
    },
}


def _vendor(schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise RuntimeError(f"No audit index SQL for database vendor {vendor!r}")
    return vendor


def create_indexes(apps, schema_editor):
    vendor = _vendor(schema_editor)
    concurrently = " CONCURRENTLY" if vendor == "postgresql" else ""
    for name, on in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX{concurrently} IF NOT EXISTS {name} ON {on[vendor]}", params=None
        )


def drop_indexes(apps, schema_editor):
    vendor = _vendor(schema_editor)
    concurrently = " CONCURRENTLY" if vendor == "postgresql" else ""
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX{concurrently} IF EXISTS {name}", params=None)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
