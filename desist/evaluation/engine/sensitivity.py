"""Sensitivity to unmeasured confounding: the E-value (VanderWeele and Ding 2017).

The E-value is the minimum strength of association, on the risk-ratio scale, that an unmeasured
confounder would need with both the programme and re-offending, beyond the matched covariates,
to explain away the estimate; ``e_value_ci`` does the same for the confidence limit nearer 1
(1 when the interval already includes 1). A hazard ratio is first turned into an approximate
risk ratio: as it is when the outcome is rare (under 15% by the end of follow-up), otherwise by
VanderWeele's (2020) conversion RR = (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR)).
"""

from __future__ import annotations

import math
from typing import Any

RARE_OUTCOME = 0.15
METHOD = "E-value (VanderWeele and Ding 2017)"


def e_value(rr: float | None) -> float | None:
    """E-value of a risk ratio: RR + sqrt(RR (RR - 1)) for RR >= 1, of 1/RR below 1."""
    if rr is None or not math.isfinite(rr) or rr <= 0:
        return None
    r = rr if rr >= 1 else 1 / rr
    return r + math.sqrt(r * (r - 1))


def _hr_to_rr(hr: float) -> float:
    return (1 - 0.5 ** math.sqrt(hr)) / (1 - 0.5 ** math.sqrt(1 / hr))


def _ci_e_value(est: float, lo: float | None, hi: float | None) -> float | None:
    if lo is None or hi is None:
        return None
    if lo <= 1 <= hi:
        return 1.0
    return e_value(lo if est > 1 else hi)


def _entry(est: float, lo: float | None, hi: float | None) -> dict[str, Any]:
    return {
        "estimate": est,
        "ci_lower": lo,
        "ci_upper": hi,
        "e_value": e_value(est),
        "e_value_ci": _ci_e_value(est, lo, hi),
    }


def risk_ratio_e_value(rates: dict[str, Any] | None) -> dict[str, Any] | None:
    """From the rates: RR = p_programme / p_comparison, log-scale interval from their variances."""
    if not rates:
        return None
    pt, pc = rates["programme"], rates["comparison"]
    a, b = pt.get("rate"), pc.get("rate")
    if not a or not b or a >= 1 or b >= 1:
        return None
    n_a = pt.get("n_effective", pt["n"])
    n_b = pc.get("n_effective", pc["n"])
    se = math.sqrt((1 - a) / (a * n_a) + (1 - b) / (b * n_b))
    rr = a / b
    return _entry(rr, rr * math.exp(-1.96 * se), rr * math.exp(1.96 * se))


def hazard_ratio_e_value(
    cox: dict[str, Any] | None, covariate: str, outcome_risk: float | None
) -> dict[str, Any] | None:
    """From a Cox row; the outcome is common when its risk by the end of follow-up is >= 15%."""
    rows = [r for r in (cox or {}).get("coefficients", []) if r["covariate"] == covariate]
    if not rows:
        return None
    r = rows[0]
    common = outcome_risk is None or outcome_risk >= RARE_OUTCOME

    def rr(x: float | None) -> float | None:
        if x is None or x <= 0 or not math.isfinite(x):
            return None
        return _hr_to_rr(x) if common else x

    est = rr(r["hazard_ratio"])
    if est is None:
        return None
    out = _entry(est, rr(r["ci_lower"]), rr(r["ci_upper"]))
    out.update(
        {
            "estimate": r["hazard_ratio"],
            "ci_lower": r["ci_lower"],
            "ci_upper": r["ci_upper"],
            "outcome_common": common,
        }
    )
    return out


def sensitivity(
    rates: dict[str, Any] | None, cox: dict[str, Any] | None, outcome_risk: float | None
) -> dict[str, Any] | None:
    """E-values for the re-offending risk ratio and the programme's hazard ratio, with a text."""
    rr = risk_ratio_e_value(rates)
    hr = hazard_ratio_e_value(cox, "programme", outcome_risk)
    if rr is None and hr is None:
        return None
    return {"method": METHOD, "risk_ratio": rr, "hazard_ratio": hr, "text": _text(rr, hr)}


def _text(rr: dict[str, Any] | None, hr: dict[str, Any] | None) -> str:
    parts = []
    for name, entry in (("re-offending risk ratio", rr), ("hazard ratio", hr)):
        if entry is None or entry["e_value"] is None:
            continue
        sentence = (
            f"For the {name} ({entry['estimate']:.2f}), an unrecorded factor would need to be "
            f"associated with both taking part and re-offending by a risk ratio of at least "
            f"{entry['e_value']:.2f} each, beyond the matched characteristics, to explain it away"
        )
        if entry["e_value_ci"] == 1.0:
            sentence += "; its confidence interval already includes no difference."
        elif entry["e_value_ci"] is not None:
            sentence += (
                f"; to move its confidence interval to include no difference, "
                f"{entry['e_value_ci']:.2f}."
            )
        else:
            sentence += "."
        parts.append(sentence)
    parts.append(
        "The larger these numbers, the stronger unmeasured confounding would have to be; "
        "values near 1 mean weak confounding could explain the result."
    )
    return " ".join(parts)
