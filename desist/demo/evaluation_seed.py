"""Synthetic outcomes for the evaluation demo, with a documented synthetic effect.

For every subject of `force` who has had an SPO made (the participants and the comparison
pool), this draws new offences after their index date (the same index date the evaluation
uses: the intervention decision, else the date the order was made) from an exponential
time-to-first-offence model:

- baseline: 45% of the comparison group commit a new offence within 12 months
  (`BASELINE_12_MONTHS`; domain.md: about half re-offend, most within the first year);
- covariates: hazard x1.6 if the latest risk level before the index date is high, x0.7 if
  low; x1.3 if under 30 at the index date;
- **the synthetic effect**: hazard ratio `HR_COMPLETED` = 0.6 for completers and
  `HR_STARTED` = 0.85 for starters who did not complete, when the programme app has that
  data; until it does, hazard ratio 0.6 for everyone put forward who did not decline;
- 75% of offences are proven (conviction 80%, caution 20%) 2 to 20 weeks later, if that is
  not after today; 55% are stalking-related; 40% of subjects get 1 or 2 further offences;
- 30% of subjects get 1 or 2 proven offences before the index date (the `prior_offences`
  covariate).

Everything goes through `desist.evaluation.services.offence_record`, so audit rows are what an
officer's entries would have made. Deterministic for a given seed, database and day; idempotent
(does nothing if the force already has offences recorded). See docs/evaluation-demo-data.md.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from desist.core.models import Organisation
from desist.evaluation.models import Offence, OffenceOutcome
from desist.evaluation.programme_source import programme_facts
from desist.evaluation.services import offence_record
from desist.orders.models import Order
from desist.people.models import InterventionDecision, Subject
from desist.risk.models import Assessment

BASELINE_12_MONTHS = 0.45
HR_COMPLETED = 0.6
HR_STARTED = 0.85
HR_PUT_FORWARD_CONSENTED = 0.6
HR_HIGH_RISK, HR_LOW_RISK, HR_UNDER_30 = 1.6, 0.7, 1.3
PROVEN_SHARE, STALKING_SHARE, REPEAT_SHARE, PRIOR_SHARE = 0.75, 0.55, 0.4, 0.3

BASE_RATE = -math.log(1 - BASELINE_12_MONTHS) / 365.0  # per day


def _hazard_ratio(
    subject: Subject,
    index: dt.date,
    decision: str | None,
    facts: Any,
    risk: str | None,
) -> float:
    hr = 1.0
    if facts is not None:
        if facts.completed:
            hr *= HR_COMPLETED
        elif facts.started_on:
            hr *= HR_STARTED
    elif decision == InterventionDecision.Decision.PUT_FORWARD:
        hr *= HR_PUT_FORWARD_CONSENTED
    if risk == "high":
        hr *= HR_HIGH_RISK
    elif risk == "low":
        hr *= HR_LOW_RISK
    dob = subject.date_of_birth
    if dob and (index - dob).days < 30 * 365:
        hr *= HR_UNDER_30
    return hr


def _record(
    rng: random.Random,
    *,
    actor: Any,
    subject: Subject,
    day: dt.date,
    today: dt.date,
    proven_share: float = PROVEN_SHARE,
) -> None:
    proven_on = day + dt.timedelta(days=rng.randint(14, 140))
    if rng.random() < proven_share and proven_on <= today:
        outcome = OffenceOutcome.CONVICTED if rng.random() < 0.8 else OffenceOutcome.CAUTIONED
    else:
        outcome, proven_on = OffenceOutcome.PENDING, None  # type: ignore[assignment]
    offence_record(
        actor=actor,
        subject=subject,
        offence_date=day,
        outcome=outcome,
        proven_date=proven_on,
        stalking_related=rng.random() < STALKING_SHARE,
    )


def _historical_cohort(
    *, force: Organisation, actor: Any, rng: random.Random, today: dt.date, size: int
) -> int:
    """Full SPOs made 18 months to 3 years ago for subjects of the force's casework who have
    none, each with a risk screening before and an intervention decision after the order, so
    that the evaluation has people with a complete follow-up window. Through the real order,
    risk and people services (the same builder as `orders_volume`)."""
    from desist.cases.models import Case
    from desist.demo.orders_volume import OrdersResult, _Builder, _screening_answers
    from desist.orders import services as order_services
    from desist.people.services import intervention_decision_record
    from desist.risk.models import AssessmentContext, Instrument
    from desist.risk.services import assessment_record

    candidates = list(
        Subject.objects.filter(force=force, cases__isnull=False, orders__isnull=True)
        .distinct()
        .order_by("pk")
    )
    if not candidates or size <= 0:
        return 0
    chosen = rng.sample(candidates, min(size, len(candidates)))
    cases: dict[int, Any] = {}
    victims: dict[int, list[int]] = {}
    for c in Case.objects.filter(subject__in=chosen).order_by("id").prefetch_related("victims"):
        cases.setdefault(c.subject_id, c)
        victims.setdefault(c.subject_id, []).extend(v.pk for v in c.victims.all())
    screening = Instrument.objects.filter(
        owner=None, is_active=True, code="desist-stalking-screening"
    ).first()
    builder = _Builder(
        actor=actor,
        supervisor=actor,
        provider=None,
        rng=rng,
        today=today - dt.timedelta(days=500),
        result=OrdersResult(),
    )
    D = InterventionDecision.Decision
    for subject in chosen:
        builder.build("full", subject, cases[subject.pk], sorted(set(victims[subject.pk])))
        order = Order.objects.filter(subject=subject).order_by("-pk").first()
        if order is None or order.full_made_on is None:
            continue
        made = order.interim_made_on or order.full_made_on
        if screening is not None:
            assessed = made - dt.timedelta(days=rng.randint(5, 60))
            assessment_record(
                actor=actor,
                subject=subject,
                instrument=screening,
                answers=_screening_answers(rng),
                assessed_on=assessed,
                context=AssessmentContext.INITIAL,
                rationale="Screened when the order was applied for.",
                review_date=assessed + dt.timedelta(days=365),
            )
        roll = rng.random()
        decision = D.PUT_FORWARD if roll < 0.5 else D.NOT_SUITABLE if roll < 0.8 else D.DECLINED
        reasons = {
            D.NOT_SUITABLE: "Already attending another programme.",
            D.DECLINED: "The subject declined to take part.",
        }
        intervention_decision_record(
            actor=actor,
            subject=subject,
            decision=decision,
            reason=reasons.get(decision, ""),
            decided_on=made + dt.timedelta(days=rng.randint(0, 30)),
        )
        order.refresh_from_db()
        if order.full_ends_on and order.full_ends_on < today:
            order_services.order_expire(actor=actor, order=order, version=order.version)
    return len(chosen)


def seed_outcomes(
    *, force: Organisation, actor: Any, seed: int, history: int = 0
) -> dict[str, int]:
    """New offences for the force's SPO subjects, with the synthetic effect above.

    `history`: first add that many subjects with full orders made 18 months to 3 years ago
    (see `_historical_cohort`), so the demo report has complete follow-up windows."""
    if Offence.objects.filter(force=force).exists():
        return {"offences": 0, "subjects": 0, "historical": 0}
    rng = random.Random(seed)
    today = timezone.localdate()
    with transaction.atomic():
        historical = _historical_cohort(
            force=force, actor=actor, rng=rng, today=today, size=history
        )
    made: dict[int, dt.date] = {}
    for o in (
        Order.objects.filter(force=force)
        .filter(Q(interim_made_on__isnull=False) | Q(full_made_on__isnull=False))
        .values("subject_id", "interim_made_on", "full_made_on")
    ):
        day = min(d for d in (o["interim_made_on"], o["full_made_on"]) if d)
        made[o["subject_id"]] = min(day, made.get(o["subject_id"], day))
    decisions: dict[int, tuple[str, dt.date]] = {}
    for d in (
        InterventionDecision.objects.filter(subject_id__in=made)
        .order_by("subject_id", "-decided_on", "-id")
        .values("subject_id", "decision", "decided_on")
    ):
        decisions.setdefault(d["subject_id"], (d["decision"], d["decided_on"]))
    risks: dict[int, list[tuple[dt.date, str]]] = {}
    for a in (
        Assessment.objects.filter(subject_id__in=made)
        .exclude(risk_level="")
        .order_by("assessed_on", "id")
        .values("subject_id", "assessed_on", "risk_level")
    ):
        risks.setdefault(a["subject_id"], []).append((a["assessed_on"], a["risk_level"].lower()))
    facts = programme_facts(subject_ids=list(made))
    subjects = Subject.objects.filter(pk__in=made).order_by("pk")
    offences = 0
    with transaction.atomic():
        for subject in subjects:
            decision = decisions.get(subject.pk)
            index = decision[1] if decision else made[subject.pk]
            risk = None
            for day, level in risks.get(subject.pk, []):
                if day <= index:
                    risk = level
            if rng.random() < PRIOR_SHARE:
                for _ in range(rng.randint(1, 2)):
                    day = index - dt.timedelta(days=rng.randint(200, 1500))
                    _record(rng, actor=actor, subject=subject, day=day, today=today, proven_share=1)
                    offences += 1
            hr = _hazard_ratio(
                subject, index, decision[0] if decision else None, facts.get(subject.pk), risk
            )
            wait = rng.expovariate(BASE_RATE * hr)
            first = index + dt.timedelta(days=max(1, int(wait)))
            if first > today:
                continue
            _record(rng, actor=actor, subject=subject, day=first, today=today)
            offences += 1
            if rng.random() < REPEAT_SHARE:
                for _ in range(rng.randint(1, 2)):
                    day = first + dt.timedelta(days=rng.randint(20, 300))
                    if day <= today:
                        _record(rng, actor=actor, subject=subject, day=day, today=today)
                        offences += 1
    return {"offences": offences, "subjects": len(made), "historical": historical}
