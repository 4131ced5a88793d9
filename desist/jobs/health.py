"""The alerts pass's liveness, read from heartbeats (ADR 0025): each of escalate, scan and
deliver must have succeeded within DESIST_ALERTS_STALE_SECONDS (3 minutes), else alerts may be
escalating late or not at all, and /readyz fails."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from desist.jobs.models import Heartbeat
from desist.jobs.tasks import ALERT_JOBS


def alerts_problem(now: dt.datetime | None = None) -> str | None:
    now = now or timezone.now()
    stale = dt.timedelta(seconds=settings.DESIST_ALERTS_STALE_SECONDS)
    last = dict(
        Heartbeat.objects.filter(name__in=[f"job:{j}" for j in ALERT_JOBS]).values_list(
            "name", "at"
        )
    )
    late = [j for j in ALERT_JOBS if last.get(f"job:{j}") is None or now - last[f"job:{j}"] > stale]
    if not late:
        return None
    seen = [last[f"job:{j}"] for j in late if last.get(f"job:{j}") is not None]
    since = f"since {timezone.localtime(min(seen)):%d %B %Y, %H:%M}" if seen else "since the start"
    return (
        f"Alerts are not being processed: no successful {', '.join(late)} pass {since}. "
        "Check that `desist worker` and the scheduler are running."
    )
