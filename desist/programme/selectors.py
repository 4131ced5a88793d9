"""Every read of the programme's records, through `policy.scope_*` and the object rules.

Provider staff reach a subject's identity only through a referral to their own provider
(`select_related("subject")` here); police reach referrals of their own force and see status,
attendance and engagement, never clinical notes or session content.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from desist import policy
from desist.accounts.models import User
from desist.core import figures
from desist.core.models import Organisation
from desist.core.roles import RoleCode
from desist.orders.provider_terms import ProviderTerm, order_terms_for_provider
from desist.policy import Perm
from desist.programme import completion, suitability, workflow
from desist.programme.models import (
    CLOSED_STATUSES,
    MODULE_LABELS,
    OPEN_STATUSES,
    PLACE_STATUSES,
    Attendance,
    CalendarToken,
    ClinicalNote,
    EndReport,
    Engagement,
    Expenditure,
    Measure,
    Programme,
    ProgrammeSession,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    RiskDisclosure,
    SessionState,
    SpendCategory,
    SuitabilityAssessment,
    SupervisionEntry,
    engagement_code,
    status_reached_on,
)
from desist.risk.models import Instrument, InstrumentKind
from desist.sharing.redaction import contains_victim_identifier
from desist.sharing.shown import ProviderScreen

S = ReferralStatus


def _is_provider(actor: User) -> bool:
    org = getattr(actor, "organisation", None)
    return bool(org is not None and org.kind == "provider")


def _is_police(actor: User) -> bool:
    org = getattr(actor, "organisation", None)
    return bool(org is not None and org.kind == "police_force")


# --- programmes -----------------------------------------------------------------------------


def programme_list_for(*, actor: User) -> QuerySet[Programme]:
    qs = Programme.objects.select_related("provider").prefetch_related("forces")
    if policy.has_perm(actor, Perm.PROGRAMME_SETTINGS):
        return policy.scope_programmes_managed(actor, qs)
    if _is_provider(actor) and policy.has_perm(actor, Perm.REFERRAL_VIEW):
        return qs.filter(provider_id=actor.organisation_id)
    return qs.none()


def programme_get_for(*, actor: User, programme_id: int) -> Programme:
    policy.require_perm(actor, Perm.PROGRAMME_SETTINGS)
    found = programme_list_for(actor=actor).filter(pk=programme_id).first()
    if found is None:
        raise Http404
    policy.require(actor, Perm.PROGRAMME_SETTINGS, found)
    return found


def programmes_for_force(*, force_id: int) -> QuerySet[Programme]:
    return Programme.objects.filter(forces=force_id, is_active=True).select_related("provider")


def organisations_for_settings(*, actor: User) -> tuple[list[Any], list[Any]]:
    """Providers and police forces a programme manager may choose: their own organisation and
    their partners in a live partnership (never a retired organisation)."""
    partners = policy.partnership_organisation_ids(actor)
    orgs = list(
        Organisation.objects.filter(
            Q(pk=actor.organisation_id) | Q(pk__in=partners), retired_at__isnull=True
        ).order_by("name")
    )
    return (
        [o for o in orgs if o.kind == "provider"],
        [o for o in orgs if o.kind == "police_force"],
    )


@dataclass
class Places:
    capacity: int
    held: int
    waiting: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.held, 0)


def places_for_programmes(programmes: list[Programme]) -> dict[int, Places]:
    """`places_for` of several programmes in one query."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for pid, status, n in (
        Referral.objects.filter(programme__in=[p.pk for p in programmes])
        .values_list("programme", "status")
        .annotate(n=Count("id"))
        .values_list("programme", "status", "n")
    ):
        counts[pid][status] = n
    return {
        p.pk: Places(
            capacity=p.capacity,
            held=sum(counts[p.pk].get(s, 0) for s in PLACE_STATUSES),
            waiting=counts[p.pk].get(S.WAITING, 0),
        )
        for p in programmes
    }


def places_for(programme: Programme) -> Places:
    counts = dict(
        Referral.objects.filter(programme=programme)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return Places(
        capacity=programme.capacity,
        held=sum(counts.get(s, 0) for s in PLACE_STATUSES),
        waiting=counts.get(S.WAITING, 0),
    )


# --- referrals ------------------------------------------------------------------------------


def referral_list_for(*, actor: User, status: str = "") -> QuerySet[Referral]:
    qs = policy.scope_referrals(
        actor,
        Referral.objects.select_related("subject", "programme", "practitioner"),
    )
    if status:
        qs = qs.filter(status=status)
    return qs


def referral_get_for(*, actor: User, referral_id: int, perm: Perm = Perm.REFERRAL_VIEW) -> Referral:
    # policy's scopes return QuerySet[Any]: the model is known here.
    found: Referral | None = (
        policy.scope_referrals(
            actor,
            Referral.objects.select_related(
                "subject",
                "programme",
                "programme__provider",
                "practitioner",
                "order",
                "risk_assessment",
            ),
        )
        .filter(pk=referral_id)
        .first()
    )
    if found is None:
        raise Http404
    policy.require(actor, perm, found)
    return found


def open_referral_for_subject(*, actor: User, subject: Any) -> Referral | None:
    return referral_list_for(actor=actor).filter(subject=subject, status__in=OPEN_STATUSES).first()


def referrals_for_subject(*, actor: User, subject: Any) -> list[Referral]:
    return list(
        referral_list_for(actor=actor).filter(subject=subject).order_by("-put_forward_on", "-id")
    )


# Who carries a caseload: the same people allocation offers (`practitioner_choices`).
CASEWORKER_ROLES = (RoleCode.PRACTITIONER, RoleCode.CLINICAL_SUPERVISOR)


def practitioner_choices(*, referral: Referral) -> list[Any]:
    return list(
        User.objects.filter(
            organisation_id=referral.programme.provider_id,
            is_active=True,
            roles__code__in=CASEWORKER_ROLES,
        )
        .distinct()
        .annotate(
            caseload=Count(
                "programme_caseload",
                filter=Q(programme_caseload__status__in=OPEN_STATUSES),
                distinct=True,
            )
        )
        .order_by("last_name", "first_name", "username")
    )


@dataclass
class TimelineEntry:
    change: ReferralStatusChange
    title: str
    reason: str
    note: str = ""  # the free-text reason, as this viewer may see it


def timeline_for(referral: Referral, screen: ProviderScreen | None = None) -> list[TimelineEntry]:
    rows = []
    for c in referral.status_changes.select_related("changed_by").order_by("-changed_at", "-id"):
        t = workflow.transition_for(c.from_status, c.to_status)
        rows.append(
            TimelineEntry(
                change=c,
                title=t.label if t else workflow.status_label(c.to_status),
                reason=workflow.reason_label(c.reason_code) if c.reason_code else "",
                note=screen.show(c.reason, field=f"status change {c.pk}") if screen else c.reason,
            )
        )
    return rows


@dataclass
class ReferralPage:
    referral: Referral
    is_provider: bool
    is_police: bool
    timeline: list[TimelineEntry]
    sessions: list[ProgrammeSession]
    attended: int
    measures: list[Measure]
    end_report: EndReport | None
    disclosures: list[RiskDisclosure]
    actions: list[workflow.Transition]
    places: Places
    modules_completed: list[str] = field(default_factory=list)
    terms: list[ProviderTerm] = field(default_factory=list)
    # Free text as this viewer may see it: for provider staff, checked when shown against the
    # victims linked now (sharing.shown), so wording saved before a victim was added is withheld.
    shown: dict[str, str] = field(default_factory=dict)
    shown_disclosures: list[tuple[RiskDisclosure, str]] = field(default_factory=list)
    suitability: SuitabilityPanel | None = None


@dataclass
class SuitabilityPanel:
    """The latest suitability assessment as its reader may see it: the outcome, the reason,
    the review date and each answer with its note (notes screened like any provider text)."""

    assessment: SuitabilityAssessment
    outcome: str
    reason: str
    detail: str
    answers: list[tuple[str, str, str]]  # question, answer, note
    count: int


def suitability_panel_for(
    *, actor: User, referral: Referral, screen: ProviderScreen
) -> SuitabilityPanel | None:
    """SUITABILITY_VIEW only (the provider's clinicians); None when nothing is recorded."""
    if not policy.can(actor, Perm.SUITABILITY_VIEW, referral):
        return None
    rows = list(referral.suitability_assessments.select_related("assessor").order_by("-number"))
    if not rows:
        return None
    latest = rows[0]
    answers = []
    for c in suitability.CRITERIA:
        given = latest.answers.get(c.code) or {}
        if not given:
            continue
        note = screen.show(given.get("note", ""), field=f"suitability {latest.pk} {c.code}")
        answers.append((c.question, suitability.ANSWER_LABELS.get(given["answer"], ""), note))
    return SuitabilityPanel(
        assessment=latest,
        outcome=suitability.outcome_label(latest.outcome),
        reason=suitability.reason_label(latest.reason_code) if latest.reason_code else "",
        detail=screen.show(latest.reason, field=f"suitability {latest.pk} reason"),
        answers=answers,
        count=len(rows),
    )


END_REPORT_TEXTS = (
    "practitioner_assessment",
    "warning_signs",
    "skills_to_use",
    "contacts",
    "police_summary",
)


def referral_page_for(*, actor: User, referral_id: int) -> ReferralPage:
    referral = referral_get_for(actor=actor, referral_id=referral_id)
    provider = _is_provider(actor)
    sessions = list(
        referral.sessions.select_related("practitioner", "reviewed_by").order_by("starts_at", "id")
    )
    held = [s for s in sessions if s.state == SessionState.SCHEDULED]
    attended = sum(1 for s in held if s.attendance in (Attendance.ATTENDED, Attendance.LATE))
    modules_completed = sorted(
        {
            MODULE_LABELS.get(s.module_delivered or s.module, "")
            for s in held
            if s.attendance in (Attendance.ATTENDED, Attendance.LATE)
        }
        - {""}
    )
    measures = (
        list(referral.measures.select_related("instrument").order_by("assessed_on", "id"))
        if provider
        else []
    )
    end_report = EndReport.objects.filter(referral=referral).first()
    disclosures = list(referral.disclosures.select_related("session", "recorded_by"))
    # One screen for the page: one identifier lookup, however many texts it checks.
    screen = ProviderScreen(
        actor=actor, subject=referral.subject, where="programme.referral_detail", active=provider
    )
    # The order's terms as the sharing bridge composes them for providers: codes, the
    # description written for the provider, references. Never the court's wording.
    terms = (
        order_terms_for_provider(actor=actor, referral=referral, screen=screen) if provider else []
    )
    shown = {
        name: screen.show(getattr(referral, name), field=name)
        for name in ("risk_summary", "sharing_explained")
    }
    if end_report is not None:
        for name in END_REPORT_TEXTS:
            shown[f"end_{name}"] = screen.show(
                getattr(end_report, name), field=f"end report {name}"
            )
    actions = [
        t
        for t in workflow.transitions_from(referral.status)
        if t.roles & {RoleCode(c) for c in actor.role_codes}
    ]
    return ReferralPage(
        referral=referral,
        is_provider=provider,
        is_police=_is_police(actor),
        timeline=timeline_for(referral, screen),
        sessions=sessions,
        attended=attended,
        measures=measures,
        end_report=end_report,
        disclosures=disclosures,
        actions=actions,
        places=places_for(referral.programme),
        modules_completed=modules_completed,
        terms=terms,
        shown=shown,
        shown_disclosures=[
            (d, screen.show(d.disclosed, field=f"risk disclosure {d.pk}")) for d in disclosures
        ],
        suitability=suitability_panel_for(actor=actor, referral=referral, screen=screen)
        if provider
        else None,
    )


def end_summaries_for_order(*, actor: User, order: Any) -> list[dict[str, Any]]:
    """The order's subject's referrals whose police summary the actor may read
    (END_REPORT_SUMMARY_VIEW: police of the subject's force), newest first: the outcome, the
    sessions attended and the end report's summary for the police. Nothing else of the end
    report. Two queries however many referrals."""
    held = Q(
        sessions__state=SessionState.SCHEDULED,
        sessions__attendance__in=(Attendance.ATTENDED, Attendance.LATE),
    )
    referrals = (
        policy.scope_referrals(actor, Referral.objects.filter(subject_id=order.subject_id))
        .annotate(attended=Count("sessions", filter=held))
        .order_by("-put_forward_on", "-id")
    )
    found = [r for r in referrals if policy.can(actor, Perm.END_REPORT_SUMMARY_VIEW, r)]
    reports = {
        e.referral_id: e
        for e in EndReport.objects.filter(referral__in=[r.pk for r in found]).only(
            "referral_id", "police_summary", "written_at"
        )
    }
    return [
        {
            "referral": r,
            "outcome": r.get_status_display(),
            "ended_on": r.ended_on,
            "attended": r.attended,
            "report": reports.get(r.pk),
        }
        for r in found
    ]


# --- sessions -------------------------------------------------------------------------------


def session_get_for(
    *, actor: User, session_id: int, perm: Perm = Perm.SESSION_MANAGE
) -> ProgrammeSession:
    found: ProgrammeSession | None = (
        policy.scope_programme_sessions(
            actor,
            ProgrammeSession.objects.select_related(
                "referral",
                "referral__subject",
                "referral__programme",
                "practitioner",
                "reviewed_by",
                "replaces",
            ),
        )
        .filter(pk=session_id)
        .first()
    )
    if found is None:
        raise Http404
    policy.require(actor, perm, found.referral)
    return found


def clinical_notes_for(*, actor: User, session: ProgrammeSession) -> list[ClinicalNote]:
    """Every revision, newest first. Provider staff with clinical notes permission only."""
    policy.require(actor, Perm.CLINICAL_NOTES, session.referral)
    return list(ClinicalNote.objects.filter(session=session).select_related("written_by"))


def _sessions_for(actor: User) -> QuerySet[ProgrammeSession]:
    return policy.scope_programme_sessions(
        actor,
        ProgrammeSession.objects.select_related("referral", "referral__subject", "practitioner"),
    ).filter(state=SessionState.SCHEDULED)


def sessions_between(
    *, actor: User, start: dt.datetime, end: dt.datetime, mine: bool = True
) -> QuerySet[ProgrammeSession]:
    qs = _sessions_for(actor).filter(starts_at__gte=start, starts_at__lt=end)
    if mine:
        qs = qs.filter(practitioner=actor)
    return qs.order_by("starts_at", "id")


def attendance_due_for(
    *, actor: User, now: dt.datetime | None = None
) -> QuerySet[ProgrammeSession]:
    """The actor's sessions that have started without attendance recorded."""
    now = now or timezone.now()
    return (
        _sessions_for(actor)
        .filter(practitioner=actor, attendance="", starts_at__lte=now, referral__status=S.ACTIVE)
        .order_by("starts_at", "id")
    )


# --- the practitioner's caseload (home page, issue 20) ---------------------------------------

NEW_FOR = dt.timedelta(days=7)  # an allocation is "new" for a week
# Referrals that ended after the intervention started: an end report and a final measure are due.
ENDED_AFTER_START = (S.COMPLETED, S.DISENGAGED, S.WITHDRAWN, S.EXCLUDED)


def _my_referrals(actor: User) -> QuerySet[Referral]:
    return referral_list_for(actor=actor).filter(practitioner=actor)


def allocations_for(*, actor: User) -> QuerySet[Referral]:
    """Referrals allocated to the actor and waiting for the suitability assessment, oldest
    allocation first, each with the day it was allocated (`allocated_on`, from its history)
    and when that was recorded (`allocated_at`, which breaks ties)."""
    from django.db.models import Max

    return (
        _my_referrals(actor)
        .filter(status=S.ALLOCATED)
        .annotate(
            allocated_on=status_reached_on(S.ALLOCATED),
            allocated_at=Max(
                "status_changes__changed_at", filter=Q(status_changes__to_status=S.ALLOCATED)
            ),
        )
        .order_by(F("allocated_on").asc(nulls_last=True), "allocated_at", "id")
    )


def consents_due_for(*, actor: User) -> QuerySet[Referral]:
    """The actor's referrals offered a place, waiting for consent (or a decline)."""
    return _my_referrals(actor).filter(status=S.SUITABLE).order_by("assessed_on", "id")


def _measure_of(timepoint: str) -> Any:
    from django.db.models import Exists, OuterRef

    return Exists(Measure.objects.filter(referral=OuterRef("pk"), timepoint=timepoint))


def measures_due_for(*, actor: User) -> QuerySet[Referral]:
    """The actor's referrals with an outcome measure due: *before* once active, *mid-way* once
    half the plan's sessions took place, *at the end* once the intervention has ended. `due`
    names the timepoint. One query."""
    from django.db.models import Case, CharField, Value, When

    held = Count(
        "sessions",
        filter=Q(
            sessions__state=SessionState.SCHEDULED,
            sessions__attendance__in=completion.ATTENDED,
        ),
        distinct=True,
    )
    return (
        _my_referrals(actor)
        .filter(Q(status=S.ACTIVE) | Q(status__in=ENDED_AFTER_START, started_on__isnull=False))
        .annotate(
            held=held,
            has_before=_measure_of("before"),
            has_mid=_measure_of("mid"),
            has_after=_measure_of("after"),
        )
        .annotate(
            due=Case(
                When(Q(status__in=ENDED_AFTER_START, has_after=False), then=Value("after")),
                When(Q(status=S.ACTIVE, has_before=False), then=Value("before")),
                When(
                    Q(
                        status=S.ACTIVE,
                        has_mid=False,
                        held__gte=F("programme__sessions") / 2,
                    ),
                    then=Value("mid"),
                ),
                default=Value(""),
                output_field=CharField(),
            )
        )
        .exclude(due="")
        .order_by("started_on", "id")
    )


def end_reports_due_for(*, actor: User) -> QuerySet[Referral]:
    """The actor's referrals whose intervention ended with no end-of-intervention report."""
    return (
        _my_referrals(actor)
        .filter(status__in=ENDED_AFTER_START, started_on__isnull=False, end_report__isnull=True)
        .order_by("ended_on", "id")
    )


def notes_due_for(*, actor: User) -> QuerySet[ProgrammeSession]:
    """The actor's sessions that took place with no clinical notes written yet."""
    return (
        _sessions_for(actor)
        .filter(practitioner=actor, attendance__in=completion.ATTENDED, notes__isnull=True)
        .order_by("starts_at", "id")
    )


OVERDUE_AFTER = dt.timedelta(days=1)


def attendance_overdue(session: ProgrammeSession, now: dt.datetime | None = None) -> bool:
    """The reminder rule: attendance still unrecorded a day after the session."""
    now = now or timezone.now()
    return not session.attendance and session.starts_at + OVERDUE_AFTER <= now


def sessions_attendance_unrecorded() -> QuerySet[ProgrammeSession]:
    """The one definition of "attendance unrecorded" (no actor: the alert scan and its done
    check): a held session with no attendance, in an intervention still active (attendance can
    be recorded only then). A session moved, cancelled or recorded is no longer in it."""
    return ProgrammeSession.objects.filter(
        state=SessionState.SCHEDULED, attendance="", referral__status=S.ACTIVE
    )


def reviews_due_for(*, actor: User) -> QuerySet[ProgrammeSession]:
    """Sessions that took place (attended, on time or late), not yet signed off, in the review
    sample: every session, or those in the slots the programme's 1 in N picks (3, 6, 9, 12 for
    one in 3). A missed session is never in it: there is nothing to rate, and sampling it would
    leave a delivered session unreviewed. The slot, not the order held, picks a session, so a
    session's place in the sample never changes after it is drawn."""
    if not policy.has_perm(actor, Perm.SESSION_REVIEW):
        return ProgrammeSession.objects.none()
    from django.db.models.functions import Mod

    return (
        _sessions_for(actor)
        .filter(
            state=SessionState.SCHEDULED,
            attendance__in=completion.ATTENDED,
            reviewed_at__isnull=True,
        )
        # Never one's own session: it is left for another supervisor.
        .exclude(practitioner=actor)
        .annotate(sample=Mod(F("number"), F("referral__programme__review_every")))
        .filter(sample=0)
        .order_by("starts_at", "id")
    )


def unallocated_for(*, actor: User) -> QuerySet[Referral]:
    if not policy.has_perm(actor, Perm.REFERRAL_MANAGE):
        return Referral.objects.none()
    return (
        referral_list_for(actor=actor)
        .filter(status__in=[S.PUT_FORWARD, S.RECEIVED])
        .order_by("put_forward_on", "id")
    )


def waiting_list_for(*, actor: User) -> QuerySet[Referral]:
    """Everyone waiting for a place, longest waiting first by the day each reached the waiting
    list in its history (`waiting_on`), the order places are offered in."""
    return (
        referral_list_for(actor=actor)
        .filter(status=S.WAITING)
        .annotate(waiting_on=status_reached_on(S.WAITING))
        .order_by("programme", F("waiting_on").asc(nulls_last=True), "waiting_since", "id")
    )


def not_ready_for(*, actor: User) -> QuerySet[Referral]:
    """Everyone assessed as not ready yet in the actor's scope, soonest review first: kept on
    the list beside those waiting for a place, not dropped."""
    return (
        referral_list_for(actor=actor)
        .filter(status=S.NOT_READY)
        .select_related("subject", "practitioner")
        .order_by("review_on", "id")
    )


def readiness_reviews_due_for(*, actor: User, today: dt.date | None = None) -> QuerySet[Referral]:
    """The actor's own referrals not ready yet whose review date has come: a reassessment is
    due. One rule for the queue and the tests."""
    today = today or timezone.localdate()
    return (
        _my_referrals(actor)
        .filter(status=S.NOT_READY, review_on__lte=today)
        .select_related("subject")
        .order_by("review_on", "id")
    )


def engagement_rows_for(*, actor: User) -> QuerySet[Referral]:
    """Police: every referral of their force with its engagement (no clinical content)."""
    if not policy.has_perm(actor, Perm.ENGAGEMENT_VIEW):
        return Referral.objects.none()
    return referral_list_for(actor=actor).order_by("-at_risk", "status", "subject__last_name", "id")


def supervision_log_for(*, actor: User, practitioner_id: int) -> tuple[Any, list[SupervisionEntry]]:
    """A practitioner's own log, or any log in the provider for a clinical supervisor."""
    if actor.organisation_id is None:  # not a provider: no log is theirs to see
        raise Http404
    practitioner = User.objects.filter(
        pk=practitioner_id, organisation_id=actor.organisation_id
    ).first()
    allowed = (
        practitioner is not None
        and _is_provider(actor)
        and (practitioner.pk == actor.pk or policy.has_perm(actor, Perm.SESSION_REVIEW))
    )
    if not allowed:
        raise Http404
    entries = list(
        SupervisionEntry.objects.filter(practitioner=practitioner)
        .select_related("supervisor", "session", "session__referral")
        .order_by("-occurred_on", "-id")
    )
    return practitioner, entries


def provider_practitioners(*, actor: User) -> list[Any]:
    """Everyone in the actor's provider who may hold referrals, clinical supervisors included
    (they are allocated cases too), each with their open caseload."""
    if actor.organisation_id is None or not _is_provider(actor):
        return []
    return list(
        User.objects.filter(organisation_id=actor.organisation_id, roles__code__in=CASEWORKER_ROLES)
        .distinct()
        .annotate(
            caseload=Count(
                "programme_caseload",
                filter=Q(programme_caseload__status__in=OPEN_STATUSES),
                distinct=True,
            )
        )
        .order_by("last_name", "first_name")
    )


def caseload_limit_for(*, actor: User) -> int | None:
    """The most open referrals one practitioner may hold, from the settings of the provider's
    active programmes (the lowest, where they differ: a practitioner may work in any)."""
    if actor.organisation_id is None:
        return None
    limits = Programme.objects.filter(provider_id=actor.organisation_id, is_active=True)
    return min(limits.values_list("caseload_limit", flat=True), default=None)


TREND_WINDOW = 5  # reviews in each of the two averages a trend compares


@dataclass(frozen=True)
class RatingTrend:
    """A practitioner's ratings: the mean of the latest reviews against the ones before."""

    reviews: int
    recent: dict[str, float]
    before: dict[str, float]

    def direction(self, code: str) -> str:
        if code not in self.before:
            return ""
        change = self.recent[code] - self.before[code]
        return "up" if change >= 0.25 else "down" if change <= -0.25 else "steady"

    def summary(self, code: str) -> str:
        """'2.6 of 3, was 2.0' (or without 'was' when there is nothing before)."""
        text = f"{self.recent[code]:.1f} of 3"
        return f"{text}, was {self.before[code]:.1f}" if code in self.before else text


def _mean(values: list[int]) -> float:
    return round(sum(values) / len(values), 1)


def rating_trends_for(*, actor: User, practitioner_ids: list[int]) -> dict[int, RatingTrend]:
    """Each practitioner's rated session reviews, latest five against the five before. One
    query. Only a clinical supervisor of the provider sees them."""
    if not policy.has_perm(actor, Perm.SESSION_REVIEW) or actor.organisation_id is None:
        return {}
    rows = (
        SupervisionEntry.objects.filter(
            practitioner_id__in=practitioner_ids,
            practitioner__organisation_id=actor.organisation_id,
            adherence__isnull=False,
            competence__isnull=False,
        )
        .order_by("practitioner_id", "-occurred_on", "-id")
        .values_list("practitioner_id", "adherence", "competence")
    )
    by_person: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for person, adherence, competence in rows:
        by_person[person].append((adherence or 0, competence or 0))  # not null: filtered
    trends = {}
    for person, ratings in by_person.items():
        recent, before = ratings[:TREND_WINDOW], ratings[TREND_WINDOW : 2 * TREND_WINDOW]
        trends[person] = RatingTrend(
            reviews=len(ratings),
            recent={
                "adherence": _mean([a for a, _ in recent]),
                "competence": _mean([c for _, c in recent]),
            },
            before=(
                {
                    "adherence": _mean([a for a, _ in before]),
                    "competence": _mean([c for _, c in before]),
                }
                if before
                else {}
            ),
        )
    return trends


def measure_instruments() -> QuerySet[Instrument]:
    """The outcome measures a practitioner may give: active, shipped with Desist."""
    return Instrument.objects.filter(
        kind=InstrumentKind.OUTCOME_MEASURE, is_active=True, owner__isnull=True
    )


def calendar_user_for_token(*, token_hash: str) -> Any | None:
    row = (
        CalendarToken.objects.filter(token_hash=token_hash, revoked_at__isnull=True)
        .select_related("user", "user__organisation")
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    return row.user


def calendar_token_active(*, actor: User) -> bool:
    return CalendarToken.objects.filter(user=actor, revoked_at__isnull=True).exists()


# --- for other apps (no actor: used by evaluation, sharing and alerts) ------------------------


def practitioners_for_subject(*, subject: Any) -> list[Any]:
    """The allocated practitioner(s) of the subject's open referral."""
    ids = Referral.objects.filter(
        subject=subject, status__in=OPEN_STATUSES, practitioner__isnull=False
    ).values_list("practitioner_id", flat=True)
    return list(User.objects.filter(pk__in=list(ids)))


def engagement_for_subjects(*, subject_ids: Any) -> dict[int, str]:
    """The engagement code (`models.Engagement`) of each subject's latest referral."""
    found: dict[int, str] = {}
    rows = (
        Referral.objects.filter(subject_id__in=list(subject_ids))
        .order_by("subject_id", "-put_forward_on", "-id")
        .values_list("subject_id", "status", "at_risk")
    )
    for subject_id, status, at_risk in rows:
        found.setdefault(subject_id, engagement_code(status, at_risk))
    return found


def programme_facts_for_evaluation(*, subject_ids: Any = None) -> list[dict[str, Any]]:
    """One plain dict per referral (of the given subjects, or all): dates from the status
    history, final status, held sessions and attendance, and outcome-measure scores. No names,
    no free text. A fixed number of queries."""
    chosen = Referral.objects.all()
    if subject_ids is not None:
        chosen = chosen.filter(subject_id__in=list(subject_ids))
    referrals = list(
        chosen.order_by("id").values(
            "id",
            "subject_id",
            "programme_id",
            "force_id",
            "status",
            "put_forward_on",
            "consent_on",
            "started_on",
            "ended_on",
            "end_reason_code",
            "at_risk",
            "programme_version__settings",
            "programme__completion_sessions",
            "programme__completion_module",
            "programme__partial_sessions",
        )
    )
    history: dict[int, dict[str, dt.date]] = defaultdict(dict)
    for rid, to_status, on in (
        ReferralStatusChange.objects.filter(referral__in=chosen)
        .order_by("changed_at", "id")
        .values_list("referral_id", "to_status", "effective_on")
    ):
        history[rid].setdefault(to_status, on)
    # Held sessions (not rescheduled or cancelled, attendance recorded), one query.
    held: dict[int, list[dict[str, Any]]] = defaultdict(list)
    attended: dict[int, int] = defaultdict(int)
    modules: dict[int, set[str]] = defaultdict(set)
    for rid, starts_at, attendance, module, delivered in (
        ProgrammeSession.objects.filter(referral__in=chosen, state=SessionState.SCHEDULED)
        .exclude(attendance="")
        .order_by("starts_at", "id")
        .values_list("referral_id", "starts_at", "attendance", "module", "module_delivered")
    ):
        came = attendance in completion.ATTENDED
        held[rid].append({"date": timezone.localdate(starts_at), "attended": came})
        attended[rid] += int(came)
        if came:
            modules[rid].add(delivered or module)
    scores: dict[int, list[tuple[dt.date, str, Any, str]]] = defaultdict(list)
    for rid, on, timepoint, score, code in (
        Measure.objects.filter(referral__in=chosen)
        .order_by("assessed_on", "id")
        .values_list("referral_id", "assessed_on", "timepoint", "score", "instrument__name")
    ):
        scores[rid].append((on, timepoint, score, code))
    return [
        _facts_row(r, history[r["id"]], held, attended, modules[r["id"]], scores.get(r["id"], []))
        for r in referrals
    ]


def _facts_row(
    r: Mapping[str, Any],
    dates: dict[str, dt.date],
    held: dict[int, list[dict[str, Any]]],
    attended: dict[int, int],
    modules: set[str],
    m: list[tuple[dt.date, str, Any, str]],
) -> dict[str, Any]:
    """programme_facts_for_evaluation's dict for one referral."""
    return {
        "referral_id": r["id"],
        "subject_id": r["subject_id"],
        "programme_id": r["programme_id"],
        "force_id": r["force_id"],
        "final_status": r["status"],
        "closed": r["status"] in CLOSED_STATUSES,
        "engagement": engagement_code(r["status"], r["at_risk"]),
        "put_forward_on": r["put_forward_on"],
        "consent_on": dates.get(S.CONSENTED) or r["consent_on"],
        "started_on": r["started_on"],
        "ended_on": r["ended_on"],
        "end_reason_code": r["end_reason_code"],
        "status_dates": dict(dates),
        "sessions_attended": attended.get(r["id"], 0),
        "completion": _completion_of(r, attended.get(r["id"], 0), modules),
        "measure_before": m[0][2] if m else None,
        "measure_after": m[-1][2] if len(m) > 1 else None,
        "sessions": held.get(r["id"], []),
        "measures": [
            {"measure": code, "on": on, "timepoint": tp, "score": sc} for on, tp, sc, code in m
        ],
    }


def _completion_of(r: Mapping[str, Any], attended: int, modules: set[str]) -> str:
    """The one completion rule (`completion.outcome`) on a referral's values row."""
    current = completion.CompletionRule(
        sessions=r["programme__completion_sessions"],
        module=r["programme__completion_module"],
        partial=r["programme__partial_sessions"],
    )
    settings = r["programme_version__settings"]
    rule = current if settings is None else completion.rule_from_settings(settings, current)
    return completion.outcome(
        rule,
        status=r["status"],
        started=r["started_on"] is not None,
        attended=attended,
        modules=modules,
    )


ENGAGEMENT_TAGS = {
    Engagement.REFERRED: "govuk-tag--blue",
    Engagement.WAITING: "govuk-tag--purple",
    Engagement.ATTENDING: "govuk-tag--green",
    Engagement.AT_RISK: "govuk-tag--red",
    Engagement.DISENGAGED: "govuk-tag--orange",
    Engagement.COMPLETED: "govuk-tag--turquoise",
    Engagement.ENDED: "govuk-tag--grey",
}


def supervision_coverage_for(*, actor: User) -> dict[str, int]:
    """Sessions that took place (not rescheduled or cancelled, attended on time or late) and
    how many of them a clinical supervisor signed off, in the programmes the actor may count.
    One query."""
    programmes = policy.scope_programme_aggregates(actor, Programme.objects.all())
    counts = ProgrammeSession.objects.filter(
        referral__programme__in=programmes.values("pk"),
        state=SessionState.SCHEDULED,
        attendance__in=completion.ATTENDED,
    ).aggregate(sessions=Count("id"), reviewed=Count("id", filter=Q(reviewed_at__isnull=False)))
    return {"sessions": counts["sessions"] or 0, "reviewed": counts["reviewed"] or 0}


# --- spending -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spending:
    """A programme's budget (its funding) and what has been spent, withdrawn lines excluded."""

    programme: Programme
    spent: Decimal

    @property
    def budget(self) -> Decimal:
        return self.programme.funding

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.spent

    @property
    def share_used(self) -> str:
        if self.budget <= 0:
            return "No budget set"
        return figures.share(self.spent, self.budget)


def _spent_by_programme(programme_ids: list[int]) -> dict[int, Decimal]:
    return dict(
        Expenditure.objects.filter(programme_id__in=programme_ids, withdrawn_at__isnull=True)
        .values_list("programme")
        .annotate(total=Sum("amount"))
        .values_list("programme", "total")
    )


def spending_for(*, actor: User) -> list[Spending]:
    """Budget against spending for each programme the actor manages. Two queries."""
    programmes = list(
        policy.scope_programmes_managed(actor, Programme.objects.all()).order_by("name", "id")
    )
    spent = _spent_by_programme([p.pk for p in programmes])
    return [Spending(programme=p, spent=spent.get(p.pk) or Decimal(0)) for p in programmes]


def spending_page_for(*, actor: User, programme_id: int) -> tuple[Programme, Spending, Any]:
    """A managed programme, its budget against spending, and every line (withdrawn too)."""
    programme = programme_get_for(actor=actor, programme_id=programme_id)
    spent = _spent_by_programme([programme.pk]).get(programme.pk) or Decimal(0)
    lines = Expenditure.objects.filter(programme=programme).select_related(
        "recorded_by", "withdrawn_by"
    )
    return programme, Spending(programme=programme, spent=spent), lines


def expenditure_get_for(*, actor: User, expenditure_id: int) -> Expenditure:
    policy.require_perm(actor, Perm.PROGRAMME_SETTINGS)
    found = (
        Expenditure.objects.filter(
            pk=expenditure_id,
            programme__in=policy.scope_programmes_managed(actor, Programme.objects.all()),
        )
        .select_related("programme")
        .first()
    )
    if found is None:
        raise Http404
    policy.require(actor, Perm.PROGRAMME_SETTINGS, found)
    return found


def costs_for_evaluation(*, actor: User, programme_ids: Any = None) -> list[dict[str, Any]]:
    """Spending by category (amounts only) for the evaluation's cost per participant: the
    programmes the actor may count (`policy.scope_programme_aggregates`), of `programme_ids`
    (those of the people in the evaluation) when given, and only programmes that serve no
    police force outside the actor's partnerships (their spending would be divided by people
    the evaluation does not count). Withdrawn lines left out. Two queries."""
    programmes = policy.scope_programme_aggregates(actor, Programme.objects.all())
    if programme_ids is not None:
        programmes = programmes.filter(pk__in=list(programme_ids))
    # Programmes with at least one force outside the actor's partnerships.
    spanning = Programme.forces.through.objects.exclude(
        organisation_id__in=policy.partnership_force_ids(actor)
    ).values("programme_id")
    return [
        {"category": SpendCategory(c).label, "amount": float(total)}
        for c, total in Expenditure.objects.filter(
            programme__in=programmes.exclude(pk__in=spanning).values("pk"),
            withdrawn_at__isnull=True,
        )
        .values_list("category")
        .annotate(total=Sum("amount"))
        .values_list("category", "total")
        .order_by("category")
    ]


# --- provider display of concerns (checked when shown) --------------------------------------

CONCERN_WITHHELD_NOTICE = (
    "Parts of this concern may name the victim or where they are; it has been sent to police "
    "and advocacy in full and is withheld from provider pages."
)


def session_disclosures_shown(
    *, actor: User, session: ProgrammeSession
) -> list[tuple[RiskDisclosure, str]]:
    """The session's concerns as this viewer may read them: for provider staff, wording that
    holds a linked victim's identifier now is withheld (one identifier lookup)."""
    screen = ProviderScreen(
        actor=actor,
        subject=session.referral.subject,
        where="programme.session_detail",
        active=_is_provider(actor),
    )
    return [
        (d, screen.show(d.disclosed, field=f"risk disclosure {d.pk}"))
        for d in session.disclosures.all()
    ]


def concern_withheld_from_provider(*, record: RiskDisclosure) -> bool:
    """Whether provider pages withhold this concern's wording (read-only, not audited)."""
    return contains_victim_identifier(record.disclosed, subject=record.referral.subject)
