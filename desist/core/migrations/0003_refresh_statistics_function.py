"""PostgreSQL: `desist_refresh_statistics()`, ANALYZE run with the owner's rights.

ANALYZE needs table ownership, and the runtime role owns nothing (ADR 0014), so a bulk load
made as the runtime role (the demo seed; a large import) could not refresh the planner's
statistics, and queries over its still-uncommitted rows would be planned as if the tables
were empty (minutes a query, seen in CI). The function only gathers statistics; it changes
no rows and grants nothing else."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION desist_refresh_statistics() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    ANALYZE;
END
$$;
REVOKE ALL ON FUNCTION desist_refresh_statistics() FROM PUBLIC;
"""
DROP = "DROP FUNCTION IF EXISTS desist_refresh_statistics();"


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_cache_table")]

    operations = [migrations.RunPython(create, drop)]
