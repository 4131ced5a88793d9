"""Done-when of issue 18 (retention): the seeded demo, aged by eight years.

The retention clock is moved eight years on, the monthly job lists what is due, and each data
owner tries to dispose of every record listed. Only records whose schedule allows disposal
are anonymised (group 1 orders are reviewed, never disposed of), a record under a legal hold
is untouched, the evaluation's totals are the same before and after, every disposal has its
Erasure audit event, and no audit row already written changed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from desist.accounts.models import User
from desist.accounts.services import user_create
from desist.audit.models import AuditEvent, Category
from desist.core.models import Organisation
from desist.core.roles import RoleCode
from desist.evaluation.frames import build_frames
from desist.jobs import tasks
from desist.orders.models import Term
from desist.programme.models import ClinicalNote, ProgrammeSession
from desist.retention import clock, registry, services
from desist.retention.models import RetentionReview, ReviewStatus

OWNER_ROLE = {
    "police_force": RoleCode.POLICE_SUPERVISOR,
    "provider": RoleCode.CLINICAL_SUPERVISOR,
    "advocacy": RoleCode.ADVOCACY_MANAGER,
}


def _owner(org: Organisation) -> User:
    role = OWNER_ROLE[str(org.kind)]
    found = User.objects.filter(organisation=org, roles__code=role).first()
    return found or user_create(
        actor=None,
        username=f"owner-{org.pk}",
        organisation=org,
        roles=[role],
        password="correct-horse-battery-staple",
    )


def _totals(evaluator: User, end: dt.date) -> dict[str, Any]:
    frames = build_frames(actor=evaluator, data_end_date=end).frames
    people = frames["people"]
    totals: dict[str, Any] = {"people": len(people)}
    for flag in ("considered", "put_forward", "consented", "declined", "started", "completed"):
        totals[flag] = int(people[flag].fillna(0).astype(bool).sum())
    for name in ("outcomes", "sessions", "measures", "ratings"):
        if name in frames:
            totals[name] = len(frames[name])
    if "sessions" in frames:
        totals["attended"] = int(frames["sessions"]["attended"].fillna(0).astype(bool).sum())
    return totals


def _clinical_text(referral_ids: set[int]) -> dict[int, list[str]]:
    """Every clinical free text of each referral, to see what disposal touched."""
    text: dict[int, list[str]] = {rid: [] for rid in referral_ids}
    for note in ClinicalNote.objects.filter(session__referral_id__in=referral_ids):
        text[note.session.referral_id].append(note.text)
    for s in ProgrammeSession.objects.filter(referral_id__in=referral_ids):
        text[s.referral_id] += [s.content, s.absence_reason, s.review_comment]
    return text


# The whole demo seeded, then every due record disposed one command at a time (alerts,
# disclosures, e-mails and assessments too): 680 s once on a loaded two-core machine.
@pytest.mark.timeout(1200)
@pytest.mark.django_db(transaction=False)
def test_demo_aged_eight_years(monkeypatch: pytest.MonkeyPatch) -> None:
    from desist.demo.seed import seed

    seed()
    evaluator = User.objects.get(username="evaluator")
    end = dt.date.today()
    before = _totals(evaluator, end)
    audit_before = dict(AuditEvent.objects.values_list("id", "row_hash"))
    referral_ids = set(registry.get("programme.clinical").records().values_list("pk", flat=True))  # type: ignore[misc]
    clinical_before = _clinical_text(referral_ids)
    group_1_orders = set(
        registry.get("orders.order-made").records().values_list("pk", flat=True)  # type: ignore[misc]
    )
    wording_before = dict(
        Term.objects.filter(order__in=group_1_orders).values_list("pk", "wording")
    )

    aged = clock.now() + dt.timedelta(days=round(8 * 365.25))
    monkeypatch.setattr(clock, "now", lambda: aged)
    listed = tasks.run_job.call(name="retention_list_due")
    # Clinical records end within the demo's six years; orders made (MoPI group 1) come up
    # for their first review only after ten.
    assert listed["programme.clinical"] and listed["safeguarding.advocacy"], listed
    assert listed["orders.order-made"] == 0, listed

    due = list(RetentionReview.objects.filter(status=ReviewStatus.DUE))
    held = next(r for r in due if r.record_class == "programme.clinical")
    services.retention_hold_place(
        actor=_owner(held.organisation), review=held, reason="Claim in the county court"
    )
    refused: dict[str, int] = {}
    for review in due:
        try:
            services.retention_dispose(actor=_owner(review.organisation), review=review)
        except ValidationError:
            refused[review.record_class] = refused.get(review.record_class, 0) + 1

    disposed = RetentionReview.objects.filter(status=ReviewStatus.DISPOSED)
    # Only what the schedule allows: every disposable record listed, and nothing else.
    assert {r.pk for r in disposed} == {
        r.pk for r in due if registry.get(r.record_class).disposable and r.pk != held.pk
    }
    assert refused == {"programme.clinical": 1}  # the held one
    # Disposed clinical records are blank; every other referral's text is as it was.
    disposed_referrals = set(
        disposed.filter(record_type="programme.Referral").values_list("record_id", flat=True)
    )
    after = _clinical_text(referral_ids)
    assert disposed_referrals and held.record_id not in disposed_referrals
    for rid in referral_ids:
        if rid in disposed_referrals:
            assert not any(after[rid]), rid
        else:
            assert after[rid] == clinical_before[rid], rid
    assert any(clinical_before[held.record_id])  # the held record had text to lose, and kept it
    assert dict(Term.objects.filter(order__in=group_1_orders).values_list("pk", "wording")) == (
        wording_before
    )
    # The evaluation counts the same people, flags, outcomes, sessions and measures.
    assert _totals(evaluator, end) == before
    # Every disposal audited once, in Erasure; no audit row written before was altered.
    audited = AuditEvent.objects.filter(category=Category.ERASURE, verb="retention.dispose")
    assert sorted(audited.values_list("object_type", "object_id")) == sorted(
        (r.record_type, str(r.record_id)) for r in disposed
    )
    assert (
        dict(AuditEvent.objects.filter(pk__in=audit_before).values_list("id", "row_hash"))
        == audit_before
    )
