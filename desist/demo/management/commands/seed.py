from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from desist.demo import seed as demo_seed

# The demo accounts share a published password: never in production.
SEED_ENVIRONMENTS = ("demo", "dev", "test")


def refuse_outside_demo(command: str) -> None:
    if settings.DESIST_ENV not in SEED_ENVIRONMENTS:
        raise CommandError(
            f"desist {command} creates demo accounts with a published password, so it runs only "
            f"when DESIST_ENV is demo, dev or test (it is {settings.DESIST_ENV})."
        )


class Command(BaseCommand):
    help = "Seed the synthetic demo partnership (idempotent; refuses a database with real data)."

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_outside_demo("seed")
        try:
            created = demo_seed.seed()
        except demo_seed.RealDataPresent as exc:
            raise CommandError(str(exc)) from exc
        summary = ", ".join(f"{n} {k}" for k, n in created.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data ready (created: {summary})."))
        self.stdout.write("Demo accounts (password: DESIST_DEMO_PASSWORD, default in README):")
        for acct in demo_seed.ACCOUNTS:
            roles = ", ".join(r.label for r in acct.roles)
            self.stdout.write(f"  {acct.username:<22} {roles}")
        if settings.DESIST_ENV == "demo" and not settings.DESIST_REQUIRE_2FA:
            self.stdout.write("Two-factor authentication is not enforced in demo mode.")
