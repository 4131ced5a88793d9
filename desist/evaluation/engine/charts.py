"""Static SVG charts, each paired with the data for an accessible table.

Drawn with matplotlib's object API (``Figure``, no pyplot state, so safe in a web process) and
saved as SVG. Every chart function returns ``{"title", "svg", "table"}`` where ``table`` is
``{"caption", "columns", "rows"}``, for a table beside or under the chart (GOV.UK: never
information in a chart alone). The SVG has no XML prolog so it can be inlined in HTML.
"""

from __future__ import annotations

import io
import re
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display; harmless if already set

from matplotlib.figure import Figure  # noqa: E402

from desist.evaluation.engine.labels import covariate_label  # noqa: E402

# GOV.UK colour palette: blue, orange, green, purple, dark grey.
PALETTE = ("#1d70b8", "#f47738", "#00703c", "#4c2c92", "#505a5f")
RC: Any = {
    "svg.hashsalt": "desist",  # stable element ids, so the same data give the same SVG
    "svg.fonttype": "none",  # text stays text (searchable, zoomable)
    "font.family": "sans-serif",
    "font.size": 10,
}


def _svg(fig: Figure, title: str) -> str:
    buf = io.StringIO()
    with matplotlib.rc_context(RC):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    safe = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{safe}" ', 1)


def _figure(width: float = 7.0, height: float = 4.0) -> Figure:
    with matplotlib.rc_context(RC):
        return Figure(figsize=(width, height), layout="constrained")


def _pct(x: float | None) -> str:
    return "" if x is None else f"{100 * x:.1f}%"


def survival_chart(
    curves: dict[str, dict[str, Any]],
    *,
    time_label: str = "Days since the index date",
    table_points: int = 12,
) -> dict[str, Any]:
    """Kaplan-Meier curves with their confidence bands (``curves``: label -> kaplan_meier())."""
    title = "Proportion not re-offending over time (Kaplan-Meier, 95% confidence band)"
    with matplotlib.rc_context(RC):
        fig = _figure()
        ax = fig.add_subplot()
        for i, (label, km) in enumerate(curves.items()):
            pts = km["points"]
            if not pts:
                continue
            colour = PALETTE[i % len(PALETTE)]
            t = [p["time"] for p in pts]
            ax.step(t, [p["survival"] for p in pts], where="post", color=colour, label=label)
            ax.fill_between(
                t,
                [p["ci_lower"] for p in pts],
                [p["ci_upper"] for p in pts],
                step="post",
                color=colour,
                alpha=0.15,
                linewidth=0,
            )
        ax.set_xlabel(time_label)
        ax.set_ylabel("Proportion not re-offending")
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
        if curves:
            ax.legend(loc="lower left", frameon=False)
    times = sorted({p["time"] for km in curves.values() for p in km["points"]})
    if times:
        last = times[-1]
        step = last / table_points
        grid = sorted(
            {
                float(round(k * step)) if last >= table_points else round(k * step, 6)
                for k in range(table_points + 1)
            }
        )
    else:
        grid = []
    columns = [time_label]
    for label in curves:
        columns += [
            f"{label}: not re-offending",
            f"{label}: 95% interval",
            f"{label}: still followed",
        ]
    rows = []
    for g in grid:
        row: list[Any] = [_num(g)]
        for km in curves.values():
            p = _point_at(km["points"], g)
            if p is None:
                row += ["", "", ""]
            else:
                row += [
                    _pct(p["survival"]),
                    f"{_pct(p['ci_lower'])} to {_pct(p['ci_upper'])}",
                    p["at_risk"],
                ]
        rows.append(row)
    return {
        "title": title,
        "svg": _svg(fig, title),
        "table": {"caption": title, "columns": columns, "rows": rows},
    }


def _point_at(points: list[dict[str, Any]], time: float) -> dict[str, Any] | None:
    found = None
    for p in points:
        if p["time"] <= time:
            found = p
        else:
            break
    if found is None:
        return None
    # at risk just after `time`: the next point's at_risk, if any
    nxt = next((p for p in points if p["time"] > time), None)
    return {
        **found,
        "at_risk": nxt["at_risk"]
        if nxt
        else found["at_risk"] - found.get("events", 0) - found.get("censored", 0),
    }


def funnel_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    title = "Programme funnel"
    with matplotlib.rc_context(RC):
        fig = _figure(7, 3)
        ax = fig.add_subplot()
        labels = [r["label"] for r in rows][::-1]
        counts = [r["count"] for r in rows][::-1]
        bars = ax.barh(labels, counts, color=PALETTE[0])
        ax.bar_label(bars, labels=[str(c) for c in counts], padding=3)
        ax.set_xlabel("People")
        ax.margins(x=0.12)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    table_rows = [
        [r["label"], r["count"], _pct(r["of_previous"]), _pct(r["of_first"])] for r in rows
    ]
    return {
        "title": title,
        "svg": _svg(fig, title),
        "table": {
            "caption": title,
            "columns": ["Stage", "People", "Of previous stage", "Of those considered"],
            "rows": table_rows,
        },
    }


def love_plot(balance_rows: list[dict[str, Any]], threshold: float = 0.1) -> dict[str, Any]:
    """Absolute standardised mean differences before and after matching ("love plot")."""
    title = "Covariate balance: absolute standardised mean difference before and after matching"
    rows = list(balance_rows)
    with matplotlib.rc_context(RC):
        fig = _figure(7, max(2.5, 0.3 * len(rows) + 1))
        ax = fig.add_subplot()
        names = [covariate_label(r["covariate"]) for r in rows]
        y = list(range(len(rows)))
        before = [abs(r["smd_before"] or 0) for r in rows]
        ax.scatter(
            before, y, marker="o", facecolors="none", edgecolors=PALETTE[1], label="Before matching"
        )
        if rows and "smd_after" in rows[0]:
            after = [abs(r["smd_after"] or 0) for r in rows]
            ax.scatter(after, y, marker="s", color=PALETTE[0], label="After matching")
        ax.axvline(threshold, color=PALETTE[4], linestyle="--", linewidth=1)
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set_xlabel("Absolute standardised mean difference (standard deviations)")
        ax.grid(axis="x", alpha=0.3)
        fig.legend(loc="outside lower center", ncols=2, frameon=False)
    return {
        "title": title,
        "svg": _svg(fig, title),
        "table": {
            "caption": "Covariate balance of the matched groups, before and after matching",
            "columns": BALANCE_COLUMNS,
            "rows": balance_rows_table(rows),
        },
    }


BALANCE_COLUMNS = [
    "Covariate",
    "Programme, before matching",
    "Comparison, before matching",
    "Standardised difference before (standard deviations)",
    "Programme, after matching",
    "Comparison, after matching",
    "Standardised difference after (standard deviations)",
]


def balance_rows_table(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """Balance rows by label: a one-hot level's means are the share having it (a percentage),
    a numeric covariate's are means in its own unit (named in its label)."""
    out = []
    for r in rows:
        share = "[" in str(r["covariate"])
        label = covariate_label(r["covariate"]) + (" (% of the group)" if share else "")
        out.append(
            [
                label,
                _mean(r.get("mean_treated_before"), share),
                _mean(r.get("mean_comparison_before"), share),
                _fmt(r.get("smd_before")),
                _mean(r.get("mean_treated_after"), share),
                _mean(r.get("mean_comparison_after"), share),
                _fmt(r.get("smd_after")),
            ]
        )
    return out


def _mean(x: float | None, share: bool) -> str:
    if x is None:
        return ""
    return _pct(x) if share else f"{x:.2f}"


def fear_trend_chart(victims: dict[str, Any]) -> dict[str, Any]:
    """Mean fear and safety scores (0-10) by timepoint."""
    title = "Victims' mean fear and safety ratings by timepoint"
    with matplotlib.rc_context(RC):
        fig = _figure(7, 3.5)
        ax = fig.add_subplot()
        for i, m in enumerate(("fear", "safety")):
            trend = victims.get(m, {}).get("trend", [])
            if trend:
                ax.plot(
                    [r["timepoint"].replace("_", " ") for r in trend],
                    [r["mean"] for r in trend],
                    marker="o",
                    color=PALETTE[i],
                    label=m.capitalize(),
                )
        ax.set_ylim(0, 10)
        ax.set_xlabel("Timepoint")
        ax.set_ylabel("Mean score (0 to 10)")
        ax.grid(alpha=0.3)
        ax.legend(frameon=False)
    rows = []
    for m in ("fear", "safety"):
        for r in victims.get(m, {}).get("trend", []):
            rows.append(
                [m.capitalize(), r["timepoint"].replace("_", " "), r["n"], f"{r['mean']:.2f}"]
            )
    return {
        "title": title,
        "svg": _svg(fig, title),
        "table": {
            "caption": title,
            "columns": ["Rating", "Timepoint", "Ratings", "Mean (0 to 10)"],
            "rows": rows,
        },
    }


def _fmt(x: float | None) -> str:
    return "" if x is None else f"{x:.3f}"


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x
