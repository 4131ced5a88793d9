"""Reads of victims and advocacy casework: the one door to victims' identities.

Police of the recording force see identities; advocates see the victims their own service holds
an advocacy case for (policy.scope_victims); provider staff never. Provider-side apps must not
import this module.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from desist import policy
from desist.accounts.models import User
from desist.cases.models import Case as StalkingCase
from desist.core import figures
from desist.core.models import Organisation
from desist.core.roles import RoleCode
from desist.people.models import Subject
from desist.policy import Perm
from desist.safeguarding import perpetrator as perpetrator_facts
from desist.safeguarding.models import (
    FIRST_CONTACT_HOURS,
    AdvocacyCase,
    AdvocacyCaseEvent,
    AdvocacyStatus,
    ContactLogEntry,
    SafetyPlanVersion,
    SelfReferralDiscards,
    Victim,
    VictimRating,
)
from desist.sharing import redaction
from desist.sharing import selectors as sharing_selectors
from desist.sharing.kinds import OPT_IN_KINDS


def victim_list_for(*, actor: User) -> QuerySet[Victim]:
    return policy.scope_victims(actor, Victim.objects.all()).order_by("id")


def victim_get_for(*, actor: User, victim_id: int) -> Victim:
    """One victim; 404 when out of scope, so a record's existence is not revealed."""
    try:
        victim = victim_list_for(actor=actor).get(pk=victim_id)
    except Victim.DoesNotExist:
        raise Http404("No such victim") from None
    policy.require(actor, Perm.VICTIM_IDENTITY_VIEW, victim)
    return victim


def victims_for_case(*, actor: User, case: Any) -> QuerySet[Victim]:
    """The victims of one case whose identities the actor may see."""
    return victim_list_for(actor=actor).filter(cases=case)


def victims_linkable_to_case(*, actor: User, case: Any) -> QuerySet[Victim]:
    """Victims in the subject's other cases, in the case's force, not yet in this case: the
    people a repeat case is most likely about. Identity-scoped like every victim read."""
    return (
        victim_list_for(actor=actor)
        .filter(force_id=case.force_id, cases__subject_id=case.subject_id)
        .exclude(cases=case)
        .distinct()
    )


@dataclass(frozen=True)
class AdvocacySummary:
    """What police of the recording force see of a victim's advocacy (design: "read summary"):
    that it exists, its state, when the victim was last contacted and when the safety plan is
    next reviewed; never the contact log's content, the plan's content or the ratings."""

    reference: str
    service: str
    status: str
    referred_at: dt.datetime
    allocated: bool
    last_contact_at: dt.datetime | None
    plan_review_on: dt.date | None


@dataclass(frozen=True)
class VictimPage:
    victim: Victim
    cases: list[Any]  # police cases (crime references) the actor may see
    advocacy_cases: list[AdvocacyCase]  # the actor's own service's cases (advocates)
    advocacy_summary: list[AdvocacySummary]  # all services, summary only (police)
    referral_services: list[Any]  # advocacy services the actor may refer to (police)


def victim_page_for(*, actor: User, victim_id: int) -> VictimPage:
    victim = victim_get_for(actor=actor, victim_id=victim_id)
    assert actor.organisation is not None  # victim_get_for refuses anyone without one
    own = list(advocacy_case_list_for(actor=actor).filter(victim=victim).select_related("advocate"))
    summary: list[AdvocacySummary] = []
    services: list[Any] = []
    cases: list[Any] = []
    if policy.can(actor, Perm.CASE_VIEW, None):
        cases = list(policy.scope_cases(actor, victim.cases.all()).select_related("subject"))
    if actor.organisation.kind == "police_force":
        summary = [
            AdvocacySummary(
                reference=c.reference,
                service=c.service.name,
                status=c.get_status_display(),
                referred_at=c.referred_at,
                allocated=c.advocate_id is not None,
                last_contact_at=c.last_contact_at,
                plan_review_on=c.review_on,
            )
            for c in AdvocacyCase.objects.filter(victim=victim)
            .select_related("service")
            .annotate(
                review_on=_latest_review_on(),
                last_contact_at=Subquery(
                    ContactLogEntry.objects.filter(case=OuterRef("pk"))
                    .order_by("-occurred_at")
                    .values("occurred_at")[:1]
                ),
            )
        ]
        if policy.can(actor, Perm.ADVOCACY_REFER, victim):
            services = referral_services_for(actor=actor)
    return VictimPage(
        victim=victim,
        cases=cases,
        advocacy_cases=own,
        advocacy_summary=summary,
        referral_services=services,
    )


def referral_services_for(*, actor: User) -> list[Any]:
    """Advocacy services in a live partnership with the actor's organisation (never a retired
    partnership's nor a retired service: the referral carries the victim's identity)."""
    return list(
        Organisation.objects.filter(
            kind="advocacy", pk__in=policy.partnership_organisation_ids(actor)
        ).order_by("name")
    )


# --- advocacy casework ----------------------------------------------------------------------


def advocacy_case_list_for(*, actor: User) -> QuerySet[AdvocacyCase]:
    return policy.scope_advocacy_cases(actor, AdvocacyCase.objects.all())


def advocacy_case_get_for(
    *, actor: User, case_id: int, perm: Perm = Perm.ADVOCACY_VIEW
) -> AdvocacyCase:
    """One advocacy case; 404 when out of scope."""
    try:
        case = (
            advocacy_case_list_for(actor=actor)
            .select_related("victim", "advocate", "service", "referring_org")
            .get(pk=case_id)
        )
    except AdvocacyCase.DoesNotExist:
        raise Http404("No such advocacy case") from None
    policy.require(actor, perm, case)
    return case


def advocacy_case_for_subject(
    *, actor: User, subject_id: int, engagement_news: bool = False
) -> AdvocacyCase:
    """The actor's own service's advocacy case for a victim of `subject_id` (the target of an
    alert's link): the one allocated to the actor first, then open before closed, newest
    first. For engagement news, only a victim who asked to hear it: an advocate acting on the
    alert must not tell a victim who said no. 404 when the actor's service holds none, so the
    link reveals nothing."""
    cases = advocacy_case_list_for(actor=actor).filter(victim__cases__subject_id=subject_id)
    if engagement_news:
        cases = cases.filter(victim__wants_engagement_news=True)
    case = (
        cases.annotate(
            mine=Case(When(advocate_id=actor.pk, then=Value(0)), default=Value(1)),
            closed=Case(When(status=AdvocacyStatus.OPEN, then=Value(0)), default=Value(1)),
        )
        .order_by("mine", "closed", "-referred_at", "-id")
        .first()
    )
    if case is None:
        raise Http404("No such advocacy case")
    policy.require(actor, Perm.ADVOCACY_VIEW, case)
    return case


def _latest_review_on() -> Subquery:
    return Subquery(
        SafetyPlanVersion.objects.filter(case=OuterRef("pk"))
        .order_by("-number")
        .values("review_on")[:1]
    )


CASELOAD_VIEWS = {
    "mine": "My open cases",
    "new": "New referrals: no first contact yet",
    "overdue": "First contact overdue",
    "reviews": "Safety plan reviews due",
    "unallocated": "Waiting for an advocate",
    "open": "All open cases",
    "closed": "Closed cases",
    "check": "Self-referrals to check before triage",
}


def caseload_for(
    *, actor: User, view: str = "mine", now: dt.datetime | None = None
) -> QuerySet[AdvocacyCase]:
    """An advocacy service's cases, filtered for one of CASELOAD_VIEWS. Fixed query count: the
    victim and advocate are joined, the latest safety plan review date annotated."""
    now = now or timezone.now()
    qs = (
        advocacy_case_list_for(actor=actor)
        .select_related("victim", "advocate")
        .annotate(review_on=_latest_review_on())
    )
    open_qs = qs.filter(status=AdvocacyStatus.OPEN)
    mine = Q(advocate=actor)
    no_contact = Q(first_contact_at__isnull=True)
    if view == "new":
        qs = open_qs.filter(no_contact).filter(mine | Q(advocate__isnull=True))
    elif view == "overdue":
        cutoff = now - dt.timedelta(hours=FIRST_CONTACT_HOURS)
        qs = open_qs.filter(no_contact, referred_at__lt=cutoff)
        if not policy.has_perm(actor, Perm.ADVOCACY_ALLOCATE):
            qs = qs.filter(mine | Q(advocate__isnull=True))
    elif view == "reviews":
        qs = open_qs.filter(mine, review_on__lte=timezone.localdate(now))
    elif view == "unallocated":
        qs = open_qs.filter(advocate__isnull=True)
    elif view == "open":
        qs = open_qs
    elif view == "closed":
        qs = qs.filter(status=AdvocacyStatus.CLOSED)
    elif view == "check":
        qs = qs.filter(status=AdvocacyStatus.CHECK)
    else:
        qs = open_qs.filter(mine)
    return qs.order_by("referred_at", "id")


def advocates_of_service(*, actor: Any) -> list[Any]:
    """Active advocates of the actor's own service (the allocation choices). One query."""

    return list(
        User.objects.filter(
            organisation_id=actor.organisation_id,
            is_active=True,
            roles__code=RoleCode.VICTIM_ADVOCATE.value,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


# --- the advocacy manager's view of the team (issue 20) --------------------------------------

# First-contact timeliness is measured over referrals made in this many days.
TIMELINESS_DAYS = 90


@dataclass(frozen=True)
class AdvocateLoad:
    """One advocate's caseload (advocate None: the cases not allocated yet)."""

    advocate: Any
    open: int = 0
    awaiting_contact: int = 0
    overdue: int = 0
    reviews_due: int = 0
    measured: int = 0  # referrals in the window whose first contact is made or was due
    on_time: int = 0  # of those, first contact within FIRST_CONTACT_HOURS

    @property
    def on_time_share(self) -> str:
        """ "1.4%" (the one rounding rule, core.figures); "" when nothing is measured."""
        return figures.share(self.on_time, self.measured)

    @property
    def label(self) -> str:
        """How the allocation form names the advocate: with their load."""
        name = self.advocate.display_name() if self.advocate else "Not allocated"
        cases = f"{self.open} open case{'' if self.open == 1 else 's'}"
        waiting = f", {self.awaiting_contact} waiting for first contact"
        return f"{name}: {cases}{waiting if self.awaiting_contact else ''}"


@dataclass(frozen=True)
class TeamPage:
    loads: list[AdvocateLoad]  # every active advocate, then "Not allocated"
    total: AdvocateLoad
    unallocated: list[AdvocacyCase]
    since: dt.date


def _load_counts(actor: User, now: dt.datetime) -> dict[int | None, dict[str, int]]:
    """Counts per advocate id (None: unallocated) in one grouped query."""
    open_ = Q(status=AdvocacyStatus.OPEN)
    no_contact = Q(first_contact_at__isnull=True)
    cutoff = now - dt.timedelta(hours=FIRST_CONTACT_HOURS)
    since = now - dt.timedelta(days=TIMELINESS_DAYS)
    in_window = Q(referred_at__gte=since) & ~Q(status=AdvocacyStatus.CHECK)
    measured = in_window & (Q(first_contact_at__isnull=False) | Q(referred_at__lt=cutoff))
    on_time = in_window & Q(first_contact_at__lte=F("due"))
    rows = (
        advocacy_case_list_for(actor=actor)
        .annotate(
            review_on=_latest_review_on(),
            due=ExpressionWrapper(
                F("referred_at") + dt.timedelta(hours=FIRST_CONTACT_HOURS),
                output_field=DateTimeField(),
            ),
        )
        .values("advocate_id")
        .annotate(
            open=Count("pk", filter=open_),
            awaiting_contact=Count("pk", filter=open_ & no_contact),
            overdue=Count("pk", filter=open_ & no_contact & Q(referred_at__lt=cutoff)),
            reviews_due=Count("pk", filter=open_ & Q(review_on__lte=timezone.localdate(now))),
            measured=Count("pk", filter=measured),
            on_time=Count("pk", filter=on_time),
        )
        .order_by()
    )
    fields = ("open", "awaiting_contact", "overdue", "reviews_due", "measured", "on_time")
    found: dict[int | None, dict[str, int]] = {}
    for row in rows:
        values: dict[str, Any] = dict(row)
        found[values["advocate_id"]] = {f: int(values[f]) for f in fields}
    return found


def team_page_for(*, actor: User, now: dt.datetime | None = None) -> TeamPage:
    """The advocacy manager's view: each advocate's caseload and first-contact timeliness, and
    the referrals waiting for an advocate. A fixed number of queries."""
    policy.require_perm(actor, Perm.ADVOCACY_ALLOCATE)
    now = now or timezone.now()
    counts = _load_counts(actor, now)
    advocates = advocates_of_service(actor=actor)
    loads = [AdvocateLoad(a, **counts.get(a.pk, {})) for a in advocates]
    loads.append(AdvocateLoad(None, **counts.get(None, {})))
    fields = ("open", "awaiting_contact", "overdue", "reviews_due", "measured", "on_time")
    total = AdvocateLoad(None, **{f: sum(c[f] for c in counts.values()) for f in fields})
    unallocated = list(caseload_for(actor=actor, view="unallocated", now=now)[:100])
    since = timezone.localdate(now) - dt.timedelta(days=TIMELINESS_DAYS)
    return TeamPage(loads=loads, total=total, unallocated=unallocated, since=since)


def advocate_loads_for(*, actor: User, now: dt.datetime | None = None) -> dict[int, AdvocateLoad]:
    """Each active advocate's load, by user id: what the allocation form shows beside them."""
    policy.require_perm(actor, Perm.ADVOCACY_ALLOCATE)
    counts = _load_counts(actor, now or timezone.now())
    return {
        a.pk: AdvocateLoad(a, **counts.get(a.pk, {})) for a in advocates_of_service(actor=actor)
    }


@dataclass(frozen=True)
class CasePage:
    case: AdvocacyCase
    events: list[AdvocacyCaseEvent]
    contacts: list[ContactLogEntry]
    plan: SafetyPlanVersion | None
    plan_versions: int
    ratings: list[VictimRating]
    perpetrators: list[Any]
    about_perpetrator: PerpetratorSummary | None = None


@dataclass(frozen=True)
class PerpetratorSummary:
    """ "What we can tell you about the person" (issue 20): the orders that protect the victim,
    their terms redacted for her; the programme stage only where she asked for engagement
    news; the alerts sent to this advocate about her perpetrators, with their lawful basis."""

    orders: list[perpetrator_facts.OrderFacts]
    programme: list[perpetrator_facts.ProgrammeFacts]
    engagement_asked: bool
    alerts: list[sharing_selectors.RoutedAlert]

    @property
    def records(self) -> list[Any]:
        """The police and provider records read, for the consultation log."""
        return [o.record for o in self.orders] + [p.record for p in self.programme]


def perpetrator_summary_for(
    *, actor: User, case: AdvocacyCase, perpetrators: list[Any]
) -> PerpetratorSummary | None:
    if not policy.can(actor, Perm.ADVOCACY_PERPETRATOR_VIEW, case):
        return None
    victim = case.victim
    # Every other victim of these perpetrators: their identifiers leave the terms' wording.
    others = Victim.objects.filter(cases__subject__in=perpetrators).exclude(pk=victim.pk)
    redact = redaction.identifiers_redactor(victim_identifier_pairs(others.distinct()))
    asked = bool(victim.wants_engagement_news)
    return PerpetratorSummary(
        orders=perpetrator_facts.orders_for(
            actor=actor, case=case, victim_id=victim.pk, subjects=perpetrators, redact=redact
        ),
        programme=perpetrator_facts.programme_for(actor=actor, case=case, subjects=perpetrators)
        if asked
        else [],
        engagement_asked=asked,
        # The list is chosen by perpetrator, and one alert serves every victim of his the
        # advocate supports: news made because another victim asked is not this one's.
        alerts=sharing_selectors.alerts_about_subjects_for(
            actor=actor,
            subject_ids=[s.pk for s in perpetrators],
            exclude_kinds=() if asked else OPT_IN_KINDS,
        ),
    )


def advocacy_case_page_for(*, actor: User, case_id: int) -> CasePage:
    case = advocacy_case_get_for(actor=actor, case_id=case_id)
    plans: list[SafetyPlanVersion] = []
    if policy.can(actor, Perm.SAFETY_PLAN_VIEW, case):
        plans = list(SafetyPlanVersion.objects.filter(case=case).select_related("created_by"))
    perpetrators = perpetrators_of_victim(victim=case.victim)
    return CasePage(
        case=case,
        events=list(AdvocacyCaseEvent.objects.filter(case=case).select_related("by")),
        contacts=list(
            ContactLogEntry.objects.filter(case=case).select_related("created_by", "perpetrator")
        ),
        plan=plans[0] if plans else None,
        plan_versions=len(plans),
        ratings=list(VictimRating.objects.filter(case=case)),
        perpetrators=perpetrators,
        about_perpetrator=perpetrator_summary_for(
            actor=actor, case=case, perpetrators=perpetrators
        ),
    )


def safety_plan_history_for(
    *, actor: User, case_id: int
) -> tuple[AdvocacyCase, list[SafetyPlanVersion]]:
    case = advocacy_case_get_for(actor=actor, case_id=case_id, perm=Perm.SAFETY_PLAN_VIEW)
    return case, list(SafetyPlanVersion.objects.filter(case=case).select_related("created_by"))


def latest_safety_plan_for(*, actor: User, case: AdvocacyCase) -> SafetyPlanVersion | None:
    policy.require(actor, Perm.SAFETY_PLAN_VIEW, case)
    return SafetyPlanVersion.objects.filter(case=case).first()


def perpetrators_of_victim(*, victim: Victim) -> list[Any]:
    """The subjects linked to a victim through police cases (design table: advocates read
    their victims' perpetrators)."""

    return list(Subject.objects.filter(cases__victims=victim).distinct().order_by("id"))


# --- for the sharing bridge only (redaction guard, alert routing) ---------------------------


def victim_identifier_pairs(victims: Any) -> list[tuple[str, str]]:
    """(kind, value) pairs for each of `victims`: a redaction word list. Decrypted here, inside
    safeguarding, and handed only to sharing's redaction, which never returns them."""
    pairs: list[tuple[str, str]] = []
    for victim in victims:
        for kind, value in (
            ("name", victim.first_names),
            ("name", victim.last_name),
            ("name", victim.preferred_name),
            # Whole names too, so two short words ("Al Li") still match together.
            ("name", f"{victim.first_names} {victim.last_name}"),
            (
                "name",
                f"{victim.preferred_name} {victim.last_name}" if victim.preferred_name else "",
            ),
            ("address", victim.address),
            ("postcode", victim.postcode),
            ("phone", victim.phone),
            ("phone", victim.alternative_phone),
            ("email", victim.email),
            ("safe_word", victim.safe_word),
        ):
            if value and value.strip():
                pairs.append((kind, value.strip()))
    return pairs


# These answer questions about victims without an actor: the sharing app calls them to protect
# victims, never to show anything. Provider-side code must go through desist.sharing instead.


def advocates_for_subject(*, subject: Any, engagement_news_only: bool = False) -> list[Any]:
    """Users who support a victim of `subject`: the allocated advocate of each open advocacy
    case of a victim linked to the subject through a police case. With
    `engagement_news_only`, only where the victim asked to hear about the perpetrator's
    engagement. Active users only, each once, in id order."""

    # Step by step, each on its own index, rather than one nested query: called for every
    # event, it must not depend on the planner guessing the join order well.
    links = Victim.cases.through.objects.filter(case__subject=subject)
    victim_ids = set(links.values_list("victim_id", flat=True))
    if engagement_news_only and victim_ids:
        victim_ids = set(
            Victim.objects.filter(pk__in=victim_ids, wants_engagement_news=True).values_list(
                "pk", flat=True
            )
        )
    if not victim_ids:
        return []
    advocate_ids = set(
        AdvocacyCase.objects.filter(
            status=AdvocacyStatus.OPEN, advocate__isnull=False, victim_id__in=victim_ids
        ).values_list("advocate_id", flat=True)
    )
    if not advocate_ids:
        return []
    return list(User.objects.filter(pk__in=advocate_ids, is_active=True).order_by("id"))


# --- for the evaluation only ----------------------------------------------------------------


def victim_ratings_for_evaluation(*, subject_ids: Any) -> list[dict[str, Any]]:
    """Victims' own fear and safety ratings for the evaluation, one row per (subject, rating):
    ids and scores only, never a name or free text (the evaluation pseudonymises the ids).

    A rating concerns every subject linked to the victim through a police case. One query."""
    wanted = {int(s) for s in subject_ids}
    if not wanted:
        return []

    links: dict[int, set[int]] = {}
    for c in StalkingCase.objects.filter(subject_id__in=wanted, victims__isnull=False).values(
        "subject_id", "victims"
    ):
        links.setdefault(c["victims"], set()).add(c["subject_id"])
    if not links:
        return []
    rows: list[dict[str, Any]] = []
    for r in (
        VictimRating.objects.filter(case__victim_id__in=list(links))
        .order_by("rated_on", "id")
        .values("case__victim_id", "rated_on", "fear", "safety")
    ):
        vid = r["case__victim_id"]
        for sid in sorted(links.get(vid, ())):
            rows.append(
                {
                    "subject_id": sid,
                    "victim_id": vid,
                    "rated_on": r["rated_on"],
                    "fear": r["fear"],
                    "safety": r["safety"],
                }
            )
    return rows


def self_referral_discards_for(
    *, actor: User, days: int = 30, today: dt.date | None = None
) -> list[SelfReferralDiscards]:
    """Honeypot discards per day (counts only, no personal data) for the oversight dashboard;
    days with none are not listed."""
    policy.require_perm(actor, Perm.OVERSIGHT_DASHBOARD)
    since = (today or timezone.localdate()) - dt.timedelta(days=days - 1)
    return list(SelfReferralDiscards.objects.filter(day__gte=since, honeypot__gt=0))
