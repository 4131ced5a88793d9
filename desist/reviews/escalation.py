"""Late actions escalate (issue 19 §6). A review action still open after its due date raises
a task for the meeting's chair, once per action, through the tasks app's rule mechanism
(`tasks.services.task_raise`, unique rule key): it shows as overdue work in the chair's
tasks and on the supervisor's workload page. Run hourly by the scheduler (job
`review_escalate`, desist/jobs)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from desist.core.dates import long_date
from desist.reviews.selectors import overdue_actions
from desist.tasks.models import TaskKind
from desist.tasks.services import task_raise


def escalate_overdue(today: dt.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    raised = 0
    for action in overdue_actions(today=today):
        meeting = action.item.meeting
        task = task_raise(
            kind=TaskKind.REVIEW_ACTION_OVERDUE,
            rule_key=f"review_overdue:{action.pk}",
            force_id=meeting.force_id,
            title=(
                f"Case review action overdue (due {long_date(action.due_on)}, "
                f"{action.owner.display_name()}): {action.description}"
            ),
            due_on=today,
            assignee=meeting.chair,
        )
        raised += task is not None
    return {"raised": raised}
