"""`desist worker`: run background jobs (django-tasks' database worker) with a heartbeat, and
with `--with-scheduler` the periodic schedule too. Several may run on PostgreSQL: each job is
claimed with SELECT ... FOR UPDATE SKIP LOCKED, so none runs twice (ADR 0025)."""

from __future__ import annotations

import threading
from typing import Any

from django_tasks_db.management.commands import db_worker

from desist.jobs.runner import refuse_unless_deployable, start_heartbeat, start_scheduler


class Command(db_worker.Command):
    help = "Run background jobs: alerts, e-mail, escalation, scans, evaluation runs."

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--with-scheduler",
            action="store_true",
            help="Also enqueue the periodic jobs (any number of schedulers may run).",
        )
        # Every queue (alerts, default, evaluation) unless told; never the autoreloader, which
        # would stop a job half done.
        parser.set_defaults(queue_name="*", reload=False)

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_unless_deployable("worker")
        stop = threading.Event()
        worker_id = options["worker_id"]
        start_heartbeat(worker_id, stop=stop)
        if options.pop("with_scheduler"):
            start_scheduler(worker_id, stop=stop)
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
