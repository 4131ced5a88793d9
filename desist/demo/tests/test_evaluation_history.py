"""The evaluation demo's historical cohort goes through the programme: everyone put forward 18
months to 3 years ago has a referral that started (or not) and ended long ago, and the
evaluation reads them as starters and completers (docs/evaluation-demo-data.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from desist.accounts.models import User
from desist.core.models import Organisation
from desist.demo import seed
from desist.demo.evaluation_seed import HISTORY_AFTER_DAYS, seed_outcomes
from desist.demo.orders_volume import seed_orders
from desist.demo.programme_seed import seed_programme
from desist.demo.volume import seed_casework
from desist.evaluation.models import Offence
from desist.evaluation.programme_source import programme_facts
from desist.people.models import InterventionDecision, Subject
from desist.programme import completion
from desist.programme.models import (
    CLOSED_STATUSES,
    PLACE_STATUSES,
    ProgrammeSession,
    Referral,
    ReferralStatus,
)
from desist.programme.selectors import programme_facts_for_evaluation
from desist.sharing.models import Alert

S = ReferralStatus


def _seed(history: int) -> tuple[Any, Any, set[int], dict[str, int]]:
    seed.seed(volume=False)
    officer = User.objects.get(username="police.sussex")
    force = officer.organisation
    seed_casework(force=force, cases=300, seed=7)
    seed_orders(
        force=force,
        actor=officer,
        supervisor=User.objects.get(username="police.supervisor"),
        per_state=8,
        assessed_subjects=20,
    )
    before = set(
        Subject.objects.filter(force=force, orders__isnull=False).values_list("pk", flat=True)
    )
    made = seed_programme(
        force=force,
        provider=Organisation.objects.get(code="harbour-psychology"),
        practitioner=User.objects.get(username="practitioner"),
        supervisor=User.objects.get(username="clinical.supervisor"),
        police_actor=officer,
        seed=2026,
        history=history,
    )
    return officer, force, before, made


def test_historical_put_forward_subjects_have_ended_referrals(db: Any) -> None:
    officer, force, before, made = _seed(history=60)
    cutoff = timezone.localdate() - dt.timedelta(days=HISTORY_AFTER_DAYS)
    assert made["historical"] == 60
    cohort = (
        set(Subject.objects.filter(force=force, orders__isnull=False).values_list("pk", flat=True))
        - before
    )
    assert len(cohort) == 60

    historical = Referral.objects.filter(force=force, put_forward_on__lt=cutoff)
    decided = dict(
        InterventionDecision.objects.filter(
            subject__in=cohort, decision=InterventionDecision.Decision.PUT_FORWARD
        ).values_list("subject_id", "decided_on")
    )
    put_forward = set(decided)
    # Every historical subject put forward has exactly one referral, made on the decision day.
    assert put_forward and set(historical.values_list("subject_id", flat=True)) == put_forward
    assert historical.count() == len(put_forward)
    for r in historical:
        assert r.put_forward_on == decided[r.subject_id]
        assert r.status in CLOSED_STATUSES, (r.reference, r.status)
        assert r.ended_on is not None and r.put_forward_on <= r.ended_on < cutoff
        if r.started_on is not None:
            assert r.put_forward_on < r.started_on <= r.ended_on
            assert r.sessions.exists()
    statuses = set(historical.values_list("status", flat=True))
    assert {S.COMPLETED, S.WITHDRAWN} <= statuses
    assert S.DISENGAGED not in statuses  # it would raise alerts dated today
    completed = historical.filter(status=S.COMPLETED)
    for r in completed:
        sessions = list(r.sessions.order_by("starts_at"))
        # Twelve, and one more for each missed session re-booked: the rule is met.
        rule, attended, modules = completion.progress(r)
        assert len(sessions) >= 12 and rule.met(attended, modules)
        assert all(timezone.localdate(s.starts_at) >= r.started_on for s in sessions)
        assert all(timezone.localdate(s.starts_at) <= r.ended_on for s in sessions)
        assert {m.timepoint for m in r.measures.all()} >= {"before", "after"}
    starters = historical.filter(started_on__isnull=False).count()
    assert abs(completed.count() - 0.6 * starters) <= 1  # HIST_COMPLETE
    assert historical.filter(at_risk=True).count() == 0

    # Nothing historical holds a place (the current pilot has them), and the history raised
    # no alerts.
    assert 0 < Referral.objects.filter(status__in=PLACE_STATUSES).count() <= 30
    assert not Alert.objects.filter(
        source_type="programme.Referral",
        source_id__in=[str(pk) for pk in historical.values_list("pk", flat=True)],
    ).exists()
    assert made["referrals"] == Referral.objects.count()
    assert made["sessions"] == ProgrammeSession.objects.count()

    # The evaluation sees them: completers and starters among the historical subjects.
    rows = [r for r in programme_facts_for_evaluation() if r["subject_id"] in put_forward]
    assert sum(r["final_status"] == S.COMPLETED for r in rows) == completed.count() > 0
    assert all(r["sessions_attended"] > 0 for r in rows if r["final_status"] == S.COMPLETED)
    facts = programme_facts(subject_ids=put_forward)
    assert sum(f.completed for f in facts.values()) == completed.count()
    assert sum(bool(f.started_on) for f in facts.values()) == starters

    # Idempotent: a second run makes nothing.
    referrals = Referral.objects.count()
    again = seed_programme(
        force=force,
        provider=Organisation.objects.get(code="harbour-psychology"),
        practitioner=officer,
        supervisor=officer,
        police_actor=officer,
        seed=2026,
        history=60,
    )
    assert again["referrals"] == 0 and Referral.objects.count() == referrals

    # Outcomes use those facts, and the history is not made a second time.
    with_orders = Subject.objects.filter(force=force, orders__isnull=False).distinct().count()
    out = seed_outcomes(force=force, actor=officer, seed=2026, history=60)
    assert out["historical"] == 0 and out["offences"] > 0
    assert Subject.objects.filter(force=force, orders__isnull=False).distinct().count() == (
        with_orders
    )
    assert Offence.objects.filter(subject_id__in=put_forward).exists()
