"""A held session whose attendance is still unrecorded a day after it reminds its practitioner
(an in-app alert and an email, by the alerts pass); unacknowledged, it escalates to the
clinical supervisor. Inside the provider, so never a disclosure."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from desist.audit.models import AuditEvent
from desist.programme import actions
from desist.programme.models import Attendance, Referral
from desist.programme.tests.conftest import book
from desist.sharing import services as sharing
from desist.sharing.events import EventKind
from desist.sharing.models import Alert, Disclosure


def _reminders() -> list[Alert]:
    return list(Alert.objects.filter(kind=EventKind.ATTENDANCE_UNRECORDED).order_by("id"))


def test_reminder_after_a_day_once_and_only_to_the_practitioner(
    active: Referral, practitioner: Any, clin: Any
) -> None:
    recent = book(practitioner, active, days_ago=0)
    # A session that began 30 hours ago; scheduled earlier (test data), nothing recorded.
    old = book(practitioner, active, days_ago=0)
    type(old).objects.filter(pk=old.pk).update(starts_at=timezone.now() - dt.timedelta(hours=30))
    type(recent).objects.filter(pk=recent.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=20)
    )
    sharing.alerts_run()
    [alert] = _reminders()
    assert alert.recipient == practitioner and alert.priority == "routine"
    assert alert.source_id == str(old.pk)
    assert alert.link_url == reverse("programme:attendance", args=[old.pk])
    assert "attendance is not recorded" in alert.body
    assert not Disclosure.objects.exists(), "a reminder inside the provider is no disclosure"
    sharing.alerts_run()
    assert len(_reminders()) == 1, "one reminder per session"

    # Unacknowledged past its deadline (24 hours), it escalates to the clinical supervisor.
    later = timezone.now() + dt.timedelta(hours=25)
    sharing.alerts_run(now=later)
    copies = Alert.objects.filter(escalated_from=alert)
    assert [c.recipient for c in copies] == [clin]


def test_no_reminder_once_attendance_is_recorded_or_long_past(
    active: Referral, practitioner: Any
) -> None:
    done = book(practitioner, active, days_ago=0)
    type(done).objects.filter(pk=done.pk).update(starts_at=timezone.now() - dt.timedelta(days=2))
    done.refresh_from_db()
    actions.session_record_attendance(
        actor=practitioner,
        session=done,
        version=done.version,
        attendance=Attendance.ATTENDED,
    )
    ancient = book(practitioner, active, days_ago=0)
    type(ancient).objects.filter(pk=ancient.pk).update(
        starts_at=timezone.now() - dt.timedelta(days=20)
    )
    sharing.alerts_run()
    assert _reminders() == []


def _past_session(practitioner: Any, referral: Referral, hours: int) -> Any:
    session = book(practitioner, referral, days_ago=0)
    type(session).objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=hours)
    )
    session.refresh_from_db()
    return session


def test_no_escalation_once_attendance_is_recorded(
    active: Referral, practitioner: Any, clin: Any
) -> None:
    session = _past_session(practitioner, active, 30)
    sharing.alerts_run()
    [reminder] = _reminders()
    actions.session_record_attendance(
        actor=practitioner, session=session, version=session.version, attendance=Attendance.LATE
    )
    sharing.alerts_run(now=timezone.now() + dt.timedelta(hours=25))
    assert not Alert.objects.filter(escalated_from=reminder).exists()


def test_a_departed_practitioners_reminder_goes_to_the_clinical_supervisor(
    active: Referral, practitioner: Any, clin: Any
) -> None:
    _past_session(practitioner, active, 30)
    type(practitioner).objects.filter(pk=practitioner.pk).update(is_active=False)
    sharing.alerts_run()
    assert [a.recipient for a in _reminders()] == [clin]


def test_recording_attendance_closes_the_reminder_and_its_escalation_only(
    active: Referral, practitioner: Any, clin: Any
) -> None:
    session = _past_session(practitioner, active, 50)
    _past_session(practitioner, active, 30)
    sharing.alerts_run(now=timezone.now() - dt.timedelta(hours=25))
    sharing.alerts_run()  # the first reminder is now past its deadline and escalates
    [reminder, other_reminder] = _reminders_first_line()
    [escalation] = Alert.objects.filter(escalated_from=reminder)
    assert escalation.recipient == clin
    before = escalation.version

    actions.session_record_attendance(
        actor=practitioner, session=session, version=session.version, attendance=Attendance.LATE
    )
    reminder.refresh_from_db()
    escalation.refresh_from_db()
    other_reminder.refresh_from_db()
    for closed in (reminder, escalation):
        assert closed.acknowledged_by == practitioner
        assert closed.acknowledgement_note == "Closed: attendance was recorded"
    assert escalation.version == before + 1, "a stale acknowledgement form must be refused"
    assert other_reminder.acknowledged_at is None, "another session's reminder stays open"
    verbs = AuditEvent.objects.filter(verb="alert.resolve").values_list("object_id", flat=True)
    assert sorted(verbs) == sorted([str(reminder.pk), str(escalation.pk)])


def test_cancelling_or_moving_the_session_closes_its_reminder(
    active: Referral, practitioner: Any
) -> None:
    cancelled = _past_session(practitioner, active, 30)
    moved = _past_session(practitioner, active, 28)
    sharing.alerts_run()
    assert len(_reminders()) == 2
    actions.session_cancel(
        actor=practitioner, session=cancelled, version=cancelled.version, reason="Room flooded"
    )
    actions.session_reschedule(
        actor=practitioner,
        session=moved,
        version=moved.version,
        starts_at=timezone.now() + dt.timedelta(days=2),
        duration_minutes=60,
        remote=True,
        place="",
        reason="The person was ill",
    )
    notes = sorted(a.acknowledgement_note for a in _reminders())
    assert notes == ["Closed: the session was cancelled", "Closed: the session was moved"]


def test_an_acknowledged_reminder_keeps_its_recipients_acknowledgement(
    active: Referral, practitioner: Any
) -> None:
    session = _past_session(practitioner, active, 30)
    sharing.alerts_run()
    [reminder] = _reminders()
    sharing.alert_acknowledge(
        actor=practitioner, alert=reminder, version=reminder.version, note="Will do it now"
    )
    actions.session_record_attendance(
        actor=practitioner, session=session, version=session.version, attendance=Attendance.ATTENDED
    )
    reminder.refresh_from_db()
    assert reminder.acknowledgement_note == "Will do it now"
    assert not AuditEvent.objects.filter(verb="alert.resolve").exists()


def _reminders_first_line() -> list[Alert]:
    return [a for a in _reminders() if a.escalated_from_id is None]


def test_no_reminder_once_the_intervention_has_ended_and_open_ones_close(
    active: Referral, practitioner: Any, clin: Any
) -> None:
    """Attendance can be recorded only while the intervention is active: once it has ended,
    a reminder could never be answered, so none is sent and an open one is closed."""
    _past_session(practitioner, active, 30)
    later = _past_session(practitioner, active, 2)  # too recent for a reminder yet
    sharing.alerts_run()
    [reminder] = _reminders()
    active.refresh_from_db()
    actions.referral_transition(
        actor=clin,
        referral=active,
        version=active.version,
        target="withdrawn",
        reason_code="moved_away",
    )
    reminder.refresh_from_db()
    assert reminder.acknowledged_by == clin
    assert reminder.acknowledgement_note == "Closed: the intervention is no longer active"
    type(later).objects.filter(pk=later.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=28)
    )
    sharing.alerts_run(now=timezone.now() + dt.timedelta(hours=25))
    assert _reminders() == [reminder], "no new reminder, and no escalation of the closed one"


def test_an_alert_acknowledged_while_escalation_runs_is_not_escalated(
    active: Referral, practitioner: Any, clin: Any, monkeypatch: Any
) -> None:
    """The escalation pass reads the overdue alerts, then claims each one: an alert
    acknowledged in between is left alone (no escalation sits open in a manager's inbox)."""
    _past_session(practitioner, active, 30)
    sharing.alerts_run()
    [reminder] = _reminders()

    def acknowledged_meanwhile(alerts: list[Alert], now: Any) -> set[int]:
        Alert.objects.filter(pk=reminder.pk).update(acknowledged_at=timezone.now())
        return set()

    monkeypatch.setattr(sharing, "_work_done", acknowledged_meanwhile)
    made = sharing.alerts_escalate_due(now=timezone.now() + dt.timedelta(hours=25))
    assert made == []
    reminder.refresh_from_db()
    assert reminder.escalated_at is None
    assert not Alert.objects.filter(escalated_from=reminder).exists()


def test_an_open_reminder_of_an_ended_intervention_is_closed_not_escalated(
    active: Referral, practitioner: Any, clin: Any
) -> None:
    """A reminder left open from before reminders closed themselves (the intervention ended
    without the hook): at its deadline the system closes it instead of escalating it."""
    _past_session(practitioner, active, 30)
    sharing.alerts_run()
    [reminder] = _reminders()
    Referral.objects.filter(pk=active.pk).update(status="completed")
    sharing.alerts_run(now=timezone.now() + dt.timedelta(hours=25))
    reminder.refresh_from_db()
    assert not Alert.objects.filter(escalated_from=reminder).exists()
    assert reminder.acknowledged_at is not None and reminder.acknowledged_by is None
    assert reminder.acknowledgement_note == "Closed: nothing left to do"
    event = AuditEvent.objects.get(verb="alert.resolve", object_id=str(reminder.pk))
    assert event.actor_username == "system"
