"""Structured clinical supervision (issue 20): each reviewed session is rated for adherence and
competence against anchors kept as data (`ratings.py`); the supervisor's view shows each
practitioner's trend and their caseload against the programme's limit; and the 1-in-N review
sample is drawn only from sessions that took place, never from missed ones."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from desist.audit.models import AuditEvent
from desist.core.models import OrganisationKind
from desist.core.roles import RoleCode
from desist.programme import actions, selectors
from desist.programme.models import (
    Attendance,
    Programme,
    ProgrammeSession,
    Referral,
    SupervisionEntry,
)
from desist.programme.ratings import ADHERENCE, COMPETENCE, SCALES
from desist.programme.tests.conftest import S, free_time, referral_at

pytestmark = pytest.mark.django_db


def _held(practitioner: Any, referral: Referral, slot: int, attendance: str) -> ProgrammeSession:
    """Book `slot` on a past morning and record its attendance."""
    base = timezone.now().replace(hour=8, minute=0, second=0, microsecond=0)
    when = free_time(practitioner, referral, base - dt.timedelta(days=60 - slot), 45)
    s = actions.session_schedule(
        actor=practitioner,
        referral=referral,
        starts_at=when,
        duration_minutes=45,
        remote=True,
        number=slot,
    )
    actions.session_record_attendance(
        actor=practitioner,
        session=s,
        version=s.version,
        attendance=attendance,
        absence_acceptable=False if attendance == Attendance.DNA else None,
        absence_reason="No reason given" if attendance == Attendance.DNA else "",
    )
    s.refresh_from_db()
    return s


def _review(clin: Any, s: ProgrammeSession, adherence: int = 2, competence: int = 2) -> Any:
    s.refresh_from_db()
    return actions.session_review(
        actor=clin,
        session=s,
        version=s.version,
        comment="Agenda agreed; practice set.",
        adherence=adherence,
        competence=competence,
    )


def test_the_scales_run_0_to_3_with_an_anchor_for_each_point() -> None:
    for scale in SCALES:
        assert [a.value for a in scale.anchors] == [0, 1, 2, 3]
        assert all(a.label and len(a.meaning) > 30 for a in scale.anchors)
    assert ADHERENCE.label_of(3) == "3: Fully on plan"
    assert COMPETENCE.label_of(None) == "Not rated"


def test_a_review_is_rated_and_the_rating_kept_in_the_log(
    active: Referral, practitioner: Any, clin: Any
) -> None:
    s = _held(practitioner, active, 1, Attendance.ATTENDED)
    _review(clin, s, adherence=3, competence=1)
    entry = SupervisionEntry.objects.get(session=s)
    assert (entry.adherence, entry.competence) == (3, 1)
    event = AuditEvent.objects.get(verb="programme.session_review")
    assert event.new_values["adherence"] == 3 and event.new_values["competence"] == 1


def test_a_review_without_ratings_is_refused_with_gov_uk_messages(
    active: Referral, practitioner: Any, clin: Any
) -> None:
    s = _held(practitioner, active, 1, Attendance.ATTENDED)
    with pytest.raises(ValidationError) as exc:
        actions.session_review(
            actor=clin, session=s, version=s.version, comment="", adherence=None, competence=7
        )
    assert exc.value.message_dict == {
        "adherence": ["Select how closely the session kept to the plan"],
        "competence": ["Select how well the session was delivered"],
        "comment": ["Enter your comment on the session"],
    }
    assert not SupervisionEntry.objects.exists()


def test_a_missed_session_cannot_be_rated(active: Referral, practitioner: Any, clin: Any) -> None:
    s = _held(practitioner, active, 1, Attendance.DNA)
    with pytest.raises(ValidationError) as exc:
        _review(clin, s)
    assert exc.value.message_dict["comment"] == [
        "The person did not attend this session: there is nothing to rate"
    ]


def test_no_review_link_is_offered_on_a_session_that_did_not_take_place(
    client: Any, active: Referral, practitioner: Any, clin: Any
) -> None:
    """Tester finding (issue 20): a missed session offered "Review and sign off"."""
    held = _held(practitioner, active, 1, Attendance.ATTENDED)
    missed = _held(practitioner, active, 2, Attendance.DNA)
    client.force_login(clin)
    link = "Review and sign off"
    assert link in client.get(reverse("programme:session", args=[held.pk])).content.decode()
    assert link not in client.get(reverse("programme:session", args=[missed.pk])).content.decode()


def test_a_cancelled_session_cannot_be_rated_even_with_attendance_on_it(
    active: Referral, practitioner: Any, clin: Any
) -> None:
    s = _held(practitioner, active, 1, Attendance.ATTENDED)
    ProgrammeSession.objects.filter(pk=s.pk).update(state="cancelled")
    assert s not in selectors.reviews_due_for(actor=clin)
    with pytest.raises(ValidationError) as exc:
        _review(clin, s)
    assert "nothing to rate" in exc.value.message_dict["comment"][0]
    assert not SupervisionEntry.objects.exists()


def test_the_database_refuses_a_rating_off_the_scale(practitioner: Any, clin: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        SupervisionEntry.objects.create(
            practitioner=practitioner,
            supervisor=clin,
            occurred_on=timezone.localdate(),
            comment="x",
            adherence=4,
            competence=2,
        )


def test_the_one_in_n_sample_is_drawn_only_from_sessions_that_took_place(
    programme: Programme, active: Referral, practitioner: Any, clin: Any
) -> None:
    Programme.objects.filter(pk=programme.pk).update(review_every=3)
    missed = _held(practitioner, active, 3, Attendance.DNA)
    late = _held(practitioner, active, 6, Attendance.LATE)
    for slot in (1, 2, 4, 5):
        _held(practitioner, active, slot, Attendance.ATTENDED)
    due = list(selectors.reviews_due_for(actor=clin))
    assert due == [late]
    assert missed not in due
    # Slot 3 booked again and held: now it is in the sample.
    again = _held(practitioner, active, 3, Attendance.ATTENDED)
    assert list(selectors.reviews_due_for(actor=clin).order_by("number")) == [again, late]
    # Coverage counts the sessions that took place (six), not the missed one.
    _review(clin, again)
    assert selectors.supervision_coverage_for(actor=clin) == {"sessions": 6, "reviewed": 1}


def test_trends_compare_the_latest_five_reviews_with_the_five_before(
    programme: Programme,
    officer: Any,
    active: Referral,
    practitioner: Any,
    clin: Any,
    make_user: Any,
    make_org: Any,
) -> None:
    today = timezone.localdate()
    for i in range(10):  # older reviews rated 1, the latest five rated 3 and 2
        SupervisionEntry.objects.create(
            practitioner=practitioner,
            supervisor=clin,
            occurred_on=today - dt.timedelta(days=100 - i),
            comment="Reviewed",
            adherence=1 if i < 5 else 3,
            competence=2,
        )
    trend = selectors.rating_trends_for(actor=clin, practitioner_ids=[practitioner.pk])[
        practitioner.pk
    ]
    assert trend.reviews == 10
    assert trend.recent == {"adherence": 3.0, "competence": 2.0}
    assert trend.before == {"adherence": 1.0, "competence": 2.0}
    assert trend.direction("adherence") == "up"
    assert trend.direction("competence") == "steady"
    # Not the practitioner's own view, nor another provider's supervisor.
    assert selectors.rating_trends_for(actor=practitioner, practitioner_ids=[practitioner.pk]) == {}
    outsider = make_user(
        RoleCode.CLINICAL_SUPERVISOR, organisation=make_org(OrganisationKind.PROVIDER)
    )
    assert selectors.rating_trends_for(actor=outsider, practitioner_ids=[practitioner.pk]) == {}


def test_the_supervisors_view_shows_trends_and_warns_at_the_caseload_limit(
    client: Any,
    programme: Programme,
    officer: Any,
    practitioner: Any,
    clin: Any,
    django_assert_max_num_queries: Any,
) -> None:
    Programme.objects.filter(pk=programme.pk).update(caseload_limit=2)
    for _ in range(2):
        referral_at(programme, officer, S.ACTIVE, practitioner=practitioner)
    for i in range(6):
        SupervisionEntry.objects.create(
            practitioner=practitioner,
            supervisor=clin,
            occurred_on=timezone.localdate() - dt.timedelta(days=10 - i),
            comment="Reviewed",
            adherence=2,
            competence=3 if i else 0,
        )
    client.force_login(clin)
    with django_assert_max_num_queries(25):
        page = client.get(reverse("programme:supervision"))
    text = page.content.decode()
    assert "At the limit" in text
    assert "2 of 2" in text
    assert "Competence" in text and "3.0" in text
    # Allocation offers the practitioner with the limit shown, and refuses them.
    waiting = referral_at(programme, officer, S.RECEIVED)
    form = client.get(reverse("programme:change", args=[waiting.pk, "allocated"])).content.decode()
    name = practitioner.get_full_name() or practitioner.username
    assert f"{name} (2 open of 2: at the limit)" in form


def test_the_caseload_table_lists_the_clinical_supervisor_with_her_own_caseload(
    client: Any, programme: Programme, officer: Any, practitioner: Any, clin: Any
) -> None:
    """The supervisor is allocated referrals too (allocation offers her), so her caseload is
    shown with the practitioners' and held to the same limit (tester finding, issue 20)."""
    Programme.objects.filter(pk=programme.pk).update(caseload_limit=3)
    for _ in range(3):
        referral_at(programme, officer, S.ACTIVE, practitioner=clin)
    referral_at(programme, officer, S.ACTIVE, practitioner=practitioner)
    client.force_login(clin)
    page = client.get(reverse("programme:supervision"))
    rows = {r["person"].pk: (r["person"].caseload, r["at_limit"]) for r in page.context["rows"]}
    assert rows == {practitioner.pk: (1, False), clin.pk: (3, True)}
    table = page.content.decode().split('id="practitioners"')[1].split("</table>")[0]
    assert (clin.get_full_name() or clin.username) in table
    assert "3 of 3" in table


def test_reviewing_a_cancelled_session_says_it_was_cancelled(
    client: Any, active: Referral, practitioner: Any, clin: Any
) -> None:
    """Tester finding (issue 20): a POST to review a cancelled session said "Attendance must be
    recorded before review"."""
    base = timezone.now() + dt.timedelta(days=3)
    s = actions.session_schedule(
        actor=practitioner,
        referral=active,
        starts_at=free_time(practitioner, active, base, 45),
        duration_minutes=45,
        remote=True,
    )
    actions.session_cancel(actor=practitioner, session=s, version=s.version, reason="Ill")
    s.refresh_from_db()
    client.force_login(clin)
    response = client.post(
        reverse("programme:review", args=[s.pk]),
        {"version": s.version, "comment": "Fine", "adherence": 2, "competence": 2},
    )
    page = response.content.decode()
    assert "This session was cancelled: there is nothing to rate" in page
    assert "Attendance must be recorded" not in page
    assert not SupervisionEntry.objects.exists()
