"""`desist create_first_admin`: the first system administrator of a fresh database (issue 16).

Refuses once any system administrator exists, so it cannot be used to make a second one
behind the others' backs. The password is typed twice (or read from standard input with
--password-stdin) and checked against the password rules. Two-factor authentication is set up
at the first sign-in, as for everyone.
"""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from desist.accounts.models import Role, User
from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.core.models import Organisation, OrganisationKind
from desist.core.roles import RoleCode


class Command(BaseCommand):
    help = "Create the first system administrator (and their organisation) on a fresh database."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--first-name", required=True)
        parser.add_argument("--last-name", required=True)
        parser.add_argument("--organisation", required=True, help="the organisation's name")
        parser.add_argument(
            "--kind", default=OrganisationKind.OVERSIGHT, choices=OrganisationKind.values
        )
        parser.add_argument("--password-stdin", action="store_true")

    def _password(self, options: dict[str, Any]) -> str:
        if options["password_stdin"]:
            return sys.stdin.readline().rstrip("\n")
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The passwords do not match")
        return first

    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.filter(roles__code=RoleCode.SYSTEM_ADMIN).exists():
            raise CommandError("A system administrator already exists: they can invite others")
        user = User(
            username=options["username"].strip().lower(),
            email=options["email"].strip(),
            first_name=options["first_name"].strip(),
            last_name=options["last_name"].strip(),
        )
        if User.objects.filter(username=user.username).exists():
            raise CommandError(f"There is already an account called {user.username}")
        password = self._password(options)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from None
        with transaction.atomic():
            org, _ = Organisation.objects.get_or_create(
                name=options["organisation"].strip(),
                defaults={"code": _code(options["organisation"]), "kind": options["kind"]},
            )
            user.organisation = org
            user.set_password(password)
            user.save()
            user.roles.set(Role.objects.filter(code=RoleCode.SYSTEM_ADMIN))
            audit_record(
                actor=None,
                actor_username="create_first_admin",
                category=Category.COLLECTION,
                verb="account.create_first_admin",
                obj=user,
                new={"username": user.username, "organisation": org.code},
            )
        self.stdout.write(
            f"Created {user.username}, system administrator of {org.name}. Sign in and set up "
            "two-factor authentication."
        )


def _code(name: str) -> str:
    return slugify(name)[:50] or "organisation"
