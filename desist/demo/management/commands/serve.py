from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from desist.demo.server import QuietRunserver


class Command(BaseCommand):
    help = "Serve Desist on 127.0.0.1 (port from PORT, default 8000)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.DESIST_ENV == "production":
            # Django's development server: single process, not hardened, not for real data.
            raise CommandError(
                "desist serve runs Django's development server and will not start with "
                "DESIST_ENV=production. Run Desist under a production WSGI server behind a "
                "TLS-terminating proxy: see docs/deployment.md."
            )
        port = options["port"]
        # Background jobs (alerts, e-mail, evaluation runs) run in `desist worker`, never in
        # this process (ADR 0025); `make demo` starts one beside it.
        self.stdout.write(f"Desist is serving on http://127.0.0.1:{port}/ (Ctrl+C to stop)")
        call_command(QuietRunserver(), f"127.0.0.1:{port}", use_reloader=False, use_threading=True)
