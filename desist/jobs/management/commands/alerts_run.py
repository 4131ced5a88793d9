"""Escalate overdue alerts, run the periodic scans and deliver queued alert e-mails, once, now.

`desist alerts_run` runs escalate, scan, then deliver, each catching and logging its own
failure, and exits non-zero if any failed; `--only deliver` (repeatable) runs only the passes
named. An operator's one-off: the passes' regular runs are jobs that `desist worker` runs on
the schedule in desist/jobs/schedule.py (ADR 0025)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from desist.jobs.models import Heartbeat
from desist.jobs.tasks import beat
from desist.jobs.worker import run_pass
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

    def _report(self, name: str, result: dict[str, int] | None) -> None:
        line = "failed (see the log)" if result is None else SUMMARY[name].format(**result)
        self.stdout.write(f"alerts_run {name}: {line}")
        self.stdout.flush()

    def handle(self, *args: Any, **options: Any) -> None:
        names = [n for n in ALERT_PASSES if n in (options["only"] or ALERT_PASSES)]
        failed = []
        for name in names:
            result = run_pass(name)
            self._report(name, result)
            if result is None:
                failed.append(name)
            else:  # run from cron instead of a worker, it keeps /readyz true all the same
                beat(f"job:alerts_{name}", Heartbeat.Kind.JOB, {"result": result})
        if failed:
            raise CommandError(f"alerts_run: {', '.join(failed)} failed; the others ran")
