"""Alerts, the disclosure log, alert e-mails and risk assessment notes in the schedule (issue
18): each is listed for its owner when due, and disposal removes only what people typed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from desist.core.roles import RoleCode
from desist.evaluation.tests import helpers
from desist.retention import clock, registry, services
from desist.retention.models import RetentionReview, ReviewStatus
from desist.risk.models import Assessment, Instrument
from desist.sharing.models import Alert, Disclosure, LawfulBasis, OutboundEmail


def _age(monkeypatch: pytest.MonkeyPatch, years: float) -> None:
    later = clock.now() + dt.timedelta(days=round(years * 365.25))
    monkeypatch.setattr(clock, "now", lambda: later)


def _review(record: Any) -> RetentionReview:
    return RetentionReview.objects.get(
        record_type=record._meta.label, record_id=record.pk, status=ReviewStatus.DUE
    )


def _records(
    users: dict[RoleCode, Any], orgs: Any
) -> tuple[Alert, OutboundEmail, Disclosure, Assessment]:
    officer, force = users[RoleCode.POLICE_OFFICER], orgs["police_force"]
    subject = helpers.make_subject(force, first="Ambrose", last="Quennell")
    now = timezone.now()
    alert = Alert.objects.create(
        kind="breach_recorded",
        priority="urgent",
        recipient=officer,
        recipient_organisation=force,
        subject=subject,
        title="Breach recorded",
        body="Seen outside her flat on Marlow Road",
        due_by=now,
        acknowledged_at=now,
        acknowledgement_note="Called her back at 10",
    )
    email = OutboundEmail.objects.create(
        alert=alert,
        to_address="officer@example.org",
        email_subject="Desist: new alert",
        body="You have a new alert",
        status=OutboundEmail.Status.SENT,
        next_attempt_at=now,
        sent_at=now,
    )
    disclosure = Disclosure.objects.create(
        from_organisation=force,
        to_organisation=orgs["provider"],
        subject=subject,
        what="Breach details for Ambrose Quennell",
        purpose="Risk management",
        lawful_basis=LawfulBasis.CDA_S115,
        agreement="Partnership agreement",
    )
    assessment = Assessment.objects.create(
        subject=subject,
        instrument=Instrument.objects.filter(is_active=True).first(),
        assessed_on=timezone.localdate(),
        assessor=officer,
        context="initial",
        risk_level="high",
        rationale="Fixated on the victim since March",
    )
    return alert, email, disclosure, assessment


def test_the_schedule_covers_them() -> None:
    keys = {c.key: c for c in registry.schedule()}
    for key, model in (
        ("sharing.alert", "sharing.Alert"),
        ("sharing.disclosure", "sharing.Disclosure"),
        ("sharing.email", "sharing.OutboundEmail"),
        ("risk.assessment", "risk.Assessment"),
    ):
        assert keys[key].model == model and keys[key].disposable, key
    assert keys["sharing.email"].action == registry.Action.DELETE


@pytest.mark.django_db
def test_each_is_listed_for_its_owner_and_disposal_keeps_the_coded_rows(
    users: dict[RoleCode, Any], orgs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    alert, email, disclosure, assessment = _records(users, orgs)
    supervisor = users[RoleCode.POLICE_SUPERVISOR]
    _age(monkeypatch, 0.9)
    assert services.retention_list_due().get("sharing.email") == 0
    _age(monkeypatch, 1.1)
    assert services.retention_list_due()["sharing.email"] == 1
    _age(monkeypatch, 7.1)
    listed = services.retention_list_due()
    assert listed["sharing.alert"] == listed["sharing.disclosure"] == 1, listed
    assert listed["risk.assessment"] == 1, listed
    for record in (alert, email, disclosure, assessment):
        review = _review(record)
        assert review.organisation == orgs["police_force"], record
        services.retention_dispose(actor=supervisor, review=review)
    alert.refresh_from_db()
    assert (alert.body, alert.acknowledgement_note) == ("", "")
    assert alert.acknowledged_at is not None and alert.title == "Breach recorded"
    assert not OutboundEmail.objects.filter(pk=email.pk).exists()
    disclosure.refresh_from_db()
    assert (disclosure.what, disclosure.purpose) == ("", "")
    assert disclosure.lawful_basis == LawfulBasis.CDA_S115
    assessment.refresh_from_db()
    assert assessment.rationale == "" and assessment.risk_level == "high"
