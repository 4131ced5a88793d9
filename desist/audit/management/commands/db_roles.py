"""`desist db_roles`: print or apply scripts/db-roles.sql (PostgreSQL runtime-role grants)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from desist.audit import db_roles


class Command(BaseCommand):
    help = (
        "Grant the runtime role what it may do: rows of ordinary tables; only SELECT and "
        "INSERT on audit_event. Prints the SQL; --apply runs it as the connected (owner) role."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--runtime", required=True, help="The runtime role's name.")
        parser.add_argument("--owner", default="", help="The owner role (default: you).")
        parser.add_argument("--apply", action="store_true", help="Run it, not just print it.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if not options["apply"]:
                owner = options["owner"] or "OWNER"
                for sql in db_roles.statements(owner=owner, runtime=options["runtime"]):
                    self.stdout.write(sql + ";")
                return
            with transaction.atomic():
                done = db_roles.apply(
                    connection, runtime=options["runtime"], owner=options["owner"]
                )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Applied {len(done)} grants."))
