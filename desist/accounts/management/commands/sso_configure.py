"""`desist sso_configure <organisation code> --issuer ... --client-id ...`: the single sign-on
settings page as a command, made as a named administrator (--as) with a reason, audited.

The secret is never an argument (it would be left in shell history and process lists): name
the environment variable that holds it (--secret-env), or set it once on the page."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from desist.accounts.actions import sso as sso_actions
from desist.accounts.management.commands._admin import (
    acting_as,
    add_actor_arguments,
    command_error,
)
from desist.accounts.sso_models import MatchBy
from desist.core.models import Organisation
from desist.core.roles import RoleCode


class Command(BaseCommand):
    help = "Set an organisation's single sign-on (OpenID Connect) settings."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("organisation", help="the organisation's code")
        parser.add_argument("--issuer", required=True)
        parser.add_argument("--client-id", required=True)
        parser.add_argument(
            "--secret-env", default="", help="environment variable holding the client secret"
        )
        parser.add_argument("--match-by", choices=MatchBy.values, default=MatchBy.EMAIL)
        parser.add_argument(
            "--jit-roles", default="", help="roles a first sign-in may create, comma-separated"
        )
        parser.add_argument(
            "--accept-mfa",
            action="store_true",
            help="accept the provider's MFA claim instead of a Desist code",
        )
        parser.add_argument("--disable", action="store_true", help="turn single sign-on off")
        add_actor_arguments(parser)

    def handle(self, *args: Any, **o: Any) -> None:
        actor = acting_as(o["actor"])
        org = Organisation.objects.filter(code=o["organisation"]).first()
        if org is None:
            raise CommandError(f"There is no organisation with the code {o['organisation']}")
        names = [r.strip() for r in o["jit_roles"].split(",") if r.strip()]
        unknown = [r for r in names if r not in RoleCode.values]
        if unknown:
            raise CommandError(f"Unknown roles: {', '.join(unknown)}")
        settings = sso_actions.SsoSettings(
            issuer=o["issuer"],
            client_id=o["client_id"],
            enabled=not o["disable"],
            match_by=o["match_by"],
            jit_roles=tuple(RoleCode(r) for r in names),
            accept_mfa=o["accept_mfa"],
            client_secret_env=o["secret_env"],
            client_secret="" if o["secret_env"] else None,
        )
        try:
            sso = sso_actions.sso_configure(
                actor=actor, organisation=org, settings=settings, reason=o["reason"]
            )
        except ValidationError as exc:
            raise command_error(exc) from exc
        except PermissionDenied as exc:
            raise CommandError(f"{actor.username} may not set this organisation's sign-on") from exc
        state = "on" if sso.enabled else "off"
        self.stdout.write(f"Single sign-on for {org.name} saved ({state})")
