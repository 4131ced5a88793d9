"""The one place the evaluation reads the intervention programme.

`desist.programme.selectors.programme_facts_for_evaluation` gives one plain dict per referral
(ids, dates, statuses, held sessions and measure scores; no names, no free text). This module
turns them into one `ProgrammeFacts` per subject, in the evaluation's vocabulary: the
programme's measure timepoints (before, mid, after, follow-up) become the engine's (baseline,
mid, end, follow_up).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from desist.programme import selectors as programme_selectors
from desist.programme.completion import Outcome
from desist.programme.models import ReferralStatus, Timepoint

# Programme timepoint -> engine timepoint (`engine.paired.TIMEPOINTS`).
TIMEPOINTS: dict[str, str] = {
    Timepoint.BEFORE: "baseline",
    Timepoint.MID: "mid",
    Timepoint.AFTER: "end",
    Timepoint.FOLLOW_UP: "follow_up",
}


@dataclass(frozen=True)
class ProgrammeFacts:
    subject_id: int
    programme_id: int | None = None
    put_forward_on: dt.date | None = None
    consented_on: dt.date | None = None
    declined: bool = False
    started_on: dt.date | None = None
    ended_on: dt.date | None = None
    final_status: str = ""
    # Completed by the programme's rule (`programme.completion`), not by the status alone.
    completed: bool = False
    # "completed", "partial" or "ended_early" once it has ended; "" before.
    completion: str = ""
    sessions_attended: int = 0
    # (date, attended) for each held session, in date order.
    sessions: list[tuple[dt.date, bool]] = field(default_factory=list)
    # {"measure", "timepoint" (engine vocabulary), "score", "on"}
    measures: list[dict[str, Any]] = field(default_factory=list)


def facts_from_referral(d: Mapping[str, Any]) -> ProgrammeFacts:
    """One referral's dict from `programme_facts_for_evaluation` as `ProgrammeFacts`."""
    status = str(d["final_status"])
    return ProgrammeFacts(
        subject_id=int(d["subject_id"]),
        programme_id=d["programme_id"],
        put_forward_on=d["put_forward_on"],
        consented_on=d["consent_on"],
        declined=status == ReferralStatus.DECLINED,
        started_on=d["started_on"],
        ended_on=d["ended_on"],
        final_status=status,
        completed=d["completion"] == Outcome.COMPLETED,
        completion=str(d["completion"]),
        sessions_attended=int(d["sessions_attended"]),
        sessions=[(s["date"], bool(s["attended"])) for s in d["sessions"]],
        measures=[
            {
                "measure": m["measure"],
                "timepoint": TIMEPOINTS[m["timepoint"]],
                "score": m["score"],
                "on": m["on"],
            }
            for m in d["measures"]
            if m["score"] is not None and m["timepoint"] in TIMEPOINTS
        ],
    )


def programme_facts(*, subject_ids: Iterable[int] | None = None) -> dict[int, ProgrammeFacts]:
    """Programme facts by subject id. A subject referred more than once keeps their latest
    referral (by date put forward, then by referral id)."""
    wanted = None if subject_ids is None else list(subject_ids)
    rows = programme_selectors.programme_facts_for_evaluation(subject_ids=wanted)
    latest: dict[int, Mapping[str, Any]] = {}
    for d in rows:
        sid = int(d["subject_id"])
        known = latest.get(sid)
        if known is None or (d["put_forward_on"], d["referral_id"]) >= (
            known["put_forward_on"],
            known["referral_id"],
        ):
            latest[sid] = d
    return {sid: facts_from_referral(d) for sid, d in latest.items()}
