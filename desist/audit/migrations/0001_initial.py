from django.db import migrations, models
import django.utils.timezone

POSTGRES = [
    """
    CREATE TABLE audit_event (
        id bigserial PRIMARY KEY,
        occurred_at timestamptz NOT NULL,
        actor_id bigint NULL,
        actor_username varchar(150) NOT NULL,
        organisation_id bigint NULL,
        organisation_name varchar(200) NOT NULL,
        category varchar(20) NOT NULL,
        verb varchar(80) NOT NULL,
        object_type varchar(80) NOT NULL,
        object_id varchar(64) NOT NULL,
        justification text NOT NULL,
        recipients jsonb NOT NULL,
        old_values jsonb NULL,
        new_values jsonb NULL,
        request_id varchar(32) NOT NULL,
        client_address inet NULL
    )
    """,
    "CREATE INDEX audit_event_occurred_idx ON audit_event (occurred_at)",
    "CREATE INDEX audit_event_actor_idx ON audit_event (actor_id)",
    "CREATE INDEX audit_event_org_idx ON audit_event (organisation_id)",
    "CREATE INDEX audit_event_object_idx ON audit_event (object_type, object_id)",
    """
    CREATE FUNCTION audit_event_refuse_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()
    """,
    """
    CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()
    """,
    """
    CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()
    """,
]

SQLITE = [
    """
    CREATE TABLE audit_event (
        id integer PRIMARY KEY AUTOINCREMENT,
        occurred_at datetime NOT NULL,
        actor_id bigint NULL,
        actor_username varchar(150) NOT NULL,
        organisation_id bigint NULL,
        organisation_name varchar(200) NOT NULL,
        category varchar(20) NOT NULL,
        verb varchar(80) NOT NULL,
        object_type varchar(80) NOT NULL,
        object_id varchar(64) NOT NULL,
        justification text NOT NULL,
        recipients text NOT NULL CHECK (json_valid(recipients)),
        old_values text NULL CHECK (old_values IS NULL OR json_valid(old_values)),
        new_values text NULL CHECK (new_values IS NULL OR json_valid(new_values)),
        request_id varchar(32) NOT NULL,
        client_address char(39) NULL
    )
    """,
    "CREATE INDEX audit_event_occurred_idx ON audit_event (occurred_at)",
    "CREATE INDEX audit_event_actor_idx ON audit_event (actor_id)",
    "CREATE INDEX audit_event_org_idx ON audit_event (organisation_id)",
    "CREATE INDEX audit_event_object_idx ON audit_event (object_type, object_id)",
    """
    CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: DELETE refused'); END
    """,
]


def create_table(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": POSTGRES, "sqlite": SQLITE}.get(vendor)
    if statements is None:
        raise RuntimeError(f"No audit table SQL for database vendor {vendor!r}")
    for sql in statements:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("occurred_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ("actor_id", models.BigIntegerField(db_index=True, null=True)),
                ("actor_username", models.CharField(blank=True, max_length=150)),
                ("organisation_id", models.BigIntegerField(db_index=True, null=True)),
                ("organisation_name", models.CharField(blank=True, max_length=200)),
                ("category", models.CharField(choices=[("collection", "Collection"), ("alteration", "Alteration"), ("consultation", "Consultation"), ("disclosure", "Disclosure"), ("combination", "Combination"), ("erasure", "Erasure"), ("security", "Security")], max_length=20)),
                ("verb", models.CharField(max_length=80)),
                ("object_type", models.CharField(blank=True, max_length=80)),
                ("object_id", models.CharField(blank=True, max_length=64)),
                ("justification", models.TextField(blank=True)),
                ("recipients", models.JSONField(default=list)),
                ("old_values", models.JSONField(null=True)),
                ("new_values", models.JSONField(null=True)),
                ("request_id", models.CharField(blank=True, max_length=32)),
                ("client_address", models.GenericIPAddressField(null=True)),
            ],
            options={
                "db_table": "audit_event",
                "ordering": ["-occurred_at", "-id"],
                "managed": False,
                "indexes": [models.Index(fields=["object_type", "object_id"], name="audit_event_object_idx")],
            },
        ),
        migrations.RunPython(create_table, migrations.RunPython.noop),
    ]
