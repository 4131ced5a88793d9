"""Escalation at the deadline, email retries with backoff, the periodic scans, acknowledgement."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command

from desist.core.concurrency import StaleRecordError
from desist.core.roles import RoleCode
from desist.sharing import services
from desist.sharing.events import EventKind, Urgency
from desist.sharing.models import Alert, OutboundEmail
from desist.sharing.tests.conftest import NOW

R = RoleCode


def make_alert(recipient: Any, *, priority: str = Urgency.HIGH, now: dt.datetime = NOW) -> Alert:
    return services.alert_create(
        actor=None,
        kind=EventKind.BREACH_RECORDED,
        priority=priority,
        recipient=recipient,
        title="SPO breach recorded: test",
        body="A breach was recorded.",
        now=now,
    )


@pytest.fixture
def with_email(officer: Any) -> Any:
    officer.email = "officer@example.org"
    officer.save()
    return officer


def test_deadline_follows_priority(officer: Any) -> None:
    assert make_alert(officer, priority=Urgency.URGENT).due_by == NOW + dt.timedelta(hours=1)
    assert make_alert(officer, priority=Urgency.HIGH).due_by == NOW + dt.timedelta(hours=4)
    assert make_alert(officer, priority=Urgency.ROUTINE).due_by == NOW + dt.timedelta(hours=24)


def test_escalation_exactly_at_deadline(
    officer: Any, supervisor: Any, make_user: Any, orgs: Any
) -> None:
    other_force_supervisor = make_user(R.POLICE_SUPERVISOR, organisation=orgs["other_police_force"])
    alert = make_alert(officer, priority=Urgency.HIGH)
    deadline = alert.due_by

    assert services.alerts_escalate_due(now=deadline - dt.timedelta(seconds=1)) == []
    made = services.alerts_escalate_due(now=deadline)
    assert [a.recipient_id for a in made] == [supervisor.pk]
    assert other_force_supervisor.pk not in [a.recipient_id for a in made]
    escalation = made[0]
    assert escalation.escalated_from_id == alert.pk
    assert escalation.due_by == deadline + dt.timedelta(hours=4)
    alert.refresh_from_db()
    assert alert.escalated_at == deadline
    # Once only, and escalations do not escalate again.
    assert services.alerts_escalate_due(now=deadline + dt.timedelta(days=3)) == []


def test_acknowledged_alert_does_not_escalate(officer: Any, supervisor: Any) -> None:
    alert = make_alert(officer)
    services.alert_acknowledge(
        actor=officer, alert=alert, version=alert.version, note="Called the victim", now=NOW
    )
    assert services.alerts_escalate_due(now=NOW + dt.timedelta(days=1)) == []


def test_routine_escalates_as_high_to_advocacy_manager(
    advocate: Any, users: dict[RoleCode, Any]
) -> None:
    alert = make_alert(advocate, priority=Urgency.ROUTINE)
    made = services.alerts_escalate_due(now=alert.due_by)
    assert [a.recipient_id for a in made] == [users[R.ADVOCACY_MANAGER].pk]
    assert made[0].priority == Urgency.HIGH


def test_no_manager_still_marks_escalated(make_user: Any, make_org: Any) -> None:
    lone = make_user(R.POLICE_OFFICER, organisation=make_org())
    alert = make_alert(lone)
    assert services.alerts_escalate_due(now=alert.due_by) == []
    alert.refresh_from_db()
    assert alert.escalated_at is not None


class DownBackend:
    """A mail backend whose server is down."""

    def __init__(self, *a: Any, **kw: Any) -> None:
        pass

    def open(self) -> None:
        raise ConnectionRefusedError("smtp.example.org:25 refused")

    def close(self) -> None:
        pass

    def send_messages(self, messages: list[Any]) -> int:
        raise ConnectionRefusedError("smtp.example.org:25 refused")


def test_mail_server_down_then_up(with_email: Any, settings: Any) -> None:
    alert = make_alert(with_email)
    email = OutboundEmail.objects.get(alert=alert)
    assert email.status == OutboundEmail.Status.QUEUED
    assert "Philippa" not in email.body and f"/sharing/alerts/{alert.pk}/" in email.body

    settings.EMAIL_BACKEND = "desist.sharing.tests.test_delivery.DownBackend"
    assert services.emails_deliver_due(now=NOW) == {
        "sent": 0,
        "retry": 1,
        "failed": 0,
        "not_needed": 0,
    }
    email.refresh_from_db()
    assert email.attempts == 1 and email.last_error == "ConnectionRefusedError"
    assert email.next_attempt_at == NOW + dt.timedelta(minutes=1)
    # The alert is in the inbox regardless.
    assert Alert.objects.filter(pk=alert.pk, recipient=with_email).exists()
    # Not due again before the backoff ends; the second failure doubles the wait.
    assert services.emails_deliver_due(now=NOW + dt.timedelta(seconds=30))["retry"] == 0
    services.emails_deliver_due(now=NOW + dt.timedelta(minutes=1))
    email.refresh_from_db()
    assert email.attempts == 2
    assert email.next_attempt_at == NOW + dt.timedelta(minutes=3)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    result = services.emails_deliver_due(now=NOW + dt.timedelta(minutes=3))
    assert result["sent"] == 1
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT and email.attempts == 3
    assert [m.to for m in mail.outbox] == [["officer@example.org"]]
    assert services.emails_deliver_due(now=NOW + dt.timedelta(hours=1))["sent"] == 0


def test_backoff_caps_and_gives_up(with_email: Any, settings: Any) -> None:
    assert [services.backoff(n).total_seconds() / 60 for n in range(1, 9)] == [
        1,
        2,
        4,
        8,
        16,
        32,
        60,
        60,
    ]
    settings.EMAIL_BACKEND = "desist.sharing.tests.test_delivery.DownBackend"
    make_alert(with_email)
    moment = NOW
    for _ in range(services.MAX_ATTEMPTS):
        services.emails_deliver_due(now=moment)
        moment += dt.timedelta(hours=2)
    email = OutboundEmail.objects.get()
    assert email.status == OutboundEmail.Status.FAILED
    assert email.attempts == services.MAX_ATTEMPTS
    assert Alert.objects.count() == 1


def test_no_email_address_no_outbox_row(officer: Any) -> None:
    officer.email = ""
    officer.save()
    make_alert(officer)
    assert not OutboundEmail.objects.exists()


def test_acknowledge_locking_and_rules(officer: Any, supervisor: Any) -> None:
    alert = make_alert(officer)
    stale = Alert.objects.get(pk=alert.pk)
    with pytest.raises(Exception) as denied:
        services.alert_acknowledge(actor=supervisor, alert=alert, version=alert.version)
    assert "alert.acknowledge" in str(denied.value)
    services.alert_acknowledge(actor=officer, alert=alert, version=alert.version, note="Done")
    with pytest.raises(ValidationError):
        services.alert_acknowledge(actor=officer, alert=alert, version=alert.version)
    with pytest.raises(StaleRecordError):
        services.alert_acknowledge(actor=officer, alert=stale, version=stale.version)


def test_scan_overdue_notification_and_expiry_once(
    officer: Any, subject: Any, victim: Any, supervisor: Any
) -> None:
    from desist.orders.tests.helpers import ago, ahead, full

    full(officer, subject, made=ago(30), served=ago(10), ends=ahead(30 + 700))
    made = services.alerts_scan()
    kinds = {a.kind for a in made}
    assert EventKind.NOTIFICATION_OVERDUE in kinds
    assert {a.recipient_id for a in made} >= {officer.pk}
    # No duplicate for the same order and reason on the next run.
    assert services.alerts_scan() == []


def test_scan_expiring_order(officer: Any, make_user: Any, force: Any) -> None:
    from desist.orders.models import Order
    from desist.orders.tests.helpers import ago, full, make_subject

    subject = make_subject(force)
    order = full(officer, subject, made=ago(500))
    Order.objects.filter(pk=order.pk).update(full_ends_on=ago(-20))
    made = services.alerts_scan()
    expiring = [a for a in made if a.kind == EventKind.ORDER_EXPIRING]
    assert [a.recipient_id for a in expiring] == [officer.pk]
    assert expiring[0].priority == Urgency.ROUTINE
    assert services.alerts_scan() == []
    # A renewal (new end date) is a new reason.
    Order.objects.filter(pk=order.pk).update(full_ends_on=ago(-40))
    assert [a.kind for a in services.alerts_scan()] == [EventKind.ORDER_EXPIRING]


def test_alerts_run_command(officer: Any, supervisor: Any, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    officer.email = "o@example.org"
    officer.save()
    make_alert(officer, now=NOW - dt.timedelta(days=2))
    from io import StringIO

    out = StringIO()
    call_command("alerts_run", stdout=out)
    assert "1 escalated" in out.getvalue()
    assert "1 sent" in out.getvalue()


def test_email_claimed_by_one_runner_only(with_email: Any, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_alert(with_email)
    email = OutboundEmail.objects.get()
    # Another runner holds the lease: this one skips the row.
    OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=NOW + services.SEND_LEASE)
    mail.outbox.clear()
    assert services.emails_deliver_due(now=NOW)["sent"] == 0
    assert services.emails_deliver_due(now=NOW + services.SEND_LEASE)["sent"] == 1
    assert len(mail.outbox) == 1


def test_an_email_is_not_sent_once_its_alert_is_acknowledged(
    with_email: Any, settings: Any
) -> None:
    """With the mail server down, the recipient reads and acknowledges the alert in the app:
    the retry does not send it afterwards."""
    alert = make_alert(with_email)
    settings.EMAIL_BACKEND = "desist.sharing.tests.test_delivery.DownBackend"
    assert services.emails_deliver_due(now=NOW)["retry"] == 1
    alert.refresh_from_db()
    services.alert_acknowledge(actor=with_email, alert=alert, version=alert.version, note="")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    result = services.emails_deliver_due(now=NOW + dt.timedelta(minutes=5))
    assert (result["sent"], result["not_needed"]) == (0, 1)
    assert mail.outbox == []
    email = OutboundEmail.objects.get(alert=alert)
    assert email.status == OutboundEmail.Status.NOT_NEEDED and email.attempts == 1


def test_an_alert_acknowledged_while_emails_go_out_is_not_emailed(
    with_email: Any, settings: Any, monkeypatch: Any
) -> None:
    """Acknowledged after the due emails were read but before this one was claimed."""
    from django.core.mail import get_connection

    alert = make_alert(with_email)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()

    def acknowledged_meanwhile(**kw: Any) -> Any:
        Alert.objects.filter(pk=alert.pk).update(acknowledged_at=NOW)
        return get_connection(**kw)

    monkeypatch.setattr(services, "get_connection", acknowledged_meanwhile)
    result = services.emails_deliver_due(now=NOW)
    assert result["sent"] == 0 and mail.outbox == []
    assert OutboundEmail.objects.get(alert=alert).status == OutboundEmail.Status.QUEUED
    assert services.emails_deliver_due(now=NOW)["not_needed"] == 1


def _overdue_alerts() -> list[Alert]:
    return list(Alert.objects.filter(kind=EventKind.NOTIFICATION_OVERDUE).order_by("id"))


def test_receiving_the_notification_closes_its_overdue_alerts(
    officer: Any, subject: Any, victim: Any, supervisor: Any
) -> None:
    from desist.orders import actions as orders
    from desist.orders.models import Notification
    from desist.orders.tests.helpers import ago, ahead, full

    order = full(officer, subject, made=ago(30), served=ago(10), ends=ahead(30 + 700))
    services.alerts_scan()
    opened = _overdue_alerts()
    assert opened
    notification = Notification.objects.get(order=order)
    orders.notification_record_received(
        actor=officer, notification=notification, received_on=ago(1)
    )
    for alert in _overdue_alerts():
        assert alert.acknowledged_by == officer
        assert alert.acknowledgement_note == "Closed: the notification was received"
    assert services.alerts_scan() == []


def test_an_order_ending_closes_its_overdue_alerts(
    officer: Any, subject: Any, victim: Any, supervisor: Any
) -> None:
    from desist.orders import actions as orders
    from desist.orders.tests.helpers import ago, ahead, interim

    order = interim(officer, subject, made=ago(30), expires=ahead(60), served=ago(10))
    services.alerts_scan()
    assert _overdue_alerts()
    order.refresh_from_db()
    orders.order_refuse(
        actor=officer, order=order, version=order.version, refused_on=ago(1), reason="No risk"
    )
    notes = {a.acknowledgement_note for a in _overdue_alerts()}
    assert notes == {"Closed: the order is no longer in force"}


def test_an_overdue_alert_with_nothing_left_owed_is_closed_at_its_deadline(
    officer: Any, subject: Any, victim: Any, supervisor: Any
) -> None:
    """Received without the hook (e.g. before alerts closed themselves): at the deadline the
    system closes the alert rather than escalating it to the supervisor."""
    from django.utils import timezone

    from desist.orders.models import Notification
    from desist.orders.tests.helpers import ago, ahead, full

    order = full(officer, subject, made=ago(30), served=ago(10), ends=ahead(30 + 700))
    services.alerts_scan()
    Notification.objects.filter(order=order).update(received_on=ago(2))
    services.alerts_escalate_due(now=timezone.now() + dt.timedelta(days=2))
    alerts = _overdue_alerts()
    assert alerts and all(a.escalated_from_id is None for a in alerts), "no escalation"
    assert {a.acknowledgement_note for a in alerts} == {"Closed: nothing left to do"}


def test_renewing_or_ending_an_order_closes_its_expiry_alert(
    officer: Any, make_user: Any, force: Any
) -> None:
    from desist.orders import actions as orders
    from desist.orders.models import Order, OrderEvent
    from desist.orders.tests.helpers import ago, full, make_subject

    def expiring_order() -> Order:
        order = full(officer, make_subject(force), made=ago(720))
        Order.objects.filter(pk=order.pk).update(full_ends_on=ago(-20))
        return Order.objects.get(pk=order.pk)

    renewed, discharged = expiring_order(), expiring_order()
    services.alerts_scan()
    alerts = {a.source_id: a for a in Alert.objects.filter(kind=EventKind.ORDER_EXPIRING)}
    assert set(alerts) == {str(renewed.pk), str(discharged.pk)}
    orders.order_record_renewal(
        actor=officer,
        order=renewed,
        version=renewed.version,
        applicant=OrderEvent.Applicant.POLICE,
        court="Brighton Magistrates' Court",
        decided_on=ago(1),
        outcome=OrderEvent.Outcome.GRANTED,
        new_ends_on=ago(-400),
    )
    orders.order_record_event(
        actor=officer,
        order=discharged,
        version=discharged.version,
        kind=OrderEvent.Kind.DISCHARGE,
        applicant=OrderEvent.Applicant.SUBJECT,
        court="Brighton Magistrates' Court",
        decided_on=ago(1),
        outcome=OrderEvent.Outcome.GRANTED,
        details="No longer necessary",
        defendant_consents=True,  # within 2 years of being made (s.7)
        chief_officer_consents=True,
    )
    notes = {
        a.source_id: a.acknowledgement_note
        for a in Alert.objects.filter(kind=EventKind.ORDER_EXPIRING)
    }
    assert notes == {
        str(renewed.pk): "Closed: the order's end date changed",
        str(discharged.pk): "Closed: the order is no longer in force",
    }


def test_an_expiry_alert_for_an_order_no_longer_ending_is_closed_at_its_deadline(
    officer: Any, make_user: Any, force: Any
) -> None:
    from django.utils import timezone

    from desist.orders.models import Order
    from desist.orders.tests.helpers import ago, full, make_subject

    order = full(officer, make_subject(force), made=ago(720))
    Order.objects.filter(pk=order.pk).update(full_ends_on=ago(-20))
    services.alerts_scan()
    Order.objects.filter(pk=order.pk).update(until_further_order=True, full_ends_on=None)
    services.alerts_escalate_due(now=timezone.now() + dt.timedelta(days=2))
    [alert] = Alert.objects.filter(kind=EventKind.ORDER_EXPIRING)
    assert alert.acknowledgement_note == "Closed: nothing left to do"
    assert not Alert.objects.filter(escalated_from=alert).exists()
