"""`desist organisation create|edit|retire`: the same commands as the Organisations pages,
made as a named system administrator (--as) with a reason, both audited."""

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
from desist.core.models import Organisation, OrganisationKind


class Command(BaseCommand):
    help = "Create, rename or retire an organisation."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("--name", required=True)
        create.add_argument("--kind", required=True, choices=OrganisationKind.values)
        edit = sub.add_parser("edit")
        edit.add_argument("code")
        edit.add_argument("--name", required=True)
        retire = sub.add_parser("retire")
        retire.add_argument("code")
        for p in (create, edit, retire):
            add_actor_arguments(p)

    def handle(self, *args: Any, **o: Any) -> None:
        actor = acting_as(o["actor"])
        try:
            if o["action"] == "create":
                org = organisations.organisation_create(
                    actor=actor, name=o["name"], kind=o["kind"], reason=o["reason"]
                )
                self.stdout.write(f"Created {org.name} ({org.code})")
                return
            found = Organisation.objects.filter(code=o["code"]).first()
            if found is None:
                raise CommandError(f"There is no organisation with the code {o['code']}")
            org = found
            if o["action"] == "edit":
                organisations.organisation_edit(
                    actor=actor,
                    organisation=org,
                    name=o["name"],
                    version=org.version,
                    reason=o["reason"],
                )
                self.stdout.write(f"Renamed {org.code} to {o['name']}")
            else:
                organisations.organisation_retire(
                    actor=actor, organisation=org, version=org.version, reason=o["reason"]
                )
                self.stdout.write(f"Retired {org.name}: its people are signed out")
        except ValidationError as exc:
            raise command_error(exc) from None
