"""List the records due for a retention review now, as the monthly job does (`desist
retention_due`): the scheduler's `retention_list_due` job (desist/jobs/tasks.py) runs the same
function, `retention.services.retention_list_due`, audited the same way. Safe to run again: a
record already listed, or disposed of, is not listed twice. See docs/operations.md."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from desist.retention.services import retention_list_due


class Command(BaseCommand):
    help = "List the records whose retention period has passed into their data owners' queues."

    def handle(self, *args: Any, **options: Any) -> None:
        listed = retention_list_due()
        total = sum(listed.values())
        detail = ", ".join(f"{key} {n}" for key, n in sorted(listed.items()) if n)
        self.stdout.write(
            f"retention_due: {total} record{'' if total == 1 else 's'} listed for review"
            + (f" ({detail})" if detail else "")
        )
