"""The operator page of alert e-mails failing to send, and the oversight dashboard's count
(issue 12): who fails, how often, why and when next; never the address or the alert's text."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from desist.core.roles import RoleCode
from desist.sharing import outbox, services
from desist.sharing.events import EventKind, Urgency
from desist.sharing.models import OutboundEmail
from desist.sharing.tests.conftest import NOW

R = RoleCode
S = OutboundEmail.Status
URL = reverse("sharing:email_failures")


def email_in(state: str, recipient: Any, *, attempts: int = 0, error: str = "") -> OutboundEmail:
    recipient.email = f"{recipient.username}@example.org"
    recipient.save()
    alert = services.alert_create(
        actor=None,
        kind=EventKind.BREACH_RECORDED,
        priority=Urgency.HIGH,
        recipient=recipient,
        title="SPO breach recorded: Philippa Testperson",
        body="Seen outside 12 Synthetic Road.",
        now=NOW,
    )
    email = OutboundEmail.objects.get(alert=alert)
    email.status, email.attempts, email.last_error = state, attempts, error
    email.next_attempt_at = NOW + dt.timedelta(minutes=4)
    email.save()
    return email


@pytest.fixture
def outbox_rows(users: dict[RoleCode, Any], make_user: Any) -> dict[str, OutboundEmail]:
    return {
        "retrying": email_in(
            S.QUEUED, users[R.POLICE_OFFICER], attempts=3, error="No answer within 10 s (X)"
        ),
        "given_up": email_in(
            S.FAILED, users[R.VICTIM_ADVOCATE], attempts=12, error="ConnectionRefusedError"
        ),
        "sent": email_in(S.SENT, make_user(R.POLICE_OFFICER), attempts=2),
        "waiting_first_try": email_in(S.QUEUED, make_user(R.PRACTITIONER)),
        "not_needed": email_in(S.NOT_NEEDED, make_user(R.POLICE_SUPERVISOR), attempts=1),
    }


def test_the_administrator_sees_failing_emails_only_and_nothing_personal(
    client: Any, users: dict[RoleCode, Any], outbox_rows: dict[str, OutboundEmail]
) -> None:
    client.force_login(users[R.SYSTEM_ADMIN])
    html = client.get(URL).content.decode()
    assert "2 e-mails failing" in html
    retrying, given_up = outbox_rows["retrying"], outbox_rows["given_up"]
    for email in (retrying, given_up):
        assert email.alert.reference in html
        assert email.last_error in html
    assert "Police officer" in html and retrying.alert.recipient_organisation.name in html
    assert "Victim advocate" in html and given_up.alert.recipient_organisation.name in html
    assert html.count("Given up") == 1  # the given-up one has no next try
    assert "2 March 2026, 09:04" in html  # the retrying one's next try (NOW + 4 minutes)
    for other in ("sent", "waiting_first_try", "not_needed"):
        assert outbox_rows[other].alert.reference not in html
    for personal in ("@example.org", "Philippa", "Synthetic Road", "SPO breach recorded"):
        assert personal not in html


def test_the_page_runs_the_same_queries_however_many_fail(
    client: Any, users: dict[RoleCode, Any], make_user: Any, outbox_rows: Any
) -> None:
    client.force_login(users[R.SYSTEM_ADMIN])
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for role in (R.PRACTITIONER, R.ADVOCACY_MANAGER, R.POLICE_OFFICER, R.CLINICAL_SUPERVISOR):
        email_in(S.QUEUED, make_user(role), attempts=1, error="SMTPServerDisconnected")
    with CaptureQueriesContext(connection) as many:
        assert "6 e-mails failing" in client.get(URL).content.decode()
    assert len(many) == len(few)


def test_the_oversight_dashboard_counts_them(
    client: Any, users: dict[RoleCode, Any], outbox_rows: Any
) -> None:
    client.force_login(users[R.OVERSEER])
    html = client.get(reverse("evaluation:oversight")).content.decode()
    assert "2 alert e-mails are failing to send" in html
    assert outbox_rows["retrying"].alert.reference not in html


def test_the_count_is_for_operators_and_oversight_only(
    users: dict[RoleCode, Any], outbox_rows: Any
) -> None:
    assert outbox.email_failures_count_for(actor=users[R.SYSTEM_ADMIN]) == 2
    assert outbox.email_failures_count_for(actor=users[R.OVERSEER]) == 2
    for role in set(RoleCode) - {R.SYSTEM_ADMIN, R.OVERSEER}:
        with pytest.raises(PermissionDenied):
            outbox.email_failures_count_for(actor=users[role])
