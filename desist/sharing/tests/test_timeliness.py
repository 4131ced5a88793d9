"""Alert timeliness for the dashboards: counts by priority, scoped by who may count."""

from __future__ import annotations

import datetime as dt
from typing import Any

from desist.accounts.roles import RoleCode
from desist.orders.tests.helpers import make_subject
from desist.sharing.events import EventKind, Urgency
from desist.sharing.models import Alert
from desist.sharing.selectors import alert_timeliness_for

R = RoleCode
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _alert(
    recipient: Any, subject: Any, priority: str, ack_hours: float | None, **kw: Any
) -> Alert:
    return Alert.objects.create(
        kind=EventKind.RISK_DISCLOSURE.value,
        priority=priority,
        recipient=recipient,
        recipient_organisation=recipient.organisation,
        subject=subject,
        title="An alert",
        created_at=T0,
        due_by=T0 + dt.timedelta(hours=4),
        acknowledged_at=T0 + dt.timedelta(hours=ack_hours) if ack_hours is not None else None,
        **kw,
    )


def test_alert_timeliness_counts_and_scope(
    partnership: Any, subject: Any, officer: Any, users: Any, orgs: Any, make_user: Any
) -> None:
    other_subject = make_subject(orgs["other_police_force"])
    _alert(officer, subject, Urgency.URGENT, 1)
    _alert(officer, subject, Urgency.URGENT, 3)
    _alert(officer, subject, Urgency.URGENT, 6)  # late
    first = _alert(officer, subject, Urgency.HIGH, None)  # never acknowledged
    _alert(officer, subject, Urgency.HIGH, 8, escalated_from=first)  # an escalation: not counted
    _alert(officer, other_subject, Urgency.ROUTINE, 2)  # another force's subject

    overseer = users[R.OVERSEER]
    assert alert_timeliness_for(actor=overseer) == [
        {"label": "Urgent", "total": 3, "on_time": 2, "median_hours": 3.0},
        {"label": "High", "total": 1, "on_time": 0, "median_hours": None},
        {"label": "Routine", "total": 1, "on_time": 1, "median_hours": 2.0},
    ]
    # The programme manager counts only the partnership forces' subjects.
    manager = make_user(R.PROGRAMME_MANAGER, organisation=orgs["provider"])
    assert [r["label"] for r in alert_timeliness_for(actor=manager)] == ["Urgent", "High"]
    # Anyone else counts nothing.
    for role in (R.POLICE_OFFICER, R.PRACTITIONER, R.VICTIM_ADVOCATE, R.CLINICAL_SUPERVISOR):
        assert alert_timeliness_for(actor=users[role]) == []
