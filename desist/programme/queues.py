"""Home-page queues for the programme: practitioners, clinical supervisors, programme managers
and the police (engagement of each of their subjects)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.urls import reverse
from django.utils import timezone

from desist.accounts.models import User
from desist.core.dates import long_date, long_datetime
from desist.core.roles import RoleCode
from desist.home.queues import QueueResult, QueueRow, declare, provide
from desist.programme import selectors
from desist.programme.models import Engagement

LIMIT = 5

for _role in (RoleCode.POLICE_OFFICER, RoleCode.POLICE_SUPERVISOR):
    declare(
        _role,
        "police.engagement",
        "Engagement with the intervention programme",
        "Subjects you put forward for the programme will appear here with whether they are "
        "attending, have missed two sessions in a row, have disengaged or have completed.",
    )
declare(
    RoleCode.PRACTITIONER,
    "provider.overdue",
    "Attendance overdue",
    "Sessions whose attendance is still not recorded a day after they took place will appear here.",
)


# The practitioner's caseload dashboard (issue 20), after "Sessions today and this week".
for _key, _title, _empty in (
    (
        "provider.allocations",
        "New allocations: suitability assessments due",
        "Referrals allocated to you will appear here until you record the suitability assessment.",
    ),
    (
        "provider.readiness_reviews",
        "Reassessments due: not ready yet",
        "People you assessed as not ready yet will appear here when their review date comes.",
    ),
    (
        "provider.consents",
        "Consent to record",
        "People offered a place will appear here until you record their consent or decline.",
    ),
    (
        "provider.measures",
        "Outcome measures due",
        "People due a measure before, mid-way through or at the end of the programme will appear here.",
    ),
    (
        "provider.end_reports",
        "End-of-intervention reports to write",
        "Interventions that have ended without an end-of-intervention report will appear here.",
    ),
    (
        "provider.notes",
        "Clinical notes to write",
        "Sessions that took place without clinical notes will appear here.",
    ),
):
    declare(RoleCode.PRACTITIONER, _key, _title, _empty)


# The practitioner's lists with no other page of their own: shown in full on "Your caseload"
# (`programme:work`), which the home page's "See all" links to.
FULL_LISTS: dict[str, Callable[..., QueueResult]] = {}


def anchor(key: str) -> str:
    return key.replace(".", "-")


def _all(key: str) -> str:
    return reverse("programme:work") + f"#{anchor(key)}"


def _day(value: dt.date | None) -> str:
    return long_date(value) if value else "Not recorded"


def _when(value: dt.datetime) -> str:
    return long_datetime(value)


@provide("provider.sessions_today")
def sessions_this_week(actor: User, limit: int | None = LIMIT) -> QueueResult:
    now = timezone.localtime()
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    qs = selectors.sessions_between(actor=actor, start=start, end=start + dt.timedelta(days=7))
    rows = [
        QueueRow(
            label=f"{s.referral.subject.full_name}: session {s.number}",
            url=reverse("programme:session", args=[s.pk]),
            detail=_when(s.starts_at)
            + (", remote" if s.remote else f", {s.place}" if s.place else ""),
            tag="Today" if timezone.localtime(s.starts_at).date() == now.date() else "",
        )
        for s in qs[:limit]
    ]
    # The full list on "Your caseload": the calendar shows a calendar week, not these 7 days.
    return QueueResult(count=qs.count(), rows=rows, more_url=_all("provider.sessions_today"))


@provide("provider.attendance_due")
def attendance_due(actor: User, limit: int | None = LIMIT) -> QueueResult:
    qs = selectors.attendance_due_for(actor=actor)
    now = timezone.now()
    rows = [
        QueueRow(
            label=f"{s.referral.subject.full_name}: session {s.number}",
            url=reverse("programme:attendance", args=[s.pk]),
            detail=_when(s.starts_at),
            tag="Overdue" if selectors.attendance_overdue(s, now) else "",
        )
        for s in qs[:limit]
    ]
    # Not the calendar: its current week shows none of the older sessions in this list.
    return QueueResult(count=qs.count(), rows=rows, more_url=_all("provider.attendance_due"))


@provide("provider.overdue")
def attendance_overdue(actor: User, limit: int | None = LIMIT) -> QueueResult:
    """The reminder: attendance still unrecorded a day after the session."""
    now = timezone.now()
    qs = selectors.attendance_due_for(actor=actor, now=now - selectors.OVERDUE_AFTER)
    rows = [
        QueueRow(
            label=f"{s.referral.subject.full_name}: session {s.number}",
            url=reverse("programme:attendance", args=[s.pk]),
            detail=_when(s.starts_at),
            tag="Overdue",
        )
        for s in qs[:limit]
    ]
    return QueueResult(count=qs.count(), rows=rows, more_url=_all("provider.overdue"))


@provide("provider.allocations")
def allocations(actor: User, limit: int | None = LIMIT) -> QueueResult:
    qs: Any = selectors.allocations_for(actor=actor)  # annotated: allocated_on
    new_since = timezone.localdate() - selectors.NEW_FOR
    rows = [
        QueueRow(
            label=f"{r.subject.full_name} ({r.reference})",
            url=reverse("programme:assess", args=[r.pk]),
            # The day the history records, not the day it was typed in.
            detail=f"Allocated {_day(r.allocated_on)}" if r.allocated_on else "",
            tag="New" if r.allocated_on and r.allocated_on >= new_since else "",
        )
        for r in qs[:limit]
    ]
    return QueueResult(count=qs.count(), rows=rows, more_url=_all("provider.allocations"))


@provide("provider.readiness_reviews")
def readiness_reviews(actor: User, limit: int | None = LIMIT) -> QueueResult:
    today = timezone.localdate()
    qs = selectors.readiness_reviews_due_for(actor=actor, today=today)
    rows = [
        QueueRow(
            label=f"{r.subject.full_name} ({r.reference})",
            url=reverse("programme:assess", args=[r.pk]),
            detail=f"Review date {_day(r.review_on)}",
            tag="Overdue" if r.review_on and r.review_on < today else "Due today",
        )
        for r in qs[:limit]
    ]
    return QueueResult(count=qs.count(), rows=rows, more_url=_all("provider.readiness_reviews"))


@provide("provider.consents")
def consents(actor: User, limit: int | None = LIMIT) -> QueueResult:
    qs = selectors.consents_due_for(actor=actor)
    rows = [
        QueueRow(
            label=f"{r.subject.full_name} ({r.reference})",
            url=reverse("programme:referral", args=[r.pk]),
            detail=f"Place offered {_day(r.assessed_on)}",
        )
        for r in qs[:limit]
    ]
    return QueueResult(count=qs.count(), rows=rows, more_url=_all("provider.consents"))


MEASURE_DUE = {"before": "Before the programme", "mid": "Mid-way", "after": "At the end"}


@provide("provider.measures")
def measures(actor: User, limit: int | None = LIMIT) -> QueueResult:
    qs: Any = selectors.measures_due_for(actor=actor)  # annotated: held, due
    rows = [
        QueueRow(
            label=f"{r.subject.full_name} ({r.reference})",
            url=reverse("programme:measure", args=[r.pk]),
            detail=f"{r.held} session{'s' if r.held != 1 else ''} attended",
            tag=MEASURE_DUE[r.due],
        )
        for r in qs[:limit]
    ]
    return QueueResult(count=qs.count(), rows=rows, more_url=_all("provider.measures"))


@provide("provider.end_reports")
def end_reports(actor: User, limit: int | None = LIMIT) -> QueueResult:
    qs = selectors.end_reports_due_for(actor=actor)
    rows = [
        QueueRow(
            label=f"{r.subject.full_name} ({r.reference})",
            url=reverse("programme:end_report", args=[r.pk]),
            detail=f"Ended {_day(r.ended_on)}",
            tag=r.get_status_display(),
        )
        for r in qs[:limit]
    ]
    return QueueResult(count=qs.count(), rows=rows, more_url=_all("provider.end_reports"))


@provide("provider.notes")
def notes(actor: User, limit: int | None = LIMIT) -> QueueResult:
    qs = selectors.notes_due_for(actor=actor)
    rows = [
        QueueRow(
            label=f"{s.referral.subject.full_name}: session {s.number}",
            url=reverse("programme:notes", args=[s.pk]),
            detail=_when(s.starts_at),
        )
        for s in qs[:limit]
    ]
    return QueueResult(count=qs.count(), rows=rows, more_url=_all("provider.notes"))


@provide("provider.unallocated")
def unallocated(actor: User) -> QueueResult:
    qs = selectors.unallocated_for(actor=actor)
    rows = [
        QueueRow(
            label=f"{r.subject.full_name} ({r.reference})",
            url=reverse("programme:referral", args=[r.pk]),
            detail=f"Put forward {long_date(r.put_forward_on)}",
            tag=r.get_status_display(),
        )
        for r in qs[:LIMIT]
    ]
    return QueueResult(count=qs.count(), rows=rows, more_url=reverse("programme:waiting_list"))


@provide("provider.reviews_due")
def reviews_due(actor: User) -> QueueResult:
    qs = selectors.reviews_due_for(actor=actor)
    rows = [
        QueueRow(
            label=f"{s.referral.subject.full_name}: session {s.number}",
            url=reverse("programme:session", args=[s.pk]),
            detail=f"With {s.practitioner.get_full_name() or s.practitioner.username}, {_when(s.starts_at)}",
        )
        for s in qs[:LIMIT]
    ]
    return QueueResult(count=qs.count(), rows=rows, more_url=reverse("programme:supervision"))


def _waiting_since(r: Any) -> str:
    # The day the history records (waiting_on); waiting_since is when it was typed in.
    if r.waiting_on:
        return f"Waiting since {long_date(r.waiting_on)}"
    if r.waiting_since:
        return f"Waiting since {long_date(timezone.localtime(r.waiting_since).date())}"
    return ""


@provide("provider.waiting_list")
def waiting(actor: User) -> QueueResult:
    qs = selectors.waiting_list_for(actor=actor)
    rows = [
        QueueRow(
            label=f"{n}. {r.subject.full_name} ({r.reference})",
            url=reverse("programme:referral", args=[r.pk]),
            detail=_waiting_since(r),
        )
        for n, r in enumerate(qs[:LIMIT], 1)
    ]
    return QueueResult(count=qs.count(), rows=rows, more_url=reverse("programme:waiting_list"))


@provide("programme.capacity")
def capacity(actor: User) -> QueueResult:
    programmes = list(selectors.programme_list_for(actor=actor))
    # The same function as the programme dashboard's places table, so the two agree.
    held = selectors.places_for_programmes(programmes[:LIMIT])
    rows = []
    for p in programmes[:LIMIT]:
        places = held[p.pk]
        rows.append(
            QueueRow(
                label=p.name,
                url=reverse("programme:settings_detail", args=[p.pk]),
                detail=f"{places.held} of {places.capacity} places taken; {places.waiting} waiting",
                tag="Full" if places.free == 0 else "",
            )
        )
    return QueueResult(count=len(programmes), rows=rows, more_url=reverse("programme:settings"))


@provide("police.engagement")
def police_engagement(actor: User) -> QueueResult:
    qs = selectors.engagement_rows_for(actor=actor).exclude(
        status__in=["not_suitable", "declined", "withdrawn", "excluded"]
    )
    rows = [
        QueueRow(
            label=r.subject.full_name,
            url=reverse("programme:referral", args=[r.pk]),
            detail=f"Referral {r.reference}",
            tag=Engagement(r.engagement).label,
        )
        for r in qs[:LIMIT]
    ]
    return QueueResult(count=qs.count(), rows=rows, more_url=reverse("programme:engagement"))


FULL_LISTS.update(
    {
        "provider.sessions_today": sessions_this_week,
        "provider.attendance_due": attendance_due,
        "provider.overdue": attendance_overdue,
        "provider.allocations": allocations,
        "provider.readiness_reviews": readiness_reviews,
        "provider.consents": consents,
        "provider.measures": measures,
        "provider.end_reports": end_reports,
        "provider.notes": notes,
    }
)
