"""`desist restore`: restore an encrypted backup into an empty database and prove it."""

from __future__ import annotations

import getpass
import logging
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError

from desist.audit import backup, backup_stream

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Restore a `desist backup` file into an empty database (DATABASE_URL, or "
        "--database-url; on PostgreSQL a new database the owner role created, connected as the "
        "owner). Fails unless every table's row count and checksum equal the backup's and the "
        "audit hash chain verifies up to the backup's last row. Keys: DESIST_BACKUP_KEY."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="The backup file.")
        parser.add_argument(
            "--database-url", default="", help="Restore into this database (must be empty)."
        )
        parser.add_argument(
            "--runtime",
            default="",
            help="PostgreSQL: grant this runtime role its rights (scripts/db-roles.sql) after.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            kid = backup_stream.sealed_with(options["file"])
            if not os.environ.get(backup_stream.ENV_VAR, "").strip():
                # Not the backup's "never written unencrypted": say which key opens this one.
                raise backup_stream.BackupKeyError(
                    f"{backup_stream.ENV_VAR} is not set: set it to the key that sealed this "
                    f"backup (key id {kid or 'unknown: this is not a Desist backup'}), from "
                    "whoever holds the backup keys (docs/operations.md)."
                )
            keys = backup_stream.keys_from_environment()
            with open(options["file"], "rb") as source:
                done = backup.restore(
                    source,
                    keys=keys,
                    url=options["database_url"] or None,
                    runtime=options["runtime"],
                )
        except (
            OSError,
            ValueError,
            backup_stream.BackupKeyError,
            backup_stream.BackupCorrupt,
            backup.RestoreError,
        ) as exc:
            raise CommandError(str(exc)) from exc
        except OperationalError as exc:  # the target, reached through Django, not answering
            settings_dict = backup.database_settings(options["database_url"] or None)
            raise CommandError(str(backup.cannot_connect(settings_dict, exc))) from None
        manifest = done["manifest"]
        rows = sum(count for count, _ in manifest["tables"].values())
        # Who restored which backup, with which key: the operator's record (the restored
        # database's own audit log ends where the backup did).
        log.warning(
            "Backup of %s restored by OS user %s with key id %s (%s rows)",
            manifest["created_at"],
            getpass.getuser(),
            kid,
            rows,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {len(manifest['tables'])} tables, {rows} rows, from the backup of "
                f"{manifest['created_at']}: every table's rows and checksum match; audit chain "
                f"intact ({done['audit_checked']} rows, last id {manifest['audit_last'][0] if manifest['audit_last'] else '-'})."
            )
        )
