"""The survival engine reproduces published Cox and Kaplan-Meier results.

Data: Rossi, Berk & Lenihan (1980), *Money, Work and Crime*: 432 prisoners released from Maryland
state prisons, followed for 52 weeks (``week``, ``arrest``), as distributed with lifelines
(``lifelines.datasets.load_rossi``) and R's ``carData::Rossi``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from lifelines.datasets import load_rossi
from scipy import stats

from desist.evaluation.engine.survival import cox, kaplan_meier, logrank, survival_at

COVARIATES = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]

# J. Fox & S. Weisberg (2018), "Cox Proportional-Hazards Regression for Survival Data in R",
# online appendix to *An R Companion to Applied Regression*, 3rd ed. (Sage), output of
# coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, data = Rossi)
# (Efron ties, R's default): coef, se(coef), Pr(>|z|) as printed (5 and 4 decimal places).
FOX_WEISBERG = {
    #        coef      se(coef)   p
    "fin": (-0.37942, 0.19138, 0.0474),
    "age": (-0.05744, 0.02200, 0.0090),
    "race": (0.31390, 0.30799, 0.3081),
    "wexp": (-0.14980, 0.21222, 0.4803),
    "mar": (-0.43370, 0.38187, 0.2561),
    "paro": (-0.08487, 0.19576, 0.6646),
    "prio": (0.09150, 0.02865, 0.0014),
}
FOX_WEISBERG_LR_TEST = 33.27  # "Likelihood ratio test=33.27 on 7 df"
FOX_WEISBERG_CONCORDANCE = 0.64  # "Concordance= 0.64"


@pytest.fixture(scope="module")
def rossi() -> pd.DataFrame:
    return load_rossi()


@pytest.fixture(scope="module")
def rossi_cox(rossi: pd.DataFrame) -> dict:
    return cox(rossi, "week", "arrest", COVARIATES)


def test_cox_reproduces_fox_weisberg_table_to_1e_4(rossi_cox: dict) -> None:
    rows = {c["covariate"]: c for c in rossi_cox["coefficients"]}
    assert list(rows) == COVARIATES
    for name, (coef, se, p) in FOX_WEISBERG.items():
        r = rows[name]
        assert r["coef"] == pytest.approx(coef, abs=1e-4), name
        assert r["se"] == pytest.approx(se, abs=1e-4), name
        assert r["p"] == pytest.approx(p, abs=1e-4), name
        assert r["hazard_ratio"] == pytest.approx(math.exp(r["coef"]), rel=1e-12)
        z = stats.norm.ppf(0.975)
        assert r["ci_lower"] == pytest.approx(math.exp(r["coef"] - z * r["se"]), rel=1e-9)
        assert r["ci_upper"] == pytest.approx(math.exp(r["coef"] + z * r["se"]), rel=1e-9)
    # exp(coef) column of the same table
    assert rows["fin"]["hazard_ratio"] == pytest.approx(0.6843, abs=1e-4)
    assert rows["prio"]["hazard_ratio"] == pytest.approx(1.0958, abs=1e-4)


def test_cox_likelihood_ratio_and_concordance(rossi_cox: dict) -> None:
    lr = rossi_cox["likelihood_ratio_test"]
    assert lr["df"] == 7
    assert lr["statistic"] == pytest.approx(FOX_WEISBERG_LR_TEST, abs=0.005)  # printed to 2 dp
    assert lr["statistic"] == pytest.approx(
        2 * (rossi_cox["log_likelihood"] - rossi_cox["log_likelihood_null"]), abs=1e-9
    )
    assert rossi_cox["concordance"] == pytest.approx(FOX_WEISBERG_CONCORDANCE, abs=0.005)  # 2 dp
    assert rossi_cox["n"] == 432 and rossi_cox["events"] == 114
    assert rossi_cox["ties"] == "efron"


def _hand_km(t: np.ndarray, e: np.ndarray) -> pd.DataFrame:
    """Kaplan-Meier and Greenwood's variance, written out from the definitions (no lifelines)."""
    rows = []
    s = 1.0
    g = 0.0  # Greenwood sum of d / (n (n - d))
    for time in np.unique(t):
        n = int((t >= time).sum())
        d = int(((t == time) & (e == 1)).sum())
        if d:
            s *= 1 - d / n
            g += d / (n * (n - d)) if n > d else math.inf
        rows.append({"time": time, "n": n, "d": d, "s": s, "greenwood": g})
    return pd.DataFrame(rows)


def test_kaplan_meier_matches_hand_written_greenwood_and_log_log_bands(rossi: pd.DataFrame) -> None:
    """lifelines (through the engine) matches an independent hand computation to 1e-4.

    Survival is the product-limit estimate; the 95% band is Greenwood's variance on the
    log(-log S) scale: S ** exp(+-1.96 * sqrt(V) / |log S|), V = sum d / (n (n - d)).
    """
    for fin in (0, 1):
        sub = rossi[rossi["fin"] == fin]
        t, e = sub["week"].to_numpy(), sub["arrest"].to_numpy()
        km = kaplan_meier(t, e)
        hand = _hand_km(t, e).set_index("time")
        z = stats.norm.ppf(0.975)
        points = {p["time"]: p for p in km["points"]}
        for time, h in hand.iterrows():
            p = points[time]
            assert p["survival"] == pytest.approx(h["s"], abs=1e-4)
            assert p["at_risk"] == h["n"]
            assert p["events"] == h["d"]
            if h["s"] < 1:
                w = z * math.sqrt(h["greenwood"]) / abs(math.log(h["s"]))
                assert p["ci_lower"] == pytest.approx(h["s"] ** math.exp(w), abs=1e-4)
                assert p["ci_upper"] == pytest.approx(h["s"] ** math.exp(-w), abs=1e-4)


def test_kaplan_meier_overall_rossi(rossi: pd.DataFrame) -> None:
    km = kaplan_meier(rossi["week"], rossi["arrest"])
    # 114 arrests among 432 over 52 weeks, and only the 318 never arrested are censored (at 52).
    assert km["n"] == 432 and km["events"] == 114
    assert survival_at(km, 52) == pytest.approx(
        _hand_km(rossi.week.values, rossi.arrest.values).s.iloc[-1], abs=1e-12
    )
    assert km["median"] is None  # survival never falls to 0.5


# Freireich et al. (1963) 6-MP arm of the acute leukaemia remission trial (weeks; + = censored):
# 6 6 6 6+ 7 9+ 10 10+ 11+ 13 16 17+ 19+ 20+ 22 23 25+ 32+ 32+ 34+ 35+.
# Kaplan-Meier table as printed in Kleinbaum & Klein, *Survival Analysis: A Self-Learning Text*
# (3rd ed., 2012, ch. 2) and Klein & Moeschberger, *Survival Analysis* (2nd ed., 2003, Table 4.1A):
# S(t) = 0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448 at t = 6, 7, 10, 13, 16, 22, 23,
# Greenwood SE 0.076, 0.087, 0.096, 0.107, 0.114, 0.128, 0.135 (3 dp). The exact values are the
# products of (1 - d/n) with n = 21, 17, 15, 12, 11, 7, 6 at risk, asserted to 1e-10.
SIX_MP_TIMES = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
SIX_MP_EVENT = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
SIX_MP_PUBLISHED = {
    6: (0.857, 0.076),
    7: (0.807, 0.087),
    10: (0.753, 0.096),
    13: (0.690, 0.107),
    16: (0.627, 0.114),
    22: (0.538, 0.128),
    23: (0.448, 0.135),
}


def test_kaplan_meier_six_mp_published_table() -> None:
    km = kaplan_meier(SIX_MP_TIMES, SIX_MP_EVENT)
    exact = 1.0
    at_risk = {6: 21, 7: 17, 10: 15, 13: 12, 16: 11, 22: 7, 23: 6}
    deaths = {6: 3, 7: 1, 10: 1, 13: 1, 16: 1, 22: 1, 23: 1}
    for time, (s_pub, se_pub) in SIX_MP_PUBLISHED.items():
        exact *= 1 - deaths[time] / at_risk[time]
        s = survival_at(km, time)
        assert s == pytest.approx(exact, abs=1e-10)
        assert s == pytest.approx(s_pub, abs=5e-4)  # printed to 3 dp
        point = next(p for p in km["points"] if p["time"] == time)
        assert point["at_risk"] == at_risk[time]
        hand = _hand_km(np.array(SIX_MP_TIMES), np.array(SIX_MP_EVENT)).set_index("time")
        se = s * math.sqrt(hand.loc[time, "greenwood"])
        assert se == pytest.approx(se_pub, abs=5e-4)
    assert km["median"] == 23


def _hand_logrank(t: np.ndarray, e: np.ndarray, g: np.ndarray) -> float:
    """Two-group log-rank statistic, (O - E)^2 / V with the hypergeometric variance."""
    o_minus_e = 0.0
    v = 0.0
    for time in np.unique(t[e == 1]):
        at = t >= time
        n = at.sum()
        n1 = (at & (g == 1)).sum()
        d = ((t == time) & (e == 1)).sum()
        d1 = ((t == time) & (e == 1) & (g == 1)).sum()
        o_minus_e += d1 - d * n1 / n
        if n > 1:
            v += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1)
    return o_minus_e**2 / v


def test_logrank_matches_hand_computation(rossi: pd.DataFrame) -> None:
    res = logrank(rossi["week"], rossi["arrest"], rossi["fin"])
    assert res is not None
    expected = _hand_logrank(rossi.week.values, rossi.arrest.values, rossi.fin.values)
    assert res["statistic"] == pytest.approx(expected, abs=1e-6)
    assert res["df"] == 1
    assert res["p"] == pytest.approx(stats.chi2.sf(expected, 1), abs=1e-6)
    assert logrank(rossi["week"], rossi["arrest"], np.zeros(len(rossi))) is None


def test_cox_degenerate_inputs() -> None:
    df = pd.DataFrame({"t": [1, 2, 3, 4], "e": [0, 0, 0, 0], "x": [1, 0, 1, 0]})
    assert cox(df, "t", "e", ["x"])["coefficients"] == []
    assert "No events" in cox(df, "t", "e", ["x"])["warnings"][0]
    df["e"] = [1, 0, 1, 1]
    df["x"] = [1, 0, 0, 1]  # not separated (x = 1, 0, 1 at the events would be)
    df["c"] = 1
    res = cox(df, "t", "e", ["x", "c"])
    assert [c["covariate"] for c in res["coefficients"]] == ["x"]
    assert any("no variation" in w for w in res["warnings"])
