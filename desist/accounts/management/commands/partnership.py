"""`desist partnership create|edit|retire`, as the Organisations pages (--as, --reason)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from desist.accounts.actions import organisations
from desist.accounts.management.commands._admin import (
    acting_as,
    add_actor_arguments,
    command_error,
)
from desist.core.models import Organisation, Partnership


def _members(codes: str) -> list[Organisation]:
    wanted = [c.strip() for c in codes.split(",") if c.strip()]
    found = list(Organisation.objects.filter(code__in=wanted))
    missing = set(wanted) - {o.code for o in found}
    if missing:
        raise CommandError(f"No organisation with the code(s) {', '.join(sorted(missing))}")
    return found


class Command(BaseCommand):
    help = "Create, change or retire a partnership of organisations."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("--name", required=True)
        create.add_argument("--organisations", required=True, help="codes, comma-separated")
        edit = sub.add_parser("edit")
        edit.add_argument("code")
        edit.add_argument("--name")
        edit.add_argument("--organisations", help="codes, comma-separated")
        retire = sub.add_parser("retire")
        retire.add_argument("code")
        for p in (create, edit, retire):
            add_actor_arguments(p)

    def handle(self, *args: Any, **o: Any) -> None:
        actor = acting_as(o["actor"])
        try:
            if o["action"] == "create":
                made = organisations.partnership_create(
                    actor=actor,
                    name=o["name"],
                    organisations=_members(o["organisations"]),
                    reason=o["reason"],
                )
                self.stdout.write(f"Created {made.name} ({made.code})")
                return
            found = Partnership.objects.filter(code=o["code"]).first()
            if found is None:
                raise CommandError(f"There is no partnership with the code {o['code']}")
            if o["action"] == "edit":
                members = o["organisations"]
                organisations.partnership_edit(
                    actor=actor,
                    partnership=found,
                    name=o["name"] or found.name,
                    organisations=_members(members) if members else found.organisations.all(),
                    version=found.version,
                    reason=o["reason"],
                )
                self.stdout.write(f"Changed {found.code}")
            else:
                organisations.partnership_retire(
                    actor=actor, partnership=found, version=found.version, reason=o["reason"]
                )
                self.stdout.write(f"Retired {found.name}")
        except ValidationError as exc:
            raise command_error(exc) from None
