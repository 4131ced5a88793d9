"""`desist scheduler`: enqueue the periodic jobs (desist/jobs/schedule.py) on time, each slot
once however many schedulers run (ADR 0025). Writes its heartbeat every second."""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string

from desist.jobs.runner import refuse_unless_deployable, start_scheduler
from desist.jobs.schedule import SCHEDULE

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Enqueue the periodic background jobs on their schedule."

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_unless_deployable("scheduler")
        stop = threading.Event()
        scheduler_id = get_random_string(16)
        log.info(
            "Scheduler %s started: %s",
            scheduler_id,
            ", ".join(f"{p.job} every {p.every()}s" for p in SCHEDULE),
        )
        thread = start_scheduler(scheduler_id, stop=stop)
        try:
            while thread.is_alive():
                thread.join(timeout=1)
        except KeyboardInterrupt:
            stop.set()
