"""Deliver due alert emails, escalate overdue alerts and run the periodic scans.

Run it every minute from cron or a systemd timer in production (`desist alerts_run`), or
with `--loop 30` as a long-running worker. The demo server runs the same pass every 30 s in
a background thread (`desist serve`)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from desist.sharing.services import alerts_run


class Command(BaseCommand):
    help = "Deliver queued alert emails, escalate overdue alerts and scan orders for alerts."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--loop",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Repeat every SECONDS until stopped (default: run once).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["loop"]
        while True:
            result = alerts_run()
            self.stdout.write(
                "alerts_run: {scanned} scanned, {escalated} escalated, {sent} sent, "
                "{retry} to retry, {failed} given up, {not_needed} not needed (acknowledged "
                "first)".format(**result)
            )
            if interval <= 0:
                return
            time.sleep(interval)
