"""The methods-and-limitations text, written from the parameters actually used."""

from __future__ import annotations

from typing import Any

COHORT_LABELS = {
    "itt": "everyone put forward (intention to treat)",
    "starters": "those who started the programme",
    "completers": "those who completed the programme",
}
COMPARISON_LABELS = {
    "not_put_forward": "SPO subjects who were not put forward",
    "declined": "SPO subjects who were put forward but declined",
    "both": "SPO subjects who were not put forward or who declined",
}
OUTCOME_LABELS = {
    "any": "any proven offence",
    "stalking": "a proven stalking or harassment offence",
    "breach": "a proven breach of a Stalking Protection Order",
    "stalking_or_breach": "a proven stalking or harassment offence or SPO breach",
}


def _months(n: int) -> str:
    return f"{n} month" + ("" if n == 1 else "s")


def methods_text(params: dict[str, Any], result: dict[str, Any] | None = None) -> list[str]:
    """Paragraphs describing the methods and limitations of a programme evaluation.

    ``params`` is ``EvaluationParams.as_dict()``; ``result`` the output of ``full_evaluation``
    (used for the warnings and the matching actually achieved).
    """
    result = result or {}
    cohorts = ", ".join(COHORT_LABELS[c] for c in params["cohorts"])
    covs = ", ".join(c.replace("_", " ") for c in params["covariates"]) or "no covariates"
    caliper = params.get("caliper")
    caliper_text = (
        f"with a caliper of {caliper:g} standard deviations of the logit of the propensity score"
        if caliper
        else "without a caliper"
    )
    repl = "with replacement" if params.get("replacement") else "without replacement"
    ratio = params.get("ratio", 1)
    paras = [
        (
            f"Treated cohorts: {cohorts}. Comparison pool: "
            f"{COMPARISON_LABELS[params['comparison']]}; nobody in a treated cohort is used as a "
            "comparator for it. Each person's follow-up starts at their index date (the "
            "intervention decision), so starters and completers are not credited with the time "
            "it took them to start or complete."
        ),
        (
            "Propensity scores were estimated by logistic regression of cohort membership on "
            f"{covs}. Each treated person was matched to {ratio} nearest comparator"
            f"{'' if ratio == 1 else 's'} on the logit of the score, greedily in a random order, "
            f"{caliper_text}, {repl}. Treated people with no comparator within the caliper were "
            "left out of the comparison. Balance was checked with standardised mean differences "
            "(an absolute value under 0.1 is taken as balanced)."
        ),
        (
            f"The outcome is {OUTCOME_LABELS[params['outcome']]} committed within "
            f"{_months(params['follow_up_months'])} of the index date and proven within a further "
            f"{_months(params['waiting_months'])}, using data to {params['data_end_date']}. "
            "The re-offending rate and frequency include only people followed for the whole "
            "window and waiting period. Rates have 95% Wilson intervals; differences have "
            "Newcombe's hybrid score interval and a two-proportion z test; frequencies per 100 "
            "people have exact Poisson intervals. Time to first proven re-offence is summarised by "
            "Kaplan-Meier curves (95% log-log Greenwood bands), compared with the log-rank test, "
            "and modelled with Cox proportional hazards (Efron ties) adjusting for the same "
            "covariates."
        ),
        (
            "Limitations: matching balances only the characteristics recorded; people put "
            "forward, and especially those who start and complete, may differ in motivation and "
            "circumstances that are not recorded, so differences are associations and may not be "
            "caused by the programme. The starters and completers comparisons are the most "
            "exposed to this selection. Proven re-offending undercounts stalking, much of which is "
            "never reported or proven. Sessions attended and victims' ratings are reported "
            "without a comparison group."
        ),
    ]
    small = [w for w in result.get("warnings", []) if "too small" in w]
    if small:
        paras.append(
            f"Cohort size: results based on fewer than {params.get('min_cohort', 60)} people are "
            "too small to draw conclusions from (the Justice Data Lab's threshold) and are shown "
            "for information only: " + " ".join(small)
        )
    return paras


def cohort_methods_text(
    *,
    time_column: str,
    event_column: str,
    group_column: str | None,
    covariates: list[str],
    min_cohort: int,
    warnings: list[str],
) -> list[str]:
    """Methods text for ``evaluate_cohort`` (an external cohort file)."""
    paras = [
        (
            f"Survival time is the column '{time_column}' and the event indicator '{event_column}'"
            + (f"; groups are defined by '{group_column}'" if group_column else "")
            + ". Kaplan-Meier estimates have pointwise 95% confidence bands from Greenwood's "
            "variance on the log(-log) scale"
            + ("; groups are compared with the log-rank test" if group_column else "")
            + ". The Cox proportional hazards model uses Efron's method for ties"
            + (
                " and the covariates " + ", ".join(covariates)
                if covariates
                else " (no covariates were given, so none was fitted unless a group column was)"
            )
            + "; hazard ratios have 95% Wald intervals and concordance is Harrell's C."
        ),
        (
            "Limitations: this is an observational comparison; the hazard ratios assume "
            "proportional hazards and adjust only for the covariates given. "
            f"Groups of fewer than {min_cohort} people are too small to conclude from."
        ),
    ]
    if warnings:
        paras.append("Warnings: " + " ".join(warnings))
    return paras
