"""Demo data for the intervention programme: settings (30 places) and referrals in every state
for the demo force's subjects who have a live order, with sessions, attendance (some people
missing two in a row), outcome measures and end reports. Made through the programme's
services, so the audit trail and status history are real. Deterministic for a given seed.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from desist.accounts.models import User
from desist.accounts.services import user_create
from desist.core.dates import bank_holiday
from desist.core.roles import RoleCode
from desist.orders.models import LIVE_STATUSES, Order
from desist.people.models import InterventionDecision
from desist.programme import actions as services
from desist.programme import suitability
from desist.programme.actions.sessions import open_slots, session_clashes
from desist.programme.models import (
    MODULES,
    Attendance,
    Programme,
    ProgrammeVersion,
    Referral,
    ReferralStatus,
    default_session_plan,
)
from desist.risk.models import Assessment

S = ReferralStatus

# (final state, how many). Places held at the end: suitable + consented + active = 30, so the
# waiting list is real.
PLAN: list[tuple[str, int]] = [
    (S.ACTIVE, 22),
    (S.CONSENTED, 4),
    (S.SUITABLE, 4),
    (S.WAITING, 3),
    (S.COMPLETED, 6),
    (S.DISENGAGED, 3),
    (S.WITHDRAWN, 2),
    (S.EXCLUDED, 1),
    (S.NOT_SUITABLE, 2),
    (S.DECLINED, 2),
    (S.NOT_READY, 2),
    (S.ALLOCATED, 2),
    (S.RECEIVED, 2),
    (S.PUT_FORWARD, 3),
]
# Which states each plan goes through after being put forward (the order matters: places are
# taken before the waiting list is reached).
ORDER = [
    S.COMPLETED,
    S.DISENGAGED,
    S.EXCLUDED,
    S.WITHDRAWN,
    S.DECLINED,
    S.ACTIVE,
    S.CONSENTED,
    S.SUITABLE,
    S.WAITING,
    S.NOT_SUITABLE,
    S.NOT_READY,
    S.ALLOCATED,
    S.RECEIVED,
    S.PUT_FORWARD,
]
SESSION_HOUR = 10
# Three clinicians share the pilot's caseload: the demo practitioner, a colleague (a demo
# account nobody signs in as) and the clinical supervisor, each well under the limit.
CASELOAD_LIMIT = 18
COLLEAGUE = ("practitioner.okoro", "Daniel", "Okoro")
# Work waiting on the provider is recent, as in a service that keeps up: the days before
# today a referral still waiting at this step was put forward, at the least (plus up to 9).
# The draw that set the date before is kept, so the random stream is as it was.
RECENT_START: dict[str, int] = {
    S.PUT_FORWARD: 2,
    S.RECEIVED: 4,
    S.ALLOCATED: 6,
    S.SUITABLE: 16,
    S.WAITING: 30,
}
# The first few interventions to end early ended in the last few weeks, so their end report and
# final measure are still to write (the practitioner's queues hold that work, recent).
RECENT_ENDINGS = 2
RECENT_ENDING_START = 65
# The hours a demo session may start, in the order tried: each clinician carries a dozen or so
# referrals, so their weekly sessions spread over the day rather than double-book.
SESSION_HOURS = (10, 11, 14, 15, 9, 12, 13, 16)
CONTENT = {
    "formulation": "Built a timeline of the behaviour and what drove it; agreed goals.",
    "mindfulness": "Noticing urges without acting on them; short breathing practice.",
    "distress_tolerance": "Getting through a crisis without making it worse; planned distractions.",
    "emotion_regulation": "Naming feelings and checking the facts; opposite action.",
    "interpersonal_effectiveness": "Asking for what you need and taking no for an answer.",
    "maintenance": "Reviewed warning signs and the plan to stay offence-free.",
}
LOW = ["never", "rarely", "sometimes"]
HIGH = ["sometimes", "often", "always"]
ITEMS_UP = ("thinking", "urge", "checking", "grievance")
ITEMS_DOWN = ("calming", "skills", "moving_on", "support")


def _aware(day: dt.date, hour: int = SESSION_HOUR) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=timezone.get_current_timezone())


def room_for(worker: User) -> str:
    """Each practitioner sees people in a room of their own: a practitioner is never booked
    twice at one time, so the demo never books a room twice either (rooms clash, issue 20)."""
    return f"Room {worker.pk}, Harbour House, Brighton"


def free_start(
    worker: User, referral: Referral, day: dt.date, *, before: dt.date
) -> dt.datetime | None:
    """The first hour on `day`, or a later day before `before`, that is a weekday and no bank
    holiday in England and Wales and double-books neither the practitioner nor the person (the rules
    booking enforces). None if the week has no such hour. Draws nothing from the random
    stream."""
    for offset in range(7):
        d = day + dt.timedelta(days=offset)
        if d >= before:
            return None
        if bank_holiday(d) or d.weekday() >= 5:  # the service works Monday to Friday
            continue
        for hour in SESSION_HOURS:
            when = _aware(d, hour)
            if not session_clashes(
                practitioner=worker,
                subject_id=referral.subject_id,
                starts_at=when,
                duration_minutes=60,
            ):
                return when
    return None


def _answers(rng: random.Random, improving: bool) -> dict[str, str]:
    """Answers to the Desist progress check: higher difficulty before, lower after."""
    worse, better = (LOW, HIGH) if improving else (HIGH, LOW)
    return {i: rng.choice(worse) for i in ITEMS_UP} | {i: rng.choice(better) for i in ITEMS_DOWN}


def seed_programme(
    *,
    force: Any,
    provider: Any,
    practitioner: User,
    supervisor: User,
    police_actor: User,
    seed: int,
    programme_manager: Any = None,
    today: dt.date | None = None,
    history: int = 0,
) -> dict[str, int]:
    """Create the programme and its referrals. Does nothing if the provider already runs a
    programme for the force. Returns counts of rows created.

    `history`: first make that many subjects with orders made 18 months to 3 years ago, and a
    referral that has ended for each of them put forward (`evaluation_seed.seed_history`),
    before the current referrals take the places. docs/evaluation-demo-data.md."""
    created = {"programmes": 0, "referrals": 0, "sessions": 0, "measures": 0, "end_reports": 0}
    if Programme.objects.filter(provider=provider, forces=force).exists():
        return created
    rng = random.Random(seed)
    today = today or timezone.localdate()
    with transaction.atomic():
        programme = _make_programme(force, provider, programme_manager)
        created["programmes"] = 1
        if history > 0:
            from desist.demo.evaluation_seed import seed_history

            past = seed_history(
                force=force,
                actor=police_actor,
                seed=seed,
                size=history,
                programme=programme,
                practitioner=practitioner,
                supervisor=supervisor,
                today=today,
            )
            created["historical"] = past.pop("historical")
            for key, n in past.items():
                created[key] += n
        _current_referrals(
            rng, programme, force, practitioner, supervisor, police_actor, today, created
        )
    return created


def _current_referrals(
    rng: random.Random,
    programme: Programme,
    force: Any,
    practitioner: User,
    supervisor: User,
    police_actor: User,
    today: dt.date,
    created: dict[str, int],
) -> None:
    """The current pilot: a referral in each state for subjects with a live order (not the
    historical cohort's, who already have one)."""
    subjects = []
    seen: set[int] = set()
    # Not those found not suitable or declining, nor anyone already referred (the history).
    declined = set(
        InterventionDecision.objects.filter(
            subject__force=force,
            decision__in=[
                InterventionDecision.Decision.DECLINED,
                InterventionDecision.Decision.NOT_SUITABLE,
            ],
        ).values_list("subject_id", flat=True)
    )
    declined |= set(Referral.objects.filter(force=force).values_list("subject_id", flat=True))
    for order in (
        Order.objects.filter(force=force, status__in=LIVE_STATUSES)
        .select_related("subject")
        .order_by("id")
    ):
        if order.subject_id not in seen and order.subject_id not in declined:
            seen.add(order.subject_id)
            subjects.append((order.subject, order))
    rng.shuffle(subjects)
    wanted = dict(PLAN)
    queue = [state for state in ORDER for _ in range(wanted[state])]
    recent_endings = RECENT_ENDINGS
    for final, (subject, order) in zip(queue, subjects, strict=False):
        recent = final == S.DISENGAGED and recent_endings > 0
        if recent:
            recent_endings -= 1
        counts = _one(
            rng,
            programme,
            subject,
            order,
            final,
            practitioner,
            supervisor,
            police_actor,
            today,
            recent_end=recent,
        )
        created["referrals"] += 1
        for key, n in counts.items():
            created[key] += n


def _make_programme(force: Any, provider: Any, manager: User) -> Programme:
    """The settings. Made directly when no programme manager is given (the manager's scope
    needs a partnership), otherwise through the service."""
    values = {
        "name": f"{force.name} SPO intervention pilot",
        "provider": provider,
        "capacity": 30,
        "funding": Decimal("98000"),
        "funding_source": "Central pilot funding (intervention and evaluation)",
        "sessions": 12,
        "caseload_limit": CASELOAD_LIMIT,
        "review_every": 3,
    }
    if manager is not None:
        return services.programme_save(actor=manager, forces=[force], **values)

    programme = Programme.objects.create(
        modules=[c for c, _ in MODULES], session_plan=default_session_plan(12), **values
    )
    programme.forces.set([force])
    ProgrammeVersion.objects.create(
        programme=programme, number=1, settings=services.settings_snapshot(programme)
    )
    return programme


def second_supervisor(supervisor: User) -> User | None:
    """Another clinical supervisor of the provider (the demo's `clinical.lead`), to review the
    first one's own sessions; None if the provider has only one."""
    return (
        User.objects.filter(
            organisation=supervisor.organisation,
            roles__code=RoleCode.CLINICAL_SUPERVISOR,
            is_active=True,
        )
        .exclude(pk=supervisor.pk)
        .order_by("pk")
        .first()
    )


def _colleague(supervisor: User) -> User:
    """The demo practitioner's colleague in the supervisor's provider, made once."""
    username, first, last = COLLEAGUE
    found = User.objects.filter(username=username).first()
    assert supervisor.organisation is not None
    return found or user_create(
        actor=None,
        username=username,
        organisation=supervisor.organisation,
        roles=[RoleCode.PRACTITIONER],
        password=None,
        first_name=first,
        last_name=last,
        email=f"{username}@example.org",
        is_demo=True,
    )


def _step(actor: User, referral: Referral, target: str, on: dt.date, **kw: Any) -> None:
    services.referral_transition(
        actor=actor,
        referral=referral,
        version=referral.version,
        target=target,
        effective_on=min(on, timezone.localdate()),
        **kw,
    )


def _assess(
    actor: User, referral: Referral, outcome: str, on: dt.date, reason_code: str = "", **kw: Any
) -> None:
    """The suitability assessment, with answers its outcome follows from."""
    services.referral_assess(
        actor=actor,
        referral=referral,
        version=referral.version,
        outcome=outcome,
        answers=suitability.answers_for(outcome, reason_code),
        reason_code=reason_code,
        effective_on=min(on, timezone.localdate()),
        **kw,
    )


def _one(
    rng: random.Random,
    programme: Programme,
    subject: Any,
    order: Any,
    final: str,
    practitioner: User,
    supervisor: User,
    police: User,
    today: dt.date,
    *,
    recent_end: bool = False,
) -> dict[str, int]:
    # Each step draws from `rng` in the same order as before it was split: same seed, same data.
    counts = {"sessions": 0, "measures": 0, "end_reports": 0}
    long_ago = final in (S.COMPLETED, S.DISENGAGED, S.EXCLUDED)
    start = today - dt.timedelta(days=rng.randint(200, 260) if long_ago else rng.randint(20, 120))
    if final in RECENT_START:
        start = today - dt.timedelta(days=RECENT_START[final] + (today - start).days % 10)
    if recent_end:
        start = today - dt.timedelta(days=RECENT_ENDING_START)
    assessment = Assessment.objects.filter(subject=subject).order_by("-assessed_on").first()
    referral = services.referral_put_forward(
        actor=police,
        subject=subject,
        programme=programme,
        order=order,
        risk_assessment=assessment,
        risk_summary="Persistent contact after being told to stop; fixated on the former partner.",
        put_forward_on=start,
    )
    allocated = _to_allocation(
        rng, referral, final, start, practitioner, supervisor, police, mine=recent_end
    )
    if allocated is None:
        return counts
    worker, day = allocated
    consented_on = _assess_and_consent(rng, referral, final, worker, police, day)
    if consented_on is None:
        return counts
    day = consented_on + dt.timedelta(days=3)
    _step(worker, referral, S.ACTIVE, day)
    instrument = services.measure_instruments().filter(code="desist-progress-check").first()
    if instrument is not None:
        services.measure_record(
            actor=worker,
            referral=referral,
            instrument=instrument,
            timepoint="before",
            assessed_on=day,
            answers=_answers(rng, improving=False),
        )
        counts["measures"] += 1
    (planned, held), last_day = _weekly_sessions(
        rng, referral, final, worker, supervisor, day, today
    )
    counts["sessions"] += held
    if final == S.ACTIVE and planned >= 6 and instrument is not None:
        services.measure_record(
            actor=worker,
            referral=referral,
            instrument=instrument,
            timepoint="mid",
            assessed_on=day + dt.timedelta(days=42),
            answers=_answers(rng, improving=rng.random() < 0.7),
        )
        counts["measures"] += 1
    end = min(last_day + dt.timedelta(days=3), today)
    _finish(rng, referral, final, worker, supervisor, instrument, end, counts)
    return counts


def _to_allocation(
    rng: random.Random,
    referral: Referral,
    final: str,
    start: dt.date,
    practitioner: User,
    supervisor: User,
    police: User,
    *,
    mine: bool = False,
) -> tuple[Any, dt.date] | None:
    """Received and allocated: the worker and the day after, or None if it ends before. `mine`
    allocates to the demo practitioner (the draw is made all the same)."""
    if final == S.PUT_FORWARD:
        return None
    day = start + dt.timedelta(days=2)
    _step(supervisor, referral, S.RECEIVED, day)
    if final == S.RECEIVED:
        return None
    if final == S.WITHDRAWN and rng.random() < 0.5:
        _step(police, referral, S.WITHDRAWN, day + dt.timedelta(days=3), reason_code="custody")
        return None
    share = rng.random()
    worker = practitioner if share < 0.35 else _colleague(supervisor) if share < 0.7 else supervisor
    if mine:
        worker = practitioner
    _step(supervisor, referral, S.ALLOCATED, day + dt.timedelta(days=3), practitioner=worker)
    day += dt.timedelta(days=10)
    if final == S.ALLOCATED:
        return None
    return worker, day


def _assess_and_consent(
    rng: random.Random, referral: Referral, final: str, worker: User, police: User, day: dt.date
) -> dt.date | None:
    """Assessed and consented: the day of consent, or None if it ends before."""
    if final == S.NOT_SUITABLE:
        code = rng.choice(["denies_all_behaviour", "substance_misuse"])
        _assess(worker, referral, suitability.NOT_SUITABLE, day, reason_code=code)
        return None
    if final == S.NOT_READY:
        # Reviewed a few weeks on (never a date already passed: the form refuses one).
        review = max(day + suitability.DEFAULT_REVIEW_AFTER, timezone.localdate())
        _assess(
            worker,
            referral,
            suitability.NOT_READY,
            day,
            reason_code="proceedings_pending",
            review_on=review + dt.timedelta(days=7 + referral.pk % 21),
        )
        return None
    if final == S.WITHDRAWN:
        _step(police, referral, S.WITHDRAWN, day, reason_code="moved_away")
        return None
    _assess(worker, referral, suitability.SUITABLE, day)
    if final in (S.SUITABLE, S.WAITING):
        return None
    day += dt.timedelta(days=5)
    if final == S.DECLINED:
        _step(worker, referral, S.DECLINED, day, reason_code="does_not_want")
        return None
    _step(
        worker,
        referral,
        S.CONSENTED,
        day,
        sharing_explained="Attendance and engagement go to the police; any risk to someone goes to the police and victim services; clinical notes stay with us.",
        attendance_required_by_order=rng.random() < 0.4,
    )
    if final == S.CONSENTED:
        return None
    return day


def _weekly_sessions(
    rng: random.Random,
    referral: Referral,
    final: str,
    worker: User,
    supervisor: User,
    day: dt.date,
    today: dt.date,
) -> tuple[tuple[int, int], dt.date]:
    """Weekly sessions up to yesterday (at most 12), and for an intervention under way the next
    one booked: ((planned, sessions made), last session day up to yesterday)."""
    planned = 12 if final == S.COMPLETED else min(12, max(1, (today - day).days // 7))
    if final in (S.DISENGAGED, S.EXCLUDED):
        planned = rng.randint(4, 7)
    two_missed = final == S.DISENGAGED or (final == S.ACTIVE and rng.random() < 0.2)
    last_day = day
    held = 0
    for n in range(planned):
        starts = free_start(worker, referral, day + dt.timedelta(days=7 * (n + 1)), before=today)
        if starts is None:
            break
        when = starts.date()
        session = services.session_schedule(
            actor=worker,
            referral=referral,
            starts_at=starts,
            remote=rng.random() < 0.3,
            place=room_for(worker),
        )
        held += 1
        _record_session(rng, session, n, worker, supervisor, tail=n >= planned - 2 and two_missed)
        last_day = when
    if final == S.COMPLETED:
        extra, last_day = top_up_missed(referral, worker, last_day, today)
        held += extra
    if final == S.ACTIVE and held < 12:
        held += _book_next(
            referral,
            worker,
            max(last_day + dt.timedelta(days=7), today + dt.timedelta(days=1)),
            today,
        )
    return (planned, held), last_day


def _book_next(referral: Referral, worker: User, day: dt.date, today: dt.date) -> int:
    """The next weekly session of an intervention under way, booked in the coming week (so the
    practitioner's week has sessions in it): 1 if booked. Draws nothing from the random
    stream."""
    starts = free_start(worker, referral, day, before=today + dt.timedelta(days=8))
    if starts is None:
        return 0
    services.session_schedule(
        actor=worker,
        referral=referral,
        starts_at=starts,
        remote=False,
        place=room_for(worker),
    )
    return 1


def top_up_missed(
    referral: Referral, worker: User, last_day: dt.date, today: dt.date
) -> tuple[int, dt.date]:
    """A completer re-books each slot a missed session left open, weekly after `last_day`, and
    attends: the programme's completion rule counts attended sessions and the maintenance
    module (`programme.completion`). Draws nothing from the random stream, so the rest of the
    demo is as before. Returns (sessions booked, the last one's day)."""
    booked = 0
    for _slot in open_slots(referral):
        starts = free_start(worker, referral, last_day + dt.timedelta(days=7), before=today)
        if starts is None:
            break
        when = starts.date()
        session = services.session_schedule(
            actor=worker,
            referral=referral,
            starts_at=starts,
            remote=False,
            place=room_for(worker),
        )
        services.session_record_attendance(
            actor=worker, session=session, version=session.version, attendance=Attendance.ATTENDED
        )
        services.session_record_delivery(
            actor=worker,
            session=session,
            version=session.version,
            module_delivered=session.module or "formulation",
            content=CONTENT.get(session.module, CONTENT["formulation"]),
            fidelity=["agenda", "review", "skill_taught", "risk_check"],
            engagement="good",
        )
        booked += 1
        last_day = when
    return booked, last_day


def _record_session(
    rng: random.Random, session: Any, n: int, worker: User, supervisor: User, *, tail: bool
) -> None:
    """Two unacceptable absences at the tail of a disengaging run; else mostly attended."""
    if tail:
        services.session_record_attendance(
            actor=worker,
            session=session,
            version=session.version,
            attendance=Attendance.DNA,
            absence_acceptable=False,
            absence_reason="Did not attend and did not answer calls",
        )
        return
    if rng.random() < 0.08:
        services.session_record_attendance(
            actor=worker,
            session=session,
            version=session.version,
            attendance=Attendance.DNA,
            absence_acceptable=True,
            absence_reason="Medical appointment, told us in advance",
        )
        return
    services.session_record_attendance(
        actor=worker,
        session=session,
        version=session.version,
        attendance=rng.choice([Attendance.ATTENDED] * 5 + [Attendance.LATE]),
    )
    services.session_record_delivery(
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
    # Never anyone's own session: the supervisor's own go to the second supervisor (issue 20).
    reviewer = (
        second_supervisor(supervisor) if session.practitioner_id == supervisor.pk else supervisor
    )
    if n % 3 == 2 and reviewer is not None:
        services.session_review(
            actor=reviewer,
            session=session,
            version=session.version,
            comment="Good adherence to the session plan.",
            # Ratings from the session's place, not the random stream (which other data
            # follows): mostly on plan, competence growing over the programme.
            adherence=3 if n % 2 else 2,
            competence=min(3, 1 + n // 4),
        )


def _finish(
    rng: random.Random,
    referral: Referral,
    final: str,
    worker: User,
    supervisor: User,
    instrument: Any,
    end: dt.date,
    counts: dict[str, int],
) -> None:
    """Completed (with the after measure and the end report), disengaged or excluded."""
    if final == S.COMPLETED:
        if instrument is not None:
            services.measure_record(
                actor=worker,
                referral=referral,
                instrument=instrument,
                timepoint="after",
                assessed_on=end,
                answers=_answers(rng, improving=True),
            )
            counts["measures"] += 1
        services.end_report_save(
            actor=worker,
            referral=referral,
            version=None,
            practitioner_assessment="Engaged throughout. Now recognises the pattern of checking and contact and can name the feelings that drive it.",
            warning_signs="Drinking alone; looking at the former partner's social media; telling himself the relationship is not over.",
            skills_to_use="Urge surfing; opposite action; calling his brother before acting.",
            contacts="Harbour Forensic Psychology Service duty line; his offender manager; NHS 111 in a crisis.",
            police_summary="Completed all 12 sessions. Maintenance plan agreed; warning signs and contacts above.",
        )
        counts["end_reports"] += 1
        _step(worker, referral, S.COMPLETED, end)
    elif final == S.DISENGAGED:
        _step(worker, referral, S.DISENGAGED, end, reason_code="missed_sessions")
    elif final == S.EXCLUDED:
        _step(supervisor, referral, S.EXCLUDED, end, reason_code="further_offending")
