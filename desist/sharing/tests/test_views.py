"""Pages: the inbox and acknowledgement, the disclosure log and its export; ladders and
query budgets."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode
from desist.core.tests.exporting import download
from desist.orders.tests.helpers import ago, breach
from desist.sharing import break_glass, services
from desist.sharing.events import EventKind, Urgency
from desist.sharing.models import Alert, LawfulBasis

R = RoleCode
ALERT_ROLES = {
    R.POLICE_OFFICER,
    R.POLICE_SUPERVISOR,
    R.PRACTITIONER,
    R.CLINICAL_SUPERVISOR,
    R.VICTIM_ADVOCATE,
    R.ADVOCACY_MANAGER,
}


def test_breach_reaches_advocate_inbox_end_to_end(
    client: Any, officer: Any, advocate: Any, order: Any, term: Any, supported: Any
) -> None:
    breach(officer, order, term, ago(1))
    client.force_login(advocate)
    inbox = client.get(reverse("sharing:inbox"))
    html = inbox.content.decode()
    assert "SPO breach recorded" in html
    alert = Alert.objects.get(recipient=advocate)
    page = client.get(reverse("sharing:alert_detail", args=[alert.pk]))
    assert page.status_code == 200 and order.reference in page.content.decode()
    assert AuditEvent.objects.filter(verb="alert.view", object_id=str(alert.pk)).exists()
    done = client.post(
        reverse("sharing:alert_detail", args=[alert.pk]),
        {"version": alert.version, "note": "Phoned the victim and updated the safety plan"},
    )
    assert done.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == advocate
    assert "no alerts to acknowledge" in client.get(reverse("sharing:inbox")).content.decode()


def test_alert_detail_ladder(client: Any, users: dict[RoleCode, Any], make_user: Any) -> None:
    owner = users[R.POLICE_OFFICER]
    alert = services.alert_create(
        actor=None,
        kind=EventKind.DISENGAGED,
        priority=Urgency.HIGH,
        recipient=owner,
        title="Disengaged",
        body="x",
    )
    url = reverse("sharing:alert_detail", args=[alert.pk])
    assert client.get(url).status_code == 302
    for role, user in users.items():
        client.force_login(user)
        expected = 200 if user == owner else (404 if role in ALERT_ROLES else 403)
        assert client.get(url).status_code == expected, role
    colleague = make_user(R.POLICE_OFFICER)
    client.force_login(colleague)
    assert client.get(url).status_code == 404
    assert client.post(url, {"version": alert.version}).status_code == 404


def test_stale_acknowledgement_shows_message(client: Any, officer: Any) -> None:
    alert = services.alert_create(
        actor=None,
        kind=EventKind.DISENGAGED,
        priority=Urgency.HIGH,
        recipient=officer,
        title="Disengaged",
        body="x",
    )
    Alert.objects.filter(pk=alert.pk).update(version=alert.version + 1)
    client.force_login(officer)
    response = client.post(
        reverse("sharing:alert_detail", args=[alert.pk]), {"version": alert.version}
    )
    assert "Someone else changed this record" in response.content.decode()


def test_inbox_query_budget(client: Any, officer: Any) -> None:
    def make(n: int) -> None:
        for _ in range(n):
            services.alert_create(
                actor=None,
                kind=EventKind.DISENGAGED,
                priority=Urgency.HIGH,
                recipient=officer,
                title="Disengaged",
                body="x",
            )

    client.force_login(officer)
    make(1)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("sharing:inbox"))
    make(10)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("sharing:inbox"))
    assert len(many) == len(one)


def _disclose(from_org: Any, to_org: Any) -> Any:
    return services.disclosure_record(
        actor=None,
        from_organisation=from_org,
        to_organisation=to_org,
        what="Test",
        purpose="Testing",
        lawful_basis=LawfulBasis.CDA_S115,
    )


def test_disclosure_log_scopes(client: Any, users: dict[RoleCode, Any], orgs: Any) -> None:
    mine = _disclose(orgs["provider"], orgs["police_force"])
    theirs = _disclose(orgs["advocacy"], orgs["other_police_force"])
    url = reverse("sharing:disclosures")
    client.force_login(users[R.POLICE_SUPERVISOR])
    html = client.get(url).content.decode()
    assert mine.reference in html and theirs.reference not in html
    client.force_login(users[R.OVERSEER])
    html = client.get(url).content.decode()
    assert mine.reference in html and theirs.reference in html
    filtered = client.get(url, {"organisation": orgs["advocacy"].pk}).content.decode()
    assert theirs.reference in filtered and mine.reference not in filtered


def test_disclosure_export_is_audited(client: Any, users: dict[RoleCode, Any], orgs: Any) -> None:
    _disclose(orgs["provider"], orgs["police_force"])
    client.force_login(users[R.POLICE_SUPERVISOR])
    response = download(client, reverse("sharing:disclosures_export"))
    body = b"".join(response.streaming_content).decode()
    assert "s.115 Crime and Disorder Act 1998" in body
    event = AuditEvent.objects.get(verb="disclosure.export")
    assert event.category == "disclosure" and event.new_values["rows"] == 1


def test_disclosure_record_validates(orgs: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        services.disclosure_record(
            actor=None,
            from_organisation=orgs["provider"],
            to_organisation=orgs["police_force"],
            what="",
            purpose="",
            lawful_basis="none",
        )
    assert set(caught.value.message_dict) == {"what", "purpose", "lawful_basis"}


def test_queues_registered_and_filled(officer: Any, supervisor: Any, advocate: Any) -> None:
    from desist.home.queues import _SPECS, queues_for

    assert "police.alerts" in [q.key for q in queues_for(R.POLICE_OFFICER)]
    assert "provider.alerts" in [q.key for q in queues_for(R.PRACTITIONER)]
    first = services.alert_create(
        actor=None,
        kind=EventKind.DISENGAGED,
        priority=Urgency.HIGH,
        recipient=officer,
        title="Disengaged: A",
        body="x",
    )
    services.alerts_escalate_due(now=first.due_by)
    alerts = _SPECS["police.alerts"].provider
    escalations = _SPECS["police.escalations"].provider
    assert alerts is not None and escalations is not None
    assert alerts(officer).count == 1
    assert alerts(supervisor).count == 0
    result = escalations(supervisor)
    assert result.count == 1 and result.rows[0].label.startswith("Not acknowledged in time")


def test_disclosure_and_review_lists_query_budget(
    client: Any, users: dict[RoleCode, Any], orgs: Any, make_user: Any
) -> None:
    from desist.orders.tests.helpers import make_subject

    overseer = users[R.OVERSEER]
    client.force_login(overseer)

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    def grant() -> None:
        officer = make_user(R.POLICE_OFFICER, organisation=orgs["other_police_force"])
        subject = make_subject(orgs["police_force"], pnc_number="")
        break_glass.break_glass_request(
            actor=officer, record=subject, justification="Arrested tonight, need the record now."
        )

    _disclose(orgs["provider"], orgs["police_force"])
    grant()
    one = (count(reverse("sharing:disclosures")), count(reverse("sharing:break_glass_reviews")))
    for _ in range(5):
        _disclose(orgs["advocacy"], orgs["police_force"])
        grant()
    many = (count(reverse("sharing:disclosures")), count(reverse("sharing:break_glass_reviews")))
    assert many == one
