"""Services: capacity and the waiting list, attendance and disengagement, sessions, notes,
concerns, measures, supervision, the end report and programme versions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from desist.audit.models import AuditEvent
from desist.core.concurrency import StaleRecordError
from desist.core.roles import RoleCode
from desist.people.models import InterventionDecision
from desist.programme import actions, selectors, suitability
from desist.programme.models import (
    Attendance,
    ClinicalNote,
    Engagement,
    Programme,
    ProgrammeSession,
    Referral,
    ReferralStatus,
    SessionState,
)
from desist.programme.tests.conftest import book, make_subject, referral_at
from desist.sharing import events

R = RoleCode
S = ReferralStatus


@pytest.fixture
def published(monkeypatch: Any) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def fake(**kwargs: Any) -> list[Any]:
        calls.append(kwargs)
        return []

    monkeypatch.setattr(events, "publish", fake)
    return calls


# --- referral and capacity ------------------------------------------------------------------


def test_put_forward_records_history_audit_and_people_decision(
    programme: Programme, officer: Any
) -> None:
    subject = make_subject(officer)
    referral = actions.referral_put_forward(
        actor=officer, subject=subject, programme=programme, risk_summary="Fixated, persistent"
    )
    assert referral.status == S.PUT_FORWARD and referral.force_id == subject.force_id
    assert [c.to_status for c in referral.status_changes.all()] == [S.PUT_FORWARD]
    assert AuditEvent.objects.filter(
        verb="referral.put_forward", object_id=str(referral.pk)
    ).exists()
    assert (
        subject.intervention_decisions.first().decision == InterventionDecision.Decision.PUT_FORWARD
    )
    with pytest.raises(ValidationError) as exc:
        actions.referral_put_forward(actor=officer, subject=subject, programme=programme)
    assert "already has an open referral" in str(exc.value)


def test_put_forward_refused_for_programme_not_serving_force(
    programme: Programme, make_user: Any, orgs: dict[str, Any]
) -> None:
    other = make_user(R.POLICE_OFFICER, organisation=orgs["other_police_force"])
    subject = make_subject(other)
    with pytest.raises(ValidationError) as exc:
        actions.referral_put_forward(actor=other, subject=subject, programme=programme)
    assert exc.value.message_dict["programme"] == ["Select a programme that serves your force"]


def _assess_suitable(actor: Any, referral: Any) -> Any:
    return actions.referral_assess(
        actor=actor,
        referral=referral,
        version=referral.version,
        outcome=suitability.SUITABLE,
        answers=suitability.answers_for(suitability.SUITABLE),
    )


def test_full_programme_puts_next_suitable_person_on_waiting_list(
    programme: Programme, officer: Any, clin: Any, practitioner: Any
) -> None:
    Programme.objects.filter(pk=programme.pk).update(capacity=2)
    programme.refresh_from_db()
    referral_at(programme, officer, S.ACTIVE)
    referral_at(programme, officer, S.CONSENTED)
    first = referral_at(programme, officer, S.ALLOCATED, practitioner=practitioner)
    second = referral_at(programme, officer, S.ALLOCATED, practitioner=practitioner)
    for r in (first, second):
        assessed = _assess_suitable(practitioner, r)
        assert assessed.status_change is not None
        assert assessed.status_change.to_status == S.WAITING
    assert selectors.places_for(programme).held == 2
    assert [r.pk for r in selectors.waiting_list_for(actor=clin)] == [first.pk, second.pk]
    # Straight to a place is refused (only the assessment may offer one, and the list is full).
    third = referral_at(programme, officer, S.ALLOCATED, practitioner=practitioner)
    with pytest.raises(ValidationError) as exc:
        actions.referral_transition(
            actor=practitioner, referral=third, version=third.version, target=S.SUITABLE
        )
    assert "suitability assessment" in exc.value.message_dict["status"][0]
    # A place frees: it goes to the first in the queue, not the second.
    Referral.objects.filter(programme=programme, status=S.ACTIVE).update(status=S.COMPLETED)
    second.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        actions.referral_transition(
            actor=clin, referral=second, version=second.version, target=S.SUITABLE
        )
    assert "ahead of this person" in exc.value.message_dict["status"][0]
    first.refresh_from_db()
    actions.referral_transition(
        actor=clin, referral=first, version=first.version, target=S.SUITABLE
    )
    first.refresh_from_db()
    assert first.status == S.SUITABLE
    # And a newly suitable person still joins the queue behind the one waiting.
    third.refresh_from_db()
    _assess_suitable(practitioner, third)
    third.refresh_from_db()
    assert third.status == S.WAITING


def test_waiting_refused_when_a_place_is_free(
    programme: Programme, officer: Any, practitioner: Any
) -> None:
    r = referral_at(programme, officer, S.ALLOCATED, practitioner=practitioner)
    with pytest.raises(ValidationError) as exc:
        actions.referral_transition(
            actor=practitioner, referral=r, version=r.version, target=S.WAITING
        )
    assert "suitability assessment" in exc.value.message_dict["status"][0]
    _assess_suitable(practitioner, r)
    r.refresh_from_db()
    assert r.status == S.SUITABLE


def test_allocation_respects_caseload_limit(
    programme: Programme, officer: Any, clin: Any, practitioner: Any
) -> None:
    Programme.objects.filter(pk=programme.pk).update(caseload_limit=1)
    programme.refresh_from_db()
    referral_at(programme, officer, S.ACTIVE, practitioner=practitioner)
    r = referral_at(programme, officer, S.RECEIVED)
    with pytest.raises(ValidationError) as exc:
        actions.referral_transition(
            actor=clin, referral=r, version=r.version, target=S.ALLOCATED, practitioner=practitioner
        )
    assert "the most allowed" in exc.value.message_dict["practitioner"][0]


def test_consent_needs_what_was_told_and_order_requirement(
    programme: Programme, officer: Any, practitioner: Any
) -> None:
    r = referral_at(programme, officer, S.SUITABLE, practitioner=practitioner)
    with pytest.raises(ValidationError) as exc:
        actions.referral_transition(
            actor=practitioner, referral=r, version=r.version, target=S.CONSENTED
        )
    assert set(exc.value.message_dict) == {"sharing_explained", "attendance_required_by_order"}
    actions.referral_transition(
        actor=practitioner,
        referral=r,
        version=r.version,
        target=S.CONSENTED,
        sharing_explained="Attendance goes to the police",
        attendance_required_by_order=False,
    )
    r.refresh_from_db()
    assert r.consent_on == timezone.localdate() and r.attendance_required_by_order is False


def test_stale_version_is_refused(programme: Programme, officer: Any, clin: Any) -> None:
    r = referral_at(programme, officer, S.PUT_FORWARD)
    with pytest.raises(StaleRecordError):
        actions.referral_transition(
            actor=clin, referral=r, version=r.version + 5, target=S.RECEIVED
        )
    r.refresh_from_db()
    assert r.status == S.PUT_FORWARD


def test_disengagement_publishes(
    programme: Programme, active: Referral, practitioner: Any, published: list[dict[str, Any]]
) -> None:
    actions.referral_transition(
        actor=practitioner,
        referral=active,
        version=active.version,
        target=S.DISENGAGED,
        reason_code="stopped_contact",
    )
    assert [c["kind"] for c in published] == [events.EventKind.DISENGAGED]
    assert published[0]["source"] == active and published[0]["subject"] == active.subject


# --- attendance and disengagement -----------------------------------------------------------


def _attend(
    actor: Any, session: ProgrammeSession, attendance: str, acceptable: bool | None = None
) -> None:
    session.refresh_from_db()
    actions.session_record_attendance(
        actor=actor,
        session=session,
        version=session.version,
        attendance=attendance,
        absence_acceptable=acceptable,
        absence_reason="No reason given" if attendance == Attendance.DNA else "",
    )


def test_two_consecutive_unacceptable_misses_mark_at_risk_at_once(
    active: Referral, practitioner: Any, officer: Any, published: list[dict[str, Any]]
) -> None:
    s1, s2, s3, s4 = (book(practitioner, active, d) for d in (40, 30, 20, 10))
    _attend(practitioner, s1, Attendance.ATTENDED)
    _attend(practitioner, s2, Attendance.DNA, acceptable=False)
    assert (
        selectors.engagement_for_subjects(subject_ids=[active.subject_id])[active.subject_id]
        == Engagement.ATTENDING
    )
    _attend(practitioner, s3, Attendance.DNA, acceptable=False)
    # Police see it the moment it is recorded.
    assert (
        selectors.engagement_for_subjects(subject_ids=[active.subject_id])[active.subject_id]
        == Engagement.AT_RISK
    )
    police_row = selectors.engagement_rows_for(actor=officer).get(pk=active.pk)
    assert police_row.engagement == Engagement.AT_RISK
    assert [c["kind"] for c in published] == [events.EventKind.MISSED_SESSIONS]
    assert "victim" not in published[0]["summary"].lower()
    # Attending clears it.
    _attend(practitioner, s4, Attendance.LATE)
    active.refresh_from_db()
    assert not active.at_risk
    assert len(published) == 1


def test_acceptable_absence_does_not_count(
    active: Referral, practitioner: Any, published: list[dict[str, Any]]
) -> None:
    s1, s2, s3 = (book(practitioner, active, d) for d in (30, 20, 10))
    _attend(practitioner, s1, Attendance.DNA, acceptable=False)
    _attend(practitioner, s2, Attendance.DNA, acceptable=True)
    active.refresh_from_db()
    assert not active.at_risk
    _attend(practitioner, s3, Attendance.DNA, acceptable=False)
    active.refresh_from_db()
    assert active.at_risk and len(published) == 1


def test_attendance_validation(active: Referral, practitioner: Any) -> None:
    future = actions.session_schedule(
        actor=practitioner,
        referral=active,
        starts_at=timezone.now() + dt.timedelta(days=2),
        remote=True,
    )
    with pytest.raises(ValidationError) as exc:
        actions.session_record_attendance(
            actor=practitioner,
            session=future,
            version=future.version,
            attendance=Attendance.ATTENDED,
        )
    assert "once the session has started" in exc.value.message_dict["attendance"][0]
    past = book(practitioner, active, 3)
    with pytest.raises(ValidationError) as exc:
        actions.session_record_attendance(
            actor=practitioner, session=past, version=past.version, attendance=Attendance.DNA
        )
    assert set(exc.value.message_dict) == {"absence_acceptable", "absence_reason"}


# --- sessions -------------------------------------------------------------------------------


def test_sessions_follow_the_plan_and_reschedule_keeps_the_old(
    active: Referral, practitioner: Any
) -> None:
    s1 = book(practitioner, active, 5)
    assert (s1.number, s1.phase, s1.module) == (1, "formulation", "formulation")
    new = actions.session_reschedule(
        actor=practitioner,
        session=s1,
        version=s1.version,
        starts_at=timezone.now() - dt.timedelta(days=4),
        duration_minutes=60,
        remote=True,
        place="",
        reason="Person unwell",
    )
    s1.refresh_from_db()
    assert s1.state == SessionState.SUPERSEDED and s1.change_reason == "Person unwell"
    assert new.replaces == s1 and new.number == 1
    s2 = book(practitioner, active, 1)
    assert s2.number == 2
    actions.session_cancel(
        actor=practitioner, session=s2, version=s2.version, reason="Practitioner ill"
    )
    s2.refresh_from_db()
    assert s2.state == SessionState.CANCELLED
    assert book(practitioner, active, 0).number == 2
    with pytest.raises(ValidationError):
        actions.session_cancel(actor=practitioner, session=s2, version=s2.version, reason="Again")


def test_no_more_sessions_than_the_plan(active: Referral, practitioner: Any) -> None:
    for d in range(12):
        book(practitioner, active, 30 - d)
    with pytest.raises(ValidationError) as exc:
        book(practitioner, active, 1)
    assert "All 12 sessions" in exc.value.message_dict["starts_at"][0]


def test_settings_change_applies_to_new_participants_only(
    programme: Programme, active: Referral, practitioner: Any, users: dict[RoleCode, Any]
) -> None:
    actions.programme_save(
        actor=users[R.PROGRAMME_MANAGER],
        programme=programme,
        version=programme.version,
        name=programme.name,
        provider=programme.provider,
        forces=list(programme.forces.all()),
        capacity=30,
        funding=Decimal("1"),
        sessions=6,
    )
    assert programme.versions.count() == 2
    # `active` started under version 1 (12 sessions): it can still book a 7th session.
    for d in range(7):
        book(practitioner, active, 20 - d)
    assert active.sessions.count() == 7


def test_clinical_notes_keep_revisions(active: Referral, practitioner: Any, officer: Any) -> None:
    s = book(practitioner, active, 1)
    actions.clinical_note_save(actor=practitioner, session=s, text="First", base_revision=0)
    actions.clinical_note_save(actor=practitioner, session=s, text="Second", base_revision=1)
    assert [n.text for n in selectors.clinical_notes_for(actor=practitioner, session=s)] == [
        "Second",
        "First",
    ]
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        selectors.clinical_notes_for(actor=officer, session=s)
    with pytest.raises(PermissionDenied):
        actions.clinical_note_save(actor=officer, session=s, text="x", base_revision=2)
    assert ClinicalNote.objects.filter(session=s).count() == 2


def test_clinical_note_over_a_stale_revision_is_refused(
    active: Referral, practitioner: Any, clin: Any
) -> None:
    """Two people read revision 1; the second to save is refused, not turned into history."""
    s = book(practitioner, active, 1)
    actions.clinical_note_save(actor=practitioner, session=s, text="Base", base_revision=0)
    actions.clinical_note_save(actor=practitioner, session=s, text="Mine", base_revision=1)
    with pytest.raises(StaleRecordError, match="Someone else changed this record"):
        actions.clinical_note_save(actor=clin, session=s, text="Theirs", base_revision=1)
    assert [n.text for n in ClinicalNote.objects.filter(session=s)] == ["Mine", "Base"]
    assert not AuditEvent.objects.filter(
        verb="programme.clinical_note_save", actor_id=clin.pk
    ).exists()


def test_clinical_note_race_on_the_same_revision_number_is_refused(
    active: Referral, practitioner: Any, clin: Any, monkeypatch: Any
) -> None:
    """Both writers pass the revision check before either inserts: the unique revision
    number still lets only one of them in."""
    s = book(practitioner, active, 1)
    real_create = ClinicalNote.objects.create

    def create_after_a_rival(**kwargs: Any) -> ClinicalNote:
        real_create(session=s, revision=kwargs["revision"], text="Rival", written_by=practitioner)
        return real_create(**kwargs)

    monkeypatch.setattr(ClinicalNote.objects, "create", create_after_a_rival)
    with pytest.raises(StaleRecordError):
        actions.clinical_note_save(actor=clin, session=s, text="Theirs", base_revision=0)


def test_concern_creates_disclosure_and_publishes(
    active: Referral, practitioner: Any, published: list[dict[str, Any]]
) -> None:
    s = book(practitioner, active, 1)
    record = actions.risk_disclosure_record(
        actor=practitioner,
        session=s,
        disclosed="Says he still believes they are together",
        urgency="urgent",
    )
    assert record.referral == active and record.session == s
    assert published[0]["kind"] == events.EventKind.RISK_DISCLOSURE
    assert published[0]["urgency"] == events.Urgency.URGENT and published[0]["source"] == record


def test_redaction_guard_blocks_text_and_audits_the_attempt(
    active: Referral, practitioner: Any
) -> None:
    """The real guard, with a victim linked to the subject: the note is refused with the
    kind-neutral message, and the attempt is audited (who, where, field, kind; no value)."""
    from desist.audit.models import AuditEvent
    from desist.orders.tests.helpers import make_case, make_victim
    from desist.sharing.redaction import MESSAGE, RedactionBlocked

    make_victim(make_case(active.subject))
    s = book(practitioner, active, 1)
    with pytest.raises(RedactionBlocked) as exc:
        actions.clinical_note_save(
            actor=practitioner, session=s, text="He named Philippa’s street", base_revision=0
        )
    assert exc.value.errors == {"text": [MESSAGE]}
    assert not ClinicalNote.objects.filter(session=s).exists()
    event = AuditEvent.objects.filter(verb="redaction.blocked").get()
    assert event.actor_id == practitioner.pk
    assert event.new_values == {
        "where": "programme.clinical_note_save",
        "fields": ["text"],
        "kinds": {"text": ["name"]},
    }


def test_review_signs_off_and_logs_supervision(
    active: Referral, practitioner: Any, clin: Any
) -> None:
    s = book(practitioner, active, 1)
    _attend(practitioner, s, Attendance.ATTENDED)
    assert list(selectors.reviews_due_for(actor=clin)) == [s]
    s.refresh_from_db()
    actions.session_review(
        actor=clin,
        session=s,
        version=s.version,
        comment="Good use of the agenda",
        adherence=3,
        competence=2,
    )
    assert not selectors.reviews_due_for(actor=clin).exists()
    _, entries = selectors.supervision_log_for(actor=practitioner, practitioner_id=practitioner.pk)
    assert [e.comment for e in entries] == ["Good use of the agenda"]


def test_measure_is_scored_by_the_engine(active: Referral, practitioner: Any) -> None:
    instrument = actions.measure_instruments().get(code="desist-progress-check")
    answers = dict.fromkeys(("thinking", "urge", "checking", "grievance"), "often") | dict.fromkeys(
        ("calming", "skills", "moving_on", "support"), "never"
    )
    m = actions.measure_record(
        actor=practitioner,
        referral=active,
        instrument=instrument,
        timepoint="before",
        assessed_on=timezone.localdate(),
        answers=answers,
    )
    assert m.score == Decimal("28") and m.risk_level == "high"
    with pytest.raises(ValidationError) as exc:
        actions.measure_record(
            actor=practitioner,
            referral=active,
            instrument=instrument,
            timepoint="after",
            assessed_on=timezone.localdate(),
            answers={},
        )
    assert "answer_thinking" in exc.value.message_dict or any(
        k.startswith("answer") or k.startswith("item") for k in exc.value.message_dict
    )


def test_end_report(active: Referral, practitioner: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        actions.end_report_save(
            actor=practitioner,
            referral=active,
            version=None,
            practitioner_assessment="",
            warning_signs="",
            skills_to_use="",
            contacts="",
        )
    assert len(exc.value.message_dict) == 4
    report = actions.end_report_save(
        actor=practitioner,
        referral=active,
        version=None,
        practitioner_assessment="Progress",
        warning_signs="Checking",
        skills_to_use="STOP",
        contacts="Provider duty line",
        police_summary="Completed 12",
    )
    with pytest.raises(StaleRecordError):
        actions.end_report_save(
            actor=practitioner,
            referral=active,
            version=report.version + 1,
            practitioner_assessment="x",
            warning_signs="x",
            skills_to_use="x",
            contacts="x",
        )


def test_selectors_for_other_apps(active: Referral, practitioner: Any) -> None:
    assert selectors.practitioners_for_subject(subject=active.subject) == [practitioner]
    s = book(practitioner, active, 2)
    _attend(practitioner, s, Attendance.ATTENDED)
    facts = [
        f for f in selectors.programme_facts_for_evaluation() if f["referral_id"] == active.pk
    ][0]
    assert facts["sessions_attended"] == 1 and facts["final_status"] == S.ACTIVE
    assert facts["put_forward_on"] == active.put_forward_on
    assert "name" not in " ".join(facts)


def test_no_clinical_notes_on_a_cancelled_session(
    client: Any, active: Referral, practitioner: Any
) -> None:
    """Tester finding (issue 20): notes could be written and saved on a cancelled session, and
    its page offered "Write the clinical notes". The service refuses them; no link is offered."""
    from django.core.exceptions import ValidationError
    from django.urls import reverse

    s = book(practitioner, active, -3)
    actions.session_cancel(actor=practitioner, session=s, version=s.version, reason="Ill")
    s.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        actions.clinical_note_save(actor=practitioner, session=s, text="Notes", base_revision=0)
    assert exc.value.message_dict["text"] == [
        "This session was cancelled: there are no clinical notes to write"
    ]
    client.force_login(practitioner)
    page = client.get(reverse("programme:session", args=[s.pk])).content.decode()
    assert "the clinical notes</a>" not in page
    response = client.post(
        reverse("programme:notes", args=[s.pk]), {"text": "Notes", "base_revision": 0}
    )
    assert "govuk-error-summary" in response.content.decode()
    assert not ClinicalNote.objects.filter(session=s).exists()
    # A session still booked (here in the future) keeps the link.
    booked = book(practitioner, active, -5)
    page = client.get(reverse("programme:session", args=[booked.pk])).content.decode()
    assert "Write the clinical notes</a>" in page
