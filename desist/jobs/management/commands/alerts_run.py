"""Escalate overdue alerts, run the periodic scans and deliver queued alert e-mails.

Each pass runs on its own, so a mail server that hangs or fails never holds escalation:
- once (cron or a systemd timer every minute): `desist alerts_run` runs escalate, scan, then
  deliver, each catching and logging its own failure, and exits non-zero if any failed;
  `--only deliver` (repeatable) runs only the passes named, e.g. one timer per pass;
- `--loop 30`: a long-running worker with each pass in its own loop (thread).
The demo server runs the same loops every 30 s (`desist serve`; ADR 0006)."""

from __future__ import annotations

import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from desist.jobs.worker import run_pass, start_pass_loops
from desist.sharing.services import ALERT_PASSES

SUMMARY = {
    "escalate": "{escalated} escalated",
    "scan": "{scanned} scanned",
    "deliver": "{sent} sent, {retry} to retry, {failed} given up, {not_needed} not needed "
    "(acknowledged first)",
}


class Command(BaseCommand):
    help = "Escalate overdue alerts, scan orders and sessions for alerts, deliver queued e-mails."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--only",
            action="append",
            choices=ALERT_PASSES,
            metavar="PASS",
            help=f"Run only this pass ({', '.join(ALERT_PASSES)}); repeat for several.",
        )
        parser.add_argument(
            "--loop",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Repeat every SECONDS until stopped, each pass in its own loop (default: once).",
        )

    def _report(self, name: str, result: dict[str, int] | None) -> None:
        line = "failed (see the log)" if result is None else SUMMARY[name].format(**result)
        self.stdout.write(f"alerts_run {name}: {line}")
        self.stdout.flush()

    def handle(self, *args: Any, **options: Any) -> None:
        names = [n for n in ALERT_PASSES if n in (options["only"] or ALERT_PASSES)]
        interval = options["loop"]
        if interval > 0:
            stop = threading.Event()
            threads = start_pass_loops(names, interval=interval, stop=stop, report=self._report)
            try:
                for thread in threads:
                    thread.join()
            except KeyboardInterrupt:
                stop.set()
            return
        failed = []
        for name in names:
            result = run_pass(name)
            self._report(name, result)
            if result is None:
                failed.append(name)
        if failed:
            raise CommandError(f"alerts_run: {', '.join(failed)} failed; the others ran")
