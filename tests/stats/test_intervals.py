"""Confidence intervals: known values, the edges (shares of 0 and 1), and no crashes."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from collabstate.errors import UsageError
from collabstate.stats import korn_graubard, logit_interval, proportion_interval, t_interval, wald, wilson

Z = stats.norm.ppf(0.975)


def test_wilson_known_value():
    lo, hi = wilson([0.5], [100])
    assert lo[0] == pytest.approx(0.40383, abs=1e-5) and hi[0] == pytest.approx(0.59617, abs=1e-5)


def test_wilson_at_zero_and_one_is_informative():
    lo, hi = wilson([0.0, 1.0], [40.0, 40.0])
    assert lo[0] == 0 and hi[0] == pytest.approx(Z**2 / (40 + Z**2))
    assert hi[1] == 1 and lo[1] == pytest.approx(40 / (40 + Z**2))


def test_wilson_uses_the_effective_base():
    narrow = wilson([0.3], [400.0])
    wide = wilson([0.3], [100.0])
    assert wide[1][0] - wide[0][0] > narrow[1][0] - narrow[0][0]


def test_korn_graubard_is_clopper_pearson_when_nothing_is_adjusted():
    n, x = 50, 12
    p = x / n
    se = np.sqrt(p * (1 - p) / n)  # effective n = n
    lo, hi = korn_graubard([p], [se], nrow=[n], df=[n - 1])
    assert lo[0] == pytest.approx(stats.beta.ppf(0.025, x, n - x + 1), rel=1e-12)
    assert hi[0] == pytest.approx(stats.beta.ppf(0.975, x + 1, n - x), rel=1e-12)


def test_korn_graubard_at_zero_and_one_falls_back_to_the_kish_base():
    lo, hi = korn_graubard([0.0, 1.0], [0.0, 0.0], nrow=[30, 30], df=[29, 29], n_eff=[30.0, 30.0])
    assert lo[0] == 0 and hi[0] == pytest.approx(1 - 0.025 ** (1 / 30), rel=1e-12)
    assert hi[1] == 1 and lo[1] == pytest.approx(0.025 ** (1 / 30), rel=1e-12)


def test_korn_graubard_fewer_degrees_of_freedom_widen_the_interval():
    wide = korn_graubard([0.3], [0.05], nrow=[200], df=[10])
    narrow = korn_graubard([0.3], [0.05], nrow=[200], df=[199])
    assert wide[0][0] < narrow[0][0] and wide[1][0] > narrow[1][0]


def test_logit_interval_formula_and_edges():
    lo, hi = logit_interval([0.5], [0.05], [np.inf])
    half = Z * 0.05 / 0.25
    assert lo[0] == pytest.approx(1 / (1 + np.exp(half))) and hi[0] == pytest.approx(1 / (1 + np.exp(-half)))
    lo, hi = logit_interval([0.0, 1.0], [0.0, 0.0], [20, 20])  # degenerate, documented, no crash
    assert lo.tolist() == [0.0, 1.0] and hi.tolist() == [0.0, 1.0]
    lo, hi = logit_interval([0.4], [0.1], [0])  # no degrees of freedom: no interval
    assert np.isnan(lo[0]) and np.isnan(hi[0])


def test_wald_is_clipped_and_degenerate_at_the_edges():
    lo, hi = wald([0.02, 0.0, 1.0], [0.05, 0.0, 0.0])
    assert lo[0] == 0 and hi[0] == pytest.approx(0.02 + Z * 0.05)
    assert lo[1] == hi[1] == 0 and lo[2] == hi[2] == 1


def test_t_interval_and_no_degrees_of_freedom():
    lo, hi = t_interval([10.0, 10.0], [1.0, 1.0], [9, 0])
    assert hi[0] - 10 == pytest.approx(stats.t.ppf(0.975, 9))
    assert np.isnan(lo[1]) and np.isnan(hi[1])


@pytest.mark.parametrize("method", ["wilson", "logit", "beta", "wald"])
def test_every_method_contains_the_estimate_and_handles_the_level(method):
    p = np.array([0.0, 0.03, 0.5, 0.97, 1.0])
    se = np.sqrt(p * (1 - p) / 80)
    kw = dict(n_eff=np.full(5, 80.0), nrow=np.full(5, 80), df=np.full(5, 79))
    lo95, hi95 = proportion_interval(method, p, se, **kw)
    lo80, hi80 = proportion_interval(method, p, se, level=0.8, **kw)
    assert np.all((lo95 <= p + 1e-12) & (p <= hi95 + 1e-12)) and np.all((lo95 >= 0) & (hi95 <= 1))
    assert np.all(lo80 >= lo95 - 1e-12) and np.all(hi80 <= hi95 + 1e-12)
    if method in ("wilson", "beta"):
        assert np.all(np.isfinite(lo95) & np.isfinite(hi95)) and hi95[0] > 0 and lo95[-1] < 1


def test_bad_arguments():
    with pytest.raises(UsageError, match="ci 'exact' is not valid; expected one of wilson, logit, beta, wald"):
        proportion_interval("exact", [0.5], [0.1])
    with pytest.raises(ValueError, match="level"):
        wilson([0.5], [10], level=95)
