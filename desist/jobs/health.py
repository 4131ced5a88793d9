"""The alerts pass's liveness, read from heartbeats (ADR 0025): each of escalate, scan and
deliver must have succeeded within DESIST_ALERTS_STALE_SECONDS (3 minutes), else alerts may be
escalating late or not at all, and /readyz fails."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from desist.jobs.models import Heartbeat
from desist.jobs.tasks import ALERT_JOBS

# What each alerts job does, for the administrator's banner.
PLAIN_NAMES = {
    "alerts_escalate": "escalation",
    "alerts_scan": "deadline checks",
    "alerts_deliver": "e-mail delivery",
}


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
    minutes = max(1, settings.DESIST_ALERTS_STALE_SECONDS // 60)
    if seen:
        when = f"{timezone.localtime(min(seen)):%H:%M on %-d %B %Y}"
        since = f"They last finished without error at {when}, more than {minutes} minutes ago."
    else:
        since = "They have not finished without error since the database was set up."
    parts = ", ".join(PLAIN_NAMES[j] for j in late)
    return (
        f"Alerts are not being sent or escalated on time ({parts}). {since} "
        "Check that the Desist worker and scheduler are running and read their logs: see "
        '"Alerts not being delivered" under "Incident steps" in the operations runbook '
        "(docs/operations.md)."
    )
