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

`seed_history` (called by `desist.demo.programme_seed.seed_programme(history=N)`, before the
current pilot takes the programme's places) makes the historical cohort with a real programme
referral, through the programme's services, for everyone put forward: received, assessed,
consented, started, weekly sessions, measures and an ending, all 18 months to 3 years ago.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from desist.accounts.models import User
from desist.cases.models import Case
from desist.core.models import Organisation
from desist.demo.orders_volume import OrdersResult, _Builder, _screening_answers
from desist.demo.programme_seed import (
    CONTENT,
    _answers,
    _step,
    free_start,
    room_for,
    top_up_missed,
)
from desist.evaluation.models import Offence, OffenceOutcome
from desist.evaluation.programme_source import programme_facts
from desist.evaluation.services import offence_record
from desist.orders import actions as order_actions
from desist.orders.models import Order
from desist.people.models import InterventionDecision, Subject
from desist.people.services import intervention_decision_record
from desist.programme import actions as programme_actions
from desist.programme import suitability
from desist.programme.models import Attendance, Referral, Timepoint
from desist.programme.models import ReferralStatus as S
from desist.risk.models import Assessment, AssessmentContext, Instrument
from desist.risk.services import assessment_record

BASELINE_12_MONTHS = 0.45
HR_COMPLETED = 0.6
HR_STARTED = 0.85
HR_PUT_FORWARD_CONSENTED = 0.6
HR_HIGH_RISK, HR_LOW_RISK, HR_UNDER_30 = 1.6, 0.7, 1.3
PROVEN_SHARE, STALKING_SHARE, REPEAT_SHARE, PRIOR_SHARE = 0.75, 0.55, 0.4, 0.3

BASE_RATE = -math.log(1 - BASELINE_12_MONTHS) / 365.0  # per day

# The historical cohort's programme referrals (`seed_history` with a programme), as shares of
# those put forward: withdrawn before the assessment, not suitable, declining consent (of the
# suitable), withdrawn between consent and the first session (of those consenting). Of those who
# start, `HIST_COMPLETE` complete all 12 sessions; the rest leave after 2 to 9 sessions.
HIST_WITHDRAWN_EARLY, HIST_NOT_SUITABLE, HIST_DECLINED, HIST_NOT_STARTED = 0.03, 0.08, 0.08, 0.05
HIST_COMPLETE = 0.6
# How the others end: (status, coded reason, who). Never "disengaged": that change publishes a
# high-priority alert to the police today, which for an ending years ago would be noise.
HIST_EARLY_ENDINGS: list[tuple[str, str, str]] = [
    *[("withdrawn", "custody", "police")] * 3,
    *[("withdrawn", "moved_away", "police")] * 3,
    ("excluded", "further_offending", "supervisor"),
    ("excluded", "violence_to_staff", "supervisor"),
]
# Referrals put forward longer ago than this belong to the historical cohort (the current pilot's
# are all from the last year).
HISTORY_AFTER_DAYS = 365


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
    actor: User,
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


@dataclass
class HistoryProgramme:
    """Who runs the historical cohort's referrals, and where (see `seed_history`)."""

    programme: Any
    practitioner: User
    supervisor: User
    rng: random.Random
    started: int = 0
    completed: int = 0
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("referrals", "sessions", "measures", "end_reports"), 0
        )
    )


def _historical_cohort(
    *,
    force: Organisation,
    actor: User,
    rng: random.Random,
    today: dt.date,
    size: int,
    programme: HistoryProgramme | None = None,
) -> int:
    """Full SPOs made 18 months to 3 years ago for subjects of the force's casework who have
    none, each with a risk screening before and an intervention decision after the order, so
    that the evaluation has people with a complete follow-up window. Through the real order,
    risk and people services (the same builder as `orders_volume`). With `programme`, everyone
    put forward also gets a programme referral that has ended (`_historical_referral`)."""
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
    for subject in chosen:
        builder.build("full", subject, cases[subject.pk], sorted(set(victims[subject.pk])))
        order = Order.objects.filter(subject=subject).order_by("-pk").first()
        if order is None or order.full_made_on is None:
            continue
        _cohort_member_history(
            subject, order, actor=actor, rng=rng, screening=screening, today=today, hp=programme
        )
    return len(chosen)


def _cohort_member_history(
    subject: Subject,
    order: Order,
    *,
    actor: User,
    rng: random.Random,
    screening: Instrument | None,
    today: dt.date,
    hp: HistoryProgramme | None,
) -> None:
    """A screening before the order, a decision after it, a referral if put forward, and the
    order expired if its end has passed."""
    D = InterventionDecision.Decision
    made = order.interim_made_on or order.full_made_on
    assert made is not None
    assessment = None
    if screening is not None:
        assessed = made - dt.timedelta(days=rng.randint(5, 60))
        assessment = assessment_record(
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
    decided_on = made + dt.timedelta(days=rng.randint(0, 30))
    intervention_decision_record(
        actor=actor,
        subject=subject,
        decision=decision,
        reason=reasons.get(decision, ""),
        decided_on=decided_on,
    )
    if hp is not None and decision == D.PUT_FORWARD:
        _historical_referral(
            hp,
            police=actor,
            subject=subject,
            order=order,
            assessment=assessment,
            put_forward_on=decided_on,
            today=today,
        )
    order.refresh_from_db()
    if order.full_ends_on and order.full_ends_on < today:
        order_actions.order_expire(actor=actor, order=order, version=order.version)


def _later(rng: random.Random, day: dt.date, lo: int, hi: int, today: dt.date) -> dt.date:
    return min(day + dt.timedelta(days=rng.randint(lo, hi)), today)


def _historical_referral(
    hp: HistoryProgramme,
    *,
    police: User,
    subject: Subject,
    order: Order,
    assessment: Any,
    put_forward_on: dt.date,
    today: dt.date,
) -> None:
    """One historical referral, start to end, through the programme's services. It ends before
    the next one is made, so the history never holds more than one of the programme's places
    (or of a practitioner's caseload) and never reaches the waiting list. No disengagement and
    never two unacceptable absences in a row: both would raise alerts dated today."""
    referral = programme_actions.referral_put_forward(
        actor=police,
        subject=subject,
        programme=hp.programme,
        order=order,
        risk_assessment=assessment,
        risk_summary="Persistent contact after being told to stop; fixated on the former partner.",
        put_forward_on=put_forward_on,
        record_decision=False,  # `_historical_cohort` has recorded it
    )
    hp.counts["referrals"] += 1
    consented = _historical_to_consent(hp, referral, police, put_forward_on, today)
    if consented is None:
        return
    worker, day = consented
    rng = hp.rng
    if rng.random() < HIST_NOT_STARTED:
        reason = rng.choice(["custody", "moved_away"])
        _step(police, referral, S.WITHDRAWN, _later(rng, day, 3, 14, today), reason_code=reason)
        return
    start = _later(rng, day, 5, 14, today)
    _step(worker, referral, S.ACTIVE, start)
    instrument = programme_actions.measure_instruments().filter(code="desist-progress-check")
    measure = _HistoryMeasure(hp, worker, referral, instrument.first())
    measure.record(Timepoint.BEFORE, start, improving=False)
    # Who completes is random, but the share stays within one person of `HIST_COMPLETE`.
    hp.started += 1
    completes = hp.completed + rng.random() < HIST_COMPLETE * hp.started
    hp.completed += completes
    held = 12 if completes else rng.randint(2, 9)
    last = _historical_sessions(
        hp,
        worker=worker,
        referral=referral,
        start=start,
        held=held,
        today=today,
        missing=0.06 if completes else 0.18,
    )
    hp.counts["sessions"] += held
    if completes:
        extra, last = top_up_missed(referral, worker, last, today)
        hp.counts["sessions"] += extra
    if held >= 6 and rng.random() < 0.6:
        measure.record(Timepoint.MID, start + dt.timedelta(days=42), improving=rng.random() < 0.6)
    if not completes:
        status, code, who = rng.choice(HIST_EARLY_ENDINGS)
        actor = police if who == "police" else hp.supervisor
        _step(actor, referral, status, _later(rng, last, 5, 25, today), reason_code=code)
        return
    end = _later(rng, last, 0, 7, today)
    measure.record(Timepoint.AFTER, end, improving=rng.random() < 0.8)
    _historical_completion(hp, worker, referral, end)


def _historical_to_consent(
    hp: HistoryProgramme, referral: Any, police: User, put_forward_on: dt.date, today: dt.date
) -> tuple[Any, dt.date] | None:
    """Received, allocated, assessed and consented: the worker and the day of consent, or None
    if the referral ends before."""
    rng = hp.rng
    day = _later(rng, put_forward_on, 1, 5, today)
    _step(hp.supervisor, referral, S.RECEIVED, day)
    if rng.random() < HIST_WITHDRAWN_EARLY:
        _step(police, referral, S.WITHDRAWN, _later(rng, day, 3, 20, today), reason_code="custody")
        return None
    worker = hp.practitioner if rng.random() < 0.7 else hp.supervisor
    day = _later(rng, day, 1, 7, today)
    _step(hp.supervisor, referral, S.ALLOCATED, day, practitioner=worker)
    day = _later(rng, day, 7, 21, today)
    if rng.random() < HIST_NOT_SUITABLE:
        code = rng.choice(["denies_all_behaviour", "substance_misuse", "severe_mental_illness"])
        programme_actions.referral_assess(
            actor=worker,
            referral=referral,
            version=referral.version,
            outcome=suitability.NOT_SUITABLE,
            answers=suitability.answers_for(suitability.NOT_SUITABLE, code),
            reason_code=code,
            effective_on=day,
        )
        return None
    # A place is free: the history runs before the current pilot takes them, one at a time.
    programme_actions.referral_assess(
        actor=worker,
        referral=referral,
        version=referral.version,
        outcome=suitability.SUITABLE,
        answers=suitability.answers_for(suitability.SUITABLE),
        effective_on=day,
    )
    day = _later(rng, day, 3, 14, today)
    if rng.random() < HIST_DECLINED:
        code = rng.choice(["does_not_want", "does_not_want", "practical"])
        _step(worker, referral, S.DECLINED, day, reason_code=code)
        return None
    _step(
        worker,
        referral,
        S.CONSENTED,
        day,
        sharing_explained="Attendance and engagement go to the police; any risk to someone goes to the police and victim services; clinical notes stay with us.",
        attendance_required_by_order=rng.random() < 0.4,
    )
    return worker, day


@dataclass
class _HistoryMeasure:
    """Records the progress measure at a timepoint, when the instrument is installed."""

    hp: HistoryProgramme
    worker: User
    referral: Any
    instrument: Any

    def record(self, timepoint: str, on: dt.date, *, improving: bool) -> None:
        if self.instrument is None:
            return
        programme_actions.measure_record(
            actor=self.worker,
            referral=self.referral,
            instrument=self.instrument,
            timepoint=timepoint,
            assessed_on=on,
            answers=_answers(self.hp.rng, improving=improving),
        )
        self.hp.counts["measures"] += 1


def _historical_completion(hp: HistoryProgramme, worker: User, referral: Any, end: dt.date) -> None:
    programme_actions.end_report_save(
        actor=worker,
        referral=referral,
        version=None,
        practitioner_assessment="Engaged throughout. Now recognises the pattern of checking and contact and can name the feelings that drive it.",
        warning_signs="Drinking alone; looking at the former partner's social media; telling himself the relationship is not over.",
        skills_to_use="Urge surfing; opposite action; calling his brother before acting.",
        contacts="Harbour Forensic Psychology Service duty line; his offender manager; NHS 111 in a crisis.",
        police_summary="Completed all 12 sessions. Maintenance plan agreed; warning signs and contacts above.",
    )
    hp.counts["end_reports"] += 1
    _step(worker, referral, S.COMPLETED, end)


def _historical_sessions(
    hp: HistoryProgramme,
    *,
    worker: User,
    referral: Any,
    start: dt.date,
    held: int,
    today: dt.date,
    missing: float,
) -> dt.date:
    """`held` weekly-ish sessions after `start`, attendance and delivery recorded (a supervisor
    reviews one in three, as the programme asks). Some missed, acceptably or not, but never two
    unacceptable absences in a row. Returns the date of the last session."""
    rng = hp.rng
    unacceptable_run = False
    when = start
    for n in range(held):
        when = min(start + dt.timedelta(days=7 * (n + 1) + rng.choice([-1, 0, 0, 0, 1, 2])), today)
        # No bank holiday, no double booking (years ago, so a free hour is always found).
        starts = free_start(worker, referral, when, before=today + dt.timedelta(days=1))
        assert starts is not None
        when = starts.date()
        session = programme_actions.session_schedule(
            actor=worker,
            referral=referral,
            starts_at=starts,
            remote=rng.random() < 0.3,
            place=room_for(worker),
        )
        if rng.random() < missing:
            acceptable = unacceptable_run or rng.random() < 0.6
            unacceptable_run = unacceptable_run or not acceptable
            programme_actions.session_record_attendance(
                actor=worker,
                session=session,
                version=session.version,
                attendance=Attendance.DNA,
                absence_acceptable=acceptable,
                absence_reason="Medical appointment, told us in advance"
                if acceptable
                else "Did not attend and did not answer calls",
            )
            continue
        unacceptable_run = False
        programme_actions.session_record_attendance(
            actor=worker,
            session=session,
            version=session.version,
            attendance=rng.choice([Attendance.ATTENDED] * 5 + [Attendance.LATE]),
        )
        programme_actions.session_record_delivery(
            actor=worker,
            session=session,
            version=session.version,
            module_delivered=session.module or "formulation",
            content=CONTENT.get(session.module, CONTENT["formulation"]),
            fidelity=rng.sample(
                ["agenda", "review", "skill_taught", "rehearsal", "homework", "risk_check"], 4
            ),
            engagement=rng.choice(["good", "good", "partial"]),
        )
        # Never the supervisor's own session: nobody reviews their own (issue 20).
        if n % 3 == 2 and session.practitioner_id != hp.supervisor.pk:
            programme_actions.session_review(
                actor=hp.supervisor,
                session=session,
                version=session.version,
                comment="Good adherence to the session plan.",
                # From the session's place, not the random stream (which other data follows).
                adherence=3 if n % 2 else 2,
                competence=min(3, 1 + n // 4),
            )
    return when


def history_present(*, force: Organisation, today: dt.date | None = None) -> bool:
    """Whether the force's historical cohort already has its programme referrals (made by
    `seed_history` with a programme): any referral put forward more than a year ago."""
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=HISTORY_AFTER_DAYS)
    return Referral.objects.filter(force=force, put_forward_on__lt=cutoff).exists()


def seed_history(
    *,
    force: Organisation,
    actor: User,
    seed: int,
    size: int,
    programme: Any = None,
    practitioner: Any = None,
    supervisor: User | None = None,
    today: dt.date | None = None,
) -> dict[str, int]:
    """The historical cohort (`_historical_cohort`), with a programme referral for everyone
    put forward when `programme` (and its `practitioner` and clinical `supervisor`) is given.

    Call it before the programme's current referrals take its places: a suitable person takes
    a place only if one is free and nobody is waiting (`services.place_free_for_new`), and each
    historical referral ends before the next is made. `seed_programme(history=N)` does this.
    Does nothing if the force already has historical referrals (`history_present`)."""
    today = today or timezone.localdate()
    counts = {"historical": 0, "referrals": 0, "sessions": 0, "measures": 0, "end_reports": 0}
    if size <= 0 or history_present(force=force, today=today):
        return counts
    hp = None
    if programme is not None:
        if practitioner is None or supervisor is None:
            raise ValueError("A programme's history needs its practitioner and supervisor")
        # Its own stream, so the orders and decisions are the same with or without a programme.
        hp = HistoryProgramme(
            programme=programme,
            practitioner=practitioner,
            supervisor=supervisor,
            rng=random.Random(f"{seed}:history-referrals"),
        )
    with transaction.atomic():
        counts["historical"] = _historical_cohort(
            force=force,
            actor=actor,
            rng=random.Random(seed),  # as `seed_outcomes` would have drawn it
            today=today,
            size=size,
            programme=hp,
        )
    if hp is not None:
        counts.update(hp.counts)
    return counts


def seed_outcomes(
    *, force: Organisation, actor: User, seed: int, history: int = 0
) -> dict[str, int]:
    """New offences for the force's SPO subjects, with the synthetic effect above.

    `history`: first add that many subjects with full orders made 18 months to 3 years ago
    (see `_historical_cohort`), so the demo report has complete follow-up windows; without
    programme referrals. Skipped if `seed_history` has already made the force's history with
    its referrals (`seed_programme(history=N)`); the programme facts are read afterwards, so
    the historical completers and starters get `HR_COMPLETED` and `HR_STARTED`."""
    if Offence.objects.filter(force=force).exists():
        return {"offences": 0, "subjects": 0, "historical": 0}
    rng = random.Random(seed)
    today = timezone.localdate()
    historical = 0
    if history > 0 and not history_present(force=force, today=today):
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
