from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from desist.demo import seed as demo_seed


class Command(BaseCommand):
    help = "Seed the synthetic demo partnership (idempotent; refuses a database with real data)."

    def handle(self, *args: Any, **options: Any) -> None:
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
