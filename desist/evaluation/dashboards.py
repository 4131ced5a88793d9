"""What the oversight and programme-manager dashboards show. Aggregates only, built from
scoped selectors; a fixed number of queries whatever the volume.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, DateField, Q, Value, When
from django.utils import timezone

from desist import policy
from desist.accounts.models import User
from desist.audit.models import Category
from desist.audit.selectors import AuditFilters, audit_event_list_for
from desist.core import figures
from desist.evaluation.extract import funnel_counts
from desist.evaluation.frames import build_frames
from desist.evaluation.models import AnomalySnapshot
from desist.evaluation.privacy import shown_count, shown_rate
from desist.policy import Perm
from desist.programme import selectors as programme_selectors
from desist.safeguarding import selectors as safeguarding_selectors
from desist.sharing import outbox
from desist.sharing import selectors as sharing_selectors

ANOMALY_WINDOW_DAYS = 30
# Out of hours: from 20:00 to 07:00 local time.
NIGHT_START, NIGHT_END = 20, 7


def bulk_view_threshold() -> int:
    return int(settings.DESIST_BULK_VIEW_THRESHOLD)


@dataclass(frozen=True)
class OutsideCaseload:
    username: str
    organisation: str
    records: int
    views: int


@dataclass(frozen=True)
class NightViewing:
    username: str
    organisation: str
    night: dt.date
    views: int


def _local(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def access_anomalies(
    *, actor: User, today: dt.date | None = None
) -> tuple[list[OutsideCaseload], list[NightViewing]]:
    """From the audit log of the last 30 days:

    - records viewed outside the viewer's caseload: a consultation of a record the viewer has
      never written to (collected or altered) and that belongs to another organisation's work;
      approximated, without a caseload table, as "consulted but never worked on by the viewer";
    - out-of-hours bulk viewing: more than the threshold record views by one person in one
      night (20:00 to 07:00).
    """
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=ANOMALY_WINDOW_DAYS)
    events = audit_event_list_for(actor=actor, filters=AuditFilters(date_from=since)).order_by()
    consultations = events.filter(category=Category.CONSULTATION)
    # Grouped in the database (tens of thousands of views a month at national volume): the
    # records each person consulted, with how often, less those the same person worked on.
    worked = set(
        events.filter(category__in=[Category.COLLECTION, Category.ALTERATION])
        .values_list("actor_id", "object_type", "object_id")
        .distinct()
    )
    outside_records: Counter[tuple[str, str]] = Counter()
    outside_views: Counter[tuple[str, str]] = Counter()
    for actor_id, username, organisation, object_type, object_id, views in (
        consultations.exclude(object_id="")
        .values_list("actor_id", "actor_username", "organisation_name", "object_type", "object_id")
        .annotate(views=Count("id"))
        .values_list(
            "actor_id", "actor_username", "organisation_name", "object_type", "object_id", "views"
        )
    ):
        if (actor_id, object_type, object_id) not in worked:
            outside_records[(username, organisation)] += 1
            outside_views[(username, organisation)] += views
    # Views out of hours by person and night: each night of the window is a range of
    # occurred_at from 20:00 to 07:00 local time (a night belongs to the evening it starts),
    # compared in the database without converting every row's time zone.
    ranges = [
        (day, _local(day, NIGHT_START), _local(day + dt.timedelta(days=1), NIGHT_END))
        for day in (
            since - dt.timedelta(days=1) + dt.timedelta(days=i)
            for i in range((today - since).days + 2)
        )
    ]
    nights: Counter[tuple[str, str, dt.date]] = Counter()
    for n in (
        consultations.filter(occurred_at__lt=ranges[-1][2])
        .annotate(
            night=Case(
                *[When(occurred_at__gte=a, occurred_at__lt=b, then=Value(d)) for d, a, b in ranges],
                default=None,
                output_field=DateField(),
            )
        )
        .exclude(night=None)
        .values("actor_username", "organisation_name", "night")
        .annotate(views=Count("id"))
    ):
        nights[(n["actor_username"], n["organisation_name"], n["night"])] += n["views"]
    outside = sorted(
        (
            OutsideCaseload(username=u, organisation=o, records=r, views=outside_views[(u, o)])
            for (u, o), r in outside_records.items()
        ),
        key=lambda x: (-x.records, x.username),
    )
    threshold = bulk_view_threshold()
    night_rows = sorted(
        (
            NightViewing(username=u, organisation=o, night=n, views=c)
            for (u, o, n), c in nights.items()
            if c > threshold
        ),
        key=lambda x: (-x.views, x.username),
    )
    return outside, night_rows


# The background pass (`desist oversight_refresh`, and the demo server's worker) recomputes a
# snapshot older than this; a page never shows one older than the maximum age.
SNAPSHOT_REFRESH_AFTER = dt.timedelta(minutes=5)
SNAPSHOT_MAX_AGE = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Anomalies:
    outside: list[OutsideCaseload]
    nights: list[NightViewing]
    computed_at: dt.datetime


def _compute_snapshot(actor: User, scope: str, now: dt.datetime) -> Anomalies:
    today = timezone.localtime(now).date()
    outside, nights = access_anomalies(actor=actor, today=today)
    values = {
        "computed_at": now,
        "day": today,
        "threshold": bulk_view_threshold(),
        "computed_for": actor,
        "outside": [asdict(o) for o in outside],
        "nights": [{**asdict(n), "night": n.night.isoformat()} for n in nights],
    }
    # Never replace a newer result (a recalculation that finished while this one ran).
    if not AnomalySnapshot.objects.filter(scope=scope, computed_at__lt=now).update(**values):
        try:
            with transaction.atomic():
                AnomalySnapshot.objects.create(scope=scope, **values)
        except IntegrityError:
            pass  # another request stored one first
    return Anomalies(outside=outside, nights=nights, computed_at=now)


def access_anomalies_for_page(
    *, actor: User, now: dt.datetime | None = None, recompute: bool = False
) -> Anomalies:
    """The anomalies the dashboard shows: the scope's snapshot while it is fresh enough (same
    day, same threshold, under SNAPSHOT_MAX_AGE old), else computed now and stored."""
    policy.require_perm(actor, Perm.OVERSIGHT_DASHBOARD)
    now = now or timezone.now()
    scope = policy.audit_scope_key(actor)
    if scope is None:
        return Anomalies(outside=[], nights=[], computed_at=now)
    snap = None if recompute else AnomalySnapshot.objects.filter(scope=scope).first()
    if (
        snap is not None
        and snap.day == timezone.localtime(now).date()
        and snap.threshold == bulk_view_threshold()
        and dt.timedelta(0) <= now - snap.computed_at <= SNAPSHOT_MAX_AGE
    ):
        return Anomalies(
            outside=[OutsideCaseload(**o) for o in snap.outside],
            nights=[
                NightViewing(**{**n, "night": dt.date.fromisoformat(n["night"])})
                for n in snap.nights
            ],
            computed_at=snap.computed_at,
        )
    return _compute_snapshot(actor, scope, now)


def refresh_anomaly_snapshots(*, now: dt.datetime | None = None) -> int:
    """Recompute every snapshot older than SNAPSHOT_REFRESH_AFTER or of an earlier day (only
    scopes someone has viewed have one), as the person it was last computed for. A snapshot
    whose person can no longer see the dashboard, or now reads another scope, is deleted.
    Returns how many were recomputed."""
    now = now or timezone.now()
    done = 0
    # Also any from before midnight, so the first view of the day does not compute.
    stale = AnomalySnapshot.objects.filter(
        Q(computed_at__lt=now - SNAPSHOT_REFRESH_AFTER) | Q(day__lt=timezone.localtime(now).date())
    )
    for snap in stale.select_related("computed_for"):
        user = snap.computed_for
        if (
            not user.is_active
            or not policy.has_perm(user, Perm.OVERSIGHT_DASHBOARD)
            or policy.audit_scope_key(user) != snap.scope
        ):
            snap.delete()
            continue
        _compute_snapshot(user, snap.scope, now)
        done += 1
    return done


@dataclass(frozen=True)
class SelfReferralDiscards:
    total: int
    days: list[Any]  # safeguarding.SelfReferralDiscards rows: a day and a count, nothing else


def self_referral_discards(*, actor: User, days: int = 30) -> SelfReferralDiscards:
    """Self-referrals the honeypot discarded, per day: the one kind of submission ever dropped
    (docs/adr/0016), so oversight can see whether a real person might have been caught."""
    rows = safeguarding_selectors.self_referral_discards_for(actor=actor, days=days)
    return SelfReferralDiscards(total=sum(r.honeypot for r in rows), days=rows)


def break_glass_awaiting_review(*, actor: User) -> int:
    """A count only: a grant names the record it opened, which may identify someone."""
    return sharing_selectors.break_glass_review_list_for(actor=actor, state="unreviewed").count()


def emails_failing(*, actor: User) -> int:
    """Alert e-mails failing to send (retrying or given up), as a count: the list, without
    addresses, is the system administrator's (sharing.outbox)."""
    return outbox.email_failures_count_for(actor=actor)


@dataclass(frozen=True)
class AlertTimeliness:
    label: str
    total: int | str
    on_time: int | str
    rate: str
    median: str  # "2.5 h", or in words when not reached
    not_acknowledged: int | str
    pending: int | str  # not acknowledged, still within their deadline: not counted in `rate`


def alert_timeliness(
    *, actor: User, aggregate: bool, now: dt.datetime | None = None
) -> list[AlertTimeliness]:
    """Alert acknowledgement against deadlines, by priority. Service performance: never
    suppressed (privacy.FIGURES), whoever looks. The median time to acknowledge is the
    Kaplan-Meier median with alerts not yet acknowledged censored at `now`, so a service that
    leaves alerts unanswered cannot look quick. The share on time counts only alerts whose
    outcome is known (acknowledged, or past their deadline unacknowledged): an alert still
    within its deadline is neither on time nor late yet, and is shown as its own count."""
    from desist.evaluation.engine.survival import median_survival  # lifelines: issue 21

    rows = []
    for r in sharing_selectors.alert_timeliness_for(actor=actor, now=now):
        total, on_time = int(r["total"]), int(r["on_time"])
        waiting = total - int(r["acknowledged"])
        pending = int(r["pending"])
        decided = total - pending
        durations = [h for h, _ in r["waits"]]
        events = [acked for _, acked in r["waits"]]
        median = median_survival(durations, events)
        rows.append(
            AlertTimeliness(
                label=str(r["label"]),
                total=shown_count("alerts.raised", total, aggregate=aggregate),
                on_time=shown_count("alerts.on_time", on_time, aggregate=aggregate),
                rate=shown_rate("alerts.share_on_time", on_time, decided, aggregate=aggregate),
                median=figures.hours(median)
                if median is not None
                else "Not reached: fewer than half acknowledged",
                not_acknowledged=shown_count(
                    "alerts.not_acknowledged", waiting, aggregate=aggregate
                ),
                pending=shown_count("alerts.within_deadline", pending, aggregate=aggregate),
            )
        )
    return rows


@dataclass(frozen=True)
class SupervisionCoverage:
    sessions: int
    reviewed: int
    rate: str


def supervision_coverage(*, actor: User) -> SupervisionCoverage:
    """Share of held sessions signed off by a clinical supervisor."""
    c = programme_selectors.supervision_coverage_for(actor=actor)
    return SupervisionCoverage(
        sessions=c["sessions"],
        reviewed=c["reviewed"],
        rate=shown_rate("supervision.coverage", c["reviewed"], c["sessions"], aggregate=False)
        if c["sessions"]
        else "No sessions held",
    )


# --- programme manager ----------------------------------------------------------------------


@dataclass(frozen=True)
class Places:
    programme: str
    capacity: int
    in_use: int | str
    waiting: int | str


@dataclass
class ProgrammeDashboard:
    funnel: list[tuple[str, int | str]]
    places: list[Places]
    completion_rate: str
    attendance_rate: str
    sessions_note: str
    alerts: list[AlertTimeliness]
    spending: list[programme_selectors.Spending]


def programme_dashboard(*, actor: User) -> ProgrammeDashboard:
    frames = build_frames(actor=actor, perm=Perm.PROGRAMME_DASHBOARD)
    people = frames.people
    funnel = [
        (label, shown_count("funnel.people", n, aggregate=True))
        for label, n in funnel_counts(people)
    ]
    started = int(people["started"].sum()) if len(people) else 0
    completed = int(people["completed"].sum()) if len(people) else 0
    sessions = frames.frames.get("sessions")
    if sessions is not None and len(sessions):
        attendance = shown_rate(
            "attendance_rate", int(sessions["attended"].sum()), len(sessions), aggregate=True
        )
        note = ""
    else:
        attendance = "Not available"
        note = "Attendance appears once programme sessions are recorded."
    programmes = list(programme_selectors.programme_list_for(actor=actor).order_by("name", "id"))
    held = programme_selectors.places_for_programmes(programmes)
    places = [
        Places(
            programme=p.name,
            capacity=held[p.pk].capacity,
            in_use=shown_count("places.in_use", held[p.pk].held, aggregate=True),
            waiting=shown_count("places.waiting", held[p.pk].waiting, aggregate=True),
        )
        for p in programmes
    ]
    return ProgrammeDashboard(
        funnel=funnel,
        places=places,
        completion_rate=shown_rate("completion_rate", completed, started, aggregate=True),
        attendance_rate=attendance,
        sessions_note=note,
        alerts=alert_timeliness(actor=actor, aggregate=True),
        spending=programme_selectors.spending_for(actor=actor),
    )
