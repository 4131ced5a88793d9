"""`desist export_accounts --as USER --purpose CODE [--reason TEXT] [--output FILE]`: the
accounts the named administrator manages, as CSV for an access review (formula cells
neutralised); the export is audited as a disclosure, with the purpose given (core.export_purpose,
the same choices and rules as the form before the download)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from desist import policy
from desist.accounts import selectors
from desist.accounts.management.commands._admin import acting_as
from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.core import marking, safecsv
from desist.core.export_purpose import Purpose, purpose_from


class Command(BaseCommand):
    help = "Write the accounts you manage as CSV, for an access review."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--as", dest="actor", required=True)
        parser.add_argument("--output", type=Path)
        parser.add_argument("--purpose", required=True, choices=Purpose.values)
        parser.add_argument("--reason", default="", help="needed with --purpose other")

    def handle(self, *args: Any, **o: Any) -> None:
        actor = acting_as(o["actor"])
        try:
            policy.require_perm(actor, policy.Perm.ACCOUNTS_MANAGE)
        except PermissionDenied:
            raise CommandError(f"{actor.username} does not manage accounts") from None
        try:
            purpose = purpose_from(
                code=o["purpose"], reason=o["reason"], role_codes=actor.role_codes
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        audit_record(
            actor=actor,
            category=Category.DISCLOSURE,
            verb="account.export",
            object_type="accounts.User",
            justification="Accounts export for an access review (command line)",
            recipients=[actor.get_username()],
            new=safecsv.export_facts(
                file_format="csv",
                rows=selectors.user_list_for(actor=actor).count(),
                purpose=purpose,
            ),
        )
        out = o["output"].open("w", newline="", encoding="utf-8") if o["output"] else sys.stdout
        try:
            writer = safecsv.writer(out)
            writer.writerow(selectors.EXPORT_HEADER)
            writer.writerows(selectors.accounts_export_rows(actor=actor))
        finally:
            if o["output"]:
                out.close()
        self.stderr.write(
            f"This file is {marking.MARKING}: keep the marking in its name, for example "
            f"{marking.marked_filename('desist-accounts', 'csv')}"
        )
