"""The methods-and-limitations text, written from the parameters actually used."""

from __future__ import annotations

from typing import Any

from desist.evaluation.engine.labels import covariate_list

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


def months_text(n: int) -> str:
    return f"{n} month" + ("" if n == 1 else "s")


def methods_text(params: dict[str, Any], result: dict[str, Any] | None = None) -> list[str]:
    """Paragraphs describing the methods and limitations of a programme evaluation.

    ``params`` is ``EvaluationParams.as_dict()``; ``result`` the output of ``full_evaluation``
    (used for the warnings and the matching actually achieved).
    """
    result = result or {}
    cohorts = ", ".join(COHORT_LABELS[c] for c in params["cohorts"])
    covs = covariate_list(params["covariates"]) or "no covariates"
    caliper = params.get("caliper")
    caliper_text = (
        f"with a caliper of {caliper:g} standard deviations of the logit of the propensity score"
        if caliper
        else "without a caliper"
    )
    repl = "with replacement" if params.get("replacement") else "without replacement"
    ratio = params.get("ratio", 1)
    weighted = bool(params.get("replacement") or ratio > 1)
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
            f"{months_text(params['follow_up_months'])} of the index date and proven within a further "
            f"{months_text(params['waiting_months'])}, using data to {params['data_end_date']}. "
            "The re-offending rate and frequency include only people followed for the whole "
            "window and waiting period; balance is also reported for them. "
            + _inference_text(weighted)
            + " The proportional-hazards assumption is checked for each covariate with the "
            "scaled Schoenfeld residual test (rank of time); where p < 0.05 the report says so."
        ),
        (
            "Sensitivity: E-values (VanderWeele and Ding 2017) give how strongly an unrecorded "
            "factor would have to be associated with both taking part and re-offending, on the "
            "risk-ratio scale, to explain away the re-offending risk ratio and the programme's "
            "hazard ratio (converted to a risk ratio when re-offending is common)."
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


def _inference_text(weighted: bool) -> str:
    if not weighted:
        return (
            "Each matched person counts once. Rates have 95% Wilson intervals; differences have "
            "Newcombe's hybrid score interval and a two-proportion z test; frequencies per 100 "
            "people have exact Poisson intervals. Time to first proven re-offence is summarised "
            "by Kaplan-Meier curves (95% log-log Greenwood bands), compared with the log-rank "
            "test, and modelled with Cox proportional hazards (Efron ties) adjusting for the same "
            "covariates."
        )
    return (
        "Because comparators were matched with replacement or several to a person, each "
        "comparator carries a matching weight (for each person it was matched to, one divided "
        "by that person's number of comparators), and every estimate uses these weights as "
        "weights, never as extra people. Variances are cluster-robust (sandwich) estimates over "
        "matched sets, a matched set being the treated people joined through shared "
        "comparators with their comparators, so re-using a comparator widens the intervals as "
        "it should. Rates have 95% Wilson intervals on the effective sample size; their "
        "difference has a Wald interval and z test with the robust standard error; frequencies "
        "per 100 people have exact Poisson intervals on the effective sample size. Time to "
        "first proven re-offence is summarised by weighted Kaplan-Meier curves with 95% log-log "
        "bands from the robust (infinitesimal jackknife) variance, compared with the robust "
        "score test (the weighted log-rank statistic with a cluster-robust variance), and "
        "modelled with weighted Cox proportional hazards (Efron ties) with robust standard "
        "errors clustered on the matched sets, adjusting for the same covariates."
    )


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
            + "; hazard ratios have 95% Wald intervals and concordance is Harrell's C. "
            "Proportional hazards are checked per covariate with the scaled Schoenfeld residual "
            "test (rank of time). Collinear covariates, or separation (a covariate whose hazard "
            "ratio would be infinite), stop the model with a message naming the covariates."
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
