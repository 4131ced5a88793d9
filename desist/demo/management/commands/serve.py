from __future__ import annotations

import os
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Desist on 127.0.0.1 (port from PORT, default 8000)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))

    def handle(self, *args: Any, **options: Any) -> None:
        port = options["port"]
        self.stdout.write(f"Desist is serving on http://127.0.0.1:{port}/ (Ctrl+C to stop)")
        call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, use_threading=True)
