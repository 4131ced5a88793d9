"""Proportions, differences and rates against published values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from desist.evaluation.engine.rates import (
    difference,
    mean_difference,
    newcombe_difference,
    per_100,
    poisson_interval,
    proportion,
    wilson_interval,
)

# Newcombe RG (1998). Two-sided confidence intervals for the single proportion: comparison of
# seven methods. Statistics in Medicine 17:857-872. Table II, method 3 (Wilson score, no
# continuity correction), to 4 dp.
NEWCOMBE_1998_SINGLE = [
    ((81, 263), (0.2553, 0.3662)),
    ((15, 148), (0.0624, 0.1605)),
    ((0, 20), (0.0000, 0.1611)),
    ((1, 29), (0.0061, 0.1718)),
]

# Newcombe RG (1998). Interval estimation for the difference between independent proportions:
# comparison of eleven methods. Statistics in Medicine 17:873-890. Table II, method 10 (hybrid
# score), to 4 dp.
NEWCOMBE_1998_DIFFERENCE = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


@pytest.mark.parametrize(("counts", "expected"), NEWCOMBE_1998_SINGLE)
def test_wilson_matches_newcombe_1998(
    counts: tuple[int, int], expected: tuple[float, float]
) -> None:
    lo, hi = wilson_interval(*counts)
    assert lo == pytest.approx(expected[0], abs=5e-5)
    assert hi == pytest.approx(expected[1], abs=5e-5)


def test_wilson_closed_forms() -> None:
    # Wilson (1927): for k = 0 the upper limit is z^2 / (n + z^2); for k = n/2 the interval is
    # symmetric about 1/2 with half-width z sqrt(n) / (2 (n + z^2)) * sqrt(1 + ... ) = closed form.
    z = 1.959963984540054
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0
    assert hi == pytest.approx(z * z / (10 + z * z), abs=1e-12)
    assert hi == pytest.approx(0.2775, abs=5e-5)
    lo, hi = wilson_interval(5, 10)
    half = z * math.sqrt(0.25 / 10 + z * z / 400) / (1 + z * z / 10)
    assert (lo, hi) == pytest.approx((0.5 - half, 0.5 + half), abs=1e-12)
    assert (lo, hi) == pytest.approx((0.2366, 0.7634), abs=5e-5)
    assert wilson_interval(10, 10)[1] == 1.0
    assert math.isnan(wilson_interval(0, 0)[0])


@pytest.mark.parametrize(("counts", "expected"), NEWCOMBE_1998_DIFFERENCE)
def test_newcombe_difference_matches_published(
    counts: tuple[int, int, int, int], expected: tuple[float, float]
) -> None:
    d, lo, hi = newcombe_difference(*counts)
    assert d == pytest.approx(counts[0] / counts[1] - counts[2] / counts[3])
    assert lo == pytest.approx(expected[0], abs=5e-5)
    assert hi == pytest.approx(expected[1], abs=5e-5)


def test_difference_test_is_pooled_z_equal_to_pearson_chi_square() -> None:
    res = difference(56, 70, 48, 80)
    # Pearson chi-square (no continuity correction) for [[56, 14], [48, 32]]
    table = np.array([[56, 14], [48, 32]])
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / table.sum()
    chi2 = ((table - expected) ** 2 / expected).sum()
    assert res["z"] ** 2 == pytest.approx(chi2, rel=1e-12)
    assert 0 < res["p_fisher"] < 0.05
    assert res["ci_lower"] == pytest.approx(0.0524, abs=5e-5)


def test_proportion_json() -> None:
    p = proportion(5, 10)
    assert p["rate"] == 0.5 and p["events"] == 5 and p["n"] == 10
    assert proportion(0, 0)["rate"] is None


def test_poisson_garwood_interval() -> None:
    # Garwood (1936) exact limits, as tabulated e.g. in Ulm (1990) Am J Epidemiol 131:373.
    assert poisson_interval(0) == pytest.approx((0.0, 3.6889), abs=5e-5)
    assert poisson_interval(1) == pytest.approx((0.0253, 5.5716), abs=5e-5)
    assert poisson_interval(10) == pytest.approx((4.7954, 18.3904), abs=5e-5)
    r = per_100(10, 50)
    assert r["per_100"] == 20
    assert r["ci_lower"] == pytest.approx(100 * 4.7954 / 50, abs=1e-3)


def test_mean_difference_welch() -> None:
    from scipy import stats

    rng = np.random.default_rng(3)
    a, b = rng.poisson(1.0, 80).astype(float), rng.poisson(1.4, 120).astype(float)
    res = mean_difference(a, b)
    ref = stats.ttest_ind(a, b, equal_var=False)
    assert res["difference"] == pytest.approx(a.mean() - b.mean())
    assert res["p"] == pytest.approx(ref.pvalue, rel=1e-9)
    # integer weights behave like repeated rows for the mean
    res_w = mean_difference(a, b[:60], weights_b=np.full(60, 2.0))
    assert res_w["difference"] == pytest.approx(a.mean() - b[:60].mean())
