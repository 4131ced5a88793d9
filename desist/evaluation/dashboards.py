"""What the oversight and programme-manager dashboards show. Aggregates only, built from
scoped selectors; a fixed number of queries whatever the volume.

Sources from other apps (programme, sharing) are read through `programme_source`; until an
app provides its selector the panel says the figure is not available yet.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from desist.audit.models import Category
from desist.audit.selectors import AuditFilters, audit_event_list_for
from desist.evaluation.extract import funnel_counts
from desist.evaluation.frames import build_frames
from desist.evaluation.privacy import suppress, suppressed_rate
from desist.evaluation.programme_source import (
    programme_selector,
    sharing_selector,
)
from desist.policy import Perm

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


@dataclass
class Panel:
    """A figure from another app: its rows, or why it is not available."""

    available: bool
    rows: list[Any] = field(default_factory=list)
    note: str = ""


def _night_of(when: dt.datetime) -> dt.date | None:
    local = timezone.localtime(when)
    if local.hour >= NIGHT_START:
        return local.date()
    if local.hour < NIGHT_END:
        return local.date() - dt.timedelta(days=1)
    return None


def access_anomalies(
    *, actor: Any, today: dt.date | None = None
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
    events = audit_event_list_for(actor=actor, filters=AuditFilters(date_from=since))
    worked: set[tuple[int | None, str, str]] = set()
    for e in events.filter(category__in=[Category.COLLECTION, Category.ALTERATION]).values(
        "actor_id", "object_type", "object_id"
    ):
        worked.add((e["actor_id"], e["object_type"], e["object_id"]))
    outside_records: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    outside_views: Counter[tuple[str, str]] = Counter()
    nights: Counter[tuple[str, str, dt.date]] = Counter()
    for e in events.filter(category=Category.CONSULTATION).values(
        "actor_id", "actor_username", "organisation_name", "object_type", "object_id", "occurred_at"
    ):
        who = (e["actor_username"], e["organisation_name"])
        key = (e["actor_id"], e["object_type"], e["object_id"])
        if e["object_id"] and key not in worked:
            outside_records[who].add((e["object_type"], e["object_id"]))
            outside_views[who] += 1
        night = _night_of(e["occurred_at"])
        if night is not None:
            nights[(*who, night)] += 1
    outside = sorted(
        (
            OutsideCaseload(username=u, organisation=o, records=len(r), views=outside_views[(u, o)])
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


def _call(fn: Any, actor: Any) -> Any:
    try:
        return fn(actor=actor)
    except TypeError:
        return fn()


def break_glass_awaiting_review(*, actor: Any) -> Panel:
    fn = sharing_selector("break_glass_review_list_for")
    if fn is not None:
        # A count only: a grant names the record it opened, which may identify someone.
        count = fn(actor=actor, state="unreviewed").count()
        return Panel(available=True, rows=[{"awaiting review": count}])
    for name in ("break_glass_awaiting_review_for", "grants_awaiting_review_for"):
        fn = sharing_selector(name)
        if fn is not None:
            # A count only: a grant names the record it opened, which may identify someone.
            count = len(list(_call(fn, actor)))
            return Panel(available=True, rows=[{"awaiting review": count}])
    return Panel(available=False, note="Break-glass access is not recorded in this build yet.")


def _first_present(r: Mapping[str, Any], *keys: str) -> Any:
    """The first of `keys` with a value, else "" (a median is None when nothing was
    acknowledged)."""
    for k in keys:
        if r.get(k) is not None:
            return r[k]
    return ""


def _rows(value: Any) -> list[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        return [value]
    return [r if isinstance(r, Mapping) else getattr(r, "__dict__", {}) for r in value or []]


def alert_timeliness(*, actor: Any, aggregate: bool) -> Panel:
    """Alert acknowledgement against deadlines, by urgency: from the sharing app."""
    for name in ("alert_timeliness_for", "alert_acknowledgement_stats_for", "alert_timeliness"):
        fn = sharing_selector(name)
        if fn is not None:
            rows = []
            for r in _rows(_call(fn, actor)):
                total = int(r.get("total", r.get("alerts", 0)) or 0)
                on_time = int(r.get("on_time", r.get("acknowledged_on_time", 0)) or 0)
                rows.append(
                    {
                        "label": str(r.get("label", r.get("urgency", "All alerts"))),
                        "total": suppress(total) if aggregate else total,
                        "on_time": suppress(on_time) if aggregate else on_time,
                        "rate": suppressed_rate(on_time, total),
                        "median": _first_present(r, "median_hours", "median"),
                    }
                )
            return Panel(available=True, rows=rows)
    return Panel(available=False, note="Alerts are not recorded in this build yet.")


def supervision_coverage(*, actor: Any) -> Panel:
    """Share of sessions reviewed by a clinical supervisor: from the programme app."""
    fn = programme_selector("supervision_coverage_for") or programme_selector(
        "supervision_coverage"
    )
    if fn is not None:
        r = _rows(_call(fn, actor))
        row = r[0] if r else {}
        held = int(row.get("sessions", row.get("held", 0)) or 0)
        reviewed = int(row.get("reviewed", 0) or 0)
        return Panel(
            available=True,
            rows=[
                {"sessions": held, "reviewed": reviewed, "rate": suppressed_rate(reviewed, held)}
            ],
        )
    return Panel(
        available=False, note="The programme app does not report supervision coverage yet."
    )


# --- programme manager ----------------------------------------------------------------------


def partnership_programmes(actor: Any) -> list[Any]:
    """Active programmes serving the police forces of the actor's partnerships."""
    fn = programme_selector("programmes_for_force")
    if fn is None:
        return []
    from desist import policy

    found: dict[int, Any] = {}
    for force_id in policy.partnership_force_ids(actor):
        for p in fn(force_id=force_id):
            found[p.pk] = p
    return [found[k] for k in sorted(found)]


@dataclass
class ProgrammeDashboard:
    funnel: list[tuple[str, int | str]]
    capacity: Panel
    completion_rate: str
    attendance_rate: str
    sessions_note: str
    alerts: Panel
    spending: Panel


def programme_dashboard(*, actor: Any) -> ProgrammeDashboard:
    frames = build_frames(actor=actor, perm=Perm.PROGRAMME_DASHBOARD)
    people = frames.people
    funnel = [(label, suppress(n)) for label, n in funnel_counts(people)]
    started = int(people["started"].sum()) if len(people) else 0
    completed = int(people["completed"].sum()) if len(people) else 0
    sessions = frames.frames.get("sessions")
    if sessions is not None and len(sessions):
        attendance = suppressed_rate(int(sessions["attended"].sum()), len(sessions))
        note = ""
    else:
        attendance = "Not available"
        note = "Attendance appears once programme sessions are recorded."
    # Places in use: people started and not yet ended, against capacity.
    in_place = 0
    if len(people):
        in_place = int(
            (people["started"] & people["programme_end_date"].isna()).sum()  # type: ignore[operator]
        )
    programmes = partnership_programmes(actor)
    places_fn = programme_selector("places_for")
    capacity_total: Any = sum(p.capacity for p in programmes) if programmes else None
    held: Any = None
    waiting: Any = None
    if programmes and places_fn is not None:
        places = [places_fn(p) for p in programmes]
        held = sum(pl.held for pl in places)
        waiting = sum(pl.waiting for pl in places)
    capacity = Panel(
        available=True,
        rows=[
            {
                "in_use": suppress(held if held is not None else in_place),
                "places": capacity_total if capacity_total is not None else "Not set",
                "waiting": suppress(waiting) if waiting is not None else "Not available",
            }
        ],
    )
    spend_fn = programme_selector("spending_for") or programme_selector("budget_for")
    if spend_fn is not None:
        spending = Panel(available=True, rows=_rows(_call(spend_fn, actor)))
    elif programmes:
        spending = Panel(
            available=True,
            rows=[
                {
                    "programme": p.name,
                    "budget": f"£{p.funding:,.0f}",
                    "spent": "Not recorded yet",
                }
                for p in programmes
            ],
        )
    else:
        spending = Panel(available=False, note="Budget and spending are not recorded yet.")
    return ProgrammeDashboard(
        funnel=funnel,
        capacity=capacity,
        completion_rate=suppressed_rate(completed, started),
        attendance_rate=attendance,
        sessions_note=note,
        alerts=alert_timeliness(actor=actor, aggregate=True),
        spending=spending,
    )
