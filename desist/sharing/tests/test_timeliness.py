"""Alert timeliness for the dashboards: counts by priority, scoped by who may count."""

from __future__ import annotations

import datetime as dt
from typing import Any

from desist.core.roles import RoleCode
from desist.orders.tests.helpers import make_subject
from desist.sharing.events import EventKind, Urgency
from desist.sharing.models import Alert
from desist.sharing.selectors import alert_timeliness_for

R = RoleCode
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _alert(
    recipient: Any, subject: Any, priority: str, ack_hours: float | None, **kw: Any
) -> Alert:
    kw.setdefault("kind", EventKind.RISK_DISCLOSURE.value)
    return Alert.objects.create(
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

    # A reminder inside the provider is not an alert between agencies: not counted.
    _alert(officer, subject, Urgency.ROUTINE, 30, kind=EventKind.ATTENDANCE_UNRECORDED.value)

    now = T0 + dt.timedelta(hours=10)
    counted = [
        {
            "label": "Urgent",
            "total": 3,
            "on_time": 2,
            "acknowledged": 3,
            "pending": 0,
            "waits": [(1.0, True), (3.0, True), (6.0, True)],
        },
        # Never acknowledged: its wait so far, censored at now.
        {
            "label": "High",
            "total": 1,
            "on_time": 0,
            "acknowledged": 0,
            "pending": 0,  # past its deadline: late, not pending
            "waits": [(10.0, False)],
        },
    ]
    # Overseers and programme managers count their partnerships' forces' subjects only.
    assert alert_timeliness_for(actor=users[R.OVERSEER], now=now) == counted
    manager = make_user(R.PROGRAMME_MANAGER, organisation=orgs["provider"])
    assert alert_timeliness_for(actor=manager, now=now) == counted
    # Anyone else counts nothing.
    for role in (R.POLICE_OFFICER, R.PRACTITIONER, R.VICTIM_ADVOCATE, R.CLINICAL_SUPERVISOR):
        assert alert_timeliness_for(actor=users[role], now=now) == []
