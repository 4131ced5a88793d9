"""Build the evaluation engine's input frames (docs/evaluation.md) from the database.

The engine (`desist.evaluation.engine`) knows nothing of Django. This module is the bridge: it
reads through the policy's evaluation scope (`policy.scope_evaluation`: the police forces in
the actor's partnerships), and every person id it hands on is a keyed pseudonym
(`privacy.pseudonym`). No name, address, date of birth or free text leaves this module.

Queries: a fixed number (one per source table), however many subjects there are.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils import timezone

from desist import policy
from desist.accounts.models import User
from desist.cases.models import Case
from desist.evaluation.models import PROVEN_OUTCOMES, Offence
from desist.evaluation.privacy import pseudonym
from desist.evaluation.programme_source import ProgrammeFacts, programme_facts
from desist.orders import dates as order_dates
from desist.orders.lookups import with_duty_end
from desist.orders.models import Breach, Notification, Order
from desist.people.models import InterventionDecision, Subject
from desist.policy import Perm
from desist.programme import selectors as programme_selectors
from desist.risk.models import Assessment
from desist.safeguarding import selectors as safeguarding_selectors

if TYPE_CHECKING:
    import pandas as pd

PEOPLE_COLUMNS = [
    "person_id",
    "index_date",
    "considered",
    "put_forward",
    "consented",
    "declined",
    "started",
    "completed",
    "exit_date",
    "age",
    "sex",
    "relationship",
    "risk_level",
    "prior_offences",
    "order_type",
    # Not engine inputs; used by the extract and the dashboards.
    "order_made_date",
    "order_served_date",
    "programme_start_date",
    "programme_end_date",
]
OUTCOME_COLUMNS = [
    "person_id",
    "offence_date",
    "proven_date",
    "stalking_related",
    "breach",
    "kind",
]
SESSION_COLUMNS = ["person_id", "session_date", "attended"]
RATING_COLUMNS = ["person_id", "victim_ref", "rating_date", "measure", "score", "timepoint"]
COST_COLUMNS = ["category", "amount"]
MEASURE_COLUMNS = ["person_id", "measure", "timepoint", "score", "higher_is_better"]

RELATIONSHIP_MAP = {"ex_intimate": "ex_partner"}
RISK_LEVELS = {"low", "medium", "high"}
# The project's screening instrument says "standard" where structured judgement says "low".
RISK_MAP = {"standard": "low"}
# Missing covariates become an explicit category, so the person stays in matching (a
# missing-indicator approach); docs/adr/0008 and docs/workflows/evaluation-and-oversight.md.
NOT_ASSESSED = "not_assessed"
NOT_RECORDED = "not_recorded"


@dataclass
class Frames:
    """The engine's input frames plus what the Django side needs alongside them."""

    frames: dict[str, pd.DataFrame]
    data_end_date: dt.date
    sources: list[str] = field(default_factory=list)

    @property
    def people(self) -> pd.DataFrame:
        return self.frames["people"]


Rows = list[dict[str, Any]]


def _earliest(*days: dt.date | None) -> dt.date | None:
    found = [d for d in days if d is not None]
    return min(found) if found else None


def _age(dob: dt.date | None, on: dt.date) -> float:
    if dob is None:
        return float("nan")
    return float(on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day)))


def _pid(subject_id: int) -> str:
    return pseudonym("subject", subject_id)


def _subject_rows(actor: User, perm: Perm) -> list[dict[str, Any]]:
    return list(
        policy.scope_evaluation(actor, Subject.objects.all(), perm).values(
            "pk", "date_of_birth", "sex"
        )
    )


def _orders(actor: User, perm: Perm, subject_ids: set[int]) -> dict[int, list[dict[str, Any]]]:
    by_subject: dict[int, list[dict[str, Any]]] = defaultdict(list)
    qs = (
        policy.scope_evaluation(actor, Order.objects.all(), perm)
        .filter(Q(interim_made_on__isnull=False) | Q(full_made_on__isnull=False))
        .values(
            "pk",
            "subject_id",
            "interim_made_on",
            "interim_served_on",
            "full_made_on",
            "full_served_on",
        )
    )
    for o in qs:
        if o["subject_id"] in subject_ids:
            by_subject[o["subject_id"]].append(o)
    return by_subject


def build_frames(
    *,
    actor: User,
    perm: Perm = Perm.EVALUATION_VIEW,
    data_end_date: dt.date | None = None,
) -> Frames:
    """The engine's frames for every SPO subject in the actor's evaluation scope."""
    import pandas as pd  # the engine's stack loads only where frames are built (issue 21)

    policy.require_perm(actor, perm)
    end = data_end_date or timezone.localdate()
    subjects = {s["pk"]: s for s in _subject_rows(actor, perm)}
    orders = _orders(actor, perm, set(subjects))
    # Only subjects who have had an SPO (interim or full) made are in the evaluation.
    ids = sorted(sid for sid in subjects if sid in orders)
    decisions = _latest_decisions(ids)
    relationships = _first_relationships(actor, perm, ids)
    assessments = _risk_history(actor, perm, ids)
    facts = programme_facts(subject_ids=ids)
    outcome_rows, proven_dates = _outcome_rows(actor, perm, ids, orders, end)

    people_rows: Rows = []
    session_rows: Rows = []
    measure_rows: Rows = []
    for sid in ids:
        person = _person_row(
            subjects[sid],
            orders[sid],
            decisions.get(sid),
            facts.get(sid),
            relationship=relationships.get(sid),
            risk_history=assessments.get(sid, []),
            proven_dates=proven_dates.get(sid, []),
        )
        people_rows.append(person)
        f = facts.get(sid)
        if f is not None:
            session_rows.extend(_session_rows(person["person_id"], f))
            measure_rows.extend(_measure_rows(person["person_id"], f))

    # One set, built once: a set built inside the filter made this O(people x outcomes).
    people_ids = {p["person_id"] for p in people_rows}
    frames: dict[str, pd.DataFrame] = {
        "people": pd.DataFrame(people_rows, columns=PEOPLE_COLUMNS),
        "outcomes": pd.DataFrame(
            [r for r in outcome_rows if r["person_id"] in people_ids],
            columns=OUTCOME_COLUMNS,
        ),
    }
    sources = ["people", "orders", "evaluation outcomes"]
    if facts:
        sources.append("programme")
        frames["sessions"] = pd.DataFrame(session_rows, columns=SESSION_COLUMNS)
        if measure_rows:
            frames["measures"] = pd.DataFrame(measure_rows, columns=MEASURE_COLUMNS)
    _add_costs_and_ratings(frames, sources, actor=actor, facts=facts, subject_ids=set(ids))
    return Frames(frames=frames, data_end_date=end, sources=sources)


def _latest_decisions(ids: list[int]) -> dict[int, dict[str, Any]]:
    decisions: dict[int, dict[str, Any]] = {}
    for d in (
        InterventionDecision.objects.filter(subject_id__in=ids)
        .order_by("subject_id", "-decided_on", "-id")
        .values("subject_id", "decision", "decided_on")
    ):
        decisions.setdefault(d["subject_id"], dict(d))
    return decisions


def _first_relationships(actor: User, perm: Perm, ids: list[int]) -> dict[int, str]:
    relationships: dict[int, str] = {}
    for c in (
        policy.scope_evaluation(actor, Case.objects.filter(subject_id__in=ids), perm)
        .order_by("subject_id", "opened_on", "id")
        .values("subject_id", "relationship")
    ):
        relationships.setdefault(c["subject_id"], c["relationship"])
    return relationships


def _risk_history(actor: User, perm: Perm, ids: list[int]) -> dict[int, list[tuple[dt.date, str]]]:
    assessments: dict[int, list[tuple[dt.date, str]]] = defaultdict(list)
    for a in (
        policy.scope_evaluation(actor, Assessment.objects.filter(subject_id__in=ids), perm)
        .exclude(risk_level="")
        .order_by("subject_id", "assessed_on", "id")
        .values("subject_id", "assessed_on", "risk_level")
    ):
        level = str(a["risk_level"]).lower()
        assessments[a["subject_id"]].append((a["assessed_on"], RISK_MAP.get(level, level)))
    return assessments


def _outcome_row(
    subject_id: int,
    offence_date: dt.date,
    proven: dt.date | None,
    *,
    kind: str,
    stalking_related: bool = False,
) -> dict[str, Any]:
    return {
        "person_id": _pid(subject_id),
        "offence_date": offence_date,
        "proven_date": proven,
        "stalking_related": stalking_related,
        "breach": kind == "breach",
        "kind": kind,
    }


def _outcome_rows(
    actor: User,
    perm: Perm,
    ids: list[int],
    orders: dict[int, list[dict[str, Any]]],
    end: dt.date,
) -> tuple[Rows, dict[int, list[dt.date]]]:
    """Offences, breaches and failed notifications as outcome rows, and each subject's proven
    offence dates (for prior offences)."""
    offences = list(
        policy.scope_evaluation(actor, Offence.objects.filter(subject_id__in=ids), perm).values(
            "subject_id", "offence_date", "outcome", "proven_date", "stalking_related"
        )
    )
    order_ids = [o["pk"] for rows in orders.values() for o in rows]
    order_subject = {o["pk"]: sid for sid, rows in orders.items() for o in rows}
    breaches = list(
        Breach.objects.filter(order_id__in=order_ids).values(
            "order_id", "occurred_on", "police_action", "court_outcome", "court_outcome_on"
        )
    )
    notifications = list(
        with_duty_end(Notification.objects.filter(order_id__in=order_ids)).values(  # type: ignore[misc]
            "order_id", "due_on", "received_on", "duty_ended_on"
        )
    )
    rows: Rows = []
    proven_dates: dict[int, list[dt.date]] = defaultdict(list)
    for o in offences:
        proven = o["proven_date"] if o["outcome"] in PROVEN_OUTCOMES else None
        rows.append(
            _outcome_row(
                o["subject_id"],
                o["offence_date"],
                proven,
                kind="offence",
                stalking_related=bool(o["stalking_related"]),
            )
        )
        if proven:
            proven_dates[o["subject_id"]].append(o["offence_date"])
    for b in breaches:
        sid = order_subject[b["order_id"]]
        proven = _breach_proven_on(b)
        rows.append(_outcome_row(sid, b["occurred_on"], proven, kind="breach"))
        if proven:
            proven_dates[sid].append(b["occurred_on"])
    rows.extend(_notification_failure_rows(notifications, order_subject, end))
    return rows, proven_dates


def _breach_proven_on(breach: Mapping[str, Any]) -> dt.date | None:
    if breach["court_outcome"] == Breach.CourtOutcome.CONVICTED:
        return breach["court_outcome_on"] or breach["occurred_on"]
    if breach["police_action"] == Breach.PoliceAction.CAUTION:
        return breach["occurred_on"]
    return None


def _notification_failure_rows(
    notifications: Iterable[Mapping[str, Any]], order_subject: dict[int, int], end: dt.date
) -> Rows:
    return [
        _outcome_row(
            order_subject[n["order_id"]],
            n["due_on"] + dt.timedelta(days=1),
            None,
            kind="notification_failure",
        )
        for n in notifications
        if order_dates.notification_failed(
            due_on=n["due_on"],
            received_on=n["received_on"],
            duty_ended_on=n["duty_ended_on"],
            today=end,
        )
    ]


def _programme_flags(decision: dict[str, Any] | None, f: ProgrammeFacts | None) -> dict[str, bool]:
    """Where the subject got to: programme facts where there are any, else the decision."""
    considered = decision is not None or f is not None
    put_forward = bool(
        (decision and decision["decision"] != InterventionDecision.Decision.NOT_SUITABLE)
        or (f and f.put_forward_on)
    )
    declined = bool(
        (f.declined if f else False)
        or (
            not f
            and decision is not None
            and decision["decision"] == InterventionDecision.Decision.DECLINED
        )
    )
    if f is not None:
        consented = bool(put_forward and f.consented_on and not f.declined)
        started = bool(consented and f.started_on)
        completed = bool(started and f.completed)
    else:
        consented = put_forward and not declined
        started = completed = False
    return {
        "considered": considered,
        "put_forward": put_forward,
        "consented": consented,
        "declined": put_forward and declined,
        "started": started,
        "completed": completed,
    }


def _risk_at(risk_history: list[tuple[dt.date, str]], index: dt.date) -> str:
    """The last recognised risk level assessed on or before the index date."""
    risk = NOT_ASSESSED
    for day, level in risk_history:
        if day <= index and level in RISK_LEVELS:
            risk = level
    return risk


def _person_row(
    subject: dict[str, Any],
    sub_orders: list[dict[str, Any]],
    decision: dict[str, Any] | None,
    f: ProgrammeFacts | None,
    *,
    relationship: str | None,
    risk_history: list[tuple[dt.date, str]],
    proven_dates: list[dt.date],
) -> dict[str, Any]:
    made = _earliest(*[_earliest(o["interim_made_on"], o["full_made_on"]) for o in sub_orders])
    served = _earliest(
        *[_earliest(o["interim_served_on"], o["full_served_on"]) for o in sub_orders]
    )
    assert made is not None
    index = decision["decided_on"] if decision else (f.put_forward_on if f else None)
    index = index or made
    full_made = [o["full_made_on"] for o in sub_orders if o["full_made_on"]]
    return {
        "person_id": _pid(subject["pk"]),
        "index_date": index,
        **_programme_flags(decision, f),
        "exit_date": None,
        "age": _age(subject["date_of_birth"], index),
        "sex": subject["sex"] or None,
        "relationship": RELATIONSHIP_MAP.get(relationship or "", relationship) or NOT_RECORDED,
        "risk_level": _risk_at(risk_history, index),
        "prior_offences": sum(1 for d in proven_dates if d < index),
        "order_type": "full" if any(d <= index for d in full_made) else "interim",
        "order_made_date": made,
        "order_served_date": served,
        "programme_start_date": f.started_on if f else None,
        "programme_end_date": f.ended_on if f else None,
    }


def _session_rows(pid: str, f: ProgrammeFacts) -> Rows:
    return [{"person_id": pid, "session_date": day, "attended": att} for day, att in f.sessions]


def _measure_rows(pid: str, f: ProgrammeFacts) -> Rows:
    return [
        {
            "person_id": pid,
            "measure": str(m["measure"]),
            "timepoint": str(m["timepoint"]),
            "score": float(m["score"]),
            "higher_is_better": bool(m.get("higher_is_better", False)),
        }
        for m in f.measures
        if m.get("measure") and m.get("timepoint") and m.get("score") is not None
    ]


def _add_costs_and_ratings(
    frames: dict[str, pd.DataFrame],
    sources: list[str],
    *,
    actor: User,
    facts: dict[int, ProgrammeFacts],
    subject_ids: set[int],
) -> None:
    import pandas as pd  # the engine's stack loads only where frames are built (issue 21)

    costs = programme_selectors.costs_for_evaluation(
        actor=actor, programme_ids={f.programme_id for f in facts.values() if f.programme_id}
    )
    if costs:
        sources.append("programme spending")
        frames["costs"] = pd.DataFrame(costs, columns=COST_COLUMNS)
    ratings = victim_rating_rows(actor=actor, subject_ids=subject_ids)
    if ratings:
        sources.append("advocacy (victim ratings)")
        frames["victim_ratings"] = pd.DataFrame(ratings, columns=RATING_COLUMNS)


def victim_rating_rows(*, actor: User, subject_ids: Iterable[int]) -> list[dict[str, Any]]:
    """Victims' fear/safety ratings from the advocacy service, pseudonymised: the victim is a
    keyed pseudonym, never an identity. `actor` has been checked by `build_frames`; the
    subjects are those in its evaluation scope."""
    wanted = set(subject_ids)
    long: list[dict[str, Any]] = []
    for r in safeguarding_selectors.victim_ratings_for_evaluation(subject_ids=sorted(wanted)):
        if r["subject_id"] not in wanted:
            continue
        for measure in ("fear", "safety"):
            if r[measure] is not None:
                long.append(
                    {
                        "sid": int(r["subject_id"]),
                        "vid": r["victim_id"],
                        "rating_date": r["rated_on"],
                        "measure": measure,
                        "score": float(r[measure]),
                    }
                )
    # A pair's first rating is the baseline, its last the end, any between mid-way.
    series: dict[tuple[int, Any, str], list[dict[str, Any]]] = defaultdict(list)
    for row in long:
        series[(row["sid"], row["vid"], row["measure"])].append(row)
    rows = []
    for (sid, vid, _measure), items in series.items():
        items.sort(key=lambda x: str(x["rating_date"]))
        for i, row in enumerate(items):
            timepoint = "baseline" if i == 0 else "end" if i == len(items) - 1 else "mid"
            rows.append(
                {
                    "person_id": _pid(sid),
                    "victim_ref": pseudonym("victim", vid),
                    "rating_date": row["rating_date"],
                    "measure": row["measure"],
                    "score": row["score"],
                    "timepoint": timepoint,
                }
            )
    return rows
