"""Generating the evaluation report: frames -> engine -> a JSON result stored on the run.

Small cohorts (up to `settings.DESIST_EVALUATION_SYNC_MAX` people) run within the request;
larger ones on the job queue (`desist worker`, ADR 0025) while the progress page polls (htmx).

The stored result is normalised here into sections the templates render without knowing the
engine: each section has a title, paragraphs, warnings and charts; each chart carries its SVG
and the table of the same data, shown beside it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape

from desist import policy
from desist.accounts.models import User
from desist.core import figures
from desist.evaluation.engine.labels import label_codes
from desist.evaluation.engine.methods import months_text
from desist.evaluation.engine.params import EvaluationParams
from desist.evaluation.extract import funnel_counts
from desist.evaluation.frames import Frames, build_frames
from desist.evaluation.models import EvaluationRun, RunStatus
from desist.evaluation.privacy import (
    WITHHELD,
    is_small,
    small_share,
    suppress,
    suppress_group,
)
from desist.evaluation.report_cohorts import COHORT_TITLES, cohort_section
from desist.evaluation.report_cohorts import ci as _ci
from desist.evaluation.report_cohorts import num as _num
from desist.evaluation.report_cohorts import p_value as _p
from desist.evaluation.report_cohorts import pct as _pct
from desist.evaluation.report_cohorts import table as _table
from desist.orders.models import Order
from desist.policy import Perm

log = logging.getLogger(__name__)


class NoData(Exception):
    """Nothing to evaluate: shown to the user as it is."""


def _progress(run: EvaluationRun, progress: int, stage: str, **extra: Any) -> None:
    run.progress = progress
    run.stage = stage
    for k, v in extra.items():
        setattr(run, k, v)
    EvaluationRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        progress=progress, stage=stage, **extra
    )


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _jsonable(value: Any) -> Any:
    """Plain JSON: dates as ISO strings, numpy as Python, NaN and infinity as null."""
    return _finite(json.loads(json.dumps(value, default=_default)))


def _default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "to_dict"):
        return value.to_dict("records") if hasattr(value, "columns") else value.to_dict()
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(value)
    return str(value)


def execute_run(run_id: int) -> None:
    """Build the frames, run the engine and store the result. Never raises: a failure is
    recorded on the run. Each status change is conditional on the one before, so a run
    already taken, or failed by evaluation_sweep meanwhile, is left as it is."""
    run = EvaluationRun.objects.select_related("created_by__organisation").get(pk=run_id)
    claimed = EvaluationRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING,
        started_at=timezone.now(),
        progress=10,
        stage="Assembling pseudonymised data",
    )
    if not claimed:
        log.warning("Evaluation run %s is no longer queued; not run", run_id)
        return
    try:
        # Imported here (pandas and the rest load only in a worker that runs one, issue 21),
        # inside the try, so a failure while loading is recorded on the run too.
        from desist.evaluation.engine.report import full_evaluation

        frames = build_frames(actor=run.created_by, perm=Perm.EVALUATION_VIEW)
        _progress(run, 40, "Matching and survival analysis", people_count=len(frames.people))
        if not len(frames.people):
            raise NoData("There are no SPO subjects in your partnerships' data yet.")
        params = EvaluationParams.from_value(
            {**run.params, "data_end_date": frames.data_end_date.isoformat()}
        )

        def progress(done: int, total: int, label: str) -> None:
            pct = 40 + int(50 * done / max(total, 1))
            _progress(run, min(pct, 90), f"Analysis: {label}")

        raw = full_evaluation(frames.frames, params, progress=progress)
        result: dict[str, Any] = {"engine": True, "raw": _jsonable(raw)}
        result["funnel"] = [[label, n] for label, n in funnel_counts(frames.people)]
        result["params"] = params.as_dict()
        result["sources"] = frames.sources
        _progress(run, 90, "Drawing charts and tables")
        with transaction.atomic():
            done = EvaluationRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
                result=_jsonable(result),
                status=RunStatus.DONE,
                progress=100,
                stage="Finished",
                finished_at=timezone.now(),
            )
        if not done:
            log.warning("Evaluation run %s was failed while it ran; result discarded", run_id)
    except Exception as exc:  # noqa: BLE001 - recorded on the run and shown on its page
        if not isinstance(exc, NoData):
            log.exception("Evaluation run %s failed", run_id)
        message = str(exc) if isinstance(exc, NoData) else f"{type(exc).__name__}: {exc}"
        EvaluationRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.FAILED,
            stage="Failed",
            error=message[:2000],
            finished_at=timezone.now(),
        )


# Large runs go to the job queue: `desist.jobs` registers its launcher here (ADR 0025), so
# a web process that restarts leaves no run "Running" for ever.
_launcher: Callable[[int], None] | None = None


def register_launcher(launch: Callable[[int], None]) -> None:
    global _launcher
    _launcher = launch


def start_run(run: EvaluationRun, *, expected_people: int) -> None:
    """Run now (small cohorts) or on the job queue (large ones)."""
    if expected_people <= settings.DESIST_EVALUATION_SYNC_MAX:
        execute_run(run.pk)
        return
    if _launcher is None:
        raise ImproperlyConfigured("No evaluation launcher registered (desist.jobs)")
    _launcher(run.pk)


# --- turning a result into sections ------------------------------------------------------


COUNT_WORDS: tuple[str, ...] = ("n", "count", "people", "number", "at risk", "at_risk")
COUNT_WORDS += ("events", "subjects", "treated", "matched", "re-offenders", "reoffenders")
COUNT_WORDS += ("offences", "ratings")


def _is_count_column(name: str) -> bool:
    low = str(name).lower()
    return any(low == w or low.startswith(w + " ") or w in low.split("_") for w in COUNT_WORDS) or (
        low.startswith("n_")
        or low.endswith("_n")
        or "number" in low
        or "count" in low
        or "followed" in low
    )


def suppress_table(table: Mapping[str, Any]) -> dict[str, Any]:
    """Programme managers' view of a table: small counts (1 to 4) in count columns become "<5";
    counts that add up to a total shown elsewhere (`partitions`: column and rows) get a second
    one withheld with them (privacy.suppress_group); shares resting on fewer than 5 people
    (`people`: the people each cell's share rests on, and of how many) are withheld."""
    columns = list(table.get("columns", []))
    counted = [_is_count_column(c) for c in columns]
    original = [list(r) for r in table.get("rows", [])]
    rows = []
    for r, row in enumerate(original):
        cells = list(row)
        small = False
        for i, cell in enumerate(cells):
            if i < len(counted) and counted[i] and isinstance(cell, int) and is_small(cell):
                cells[i] = suppress(cell)
                small = True
        if small:
            # A rate or interval on the same row would give the small count away.
            cells = [
                WITHHELD if isinstance(c, str) and ("%" in c or " to " in c) else c for c in cells
            ]
        if any(basis and small_share(*basis) for basis in _row(table.get("people"), r)):
            # A share of a few people; the standardised differences beside it would give it
            # back from the other group's share, so the whole row is withheld.
            cells = [cells[0], *[WITHHELD if c != "" else c for c in cells[1:]]]
        rows.append(cells)
    for column, members in table.get("partitions") or []:
        values = [original[r][column] for r in members]
        for r, shown in zip(members, suppress_group(values), strict=True):
            if shown == WITHHELD:
                rows[r] = [rows[r][0], *[WITHHELD] * (len(rows[r]) - 1)]
    return {**table, "rows": rows}


def _row(matrix: Any, r: int) -> list[Any]:
    return list(matrix[r]) if isinstance(matrix, list) and r < len(matrix) else []


_SMALL_NUMBER = re.compile(r"(?<![\d.,:/£-])\b[1-4]\b(?![\d.,:/%]\d|%)")


def suppress_small_numbers(text: str) -> str:
    """Counts from 1 to 4 written in a sentence (the engine's warnings) become "fewer than 5"
    for programme managers."""

    def words(m: re.Match[str]) -> str:
        starts_sentence = not text[: m.start()].strip() or text[: m.start()].rstrip()[-1] in ".!?"
        return "Fewer than 5" if starts_sentence else "fewer than 5"

    return _SMALL_NUMBER.sub(words, text)


def _funnel_svg(funnel: list[list[Any]], aggregate: bool) -> str:
    width, bar_h, gap, label_w = 640, 26, 10, 260
    top = max((n for _, n in funnel), default=0) or 1
    height = len(funnel) * (bar_h + gap) + gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="funnel-title" class="desist-chart">',
        '<title id="funnel-title">Programme funnel: people at each stage</title>',
    ]
    for i, (label, n) in enumerate(funnel):
        y = gap + i * (bar_h + gap)
        w = int((width - label_w - 60) * n / top)
        shown = suppress(n) if aggregate else n
        parts.append(
            f'<text x="0" y="{y + 18}" font-size="14" fill="#0b0c0c">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{max(w, 1)}" height="{bar_h}" fill="#1d70b8"/>'
            f'<text x="{label_w + max(w, 1) + 6}" y="{y + 18}" font-size="14" '
            f'fill="#0b0c0c">{escape(str(shown))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _engine_sections(raw: Any, *, aggregate: bool) -> list[dict[str, Any]]:
    """Sections from `engine.report.full_evaluation`'s result (docs/evaluation.md)."""
    if not isinstance(raw, Mapping):
        return []
    charts = raw.get("charts") or {}
    covariates = [str(c) for c in (raw.get("params") or {}).get("covariates") or []]
    out: list[dict[str, Any]] = []
    for key, res in (raw.get("cohorts") or {}).items():
        if isinstance(res, Mapping):
            out.append(cohort_section(key, res, charts, covariates=covariates, chart=_chart))
    if isinstance(raw.get("sessions"), Mapping):
        out.append(_sessions_section(raw["sessions"], aggregate=aggregate))
    if isinstance(raw.get("victims"), Mapping):
        trend = charts.get("fear_trend")
        out.append(
            _victims_section(
                raw["victims"], trend if isinstance(trend, Mapping) else None, aggregate=aggregate
            )
        )
    if raw.get("measures"):
        out.append(_measures_section(list(raw["measures"]), aggregate=aggregate))
    if isinstance(raw.get("costs"), Mapping):
        out.append(_costs_section(raw["costs"], aggregate=aggregate))
    not_available = [str(x) for x in raw.get("not_available") or []]
    shown = {w for s in out for b in blocks(s) for w in b["warnings"]}
    general = [label_codes(str(w)) for w in raw.get("warnings") or []]
    general = [w for w in general if w not in shown]
    if not_available or general:
        out.append(
            {
                "id": "notes",
                "title": "Notes on the data",
                "paragraphs": (
                    ["Not available in this data: " + ", ".join(not_available) + "."]
                    if not_available
                    else []
                ),
                "warnings": general,
                "charts": [],
                "tables": [],
            }
        )
    return out


def _section_of(
    key: str, title: str, paragraphs: list[str], tables: list[dict[str, Any]], charts: Any = ()
) -> dict[str, Any]:
    return {
        "id": key,
        "title": title,
        "paragraphs": paragraphs,
        "warnings": [],
        "charts": list(charts),
        "tables": tables,
    }


def _sessions_section(res: Mapping[str, Any], *, aggregate: bool) -> dict[str, Any]:
    """Re-offending by sessions attended, among starters with a full follow-up window."""
    rows = [
        [b["sessions"], b.get("n"), b.get("events"), _pct(b.get("rate")), _ci(b)]
        for b in res.get("bands") or []
    ]
    paragraphs = [
        f"{suppress(int(res.get('n') or 0)) if aggregate else res.get('n', 0)} people who "
        "started the programme have a full follow-up window. " + str(res.get("note") or "")
    ]
    if res.get("spearman_rho") is not None:
        paragraphs.append(
            "Spearman's rank correlation between sessions attended and the number of proven "
            f"re-offences: {float(res['spearman_rho']):.2f} (p = {_p(res.get('spearman_p'))})."
        )
    bands = _table(
        "Proven re-offending by number of sessions attended",
        ["Sessions attended", "People", "Re-offenders", "Rate", "95% interval"],
        rows,
    )
    # The bands' people add up to the total in the text.
    bands["partitions"] = [[1, list(range(len(rows)))]]
    return _section_of("sessions", "Sessions attended and re-offending", paragraphs, [bands])


def _change_row(label: str, r: Mapping[str, Any], *, aggregate: bool) -> list[Any]:
    pairs = int(r.get("n_pairs") or 0)
    if aggregate and is_small(pairs):
        # With so few pairs the means would be a person's own scores.
        return [label, suppress(pairs), *["Withheld"] * 5]
    interval = ""
    if r.get("ci_lower") is not None and r.get("ci_upper") is not None:
        interval = f"{float(r['ci_lower']):.2f} to {float(r['ci_upper']):.2f}"
    return [
        label,
        pairs,
        _num(r.get("mean_before")),
        _num(r.get("mean_after")),
        "" if r.get("mean_change") is None else f"{float(r['mean_change']):.2f}",
        interval,
        _p(r.get("p")),
    ]


CHANGE_COLUMNS = ["Measure", "Pairs", "Mean before", "Mean after", "Mean change"]
CHANGE_COLUMNS += ["95% interval", "p (paired t test)"]


def _trend_chart(trend: Mapping[str, Any], *, aggregate: bool) -> dict[str, Any]:
    chart = _chart(trend)
    if not aggregate:
        return chart
    rows = chart["table"]["rows"]
    if any(isinstance(r[2], int) and is_small(r[2]) for r in rows if len(r) > 3):
        # A mean of fewer than 5 ratings is near enough one victim's own; the plotted line
        # would show it too.
        chart["svg"] = ""
        chart["table"]["rows"] = [
            [*r[:2], suppress(r[2]), "Withheld"] if is_small(r[2]) else r for r in rows
        ]
    return chart


def _victims_section(
    res: Mapping[str, Any], trend: Mapping[str, Any] | None, *, aggregate: bool
) -> dict[str, Any]:
    labels = (
        ("fear", "Fear (0 to 10, lower is better)"),
        ("safety", "Sense of safety (0 to 10, higher is better)"),
    )
    rows = [
        _change_row(label, res[key], aggregate=aggregate)
        for key, label in labels
        if isinstance(res.get(key), Mapping)
    ]
    return _section_of(
        "victims",
        "Victims' fear and sense of safety",
        [
            "Each victim's first rating to the advocacy service is paired with their last, "
            "for each person who stalked them. The change is not compared with a comparison "
            "group: victims of people not in the programme may also feel safer over time."
        ],
        [_table("Change in victims' own ratings, first to last", CHANGE_COLUMNS, rows)],
        [_trend_chart(trend, aggregate=aggregate)] if trend else [],
    )


def _measures_section(rows: list[Mapping[str, Any]], *, aggregate: bool) -> dict[str, Any]:
    table = [
        _change_row(str(r["measure"]), r, aggregate=aggregate)
        for r in rows
        if isinstance(r, Mapping)
    ]
    return _section_of(
        "measures",
        "Change in outcome measures",
        [
            "Scores before the programme paired with the end (or the latest later) score, for "
            "each participant measured at both. Read each measure's direction from its "
            "description: for the Desist progress check a fall is the change hoped for."
        ],
        [_table("Change in outcome measures, before to end", CHANGE_COLUMNS, table)],
    )


def _money(x: Any) -> str:
    return figures.money(x)


def _costs_section(res: Mapping[str, Any], *, aggregate: bool) -> dict[str, Any]:
    small = aggregate and (
        is_small(int(res.get("participants") or 0)) or is_small(int(res.get("completions") or 0))
    )
    rows = [[c["category"], _money(c["amount"])] for c in res.get("by_category") or []]
    rows.append(["Total", _money(res.get("total"))])
    return _section_of(
        "costs",
        "Cost",
        [
            (
                "Cost per participant and per completion: withheld (fewer than 5 people). "
                if small
                else "Cost per participant (person who started): "
                f"{_money(res.get('per_participant')) or 'not available'}. Cost per completion: "
                f"{_money(res.get('per_completion')) or 'not available'}. "
            )
            + "Spending recorded against the programmes of the people in this report (a "
            "programme that also serves police forces outside your partnerships is left out), "
            "withdrawn lines left out; the costs of the police, the courts and the advocacy "
            "service are not included."
        ],
        [_table("Spending by category", ["Spent on", "Amount"], rows)],
    )


def _paragraphs(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [p.strip() for p in value.split("\n\n") if p.strip()]
    if isinstance(value, list):
        return [str(p) for p in value if p]
    return [str(value)]


def _chart(c: Mapping[str, Any]) -> dict[str, Any]:
    table = c.get("table") or c.get("data") or {}
    if isinstance(table, list) and table and isinstance(table[0], Mapping):
        columns = list(table[0].keys())
        table = {"columns": columns, "rows": [[r.get(k) for k in columns] for r in table]}
    if not isinstance(table, Mapping):
        table = {}
    columns = [str(x) for x in table.get("columns", [])]
    return {
        "title": str(c.get("title") or c.get("name") or "Chart"),
        "svg": str(c.get("svg") or ""),
        "description": str(c.get("description") or c.get("alt") or ""),
        # A narrow table fits beside its chart on a wide screen; a wider one goes under it.
        "beside": len(columns) <= BESIDE_MAX_COLUMNS,
        "table": {
            "caption": str(table.get("caption") or c.get("title") or "Data"),
            "columns": columns,
            "rows": [
                list(r) if isinstance(r, list | tuple) else [r] for r in table.get("rows", [])
            ],
        },
    }


BESIDE_MAX_COLUMNS = 4


def report_view_model(result: Mapping[str, Any], *, aggregate: bool) -> dict[str, Any]:
    """What the report page, the PDF and the CSV show. `aggregate`: suppress small counts."""
    funnel = [list(x) for x in result.get("funnel", [])]
    funnel_table = _table(
        "People at each stage of the programme",
        ["Stage", "People"],
        [[label, suppress(n) if aggregate else n] for label, n in funnel],
    )
    sections: list[dict[str, Any]] = [
        {
            "id": "funnel",
            "title": "Referral, uptake and completion",
            "paragraphs": [],
            "warnings": [],
            "charts": [
                {
                    "title": "Programme funnel",
                    "svg": _funnel_svg(funnel, aggregate),
                    "description": "Bar chart of the number of people at each stage.",
                    "beside": True,
                    "table": funnel_table,
                }
            ],
            "tables": [],
        }
    ]
    raw = result.get("raw")
    engine_sections = _engine_sections(raw, aggregate=aggregate)
    engine_funnel = (
        (raw or {}).get("charts", {}).get("funnel") if isinstance(raw, Mapping) else None
    )
    if isinstance(engine_funnel, Mapping) and not aggregate:
        # The engine's funnel has the stage-to-stage percentages; programme managers get the
        # suppressed one drawn here instead (the engine's labels its bars with exact counts).
        sections[0]["charts"] = [_chart(engine_funnel)]
    sections += engine_sections
    if aggregate:
        for s in sections:
            _suppress_section(s)
    methods = _paragraphs((raw or {}).get("methods") if isinstance(raw, Mapping) else None)
    if not methods:
        methods = methods_text(result.get("params", {}), result.get("sources", []))
    limitations = _paragraphs((raw or {}).get("limitations") if isinstance(raw, Mapping) else None)
    return {"sections": sections, "methods": methods, "limitations": limitations}


def blocks(section: dict[str, Any]) -> list[dict[str, Any]]:
    """A section and its parts: each holds paragraphs, warnings, charts and tables."""
    return [section, *section.get("parts", [])]


def _suppress_section(s: dict[str, Any]) -> None:
    """Programme managers' view: small counts withheld in every table, sentence and warning."""
    for block in blocks(s):
        if block.get("counts") or (block is s and s["id"] in COHORT_TITLES):
            block["paragraphs"] = []
        for c in block["charts"]:
            c["table"] = suppress_table(c["table"])
        block["tables"] = [suppress_table(t) for t in block["tables"]]
        block["warnings"] = [suppress_small_numbers(w) for w in block["warnings"]]


def methods_text(params: Mapping[str, Any], sources: list[str]) -> list[str]:
    """Methods written from the parameters actually used (used when the engine gives none)."""
    cohorts = ", ".join(params.get("cohorts", []))
    return [
        f"Cohorts evaluated: {cohorts}. Comparison pool: {params.get('comparison', 'both')}. "
        f"Outcome: {params.get('outcome', 'any')}.",
        f"Follow-up: {months_text(params.get('follow_up_months', 12))} from the index date, with a "
        f"further {months_text(params.get('waiting_months', 6))} for an offence to be proven. Data to "
        f"{params.get('data_end_date', '')}.",
        f"Propensity-score matching with a caliper of {params.get('caliper')} standard "
        f"deviations of the logit of the score, "
        f"{'with' if params.get('replacement') else 'without'} replacement.",
        "Data sources: " + ", ".join(sources) + ". People are identified only by keyed pseudonyms.",
    ]


def expected_people(*, actor: User) -> int:
    """A cheap estimate of the cohort size, to choose between running now and in the background."""

    return (
        policy.scope_evaluation(actor, Order.objects.all(), Perm.EVALUATION_VIEW)
        .values("subject_id")
        .distinct()
        .count()
    )


def frames_for(actor: User) -> Frames:
    return build_frames(actor=actor, perm=Perm.EVALUATION_VIEW)
