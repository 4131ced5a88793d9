"""The race loser (tester finding, issue 20): two people edit the same practice record at once.
The one who saves second is told, on the page, that someone else changed it (the GOV.UK error
summary with the project's message), and nothing of theirs is written over the winner's.

Each edit view is opened, the record is then changed by "someone else" (its version moves on),
and the form, still carrying the version it was opened at, is sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from desist.core.concurrency import StaleRecordError
from desist.programme import actions, suitability
from desist.programme.models import (
    Attendance,
    EndReport,
    ProgrammeSession,
    Referral,
    SupervisionEntry,
)
from desist.programme.tests.conftest import S, free_time, referral_at

pytestmark = pytest.mark.django_db


def _lost(response: Any) -> None:
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page and StaleRecordError.message in page


def _someone_else_changes(model: Any, pk: int) -> None:
    model.objects.filter(pk=pk).update(version=F("version") + 1)


def _past_session(practitioner: Any, referral: Referral, slot: int = 1) -> ProgrammeSession:
    base = timezone.now().replace(hour=8, minute=0, second=0, microsecond=0)
    when = free_time(practitioner, referral, base - dt.timedelta(days=30 - slot), 45)
    return actions.session_schedule(
        actor=practitioner,
        referral=referral,
        starts_at=when,
        duration_minutes=45,
        remote=True,
        number=slot,
    )


def test_attendance(client: Any, active: Referral, practitioner: Any) -> None:
    s = _past_session(practitioner, active)
    client.force_login(practitioner)
    url = reverse("programme:attendance", args=[s.pk])
    assert client.get(url).status_code == 200
    _someone_else_changes(ProgrammeSession, s.pk)
    _lost(client.post(url, {"version": s.version, "attendance": Attendance.ATTENDED}))
    s.refresh_from_db()
    assert s.attendance == ""


def test_supervision_rating(client: Any, active: Referral, practitioner: Any, clin: Any) -> None:
    s = _past_session(practitioner, active)
    actions.session_record_attendance(
        actor=practitioner, session=s, version=s.version, attendance=Attendance.ATTENDED
    )
    s.refresh_from_db()
    client.force_login(clin)
    url = reverse("programme:review", args=[s.pk])
    _someone_else_changes(ProgrammeSession, s.pk)
    data = {"version": s.version, "comment": "Kept to plan.", "adherence": 2, "competence": 2}
    _lost(client.post(url, data))
    s.refresh_from_db()
    assert s.reviewed_at is None and not SupervisionEntry.objects.exists()


def test_suitability_assessment(
    client: Any, programme: Any, officer: Any, practitioner: Any
) -> None:
    allocated = referral_at(programme, officer, S.ALLOCATED, practitioner=practitioner)
    client.force_login(practitioner)
    url = reverse("programme:assess", args=[allocated.pk])
    _someone_else_changes(Referral, allocated.pk)
    yes = {f"c_{c.code}": "yes" for c in suitability.CRITERIA}
    data = {
        "version": allocated.version,
        "effective_on": timezone.localdate().isoformat(),
        "outcome": "suitable",
        **yes,
    }
    _lost(client.post(url, data))
    allocated.refresh_from_db()
    assert allocated.status == S.ALLOCATED


def test_end_of_intervention(client: Any, active: Referral, practitioner: Any) -> None:
    client.force_login(practitioner)
    url = reverse("programme:change", args=[active.pk, S.DISENGAGED])
    _someone_else_changes(Referral, active.pk)
    data = {
        "version": active.version,
        "effective_on": timezone.localdate().isoformat(),
        "reason_code": "stopped_contact",
    }
    _lost(client.post(url, data))
    active.refresh_from_db()
    assert active.status == S.ACTIVE


REPORT = {
    "practitioner_assessment": "Engaged well.",
    "warning_signs": "Stops answering calls.",
    "skills_to_use": "Time out.",
    "contacts": "GP.",
    "police_summary": "",
}


def _ended(referral: Referral) -> Referral:
    Referral.objects.filter(pk=referral.pk).update(
        status=S.DISENGAGED, ended_on=timezone.localdate()
    )
    referral.refresh_from_db()
    return referral


def test_end_report_changed_by_someone_else(
    client: Any, active: Referral, practitioner: Any
) -> None:
    referral = _ended(active)
    report = actions.end_report_save(actor=practitioner, referral=referral, version=None, **REPORT)
    client.force_login(practitioner)
    url = reverse("programme:end_report", args=[referral.pk])
    _someone_else_changes(EndReport, report.pk)
    _lost(client.post(url, {**REPORT, "version": report.version, "warning_signs": "Mine"}))
    report.refresh_from_db()
    assert report.warning_signs == REPORT["warning_signs"]


def test_end_report_written_by_someone_else_while_this_one_was_new(
    client: Any, active: Referral, practitioner: Any
) -> None:
    referral = _ended(active)
    client.force_login(practitioner)
    url = reverse("programme:end_report", args=[referral.pk])
    assert client.get(url).status_code == 200  # opened with no report yet
    actions.end_report_save(actor=practitioner, referral=referral, version=None, **REPORT)
    _lost(client.post(url, {**REPORT, "warning_signs": "Mine"}))
    assert EndReport.objects.get(referral=referral).warning_signs == REPORT["warning_signs"]


def test_end_report_two_new_reports_at_the_same_moment(
    client: Any, active: Referral, practitioner: Any, monkeypatch: Any
) -> None:
    """Both writers found no report; the second insert meets the one-per-referral constraint
    and is told, not shown a server error."""
    from desist.programme.actions import end_reports

    referral = _ended(active)
    actions.end_report_save(actor=practitioner, referral=referral, version=None, **REPORT)
    monkeypatch.setattr(end_reports, "_existing_report", lambda referral: None)
    client.force_login(practitioner)
    url = reverse("programme:end_report", args=[referral.pk])
    _lost(client.post(url, {**REPORT, "warning_signs": "Mine"}))
    assert EndReport.objects.get(referral=referral).warning_signs == REPORT["warning_signs"]
