"""`desist scheduler`: enqueue the periodic jobs (desist/jobs/schedule.py) on time, each slot
once however many schedulers run (ADR 0025). Writes its heartbeat every second."""

from __future__ import annotations

import threading
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string

from desist.jobs.runner import refuse_unless_deployable, start_scheduler


class Command(BaseCommand):
    help = "Enqueue the periodic background jobs on their schedule."

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_unless_deployable("scheduler")
        stop = threading.Event()
        thread = start_scheduler(get_random_string(16), stop=stop)
        try:
            while thread.is_alive():
                thread.join(timeout=1)
        except KeyboardInterrupt:
            stop.set()
