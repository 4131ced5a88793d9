from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from desist.safeguarding.rotation import RotationError, rotate_field_keys


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field and stored document with the first key in DESIST_FIELD_KEYS. Run after "
        "putting a new key first; once it succeeds, the old keys can be removed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = rotate_field_keys(batch_size=options["batch_size"])
        except RotationError as exc:
            raise CommandError(str(exc)) from exc
        for label, rows in result.rows.items():
            self.stdout.write(f"  {label}: {rows} row{'s' if rows != 1 else ''}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-encrypted {result.total} rows and {result.documents} stored documents "
                "under the newest key."
            )
        )
