"""The suitability assessment (issue 20): criteria answered one by one, an outcome that follows
from them, reasons that fit the outcome, and 'not ready yet' kept with a review date."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from desist.audit.models import AuditEvent
from desist.core.concurrency import StaleRecordError
from desist.programme import actions, suitability, workflow
from desist.programme.models import (
    Programme,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    SuitabilityAssessment,
)
from desist.programme.tests.conftest import referral_at

S = ReferralStatus
SUITABLE, NOT_READY, NOT_SUITABLE = (
    suitability.SUITABLE,
    suitability.NOT_READY,
    suitability.NOT_SUITABLE,
)


def _later(days: int = 30) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def assess(actor: Any, referral: Referral, outcome: str, **kw: Any) -> SuitabilityAssessment:
    referral.refresh_from_db()
    reason_code = kw.pop("reason_code", "")
    answers = kw.pop("answers", None) or suitability.answers_for(outcome, reason_code)
    return actions.referral_assess(
        actor=actor,
        referral=referral,
        version=kw.pop("version", referral.version),
        outcome=outcome,
        answers=answers,
        reason_code=reason_code,
        **kw,
    )


def refused(actor: Any, referral: Referral, outcome: str, **kw: Any) -> dict[str, list[str]]:
    before = SuitabilityAssessment.objects.filter(referral=referral).count()
    with pytest.raises(ValidationError) as exc:
        assess(actor, referral, outcome, **kw)
    assert SuitabilityAssessment.objects.filter(referral=referral).count() == before
    return exc.value.message_dict


@pytest.fixture
def allocated(programme: Programme, officer: Any, practitioner: Any) -> Referral:
    return referral_at(programme, officer, S.ALLOCATED, practitioner=practitioner)


# --- reasons restricted to the outcome ---------------------------------------------------------


def test_suitable_with_a_not_ready_reason_is_refused(
    allocated: Referral, practitioner: Any
) -> None:
    """The tester's finding: 'Suitable' was stored with 'In crisis now'."""
    errors = refused(practitioner, allocated, SUITABLE, reason_code="crisis")
    assert errors["reason_code"] == ["Select a reason that fits 'Suitable': it needs none"]
    allocated.refresh_from_db()
    assert allocated.status == S.ALLOCATED and allocated.suitability_codes == []


@pytest.mark.parametrize(
    ("outcome", "reason_code"),
    [(NOT_READY, "substance_misuse"), (NOT_SUITABLE, "crisis"), (NOT_READY, "does_not_want")],
)
def test_a_reason_of_another_outcome_is_refused(
    allocated: Referral, practitioner: Any, outcome: str, reason_code: str
) -> None:
    answers = suitability.answers_for(outcome, "other")
    errors = refused(
        practitioner,
        allocated,
        outcome,
        answers=answers,
        reason_code=reason_code,
        review_on=_later(),
    )
    assert errors["reason_code"] == [
        f"Select a reason that fits '{suitability.outcome_label(outcome)}'"
    ]


def test_the_reason_must_fit_the_answers(allocated: Referral, practitioner: Any) -> None:
    # Not ready because of pending proceedings, yet answered that all have been decided.
    answers = suitability.answers_for(NOT_READY, "crisis")
    errors = refused(
        practitioner,
        allocated,
        NOT_READY,
        answers=answers,
        reason_code="proceedings_pending",
        review_on=_later(),
    )
    assert errors["reason_code"][0].startswith("Select a reason that fits your answers")


def test_another_reason_needs_words(allocated: Referral, practitioner: Any) -> None:
    errors = refused(practitioner, allocated, NOT_READY, reason_code="other", review_on=_later())
    assert errors["reason"] == ["Enter the reason for this change"]


# --- the outcome follows from the answers ------------------------------------------------------


def test_every_criterion_must_be_answered(allocated: Referral, practitioner: Any) -> None:
    answers = suitability.answers_for(SUITABLE)
    del answers["willing"]
    answers["needs_met"] = {"answer": "not_known", "note": ""}
    errors = refused(practitioner, allocated, SUITABLE, answers=answers)
    assert errors["c_willing"] == ["Select whether the person says they are willing to take part"]
    assert errors["c_needs_met_note"] == ["Enter what is still to be found out"]


def test_suitable_needs_every_answer_yes(allocated: Referral, practitioner: Any) -> None:
    answers = suitability.answers_for(NOT_READY, "motivation")
    errors = refused(practitioner, allocated, SUITABLE, answers=answers)
    assert errors["outcome"][0].startswith("Select 'Suitable' only when every answer is Yes")


def test_not_suitable_needs_a_no_about_fit(allocated: Referral, practitioner: Any) -> None:
    answers = suitability.answers_for(NOT_READY, "crisis")
    errors = refused(
        practitioner, allocated, NOT_SUITABLE, answers=answers, reason_code="cognitive_needs"
    )
    assert errors["outcome"][0].startswith("Select 'Not suitable' only when")


def test_not_ready_with_a_no_about_fit_is_not_suitable(
    allocated: Referral, practitioner: Any
) -> None:
    answers = suitability.answers_for(NOT_SUITABLE, "denies_all_behaviour")
    errors = refused(
        practitioner, allocated, NOT_READY, answers=answers, reason_code="other", reason="x"
    )
    assert errors["outcome"][0].startswith("A No means the person is not suitable")


# --- not ready yet: a review date, and back again ----------------------------------------------


@pytest.mark.parametrize(
    ("review_on", "message"),
    [
        (None, "Enter the date to review whether the person is ready"),
        (dt.date.today() - dt.timedelta(days=1), "The review date must be in the future"),
        (dt.date.today() + dt.timedelta(days=400), "The review date must be within a year"),
    ],
)
def test_not_ready_needs_a_review_date_ahead(
    allocated: Referral, practitioner: Any, review_on: dt.date | None, message: str
) -> None:
    if review_on is not None:  # relative to the app's today, not the machine's
        review_on = timezone.localdate() + (review_on - dt.date.today())
    errors = refused(practitioner, allocated, NOT_READY, reason_code="crisis", review_on=review_on)
    assert errors["review_on"] == [message]


def test_not_ready_then_reassessed_as_suitable(allocated: Referral, practitioner: Any) -> None:
    first = assess(practitioner, allocated, NOT_READY, reason_code="crisis", review_on=_later(60))
    allocated.refresh_from_db()
    assert allocated.status == S.NOT_READY and allocated.review_on == _later(60)
    assert first.number == 1 and first.status_change is not None
    # Still not ready: a new assessment and a new date, no change of status.
    second = assess(
        practitioner, allocated, NOT_READY, reason_code="proceedings_pending", review_on=_later(90)
    )
    allocated.refresh_from_db()
    assert (second.number, second.status_change) == (2, None)
    assert allocated.status == S.NOT_READY and allocated.review_on == _later(90)
    assert allocated.suitability_codes == ["proceedings_pending"]
    # Ready now: a place is free, so it is offered; the review date goes.
    third = assess(practitioner, allocated, SUITABLE)
    allocated.refresh_from_db()
    assert allocated.status == S.SUITABLE and allocated.review_on is None
    assert third.status_change is not None and third.status_change.to_status == S.SUITABLE
    assert allocated.suitability_codes == [] and third.reason_code == ""


def test_a_waiting_referral_can_be_reassessed(
    programme: Programme, officer: Any, practitioner: Any
) -> None:
    """The tester's finding: on the waiting list, every assessment failed."""
    waiting = referral_at(programme, officer, S.WAITING, practitioner=practitioner)
    since = waiting.waiting_since
    kept = assess(practitioner, waiting, SUITABLE)
    waiting.refresh_from_db()
    assert waiting.status == S.WAITING and waiting.waiting_since == since
    assert kept.status_change is None
    errors = refused(practitioner, waiting, NOT_READY, reason_code="crisis", review_on=_later())
    assert "keeps their place" in errors["outcome"][0]
    assess(practitioner, waiting, NOT_SUITABLE, reason_code="substance_misuse")
    waiting.refresh_from_db()
    assert waiting.status == S.NOT_SUITABLE


def test_a_bare_status_change_cannot_stand_in_for_the_assessment(
    allocated: Referral, practitioner: Any
) -> None:
    for target in (S.SUITABLE, S.NOT_READY, S.NOT_SUITABLE):
        with pytest.raises(ValidationError) as exc:
            actions.referral_transition(
                actor=practitioner,
                referral=allocated,
                version=allocated.version,
                target=target,
                reason_code=(workflow.REASONS.get(target) or [("", "")])[0][0],
            )
        assert exc.value.message_dict["status"] == [
            "Record the suitability assessment to make this change"
        ]


def test_assessment_only_where_it_can_be_recorded(
    programme: Programme, officer: Any, practitioner: Any
) -> None:
    active = referral_at(programme, officer, S.ACTIVE, practitioner=practitioner)
    errors = refused(practitioner, active, SUITABLE)
    assert "only for a referral allocated" in errors["outcome"][0]


def test_stale_version_is_refused(allocated: Referral, practitioner: Any) -> None:
    version = allocated.version
    assess(practitioner, allocated, NOT_READY, reason_code="crisis", review_on=_later())
    with pytest.raises(StaleRecordError):
        assess(
            practitioner,
            allocated,
            NOT_READY,
            reason_code="crisis",
            review_on=_later(),
            version=version,
        )
    assert SuitabilityAssessment.objects.filter(referral=allocated).count() == 1


def test_police_cannot_assess(allocated: Referral, officer: Any) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        assess(officer, allocated, SUITABLE)


def test_audited_with_codes_never_the_notes(allocated: Referral, practitioner: Any) -> None:
    answers = suitability.answers_for(NOT_READY, "other")
    answers["circumstances_steady"]["note"] = "Waiting to hear about a flat on Larch Road"
    made = assess(
        practitioner,
        allocated,
        NOT_READY,
        answers=answers,
        reason_code="other",
        reason="Housing first",
        review_on=_later(),
    )
    event = AuditEvent.objects.filter(verb="referral.suitability_assess").get()
    assert event.new_values["assessment_id"] == made.pk
    assert event.new_values["answers"]["circumstances_steady"] == "not_known"
    assert event.new_values["outcome"] == NOT_READY and event.new_values["status"] == S.NOT_READY
    assert "Larch" not in str(event.new_values) and "Housing" not in str(event.new_values)
    assert AuditEvent.objects.filter(
        verb="referral.status_change", object_id=str(allocated.pk)
    ).exists()


def test_the_database_refuses_a_reason_that_does_not_fit(allocated: Referral) -> None:
    """The constraint is a second line behind the command."""
    for outcome, code, review in (
        (SUITABLE, "crisis", None),
        (NOT_READY, "substance_misuse", _later()),
        (NOT_READY, "crisis", None),
        (NOT_SUITABLE, "", None),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            SuitabilityAssessment.objects.create(
                referral=allocated,
                number=1,
                outcome=outcome,
                reason_code=code,
                review_on=review,
                assessed_on=timezone.localdate(),
            )


# --- the data migration ------------------------------------------------------------------------


def test_migration_keeps_history_and_drops_a_misfit_reason(
    programme: Programme, officer: Any, practitioner: Any
) -> None:
    migration = importlib.import_module("desist.programme.migrations.0007_suitability_history")
    day = timezone.localdate() - dt.timedelta(days=200)
    suitable = referral_at(programme, officer, S.SUITABLE, practitioner=practitioner)
    not_ready = referral_at(programme, officer, S.NOT_READY, practitioner=practitioner)
    for referral, to_status, code in (
        (suitable, S.SUITABLE, "crisis"),
        (not_ready, S.NOT_READY, "motivation"),
    ):
        ReferralStatusChange.objects.create(
            referral=referral,
            from_status=S.ALLOCATED,
            to_status=to_status,
            reason_code=code,
            effective_on=day,
            changed_by=practitioner,
        )
        Referral.objects.filter(pk=referral.pk).update(suitability_codes=[code], assessed_on=day)
    migration.forwards(apps, None)
    old = SuitabilityAssessment.objects.get(referral=suitable)
    assert (old.outcome, old.reason_code, old.criteria_version, old.answers) == (
        SUITABLE,
        "",
        0,
        {},
    )
    assert "In crisis now" in old.reason and old.status_change.reason_code == "crisis"
    suitable.refresh_from_db()
    assert suitable.suitability_codes == []
    kept = SuitabilityAssessment.objects.get(referral=not_ready)
    assert (kept.outcome, kept.reason_code) == (NOT_READY, "motivation")
    not_ready.refresh_from_db()
    # Its review date has passed, so the reassessment is due at once.
    assert not_ready.review_on == day + dt.timedelta(days=91) < timezone.localdate()


# --- the review date brings the referral back ---------------------------------------------------


def test_review_due_appears_in_the_practitioners_queue_and_on_the_list(
    client: Any, allocated: Referral, practitioner: Any, clin: Any
) -> None:
    from django.urls import reverse

    from desist.programme import queues, selectors

    assess(practitioner, allocated, NOT_READY, reason_code="crisis", review_on=_later(14))
    assert not selectors.readiness_reviews_due_for(actor=practitioner).exists()
    # The day before the review nothing is due; on the day it is.
    assert not queues.readiness_reviews(practitioner).count
    due = selectors.readiness_reviews_due_for(actor=practitioner, today=_later(14))
    assert list(due) == [allocated]
    # (Test data: the review date moved to today, as if the weeks had passed.)
    Referral.objects.filter(pk=allocated.pk).update(review_on=timezone.localdate())
    result = queues.readiness_reviews(practitioner)
    assert result.count == 1 and result.rows[0].url == reverse(
        "programme:assess", args=[allocated.pk]
    )
    assert result.rows[0].tag == "Due today"
    assert not queues.readiness_reviews(clin).count  # another clinician's caseload
    client.force_login(clin)
    page = client.get(reverse("programme:waiting_list")).content.decode()
    assert allocated.reference in page.split('id="not-ready"')[1] and "Review due" in page


def test_disposal_blanks_the_notes_and_keeps_the_answers(
    allocated: Referral, practitioner: Any
) -> None:
    from desist.programme.retention import dispose_referral
    from desist.programme.sar import subject_programme

    answers = suitability.answers_for(NOT_READY, "other")
    answers["circumstances_steady"]["note"] = "Sofa-surfing with a cousin"
    made = assess(
        practitioner,
        allocated,
        NOT_READY,
        answers=answers,
        reason_code="other",
        reason="Housing first",
        review_on=_later(),
    )
    bundle = subject_programme(allocated.subject, allocated.programme.provider)
    shown = [r for r in bundle if r.title == "Suitability assessment 1"]
    assert shown and "Housing first" in str(shown[0].fields)
    dispose_referral(allocated)
    made.refresh_from_db()
    assert made.reason == "" and made.answers["circumstances_steady"] == {
        "answer": "not_known",
        "note": "",
    }
