"""The table of the shared database cache (settings.CACHES), so that every `migrate` (deploy,
`desist demo`, tests) creates it. createcachetable skips tables that already exist, and does
nothing when no database cache is configured."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):  # type: ignore[no-untyped-def]
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
