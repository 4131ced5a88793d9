"""A practitioner's week, and the iCalendar feed of their sessions.

The feed holds no victim data and the least subject data that works: the referral reference
and the session number, never a name. Calendar apps keep copies on phones and in cloud
accounts, so what goes in here is treated as published.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import icalendar
from django.utils import timezone

from desist.core.dates import CASEWORK, long_date
from desist.core.marking import MARKING


@dataclass
class Week:
    start: dt.date
    days: list[dt.date]
    start_at: dt.datetime
    end_at: dt.datetime
    previous: dt.date
    next: dt.date


def requested_day(value: str) -> tuple[dt.date, str]:
    """The day asked for in `?week=`, or today with a message saying why not.

    A week outside the plausible range (year 1, year 9999) would overflow the week's arithmetic,
    so it is refused like any other implausible date.
    """
    today = timezone.localdate()
    if not value:
        return today, ""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return today, "The week must be a real date, like 2026-03-02. Showing this week instead."
    if not CASEWORK.contains(day):
        latest = CASEWORK.latest(today)
        return today, (
            f"The week must be after {long_date(CASEWORK.earliest)} and before "
            f"{long_date(latest)}. Showing this week instead."
        )
    return day, ""


def week_of(day: dt.date) -> Week:
    monday = day - dt.timedelta(days=day.weekday())
    tz = timezone.get_current_timezone()
    start_at = dt.datetime.combine(monday, dt.time.min, tzinfo=tz)
    return Week(
        start=monday,
        days=[monday + dt.timedelta(days=i) for i in range(7)],
        start_at=start_at,
        end_at=start_at + dt.timedelta(days=7),
        previous=monday - dt.timedelta(days=7),
        next=monday + dt.timedelta(days=7),
    )


@dataclass
class Day:
    date: dt.date
    sessions: list[Any] = field(default_factory=list)


def days_with_sessions(week: Week, sessions: Iterable[Any]) -> list[Day]:
    days = {d: Day(d) for d in week.days}
    for s in sessions:
        local = timezone.localtime(s.starts_at).date()
        if local in days:
            days[local].sessions.append(s)
    return list(days.values())


def _one_line(text: str) -> str:
    """A place typed with line breaks (or a bare CR) stays one line of the event's location."""
    return " ".join(text.split())


EVENT_NOTE = "Do not share outside those who need to know."


def ics(sessions: Iterable[Any], *, host: str) -> str:
    """The feed, built by `icalendar`, which escapes and folds every value (RFC 5545): text
    typed into a session (its place) can never end the event or start another."""
    calendar = icalendar.Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", "-//Desist//Programme sessions//EN")
    calendar.add("calscale", "GREGORIAN")
    # The marking where calendar apps show it (ADR 0030): the calendar's name, its description
    # and each event's description, since a phone shows an event without its calendar.
    calendar.add("x-wr-calname", f"{MARKING}: Desist sessions")
    calendar.add("x-wr-caldesc", f"Protective marking: {MARKING}. {EVENT_NOTE}")
    now = timezone.now().astimezone(dt.UTC)
    for s in sessions:
        event = icalendar.Event()
        event.add("uid", f"programme-session-{s.pk}@{host or 'desist'}")
        event.add("dtstamp", now)
        event.add("dtstart", s.starts_at.astimezone(dt.UTC))
        event.add(
            "dtend", (s.starts_at + dt.timedelta(minutes=s.duration_minutes)).astimezone(dt.UTC)
        )
        event.add("summary", f"Session {s.number} ({s.referral.reference})")
        event.add("location", "Remote" if s.remote else _one_line(s.place or ""))
        event.add("description", f"Protective marking: {MARKING}. {EVENT_NOTE}")
        event.add("class", "CONFIDENTIAL")  # RFC 5545 access class: not for shared views
        calendar.add_component(event)
    return calendar.to_ical().decode()
