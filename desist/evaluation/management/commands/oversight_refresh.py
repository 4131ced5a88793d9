"""Recompute the oversight dashboard's access-anomaly snapshots that are more than a few
minutes old (only scopes someone has viewed have one).

Run it every five minutes from cron or a systemd timer in production (`desist
oversight_refresh`). The demo server runs it in its background thread (`desist serve`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from desist.evaluation.dashboards import refresh_anomaly_snapshots


class Command(BaseCommand):
    help = "Recompute the oversight dashboard's access-anomaly snapshots that are out of date."

    def handle(self, *args: Any, **options: Any) -> None:
        done = refresh_anomaly_snapshots()
        self.stdout.write(
            f"oversight_refresh: {done} snapshot{'s' if done != 1 else ''} recomputed"
        )
