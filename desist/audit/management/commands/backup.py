"""`desist backup`: an encrypted copy of the whole database (desist/audit/backup.py, ADR 0022)."""

from __future__ import annotations

import getpass
import logging
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connections, transaction

from desist.audit import backup, backup_stream
from desist.audit.models import Category
from desist.audit.services import audit_record

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Back up the database (PostgreSQL: pg_dump custom format of one snapshot; SQLite: the "
        "backup API), sealed with the first key in DESIST_BACKUP_KEY, with per-table row "
        "counts and checksums for the restore to check against."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--out", help="The file to write (mode 0600).")
        parser.add_argument(
            "--database-url", default="", help="Back up this database instead of DATABASE_URL."
        )
        parser.add_argument(
            "--generate-key", action="store_true", help="Print a new backup key and stop."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["generate_key"]:
            self.stdout.write(backup_stream.generate_key())
            return
        if not options["out"]:
            raise CommandError("Name the file to write: --out PATH")
        try:
            key = backup_stream.keys_from_environment()[0]
            if not options["database_url"]:
                # Before the dump, so the backup (and any copy restored from it) holds it too.
                with transaction.atomic():
                    audit_record(
                        actor=None,
                        actor_username=f"os:{getpass.getuser()}",
                        category=Category.SECURITY,
                        verb="backup.started",
                        object_type="backup key",  # the key's public id: which key sealed it
                        object_id=backup_stream.key_id(key).hex(),
                    )
            manifest = backup.backup(
                Path(options["out"]), key=key, url=options["database_url"] or None
            )
        except (backup_stream.BackupKeyError, backup.RestoreError) as exc:
            raise CommandError(str(exc)) from exc
        except OperationalError as exc:  # the configured database (audit_record), not reached
            settings_dict = connections["default"].settings_dict
            raise CommandError(str(backup.cannot_connect(settings_dict, exc))) from None
        rows = sum(count for count, _ in manifest["tables"].values())
        log.warning(
            "Backup written by OS user %s with key id %s (%s rows)",
            getpass.getuser(),
            backup_stream.key_id(key).hex(),
            rows,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {len(manifest['tables'])} tables, {rows} rows "
                f"({manifest['database']}, key id {backup_stream.key_id(key).hex()}) "
                f"to {options['out']}"
            )
        )
