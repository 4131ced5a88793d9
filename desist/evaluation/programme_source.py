"""The one place evaluation reads the intervention programme (engineer A's `desist.programme`).

The programme app exposes `desist.programme.selectors.programme_facts_for_evaluation()` (plain
dicts per subject: referral status dates -- put forward, consent, start, end -- final status,
sessions attended, measure scores) and `engagement_for_subjects(subject_ids=)`. Until those
exist (or if their keys differ slightly) this adapter returns nothing, and the evaluation
falls back to the police's intervention decisions. Key names are read tolerantly, so a rename
on the programme side means one edit here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ProgrammeFacts:
    subject_id: int
    put_forward_on: dt.date | None = None
    consented_on: dt.date | None = None
    declined: bool = False
    started_on: dt.date | None = None
    ended_on: dt.date | None = None
    final_status: str = ""
    completed: bool = False
    sessions_scheduled: int = 0
    sessions_attended: int = 0
    sessions_reviewed: int = 0
    sessions: list[tuple[dt.date, bool]] = field(default_factory=list)
    measures: list[dict[str, Any]] = field(default_factory=list)


def _first(d: Mapping[str, Any], *keys: str) -> Any:
    for k in keys:
        if k in d and d[k] not in (None, ""):
            return d[k]
    return None


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _facts(d: Mapping[str, Any]) -> ProgrammeFacts | None:
    sid = _first(d, "subject_id", "person_id", "subject")
    if sid is None:
        return None
    if hasattr(sid, "pk"):
        sid = sid.pk
    final = str(_first(d, "final_status", "status") or "")
    ended = _date(_first(d, "ended_on", "end_date", "end", "completed_on", "exited_on"))
    completed_flag = _first(d, "completed")
    completed = bool(completed_flag) if completed_flag is not None else final == "completed"
    sessions = []
    for s in _first(d, "sessions") or []:
        if isinstance(s, Mapping):
            day = _date(_first(s, "date", "session_date", "scheduled_on"))
            if day:
                sessions.append((day, bool(_first(s, "attended"))))
    measures = [
        {"measure": "programme_measure", **dict(m)}
        for m in (_first(d, "measures", "measure_scores") or [])
        if isinstance(m, Mapping)
    ]
    declined_flag = _first(d, "declined")
    return ProgrammeFacts(
        subject_id=int(sid),
        put_forward_on=_date(_first(d, "put_forward_on", "put_forward", "referred_on")),
        consented_on=_date(_first(d, "consented_on", "consent_on", "consent", "consented")),
        declined=bool(declined_flag) if declined_flag is not None else final == "declined",
        started_on=_date(_first(d, "started_on", "start_on", "start", "first_attended_on")),
        ended_on=ended,
        final_status=final,
        completed=completed,
        sessions_scheduled=_int(_first(d, "sessions_scheduled", "sessions_booked")),
        sessions_attended=_int(_first(d, "sessions_attended", "attended")),
        sessions_reviewed=_int(_first(d, "sessions_reviewed", "reviewed")),
        sessions=sessions,
        measures=measures,
    )


def programme_facts(*, subject_ids: Iterable[int] | None = None) -> dict[int, ProgrammeFacts]:
    """Programme facts by subject id; empty until the programme app provides them."""
    try:
        from desist.programme import selectors as programme_selectors
    except ImportError:
        return {}
    fn = getattr(programme_selectors, "programme_facts_for_evaluation", None)
    if fn is None:
        return {}
    try:
        raw = fn(subject_ids=list(subject_ids)) if subject_ids is not None else fn()
    except TypeError:
        raw = fn()
    rows = raw.values() if isinstance(raw, Mapping) else raw
    wanted = set(subject_ids) if subject_ids is not None else None
    out: dict[int, ProgrammeFacts] = {}
    # One dict per referral: a subject referred twice keeps the latest referral.
    for d in rows or []:
        facts = _facts(d) if isinstance(d, Mapping) else None
        if facts is None or (wanted is not None and facts.subject_id not in wanted):
            continue
        known = out.get(facts.subject_id)
        if known is None or (facts.put_forward_on or dt.date.min) >= (
            known.put_forward_on or dt.date.min
        ):
            out[facts.subject_id] = facts
    return out


def programme_selector(name: str) -> Any:
    """Another programme selector by name (capacity, supervision coverage, ...), or None."""
    try:
        from desist.programme import selectors as programme_selectors
    except ImportError:
        return None
    return getattr(programme_selectors, name, None)


def sharing_selector(name: str) -> Any:
    """A sharing selector by name (alert timeliness, break-glass awaiting review), or None."""
    try:
        from desist.sharing import selectors as sharing_selectors
    except ImportError:
        return None
    return getattr(sharing_selectors, name, None)


def safeguarding_selector(name: str) -> Any:
    """A safeguarding selector by name (victim fear/safety ratings), or None."""
    try:
        from desist.safeguarding import selectors as safeguarding_selectors
    except ImportError:
        return None
    return getattr(safeguarding_selectors, name, None)
