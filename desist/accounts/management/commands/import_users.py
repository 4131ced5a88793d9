"""`desist import_users FILE --as USER --reason ... --base-url URL`: invite everyone in a CSV
file, as the "Invite from a CSV file" page does: every row checked first, nobody invited
unless all rows are good."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from desist.accounts.actions import imports
from desist.accounts.management.commands._admin import acting_as, add_actor_arguments


class Command(BaseCommand):
    help = "Invite people listed in a CSV file (columns as the import page describes)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--base-url", default="", help="the site's address, for the links (DESIST_BASE_URL)"
        )
        add_actor_arguments(parser)

    def handle(self, *args: Any, **o: Any) -> None:
        base = o["base_url"] or settings.DESIST_BASE_URL
        if not base:
            raise CommandError("Give --base-url (or set DESIST_BASE_URL) for the invitation links")
        try:
            text = o["file"].read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {o['file']}: {exc}") from None
        result = imports.users_import(
            actor=acting_as(o["actor"]), text=text, reason=o["reason"], link_base=base
        )
        if result.errors:
            raise CommandError("Nobody was invited:\n" + "\n".join(result.errors))
        self.stdout.write(result.sent_message)
