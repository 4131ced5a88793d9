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

from django.utils import timezone


@dataclass
class Week:
    start: dt.date
    days: list[dt.date]
    start_at: dt.datetime
    end_at: dt.datetime
    previous: dt.date
    next: dt.date


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


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """RFC 5545: lines longer than 75 octets are folded."""
    out, raw = [], line.encode()
    while len(raw) > 75:
        cut = 75
        while cut > 0 and (raw[cut] & 0xC0) == 0x80:
            cut -= 1
        out.append(raw[:cut].decode())
        raw = b" " + raw[cut:]
    out.append(raw.decode())
    return "\r\n".join(out)


def ics(sessions: Iterable[Any], *, host: str) -> str:
    now = _stamp(timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Desist//Programme sessions//EN",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:Desist sessions",
    ]
    for s in sessions:
        end = s.starts_at + dt.timedelta(minutes=s.duration_minutes)
        where = "Remote" if s.remote else (s.place or "")
        lines += [
            "BEGIN:VEVENT",
            f"UID:programme-session-{s.pk}@{host or 'desist'}",
            f"DTSTAMP:{now}",
            f"DTSTART:{_stamp(s.starts_at)}",
            f"DTEND:{_stamp(end)}",
            f"SUMMARY:{_escape(f'Session {s.number} ({s.referral.reference})')}",
            f"LOCATION:{_escape(where)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
