"""Synthetic Stalking Protection Orders, notifications, breaches, risk assessments and
intervention decisions for a force whose casework `desist.demo.volume` has seeded.

Everything goes through the real services (orders, risk, people), so the status history,
notifications and audit trail are what an officer's own entries would have made. Every date is
in the past and obeys the date rules in `desist.orders.dates`.

Deterministic (seeded random), and idempotent: it does nothing if the force already has orders.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from desist.accounts.models import User
from desist.cases.models import Case
from desist.core.models import Organisation, OrganisationKind
from desist.orders import actions as orders
from desist.orders import dates, law
from desist.orders.models import LIVE_STATUSES, Breach, Order, OrderEvent, OrderStatus, Term
from desist.people.models import InterventionDecision, Subject
from desist.people.services import intervention_decision_record
from desist.risk.models import AssessmentContext, Instrument
from desist.risk.services import assessment_record

S = OrderStatus

COURTS = [
    "Brighton Magistrates' Court",
    "Worthing Magistrates' Court",
    "Hastings Magistrates' Court",
    "Crawley Magistrates' Court",
]

# (category, the court's wording, the description written for the provider)
PROHIBITIONS = [
    (
        Term.Category.NO_CONTACT,
        "Not to contact the protected person by any means, directly or through anyone else.",
        "Must not contact the protected person by any means, including through other people.",
    ),
    (
        Term.Category.EXCLUSION_ZONE,
        "Not to enter the exclusion zone shown on the attached map.",
        "Must not enter an exclusion zone set by the court. Its boundaries are held by police.",
    ),
    (
        Term.Category.ONLINE,
        "Not to post about the protected person on any social media.",
        "Must not post about the protected person on any social media or website.",
    ),
    (
        Term.Category.EXCLUSION_ZONE,
        "Not to go to the protected person's place of work.",
        "Must not go to the protected person's place of work.",
    ),
]
REQUIREMENT = "Attend and take part in a perpetrator programme as directed by the provider."
REQUIREMENT_FOR_PROVIDER = "Must attend and take part in the intervention as directed by you."

MOTIVATIONS = ["rejected", "resentful", "intimacy_seeking", "incompetent_suitor", "predatory"]
LMH = ["low", "medium", "high"]
SCREENING_ITEMS = [
    "duration",
    "told_to_stop",
    "turning_up",
    "watching",
    "third_parties",
    "hidden_contact",
    "property",
    "threats",
    "violence",
    "order_broken",
    "other_victims",
    "life_changed",
]

# Target status -> how many orders (scaled by `per_state`/35).
PLAN: list[tuple[str, int]] = [
    ("applied", 35),
    ("interim", 35),
    ("full", 35),
    ("varied", 32),
    ("expired", 33),
    ("discharged", 31),
    ("refused", 5),
    ("withdrawn", 4),
]


@dataclass
class OrdersResult:
    orders: int = 0
    by_state: Counter[str] = field(default_factory=Counter)
    notifications: int = 0
    breaches: int = 0
    assessments: int = 0
    decisions: int = 0


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


class _Builder:
    def __init__(
        self,
        *,
        actor: User,
        supervisor: User,
        provider: Organisation | None,
        rng: random.Random,
        today: dt.date,
        result: OrdersResult,
    ) -> None:
        self.actor = actor
        self.supervisor = supervisor
        self.provider = provider
        self.rng = rng
        self.today = today
        self.result = result

    # --- pieces ---------------------------------------------------------------------------

    def _apply(self, subject: Subject, case: Any, applied_on: dt.date) -> Order:
        order = orders.order_apply(
            actor=self.actor,
            subject=subject,
            application_date=applied_on,
            court=self.rng.choice(COURTS),
            case=case,
            sex_offender_notification=self.rng.random() < 0.03,
        )
        self.result.orders += 1
        return order

    def _terms(self, order: Order, victim_ids: list[int]) -> list[Term]:
        rng = self.rng
        terms = [
            orders.order_add_term(
                actor=self.actor,
                order=order,
                kind=Term.Kind.PROHIBITION,
                category=category,
                wording=wording,
                provider_description=for_provider,
                protected_persons=victim_ids,
                area="Brighton and Hove" if "zone" in wording else "",
            )
            for category, wording, for_provider in rng.sample(PROHIBITIONS, rng.randint(1, 2))
        ]
        if self.provider is not None and rng.random() < 0.4:
            terms.append(
                orders.order_add_term(
                    actor=self.actor,
                    order=order,
                    kind=Term.Kind.REQUIREMENT,
                    category=Term.Category.ATTEND,
                    wording=REQUIREMENT,
                    provider_description=REQUIREMENT_FOR_PROVIDER,
                    protected_persons=victim_ids,
                    responsible_organisation=self.provider,
                )
            )
        return terms

    def _serve(self, order: Order, made_on: dt.date, end: dt.date | None) -> dt.date | None:
        """Serve the current order a day or two after it was made; record the notification
        on time, late, or (if recent enough to matter) not at all."""
        rng = self.rng
        served_on = made_on + _days(rng.choice([0, 0, 1, 1, 2, 4]))
        limit = min(self.today, end) if end else self.today
        if served_on > limit:
            served_on = made_on
        before = set(order.notifications.values_list("pk", flat=True))
        orders.order_serve(
            actor=self.actor, order=order, version=order.version, served_on=served_on
        )
        for n in order.notifications.exclude(pk__in=before):
            self.result.notifications += 1
            roll = rng.random()
            if roll < 0.12:
                continue  # never received: overdue once the due date has passed
            if roll < 0.30:
                received = n.due_on + _days(rng.randint(1, 12))  # late
            else:
                received = n.trigger_on + _days(rng.randint(0, 2))  # on time
            if received > self.today:
                continue
            orders.notification_record_received(
                actor=self.actor, notification=n, received_on=received
            )
            if rng.random() < 0.8:
                ack = min(self.today, received + _days(rng.randint(0, 3)))
                orders.notification_record_acknowledged(
                    actor=self.actor, notification=n, acknowledged_on=ack
                )
        return served_on

    def _breach(self, order: Order, terms: list[Term], start: dt.date, end: dt.date) -> None:
        rng = self.rng
        if end < start:
            return
        occurred = start + _days(rng.randint(0, (end - start).days))
        action = rng.choice(list(Breach.PoliceAction.values))
        outcome, outcome_on = "", None
        if action == Breach.PoliceAction.CHARGE:
            later = occurred + _days(rng.randint(20, 90))
            if later <= self.today:
                outcome = rng.choice(
                    [Breach.CourtOutcome.CONVICTED, Breach.CourtOutcome.CONVICTED, "acquitted"]
                )
                outcome_on = later
            else:
                outcome = Breach.CourtOutcome.PENDING
        orders.order_record_breach(
            actor=self.actor,
            order=order,
            term=rng.choice(terms),
            occurred_on=occurred,
            detection=rng.choice(list(Breach.Detection.values)),
            police_action=action,
            court_outcome=outcome,
            court_outcome_on=outcome_on,
            details="Synthetic breach for the demonstration.",
        )
        self.result.breaches += 1

    def _maybe_breaches(
        self, order: Order, terms: list[Term], start: dt.date, end: dt.date, chance: float
    ) -> None:
        if self.rng.random() < chance:
            self._breach(order, terms, start, end)
            if self.rng.random() < 0.25:
                self._breach(order, terms, start, end)

    def _interim(self, order: Order, made_on: dt.date, expires_on: dt.date) -> None:
        orders.order_make_interim(
            actor=self.actor,
            order=order,
            version=order.version,
            made_on=made_on,
            expires_on=expires_on,
        )

    def _full(self, order: Order, made_on: dt.date, ends_on: dt.date | None) -> None:
        orders.order_make_full(
            actor=self.actor,
            order=order,
            version=order.version,
            made_on=made_on,
            ends_on=ends_on,
            until_further_order=ends_on is None,
        )

    def _full_term(self, made_on: dt.date, *, open_ended_ok: bool = True) -> dt.date | None:
        if open_ended_ok and self.rng.random() < 0.15:
            return None
        return law.minimum_fixed_period_end(made_on) + _days(
            self.rng.choice([0, 0, 0, 182, 365, 1095])
        )

    # --- one order per target state ---------------------------------------------------------

    def build(self, state: str, subject: Subject, case: Any, victim_ids: list[int]) -> None:
        if state == "applied":
            self._build_applied(subject, case)
        elif state in ("refused", "withdrawn"):
            self._build_refused_or_withdrawn(state, subject, case)
        elif state == "interim":
            self._build_interim(subject, case, victim_ids)
        elif state == "expired" and self.rng.random() < 0.5:
            self._build_expired_interim(subject, case, victim_ids)
        elif state == "expired":
            self._build_expired_full(subject, victim_ids)
        else:
            self._build_full(state, subject, case, victim_ids)

    def _build_applied(self, subject: Subject, case: Any) -> None:
        rng, today = self.rng, self.today
        applied = today - _days(rng.randint(2, 70))
        order = self._apply(subject, case, applied)
        if rng.random() < 0.4:
            heard = applied + _days(rng.randint(0, (today - applied).days))
            orders.order_record_hearing(
                actor=self.actor,
                order=order,
                version=order.version,
                heard_on=heard,
                kind="interim",
                outcome="adjourned",
                adjourned_to=heard + _days(rng.randint(7, 28)),
                notes="Adjourned for the subject to obtain legal advice.",
            )

    def _build_refused_or_withdrawn(self, state: str, subject: Subject, case: Any) -> None:
        rng, today = self.rng, self.today
        applied = today - _days(rng.randint(20, 300))
        order = self._apply(subject, case, applied)
        decided = applied + _days(rng.randint(1, 14))
        if state == "refused":
            orders.order_refuse(
                actor=self.actor,
                order=order,
                version=order.version,
                refused_on=decided,
                reason="The court was not satisfied that the order was necessary.",
            )
        else:
            orders.order_withdraw(
                actor=self.supervisor,
                order=order,
                version=order.version,
                withdrawn_on=decided,
                reason="The victim's circumstances changed; the application is not pursued.",
            )

    def _build_interim(self, subject: Subject, case: Any, victim_ids: list[int]) -> None:
        rng, today = self.rng, self.today
        made = today - _days(rng.randint(3, 100))
        order = self._apply(subject, case, made - _days(rng.randint(0, 5)))
        expires = today + _days(rng.randint(7, 120))
        self._interim(order, made, expires)
        terms = self._terms(order, victim_ids)
        if rng.random() < 0.92:
            self._serve(order, made, expires)
        self._maybe_breaches(order, terms, made, today, 0.2)

    def _build_expired_interim(self, subject: Subject, case: Any, victim_ids: list[int]) -> None:
        """An interim order that ran out without a full hearing."""
        rng, today = self.rng, self.today
        made = today - _days(rng.randint(60, 330))
        order = self._apply(subject, case, made - _days(rng.randint(0, 5)))
        expires = made + _days(rng.randint(28, 56))
        self._interim(order, made, expires)
        terms = self._terms(order, victim_ids)
        self._serve(order, made, expires)
        self._maybe_breaches(order, terms, made, expires, 0.15)
        orders.order_expire(actor=self.actor, order=order, version=order.version)

    def _build_expired_full(self, subject: Subject, victim_ids: list[int]) -> None:
        """A two-year full order made long before the casework year: no case link."""
        rng, today = self.rng, self.today
        made = today - _days(rng.randint(2 * 365 + 30, 3 * 365 + 200))
        order = self._apply(subject, None, made - _days(rng.randint(7, 40)))
        ends = law.minimum_fixed_period_end(made) + _days(rng.choice([0, 0, 7]))
        if ends >= today:
            ends = law.minimum_fixed_period_end(made)
        self._full(order, made, ends)
        terms = self._terms(order, victim_ids)
        self._serve(order, made, ends)
        self._maybe_breaches(order, terms, made, ends, 0.3)
        orders.order_expire(actor=self.actor, order=order, version=order.version)

    def _build_full(self, state: str, subject: Subject, case: Any, victim_ids: list[int]) -> None:
        """Full, varied or discharged: a full order (some after an interim order)."""
        rng, today = self.rng, self.today
        made = today - _days(rng.randint(40, 700))
        via_interim = rng.random() < 0.5
        start = made
        if via_interim:
            start = made - _days(rng.randint(21, 60))
            order = self._apply(subject, case, start - _days(rng.randint(0, 5)))
            self._interim(order, start, made + _days(rng.randint(0, 14)))
            terms = self._terms(order, victim_ids)
            self._serve(order, start, made)
        else:
            order = self._apply(subject, case, made - _days(rng.randint(7, 45)))
            terms = []
        full_ends = self._full_term(made)
        self._full(order, made, full_ends)
        if not terms:
            terms = self._terms(order, victim_ids)
        self._serve(order, made, full_ends)
        if state == "varied":
            self._vary(order, made, full_ends)
        if state == "discharged":
            self._discharge(order, terms, start, made)
            return
        # Live full orders: some breaches, a few in the last 30 days.
        self._maybe_breaches(order, terms, start, today, 0.3)
        if rng.random() < 0.12:
            recent = max(start, today - _days(dates.RECENT_BREACH_DAYS - 1))
            self._breach(order, terms, recent, today)

    def _vary(self, order: Order, made: dt.date, full_ends: dt.date | None) -> None:
        rng = self.rng
        decided = made + _days(rng.randint(0, (self.today - made).days))
        new_end = None
        if full_ends is not None and rng.random() < 0.4:
            new_end = full_ends + _days(rng.choice([91, 182]))
        orders.order_record_variation(
            actor=self.actor,
            order=order,
            version=order.version,
            applicant=rng.choice(list(OrderEvent.Applicant.values)),
            court=order.court,
            decided_on=decided,
            outcome=OrderEvent.Outcome.GRANTED,
            details="The exclusion zone was redrawn after the protected person moved."
            if new_end is None
            else "The order was extended after further incidents.",
            new_ends_on=new_end,
        )

    def _discharge(self, order: Order, terms: list[Term], start: dt.date, made: dt.date) -> None:
        rng = self.rng
        decided = made + _days(rng.randint(0, (self.today - made).days))
        early = decided <= law.discharge_needs_consent_until(made)
        self._maybe_breaches(order, terms, start, decided, 0.2)
        orders.order_record_discharge(
            actor=self.actor,
            order=order,
            version=order.version,
            applicant=rng.choice(list(OrderEvent.Applicant.values)),
            court=order.court,
            decided_on=decided,
            outcome=OrderEvent.Outcome.GRANTED,
            details="The court was satisfied the order was no longer necessary.",
            # Within 2 years of a full order being made, only with both consents (s.7).
            defendant_consents=early,
            chief_officer_consents=early,
        )


def _screening_answers(rng: random.Random) -> dict[str, str]:
    p = rng.choice([0.2, 0.4, 0.6, 0.8])
    return {item: "yes" if rng.random() < p else "no" for item in SCREENING_ITEMS}


def _spj_answers(rng: random.Random, assessed_on: dt.date, review_on: dt.date) -> dict[str, str]:
    return {
        "overall": rng.choice(LMH),
        "motivation": rng.choice(MOTIVATIONS + ["not_yet_clear"]),
        "violence": rng.choice(LMH),
        "persistence": rng.choice(LMH),
        "recurrence": rng.choice(LMH),
        "psychosocial_harm": rng.choice(LMH),
        "rationale": "Synthetic judgement for the demonstration, based on the case history.",
        "review_date": review_on.isoformat(),
    }


def seed_orders(
    *,
    force: Organisation,
    actor: User,
    supervisor: User | None = None,
    per_state: int = 35,
    assessed_subjects: int = 300,
    seed: int = 2026,
    today: dt.date | None = None,
) -> OrdersResult:
    """Create SPOs in every state, with notifications, breaches, risk assessments and
    intervention decisions, for subjects of `force`'s existing cases. `actor` is a police
    officer of the force; `supervisor` (a police supervisor) records withdrawals.
    Does nothing if the force already has orders."""
    result = OrdersResult()
    if Order.objects.filter(force=force).exists():
        return result
    rng = random.Random(seed)
    today = today or timezone.localdate()
    provider = Organisation.objects.filter(kind=OrganisationKind.PROVIDER).order_by("code").first()
    subjects = list(
        Subject.objects.filter(force=force, cases__isnull=False).distinct().order_by("id")
    )
    if not subjects:
        return result
    scale = per_state / 35
    # Only a supervisor may withdraw an application: without one, no withdrawals.
    plan = [
        (state, max(1, round(n * scale)))
        for state, n in PLAN
        if supervisor is not None or state != "withdrawn"
    ]
    wanted = sum(n for _, n in plan)
    chosen = rng.sample(subjects, min(wanted, len(subjects)))
    cases: dict[int, Any] = {}
    victims: dict[int, list[int]] = {}

    for c in Case.objects.filter(subject__in=chosen).order_by("id").prefetch_related("victims"):
        cases.setdefault(c.subject_id, c)
        victims.setdefault(c.subject_id, []).extend(v.pk for v in c.victims.all())
    builder = _Builder(
        actor=actor,
        supervisor=supervisor or actor,
        provider=provider,
        rng=rng,
        today=today,
        result=result,
    )
    with transaction.atomic():
        states = [state for state, n in plan for _ in range(n)]
        for state, subject in zip(states, chosen, strict=False):
            builder.build(state, subject, cases[subject.pk], sorted(set(victims[subject.pk])))
            result.by_state[state] += 1

        _record_decisions(rng, force, actor, today, result)
        _record_assessments(rng, force, actor, subjects, chosen, assessed_subjects, today, result)
    return result


def _record_decisions(
    rng: random.Random, force: Organisation, actor: User, today: dt.date, result: OrdersResult
) -> None:
    """Intervention decisions: about half of the subjects with an interim or full order."""
    live = (
        Order.objects.filter(force=force, status__in=LIVE_STATUSES)
        .select_related("subject")
        .order_by("id")
    )
    for order in live:
        if rng.random() < 0.5:
            continue
        made = order.full_made_on or order.interim_made_on
        assert made is not None
        decision = rng.choice(list(InterventionDecision.Decision.values))
        reasons: dict[str, str] = {
            InterventionDecision.Decision.NOT_SUITABLE: "Already attending a programme.",
            InterventionDecision.Decision.DECLINED: "The subject declined to take part.",
        }
        reason = reasons.get(decision, "")
        intervention_decision_record(
            actor=actor,
            subject=order.subject,
            decision=decision,
            reason=reason,
            decided_on=made + _days(rng.randint(0, max(0, min(30, (today - made).days)))),
        )
        result.decisions += 1


def _record_assessments(
    rng: random.Random,
    force: Organisation,
    actor: User,
    subjects: list[Subject],
    chosen: list[Subject],
    assessed_subjects: int,
    today: dt.date,
    result: OrdersResult,
) -> None:
    """Risk assessments: every subject with an order, and more from the casework."""
    instruments = {
        i.code: i
        for i in Instrument.objects.filter(
            owner=None,
            is_active=True,
            code__in=["desist-stalking-screening", "desist-spj-summary"],
        )
    }
    screening = instruments.get("desist-stalking-screening")
    spj = instruments.get("desist-spj-summary")
    ordered = set(Order.objects.filter(force=force).values_list("subject_id", flat=True))
    others = [s for s in subjects if s.pk not in ordered]
    extra = rng.sample(others, max(0, min(len(others), assessed_subjects - len(ordered))))
    to_assess = [s for s in chosen if s.pk in ordered] + extra
    for subject in to_assess:
        first = today - _days(rng.randint(20, 340))
        # A quarter of reviews are past their date, so the review queue has work in it.
        review = first + _days(rng.randint(30, 90) if rng.random() < 0.25 else 365)
        if screening is not None:
            assessment_record(
                actor=actor,
                subject=subject,
                instrument=screening,
                answers=_screening_answers(rng),
                assessed_on=first,
                context=AssessmentContext.INITIAL,
                rationale="Screened at the first report.",
                review_date=review,
            )
            result.assessments += 1
        if spj is not None and (subject.pk in ordered or rng.random() < 0.3):
            assessed = first + _days(rng.randint(0, min(14, (today - first).days)))
            review = assessed + _days(rng.randint(30, 90) if rng.random() < 0.3 else 365)
            assessment_record(
                actor=actor,
                subject=subject,
                instrument=spj,
                answers=_spj_answers(rng, assessed, review),
                assessed_on=assessed,
                context=AssessmentContext.INITIAL,
            )
            result.assessments += 1
