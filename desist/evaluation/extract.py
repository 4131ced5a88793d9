"""The pseudonymised extract for the independent evaluator (docs/adr/0008).

One row per person: a keyed pseudonym, dates cut to the month, coded fields only. No name,
address, date of birth, crime reference or free text is read into it (frames.py never reads
them). Aggregate tables suppress counts under 5. Every download is a logged disclosure.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from desist import policy
from desist.accounts.models import User
from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.core import safecsv
from desist.core.export_purpose import ExportPurpose
from desist.core.models import Organisation
from desist.evaluation.engine.methods import OUTCOME_LABELS
from desist.evaluation.frames import Frames
from desist.evaluation.privacy import month, suppress
from desist.policy import Perm
from desist.sharing import services as sharing_services

if TYPE_CHECKING:
    import pandas as pd

# The evaluation is a public task of the partnership (UK GDPR art. 6(1)(e)); the data are
# pseudonymised before they leave. Change here if the agreement names another basis.
EXTRACT_LAWFUL_BASIS = "gdpr_6_1_e"


@dataclass(frozen=True)
class Column:
    """One entry of the data dictionary published with every extract."""

    name: str
    type: str
    definition: str
    source: str
    suppression: str


# One definition of each outcome (issue 14). A breach of an SPO is itself an offence (ss.8 and
# 11 of the 2019 Act), so every count of offences includes breaches, and every narrower count
# (proven, stalking, breaches) is a subset of it: none can exceed offences_after_index.
OFFENCE_KINDS = ("offence", "breach")
PROVEN_LABEL = OUTCOME_LABELS["any"]  # what the report calls the same outcome
_PSEUDONYMISED = "None: pseudonymised, one row per person"
_NOT_SUPPRESSED = "None (one row per person)"
_OFFENCES = "Offences recorded on the subject's outcomes page; SPO breaches from the order"

PERSON_DICTIONARY: list[Column] = [
    Column(
        "pseudonym",
        "text",
        "The person's keyed pseudonym (S- and 16 hex digits): the same in every extract made with the same key",
        "Subject record (HMAC-SHA256 of its id)",
        _PSEUDONYMISED,
    ),
    Column(
        "index_month",
        "month (YYYY-MM)",
        "The index date: the programme decision, else the date put forward, else the first order made",
        "Decision and order records",
        _NOT_SUPPRESSED,
    ),
    Column(
        "considered",
        "yes/no",
        "Considered for the programme",
        "Programme decision",
        _NOT_SUPPRESSED,
    ),
    Column(
        "put_forward",
        "yes/no",
        "Put forward (referred) to the programme: the intention-to-treat cohort",
        "Programme decision",
        _NOT_SUPPRESSED,
    ),
    Column(
        "consented", "yes/no", "Consented to the programme", "Programme referral", _NOT_SUPPRESSED
    ),
    Column("declined", "yes/no", "Put forward but declined", "Programme referral", _NOT_SUPPRESSED),
    Column(
        "started",
        "yes/no",
        "Attended at least the first session",
        "Programme sessions",
        _NOT_SUPPRESSED,
    ),
    Column(
        "completed", "yes/no", "Completed the programme", "Programme end report", _NOT_SUPPRESSED
    ),
    Column(
        "age_band",
        "text",
        "Age at the index date, in bands (18-24, 25-34, ...)",
        "Subject's date of birth (not exported)",
        _NOT_SUPPRESSED,
    ),
    Column("sex", "text", "Sex as recorded", "Subject record", _NOT_SUPPRESSED),
    Column(
        "relationship",
        "text",
        "Relationship to the first victim on the first case",
        "Case record",
        _NOT_SUPPRESSED,
    ),
    Column(
        "risk_level",
        "text",
        "Risk level of the latest assessment on or before the index date",
        "Risk assessments",
        _NOT_SUPPRESSED,
    ),
    Column(
        "order_type",
        "text",
        "full if a full SPO had been made by the index date, else interim",
        "Order records",
        _NOT_SUPPRESSED,
    ),
    Column(
        "prior_proven_offences",
        "count",
        "Offences and SPO breaches before the index date that were proven (conviction or caution)",
        _OFFENCES,
        _NOT_SUPPRESSED,
    ),
    Column(
        "order_made_month",
        "month (YYYY-MM)",
        "First SPO (interim or full) made",
        "Order records",
        _NOT_SUPPRESSED,
    ),
    Column(
        "order_served_month",
        "month (YYYY-MM)",
        "First SPO served",
        "Order records",
        _NOT_SUPPRESSED,
    ),
    Column(
        "programme_start_month",
        "month (YYYY-MM)",
        "First programme session attended",
        "Programme sessions",
        _NOT_SUPPRESSED,
    ),
    Column(
        "programme_end_month",
        "month (YYYY-MM)",
        "Programme ended (completed or not)",
        "Programme end report",
        _NOT_SUPPRESSED,
    ),
    Column(
        "offences_after_index",
        "count",
        "Offences committed after the index date, proven or not, including SPO breaches (a breach is an offence)",
        _OFFENCES,
        _NOT_SUPPRESSED,
    ),
    Column(
        "proven_offences_after_index",
        "count",
        f"Of offences_after_index, those proven by a conviction or caution: the report's outcome '{PROVEN_LABEL}', here with no follow-up window or waiting period. Never more than offences_after_index",
        _OFFENCES,
        _NOT_SUPPRESSED,
    ),
    Column(
        "stalking_offences_after_index",
        "count",
        "Of offences_after_index, the stalking or harassment offences (proven or not)",
        _OFFENCES,
        _NOT_SUPPRESSED,
    ),
    Column(
        "breaches_after_index",
        "count",
        "Of offences_after_index, the SPO breaches (proven or not)",
        "Breaches recorded on the order",
        _NOT_SUPPRESSED,
    ),
    Column(
        "notification_failures_after_index",
        "count",
        "Notifications (s.9) due after the index date and failed or lapsed; not counted in offences_after_index",
        "Order notifications",
        _NOT_SUPPRESSED,
    ),
    Column(
        "first_offence_month",
        "month (YYYY-MM)",
        "Month of the first of offences_after_index",
        _OFFENCES,
        _NOT_SUPPRESSED,
    ),
    Column(
        "first_proven_offence_month",
        "month (YYYY-MM)",
        "Month of the first of proven_offences_after_index (the offence date)",
        _OFFENCES,
        _NOT_SUPPRESSED,
    ),
]
PERSON_COLUMNS = [c.name for c in PERSON_DICTIONARY]

_SMALL = "Counts from 1 to 4 shown as <5"
AGGREGATE_DICTIONARY: list[Column] = [
    Column(
        "table",
        "text",
        "funnel (people at each step) or outcomes (people by group)",
        "This extract",
        "None",
    ),
    Column(
        "group", "text", "The step of the funnel or the group of people", "This extract", "None"
    ),
    Column(
        "measure",
        "text",
        "What is counted: people, or people with at least one of an outcome column of the person extract (as defined there)",
        "This extract",
        "None",
    ),
    Column("value", "count", "Number of people", "The person extract's rows", _SMALL),
]
DICTIONARY_FIELDS = ["extract", "name", "type", "definition", "source", "suppression"]


def dictionary_rows() -> list[dict[str, str]]:
    """The data dictionary of both extracts, as rows for the page and the CSV."""
    return [
        {"extract": extract, **asdict(c)}
        for extract, columns in (
            ("people", PERSON_DICTIONARY),
            ("aggregates", AGGREGATE_DICTIONARY),
        )
        for c in columns
    ]


AGE_BANDS = [(0, 18, "under 18"), (18, 25, "18-24"), (25, 35, "25-34"), (35, 45, "35-44")]
AGE_BANDS += [(45, 55, "45-54"), (55, 200, "55 and over")]


def age_band(age: Any) -> str:
    import pandas as pd  # the engine's stack loads only when an extract is built

    if age is None or pd.isna(age):
        return ""
    for lo, hi, label in AGE_BANDS:
        if lo <= age < hi:
            return label
    return ""


def _d(value: Any) -> dt.date | None:
    import pandas as pd  # the engine's stack loads only when an extract is built

    if value is None or (not isinstance(value, dt.date) and pd.isna(value)):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else pd.Timestamp(value).date()


def _after(day: dt.date | None, index: dt.date | None) -> bool:
    return day is not None and index is not None and day > index


def _yn(flag: Any) -> str:
    return "yes" if bool(flag) else "no"


def person_rows(frames: Frames) -> list[dict[str, Any]]:
    """The one-row-per-person extract."""
    people = frames.frames["people"]
    outcomes = frames.frames.get("outcomes")
    by_person: dict[str, list[dict[str, Any]]] = {}
    if outcomes is not None:
        for rec in outcomes.to_dict("records"):
            by_person.setdefault(rec["person_id"], []).append(rec)
    rows = []
    for p in people.to_dict("records"):
        index = _d(p["index_date"])
        after = [
            o for o in by_person.get(p["person_id"], []) if _after(_d(o["offence_date"]), index)
        ]
        offences = [o for o in after if o["kind"] in OFFENCE_KINDS]
        proven = [o for o in offences if _d(o["proven_date"])]
        first = min((_d(o["offence_date"]) for o in offences), default=None)  # type: ignore[type-var]
        first_proven = min((_d(o["offence_date"]) for o in proven), default=None)  # type: ignore[type-var]
        rows.append(
            {
                "pseudonym": p["person_id"],
                "index_month": month(index),
                "considered": _yn(p["considered"]),
                "put_forward": _yn(p["put_forward"]),
                "consented": _yn(p["consented"]),
                "declined": _yn(p["declined"]),
                "started": _yn(p["started"]),
                "completed": _yn(p["completed"]),
                "age_band": age_band(p["age"]),
                "sex": p["sex"] or "",
                "relationship": p["relationship"] or "",
                "risk_level": p["risk_level"] or "",
                "order_type": p["order_type"] or "",
                "prior_proven_offences": int(p["prior_offences"] or 0),
                "order_made_month": month(_d(p["order_made_date"])),
                "order_served_month": month(_d(p["order_served_date"])),
                "programme_start_month": month(_d(p["programme_start_date"])),
                "programme_end_month": month(_d(p["programme_end_date"])),
                "offences_after_index": len(offences),
                "proven_offences_after_index": len(proven),
                "stalking_offences_after_index": sum(1 for o in offences if o["stalking_related"]),
                "breaches_after_index": sum(1 for o in offences if o["kind"] == "breach"),
                "notification_failures_after_index": sum(
                    1 for o in after if o["kind"] == "notification_failure"
                ),
                "first_offence_month": month(first),
                "first_proven_offence_month": month(first_proven),
            }
        )
    return rows


FUNNEL = [
    ("considered", "Considered for the programme"),
    ("put_forward", "Put forward (intention to treat)"),
    ("consented", "Consented"),
    ("started", "Started"),
    ("completed", "Completed"),
]


def funnel_counts(people: pd.DataFrame) -> list[tuple[str, int]]:
    total = len(people)
    counts = [("SPO subjects in scope", total)]
    for col, label in FUNNEL:
        counts.append((label, int(people[col].fillna(False).astype(bool).sum()) if total else 0))
    return counts


def aggregate_rows(frames: Frames) -> list[dict[str, Any]]:
    """Aggregate tables for the extract: the funnel and outcomes by group, small counts
    suppressed."""
    people = person_rows(frames)
    rows: list[dict[str, Any]] = []
    for label, n in funnel_counts(frames.frames["people"]):
        rows.append({"table": "funnel", "group": label, "measure": "people", "value": suppress(n)})
    groups = {
        "Completed": [r for r in people if r["completed"] == "yes"],
        "Started": [r for r in people if r["started"] == "yes"],
        "Put forward": [r for r in people if r["put_forward"] == "yes"],
        "Not put forward": [r for r in people if r["put_forward"] == "no"],
    }
    for group, members in groups.items():
        rows.append(
            {
                "table": "outcomes",
                "group": group,
                "measure": "people",
                "value": suppress(len(members)),
            }
        )
        for measure in (
            "proven_offences_after_index",
            "breaches_after_index",
            "notification_failures_after_index",
        ):
            n = sum(1 for r in members if r[measure])
            rows.append(
                {
                    "table": "outcomes",
                    "group": group,
                    "measure": f"people with {measure.replace('_', ' ')}",
                    "value": suppress(n),
                }
            )
    return rows


def to_csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buf = io.StringIO()
    writer = safecsv.DictWriter(buf, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def extract_record_disclosure(
    *, actor: User, kind: str, rows: int, data_end_date: dt.date, purpose: ExportPurpose
) -> None:
    """Log the download as a disclosure (s.62 DPA 2018), in its own transaction, before the
    file is sent. Also in the sharing app's disclosure register once it offers one."""
    policy.require_perm(actor, Perm.EXTRACT_DOWNLOAD)
    assert actor.organisation is not None  # no organisation, no permissions (policy)
    justification = "Pseudonymised extract for the independent evaluation of the programme"
    recipient = f"{actor.get_username()} ({actor.organisation.name})"
    with transaction.atomic():
        audit_record(
            actor=actor,
            category=Category.DISCLOSURE,
            verb=f"evaluation.extract_{kind}",
            object_type="evaluation.Extract",
            justification=justification,
            recipients=[recipient],
            new={
                **safecsv.export_facts(file_format="csv", rows=rows, purpose=purpose),
                "kind": kind,
                "data_end_date": data_end_date,
            },
        )
        _sharing_disclosure(actor=actor, kind=kind, rows=rows, justification=justification)


def _sharing_disclosure(*, actor: User, kind: str, rows: int, justification: str) -> None:
    """One entry in the sharing app's disclosure register per police force whose data went
    into the extract (the sending organisation), to the evaluator's organisation."""
    evaluator_organisation = actor.organisation
    if evaluator_organisation is None:
        # The register names who received the data; an account with no organisation cannot.
        raise PermissionDenied("An extract goes to a member of an organisation")
    for force in Organisation.objects.filter(pk__in=policy.partnership_force_ids(actor)).order_by(
        "pk"
    ):
        sharing_services.disclosure_record(
            actor=actor,
            from_organisation=force,
            to_organisation=evaluator_organisation,
            to_user=actor,
            what=f"Pseudonymised evaluation extract ({kind}, {rows} rows, dates to the month)",
            purpose=justification,
            lawful_basis=EXTRACT_LAWFUL_BASIS,
        )
