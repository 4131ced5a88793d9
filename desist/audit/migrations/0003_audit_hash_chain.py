"""The audit hash chain: two columns, and the chain computed over the rows already there.

Audit rows refuse UPDATE (triggers of 0001), so the backfill lifts the UPDATE trigger for the
length of this migration's own transaction and puts it back before commit; no other session
ever sees the table without it. On PostgreSQL that needs the table's owner, which is why
migrations run as the owner role, never the runtime role (scripts/db-roles.sql). ALTER TABLE
also locks the table until commit, so appends wait for the backfill: run it in a maintenance
window on a large log (a few minutes per million rows). The key is DESIST_AUDIT_HMAC_KEY
at the time of migrating: set the production key first.
"""

from django.db import migrations, models

from desist.audit import chain

BATCH = 5000

SQLITE_UPDATE_TRIGGER = """
    CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE refused'); END
"""


def _rows(model):
    last = 0
    fields = ("id", *chain.FIELDS)
    while True:
        batch = list(model.objects.filter(id__gt=last).order_by("id").values(*fields)[:BATCH])
        if not batch:
            return
        yield batch
        last = batch[-1]["id"]


def _update(schema_editor, hashes):
    cursor = schema_editor.connection.cursor()
    if schema_editor.connection.vendor == "postgresql":
        values = ", ".join(["(%s::bigint, %s, %s)"] * len(hashes))
        cursor.execute(
            "UPDATE audit_event AS a SET prev_hash = v.p, row_hash = v.r "  # noqa: S608 (placeholders)
            f"FROM (VALUES {values}) AS v(id, p, r) WHERE a.id = v.id",
            [x for row in hashes for x in row],
        )
    else:
        cursor.executemany(
            "UPDATE audit_event SET prev_hash = %s, row_hash = %s WHERE id = %s",
            [(p, r, i) for i, p, r in hashes],
        )


def add_chain(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise RuntimeError(f"No audit chain SQL for database vendor {vendor!r}")
    for column in ("prev_hash", "row_hash"):
        schema_editor.execute(
            f"ALTER TABLE audit_event ADD COLUMN {column} varchar(64) NOT NULL DEFAULT ''",
            params=None,
        )
    if vendor == "postgresql":
        schema_editor.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update")
    else:
        schema_editor.execute("DROP TRIGGER audit_event_no_update")
    model = apps.get_model("audit", "AuditEvent")
    secret = chain.key()
    prev = ""
    for batch in _rows(model):
        hashes = []
        for row in batch:
            digest = chain.row_hash(prev, row, secret=secret)
            hashes.append((row["id"], prev, digest))
            prev = digest
        _update(schema_editor, hashes)
    if vendor == "postgresql":
        schema_editor.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_update")
    else:
        schema_editor.execute(SQLITE_UPDATE_TRIGGER, params=None)


def drop_chain(apps, schema_editor):
    for column in ("row_hash", "prev_hash"):
        schema_editor.execute(f"ALTER TABLE audit_event DROP COLUMN {column}", params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_audit_list_indexes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="auditevent",
                    name="prev_hash",
                    field=models.CharField(blank=True, editable=False, max_length=64),
                ),
                migrations.AddField(
                    model_name="auditevent",
                    name="row_hash",
                    field=models.CharField(blank=True, editable=False, max_length=64),
                ),
            ],
        ),
        migrations.RunPython(add_chain, drop_chain),
    ]
