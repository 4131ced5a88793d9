"""Outcomes recorded by the police: validation, access and audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from desist.audit.models import AuditEvent
from desist.core.concurrency import StaleRecordError
from desist.core.roles import RoleCode
from desist.evaluation import selectors, services
from desist.evaluation.models import Offence
from desist.evaluation.tests import helpers

TODAY = timezone.localdate()
D = dt.timedelta


def test_record_offence_writes_audit(officer: Any, force: Any) -> None:
    subject = helpers.make_subject(force)
    o = services.offence_record(
        actor=officer,
        subject=subject,
        offence_date=TODAY - D(30),
        outcome="convicted",
        proven_date=TODAY - D(3),
        stalking_related=True,
        crime_reference="47/123/25",
    )
    assert o.is_proven and o.force_id == force.pk
    event = AuditEvent.objects.get(verb="outcome.offence_record")
    assert event.object_id == str(o.pk)
    assert event.new_values["subject_id"] == subject.pk
    assert "47/123/25" not in str(event.new_values)


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"offence_date": None, "outcome": "pending"}, "offence_date", "Enter the date"),
        ({"offence_date": TODAY + D(1), "outcome": "pending"}, "offence_date", "today or in"),
        ({"offence_date": TODAY - D(5), "outcome": ""}, "outcome", "Select the outcome"),
        ({"offence_date": TODAY - D(5), "outcome": "convicted"}, "proven_date", "Enter the date"),
        (
            {"offence_date": TODAY - D(5), "outcome": "convicted", "proven_date": TODAY - D(6)},
            "proven_date",
            "same as or after",
        ),
        (
            {"offence_date": TODAY - D(5), "outcome": "pending", "proven_date": TODAY - D(1)},
            "proven_date",
            "Only enter a date proven",
        ),
        (
            {"offence_date": TODAY - D(5), "outcome": "cautioned", "proven_date": TODAY + D(1)},
            "proven_date",
            "today or in the past",
        ),
    ],
)
def test_offence_validation(
    officer: Any, force: Any, kwargs: dict[str, Any], field: str, message: str
) -> None:
    subject = helpers.make_subject(force)
    with pytest.raises(ValidationError) as exc:
        services.offence_record(actor=officer, subject=subject, **kwargs)
    assert message in " ".join(exc.value.message_dict[field])
    assert not Offence.objects.exists()


def test_proven_on_the_day_of_the_offence_is_allowed(officer: Any, force: Any) -> None:
    subject = helpers.make_subject(force)
    day = TODAY - D(2)
    o = services.offence_record(
        actor=officer, subject=subject, offence_date=day, outcome="cautioned", proven_date=day
    )
    assert o.proven_date == day


def test_other_force_cannot_record_or_see(
    officer: Any, make_user: Any, orgs: dict[str, Any], force: Any
) -> None:
    subject = helpers.make_subject(force)
    other = make_user(RoleCode.POLICE_OFFICER, organisation=orgs["other_police_force"])
    with pytest.raises(PermissionDenied):
        services.offence_record(actor=other, subject=subject, offence_date=TODAY, outcome="pending")
    with pytest.raises(Http404):
        selectors.outcome_subject_get_for(actor=other, subject_id=subject.pk)


def test_update_uses_optimistic_locking(officer: Any, force: Any) -> None:
    subject = helpers.make_subject(force)
    o = services.offence_record(
        actor=officer, subject=subject, offence_date=TODAY - D(10), outcome="pending"
    )
    services.offence_update(
        actor=officer,
        offence=o,
        version=1,
        offence_date=o.offence_date,
        outcome="convicted",
        proven_date=TODAY - D(1),
    )
    o.refresh_from_db()
    assert o.version == 2 and o.outcome == "convicted"
    with pytest.raises(StaleRecordError):
        services.offence_update(
            actor=officer,
            offence=o,
            version=1,
            offence_date=o.offence_date,
            outcome="acquitted",
        )
    event = AuditEvent.objects.get(verb="outcome.offence_update")
    assert event.old_values == {"outcome": "pending", "proven_date": None}


# --- pages -----------------------------------------------------------------------------------


def test_outcomes_page_shows_offences_breaches_failures(
    client: Any, officer: Any, force: Any
) -> None:
    subject = helpers.make_subject(force, first="Ambrose", last="Quillfeather")
    order = helpers.make_order(subject, made=TODAY - D(200), served=TODAY - D(198))
    helpers.breach(order, on=TODAY - D(50))
    helpers.late_notification(order, due=TODAY - D(196), received=TODAY - D(190))
    helpers.offence(subject, on=TODAY - D(20), proven=TODAY - D(5), stalking=True)
    client.force_login(officer)
    response = client.get(reverse("evaluation:outcomes", args=[subject.pk]))
    assert response.status_code == 200
    page = response.context["page"]
    assert len(page.offences) == 1 and len(page.breaches) == 1
    assert len(page.notification_failures) == 1
    assert page.start_points.order_made == TODAY - D(200)
    assert page.start_points.order_served == TODAY - D(198)
    assert AuditEvent.objects.filter(verb="outcome.view", object_id=str(subject.pk)).exists()


def test_outcomes_page_query_count_does_not_grow(client: Any, officer: Any, force: Any) -> None:
    subject = helpers.make_subject(force)
    order = helpers.make_order(subject, made=TODAY - D(200), served=TODAY - D(198))
    helpers.offence(subject, on=TODAY - D(20))
    helpers.breach(order, on=TODAY - D(50))
    client.force_login(officer)
    url = reverse("evaluation:outcomes", args=[subject.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(6):
        helpers.offence(subject, on=TODAY - D(30 + i))
        helpers.breach(order, on=TODAY - D(60 + i))
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_add_offence_through_the_form(client: Any, officer: Any, force: Any) -> None:
    subject = helpers.make_subject(force)
    client.force_login(officer)
    url = reverse("evaluation:offence_add", args=[subject.pk])
    assert client.get(url).status_code == 200
    bad = client.post(
        url,
        {
            "offence_date": (TODAY - D(3)).isoformat(),
            "outcome": "convicted",
            "proven_date": (TODAY - D(4)).isoformat(),
        },
    )
    assert bad.status_code == 200
    assert "same as or after the date of the offence" in bad.content.decode()
    assert "govuk-error-summary" in bad.content.decode()
    ok = client.post(
        url,
        {
            "offence_date": (TODAY - D(3)).isoformat(),
            "outcome": "convicted",
            "proven_date": (TODAY - D(1)).isoformat(),
            "stalking_related": "on",
        },
    )
    assert ok.status_code == 302
    o = Offence.objects.get()
    assert o.stalking_related
    edit = reverse("evaluation:offence_edit", args=[subject.pk, o.pk])
    assert client.get(edit).status_code == 200


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_outcome_pages_ladder(
    client: Any, users: dict[RoleCode, Any], force: Any, role: RoleCode
) -> None:
    subject = helpers.make_subject(force)
    client.force_login(users[role])
    response = client.get(reverse("evaluation:outcomes", args=[subject.pk]))
    police = role in (RoleCode.POLICE_OFFICER, RoleCode.POLICE_SUPERVISOR)
    assert response.status_code == (200 if police else 403)


def test_other_force_gets_404(
    client: Any, make_user: Any, orgs: dict[str, Any], force: Any
) -> None:
    subject = helpers.make_subject(force)
    o = helpers.offence(subject, on=TODAY - D(3))
    client.force_login(make_user(RoleCode.POLICE_OFFICER, organisation=orgs["other_police_force"]))
    assert client.get(reverse("evaluation:outcomes", args=[subject.pk])).status_code == 404
    assert client.get(reverse("evaluation:offence_add", args=[subject.pk])).status_code == 404
    edit = reverse("evaluation:offence_edit", args=[subject.pk, o.pk])
    assert client.get(edit).status_code == 404


def test_anonymous_redirected(client: Any, force: Any) -> None:
    subject = helpers.make_subject(force)
    response = client.get(reverse("evaluation:outcomes", args=[subject.pk]))
    assert response.status_code == 302
