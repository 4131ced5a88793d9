from __future__ import annotations

import os
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from desist.demo.management.commands.seed import refuse_outside_demo


class Command(BaseCommand):
    help = "Migrate, seed the synthetic partnership and serve it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--no-serve", action="store_true", help="Prepare, but do not serve.")

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_outside_demo("demo")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed")
        if not options["no_serve"]:
            call_command("serve", port=options["port"])
