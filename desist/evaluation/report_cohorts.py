"""One report section per treated cohort, from the engine's result for it.

A cohort's section is built of parts, in the order a reader checks them: who was compared
(matching and balance, the calendar period among the covariates), the re-offending rate, time to
first re-offence (Kaplan-Meier and the log-rank test), the Cox model's hazard ratios, the
proportional-hazards check and the sensitivity of the result to unmeasured confounding. Every
covariate is shown by its label (``engine.labels``), never by its code; every column that has a
unit names it. The web page and the PDF render these parts from the same include.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from desist.core import figures
from desist.evaluation.engine.labels import (
    covariate_label,
    covariate_list,
    label_codes,
    reference_note,
)

COHORT_TITLES = {
    "itt": "Intention to treat: everyone put forward",
    "starters": "Starters: everyone who attended the first session",
    "completers": "Completers",
}
PH_ALPHA = 0.05


def table(caption: str, columns: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    return {"caption": caption, "columns": columns, "rows": rows}


def pct(x: Any) -> str:
    return figures.percent(x)


def ci(d: Mapping[str, Any], key: str = "rate") -> str:
    lo, hi = d.get("ci_lower"), d.get("ci_upper")
    if lo is None or hi is None:
        return ""
    if key == "per_100":
        return f"{float(lo):.1f} to {float(hi):.1f}"
    if key == "ratio":
        return f"{float(lo):.2f} to {float(hi):.2f}"
    return f"{pct(lo)} to {pct(hi)}"


def p_value(value: Any) -> str:
    if value is None:
        return ""
    return "<0.001" if float(value) < 0.001 else f"{float(value):.3f}"


def num(x: Any) -> Any:
    return "" if x is None else round(float(x), 1)


def part(
    key: str,
    title: str,
    *,
    paragraphs: list[str] | None = None,
    tables: list[dict[str, Any]] | None = None,
    charts: list[dict[str, Any]] | None = None,
    warnings: list[str] | None = None,
    counts: bool = False,
) -> dict[str, Any]:
    """A titled part of a section. ``counts``: its paragraphs quote counts of people, so
    programme managers (aggregates only) do not see them."""
    return {
        "id": key,
        "title": title,
        "paragraphs": paragraphs or [],
        "warnings": warnings or [],
        "charts": charts or [],
        "tables": tables or [],
        "counts": counts,
    }


def cohort_section(
    key: str,
    res: Mapping[str, Any],
    charts: Mapping[str, Any],
    *,
    covariates: list[str],
    chart: Any,
) -> dict[str, Any]:
    """``chart`` turns an engine chart into the report's chart dict (reporting._chart)."""
    survival = res.get("survival") or {}
    cox = survival.get("cox") or {}
    balance_chart = charts.get(f"balance_{key}")
    survival_chart = charts.get(f"survival_{key}")
    parts = [
        _matching_part(res.get("matching") or {}, covariates, balance_chart, chart),
        _rates_part(res.get("rates") or {}, res.get("frequency") or {}),
        _survival_part(survival, survival_chart, chart),
        _cox_part(cox),
        _ph_part(cox),
        _sensitivity_part(res.get("sensitivity") or survival.get("sensitivity") or {}),
    ]
    shown = [p for p in parts if p is not None]
    # A warning that belongs to a part (the PH check's, the Cox model's) is shown there once.
    in_parts = {w for p in shown for w in p["warnings"]}
    return {
        "id": key,
        "title": COHORT_TITLES.get(key) or str(res.get("label") or key).capitalize(),
        "paragraphs": [],
        "warnings": [
            label_codes(str(w))
            for w in res.get("warnings") or []
            if label_codes(str(w)) not in in_parts
        ],
        "charts": [],
        "tables": [],
        "parts": shown,
    }


def _matching_part(
    m: Mapping[str, Any], covariates: list[str], balance_chart: Any, chart: Any
) -> dict[str, Any] | None:
    from desist.evaluation.engine.charts import BALANCE_COLUMNS, balance_rows_table  # issue 21

    if not m:
        return None
    matched_on = (
        f"Matched on: {covariate_list(covariates)}." if covariates else "Matched on no covariates."
    )
    paragraphs = [
        f"{m.get('n_treated_matched', 0)} of {m.get('n_treated', 0)} treated people were matched "
        f"to {m.get('n_comparators_used', 0)} comparators from a pool of {m.get('n_pool', 0)}.",
    ]
    tables = [_matching_table(m)]
    rows = list((m.get("balance") or {}).get("rows") or [])
    # Before matching: the treated and the pool; after: the matched and comparators used.
    sizes = [m.get(k) for k in ("n_treated", "n_pool", "n_treated_matched", "n_comparators_used")]
    if not isinstance(balance_chart, Mapping):  # the chart's own table is this one
        tables.append(
            _with_people(
                table("Covariate balance", BALANCE_COLUMNS, balance_rows_table(rows)), rows, sizes
            )
        )
    weighting = m.get("weighting") or {}
    if weighting.get("description"):
        paragraphs.append(str(weighting["description"]))
    analysed = m.get("balance_analysed")
    if isinstance(analysed, Mapping) and analysed.get("rows"):
        tables.append(
            _with_people(
                table(
                    "Balance of the analysed subset (matched people followed for the whole window, "
                    "as in the re-offending rates)",
                    BALANCE_COLUMNS,
                    balance_rows_table(list(analysed["rows"])),
                ),
                list(analysed["rows"]),
                (analysed.get("n_programme"), analysed.get("n_comparison")) * 2,
            )
        )
    return part(
        "matching",
        "Matching and balance",
        paragraphs=[matched_on, *paragraphs],
        tables=tables,
        charts=[_chart_with_people(chart(balance_chart), rows, sizes)]
        if isinstance(balance_chart, Mapping)
        else [],
        counts=True,
    )


SHARE_COLUMNS = (1, 2, 4, 5)  # in BALANCE_COLUMNS: the groups' means (shares for a level)


def _with_people(t: dict[str, Any], rows: list[Mapping[str, Any]], sizes: Any) -> dict[str, Any]:
    """Each share's basis (share, people in the group), so that programme managers' view
    withholds a share of fewer than 5 people (reporting.suppress_table)."""
    from desist.evaluation.engine.charts import BALANCE_COLUMNS  # matplotlib: issue 21

    keys = (
        "mean_treated_before",
        "mean_comparison_before",
        "mean_treated_after",
        "mean_comparison_after",
    )
    people = []
    for r in rows:
        basis: list[Any] = [None] * len(BALANCE_COLUMNS)
        if "[" in str(r.get("covariate")):  # a level: its means are shares
            for column, key, n in zip(SHARE_COLUMNS, keys, sizes, strict=True):
                basis[column] = [r.get(key), n]
        people.append(basis)
    return {**t, "people": people}


def _chart_with_people(c: dict[str, Any], rows: list[Mapping[str, Any]], sizes: Any) -> dict:
    c["table"] = _with_people(c["table"], rows, sizes)
    return c


def _matching_table(m: Mapping[str, Any]) -> dict[str, Any]:
    return table(
        "Matching",
        ["Measure", "Number of people"],
        [
            ["Treated", m.get("n_treated")],
            ["Treated matched", m.get("n_treated_matched")],
            ["Treated not matched", m.get("n_treated_unmatched")],
            ["Comparators used", m.get("n_comparators_used")],
            ["Left out: missing covariates", m.get("excluded_missing")],
        ],
    ) | {"partitions": [[1, [1, 2]]]}  # matched and not matched add up to the treated


def _rates_part(rates: Mapping[str, Any], freq: Mapping[str, Any]) -> dict[str, Any] | None:
    if not rates and not freq:
        return None
    tables, paragraphs = [], []
    if rates:
        prog, comp = rates.get("programme") or {}, rates.get("comparison") or {}
        tables.append(
            table(
                "Proven re-offending rate in the follow-up window",
                ["Group", "People", "Re-offenders", "Rate (% of people)", "95% interval (%)"],
                [
                    [name, d.get("n"), d.get("events"), pct(d.get("rate")), ci(d)]
                    for name, d in (("Programme", prog), ("Comparison", comp))
                ],
            )
        )
        diff = rates.get("difference") or {}
        if diff.get("difference") is not None:
            paragraphs.append(
                "Difference in the rate (programme minus comparison): "
                f"{pct(diff.get('difference'))} points (95% interval {ci(diff)}; "
                f"p = {p_value(diff.get('p'))})."
            )
        if rates.get("comparison_weighted"):
            paragraphs.append(
                "The comparison group's counts are weighted by how often each comparator was "
                "matched, so they need not be whole numbers."
            )
    if freq:
        prog, comp = freq.get("programme") or {}, freq.get("comparison") or {}
        tables.append(
            table(
                "Proven re-offences per 100 people",
                ["Group", "People", "Offences", "Offences per 100 people", "95% interval"],
                [
                    [name, d.get("n"), d.get("count"), num(d.get("per_100")), ci(d, "per_100")]
                    for name, d in (("Programme", prog), ("Comparison", comp))
                ],
            )
        )
    return part(
        "rates", "Re-offending in the follow-up window", paragraphs=paragraphs, tables=tables
    )


def _survival_part(
    survival: Mapping[str, Any], survival_chart: Any, chart: Any
) -> dict[str, Any] | None:
    if not survival:
        return None
    unit = str(survival.get("time_unit") or "days")
    paragraphs = []
    medians = survival.get("median_days_to_first") or {}
    if medians:
        paragraphs.append(
            "Median time to first proven re-offence: programme "
            f"{_median(medians.get('programme'), unit)}, comparison "
            f"{_median(medians.get('comparison'), unit)}."
        )
    tables = []
    lr = survival.get("logrank")
    if isinstance(lr, Mapping) and lr.get("p") is not None:
        test = str(lr.get("test") or "log-rank")
        test = test if "test" in test.split() else f"{test} test"  # "robust score test (...)"
        paragraphs.append(
            f"The curves were compared with the {test}: chi-squared "
            f"{float(lr.get('statistic') or 0):.2f} on {lr.get('df', 1)} degree"
            f"{'' if lr.get('df', 1) == 1 else 's'} of freedom, p = {p_value(lr.get('p'))}."
        )
        tables.append(
            table(
                "Comparison of the survival curves",
                ["Test", "Chi-squared statistic", "Degrees of freedom", "p"],
                [
                    [
                        test[:1].upper() + test[1:],
                        f"{float(lr.get('statistic') or 0):.2f}",
                        lr.get("df"),
                        p_value(lr.get("p")),
                    ]
                ],
            )
        )
    return part(
        "survival",
        "Time to first proven re-offence",
        paragraphs=paragraphs,
        tables=tables,
        charts=[chart(survival_chart)] if isinstance(survival_chart, Mapping) else [],
    )


def _median(x: Any, unit: str) -> str:
    return "not reached" if x is None else f"{float(x):.0f} {unit}"


def _cox_part(cox: Mapping[str, Any]) -> dict[str, Any] | None:
    coefs = [c for c in cox.get("coefficients") or [] if isinstance(c, Mapping)]
    if not coefs:
        return None
    refs = dict(cox.get("reference_levels") or {})
    rows = [
        [
            covariate_label(c["covariate"]) + reference_note(c["covariate"], refs),
            _ratio(c.get("hazard_ratio")),
            ci(c, "ratio"),
            p_value(c.get("p")),
        ]
        for c in coefs
    ]
    se = "model-based standard errors"
    if cox.get("robust_se"):
        clusters = cox.get("clusters")
        se = "robust standard errors" + (
            f" clustered on {clusters} matched sets" if clusters else ""
        )
    paragraphs = [
        f"A Cox proportional hazards model (Efron's method for ties, {se}) of time to first "
        "proven re-offence, over the matched people with any follow-up, adjusting for the "
        "matching covariates. A hazard ratio below 1 means a lower rate of re-offending at any "
        "time, other things equal; above 1, a higher rate."
    ]
    programme = next((c for c in coefs if c["covariate"] == "programme"), None)
    if programme is not None:
        paragraphs.append(
            "Hazard ratio for the programme: "
            f"{_ratio(programme.get('hazard_ratio'))} (95% interval {ci(programme, 'ratio')}; "
            f"p = {p_value(programme.get('p'))})."
        )
    return part(
        "cox",
        "Hazard ratios (Cox model)",
        paragraphs=paragraphs,
        tables=[
            table(
                "Hazard ratios for first proven re-offence",
                ["Covariate", "Hazard ratio", "95% interval", "p"],
                rows,
            )
        ],
        warnings=[label_codes(str(w)) for w in cox.get("warnings") or []],
    )


def _ratio(x: Any) -> str:
    return "" if x is None else f"{float(x):.2f}"


def _ph_part(cox: Mapping[str, Any]) -> dict[str, Any] | None:
    ph = cox.get("ph_test")
    if not cox.get("coefficients") or not isinstance(ph, Mapping):
        return None
    if not ph.get("rows"):
        why = ph.get("reason") or "the test gave no result"
        return part(
            "ph",
            "Proportional-hazards check",
            paragraphs=[f"The proportional-hazards assumption could not be checked: {why}."],
        )
    table_rows = []
    for r in ph["rows"]:
        if r.get("p") is None:
            reading = f"Could not be tested: {r.get('reason') or 'the test gave no value'}"
        elif r.get("violated"):
            reading = "Doubtful: the effect may change over time"
        else:
            reading = "No evidence against it"
        table_rows.append(
            [
                covariate_label(r["covariate"], unit=False),
                "" if r.get("statistic") is None else f"{float(r['statistic']):.2f}",
                p_value(r.get("p")),
                reading,
            ]
        )
    return part(
        "ph",
        "Proportional-hazards check",
        paragraphs=[
            "The Cox model assumes each covariate's effect is the same throughout the follow-up. "
            f"This was checked for each covariate with a test on {ph.get('method') or 'residuals'}"
            f"; p below {PH_ALPHA:g} is evidence that the assumption fails for that covariate."
        ],
        tables=[
            table(
                "Proportional-hazards check per covariate",
                ["Covariate", "Test statistic (chi-squared, 1 degree of freedom)", "p", "Reading"],
                table_rows,
            )
        ],
        warnings=[label_codes(str(w)) for w in ph.get("warnings") or []],
    )


def _sensitivity_part(s: Mapping[str, Any]) -> dict[str, Any] | None:
    named = (("risk_ratio", "Re-offending risk ratio"), ("hazard_ratio", "Programme hazard ratio"))
    rows = [
        [
            label,
            _ratio(e.get("estimate")),
            ci(e, "ratio"),
            _ratio(e.get("e_value")),
            _ratio(e.get("e_value_ci")),
        ]
        for key, label in named
        if isinstance(e := s.get(key), Mapping) and e.get("e_value") is not None
    ]
    if not rows:
        return None
    return part(
        "sensitivity",
        "Sensitivity to unmeasured confounding",
        paragraphs=[p for p in (str(s.get("text") or ""), f"Method: {s.get('method')}.") if p],
        tables=[
            table(
                "E-values: how strong an unrecorded factor would have to be to explain the result",
                [
                    "Estimate",
                    "Value (ratio)",
                    "95% interval (ratio)",
                    "E-value (risk ratio)",
                    "E-value for the interval limit nearer 1 (risk ratio)",
                ],
                rows,
            )
        ],
    )
