"""The design (codes, nesting, lonely PSUs, degrees of freedom) and the Taylor-linearised variance,
checked against a plain, loop-by-loop reference implementation of the textbook formulas."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from collabstate.dataset import Responses
from collabstate.instrument import load_instrument
from collabstate.stats import Design, domain_mean, linearise_ratio, psu_totals, vcov_totals


def reference_variance(weights, strata, clusters, y, domain, lonely="adjust"):
    """Textbook ratio-mean variance, written with explicit loops (slow, obviously right)."""
    d = domain & ~np.isnan(y)
    est = np.sum(weights[d] * y[d]) / np.sum(weights[d])
    z = np.where(d, weights * (np.where(d, y, 0) - est) / np.sum(weights[d]), 0.0)
    var = 0.0
    for h in sorted(set(strata)):
        in_h = strata == h
        psus = sorted(set(clusters[in_h]))
        totals = np.array([z[in_h & (clusters == c)].sum() for c in psus])
        if len(psus) == 1:
            var += totals[0] ** 2 if lonely == "adjust" else 0.0
            continue
        var += len(psus) / (len(psus) - 1) * np.sum((totals - totals.mean()) ** 2)
    return est, var


def random_design(seed: int, n: int = 300):
    rng = np.random.default_rng(seed)
    strata = rng.choice(["a", "b", "c", "d"], n)
    clusters = rng.integers(0, 6, n)
    strata[strata == "d"] = "d"
    clusters[strata == "d"] = 0  # stratum d has a single PSU
    weights = rng.uniform(0.2, 5, n)
    weights[rng.choice(n, 5, replace=False)] = 0
    y = rng.normal(10, 3, n)
    y[rng.choice(n, 20, replace=False)] = np.nan
    group = rng.integers(0, 3, n)
    return weights, strata, clusters, y, group


def test_codes_nest_clusters_within_strata():
    d = Design.from_arrays(weights=[1, 1, 1, 1, 1], strata=["b", "b", "a", "a", "a"], clusters=[1, 2, 1, 1, 3])
    assert d.n_strata == 2 and d.strata_levels == ["a", "b"]
    assert d.n_psu == 4  # (a,1), (a,3), (b,1), (b,2): cluster 1 of a and of b are different PSUs
    assert d.psu_per_stratum.tolist() == [2, 2]
    assert d.psu_stratum.tolist() == [0, 0, 1, 1]  # PSUs ordered by stratum
    assert d.psu[2] == d.psu[3] != d.psu[0]
    assert d.degf() == 2


def test_defaults_without_strata_clusters_or_weights():
    d = Design.from_arrays(n=5)
    assert d.n_strata == 1 and d.n_psu == 5 and np.all(d.weights == 1)
    assert d.degf() == 4
    d = Design.from_arrays(clusters=["x", "x", "y"])
    assert d.n_psu == 2 and d.degf() == 1


def test_invalid_designs_are_refused():
    with pytest.raises(ValueError, match="negative"):
        Design.from_arrays(weights=[1.0, -1.0])
    with pytest.raises(ValueError, match="finite"):
        Design.from_arrays(weights=[1.0, np.nan])
    with pytest.raises(ValueError, match="missing"):
        Design.from_arrays(strata=["a", None])
    with pytest.raises(ValueError, match="lonely_psu"):
        Design.from_arrays(n=3, lonely_psu="average")
    with pytest.raises(ValueError, match="one value per respondent"):
        Design.from_arrays(weights=[1, 2], strata=["a"])
    with pytest.raises(ValueError, match="only one PSU"):
        Design.from_arrays(strata=["a", "a", "b"], clusters=[1, 2, 1], lonely_psu="fail")


def test_from_responses_reads_the_design_columns():
    frame = pl.DataFrame({"weight": [1.0, 2.0, 3.0], "stratum": ["s", "s", "t"], "cluster": ["1", "2", "1"], "sector": [1, 2, 1]})
    r = Responses(load_instrument("leaders"), frame)
    d = Design.from_responses(r)
    assert d.weights.tolist() == [1.0, 2.0, 3.0] and d.n_strata == 2 and d.n_psu == 3
    assert Design.from_responses(Responses(load_instrument("leaders"), frame.drop("weight"))).weights.tolist() == [1, 1, 1]


def test_degf_counts_psus_with_non_zero_weight_in_the_domain():
    d = Design.from_arrays(weights=[1, 0, 1, 1, 1, 1], strata=["a", "a", "a", "b", "b", "c"], clusters=[1, 2, 3, 1, 2, 1])
    assert d.degf() == 5 - 3  # PSU (a,2) has only a zero weight
    assert d.degf(np.array([1, 1, 0, 1, 0, 0], bool)) == 0  # (a,1), (b,1): two PSUs in two strata


def test_psu_totals_are_sums_per_psu():
    w, s, c, y, _ = random_design(1)
    d = Design.from_arrays(weights=w, strata=s, clusters=c)
    z = np.stack([np.nan_to_num(y), w], axis=1)
    totals = psu_totals(d, z)
    for p in range(d.n_psu):
        np.testing.assert_allclose(totals[p], z[d.psu == p].sum(axis=0))


@pytest.mark.parametrize("lonely", ["adjust", "remove", "certainty"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_domain_mean_matches_the_textbook_loops(seed, lonely):
    w, s, c, y, g = random_design(seed)
    d = Design.from_arrays(weights=w, strata=s, clusters=c, lonely_psu=lonely)
    for domain in (np.ones(len(y), bool), g == 0, g == 2):
        m = domain_mean(d, y, domain)
        est, var = reference_variance(w, s, c, y, domain, lonely)
        assert m.estimate[0] == pytest.approx(est, rel=1e-12)
        assert m.vcov[0, 0] == pytest.approx(var, rel=1e-10)


def test_lonely_psu_adjust_adds_the_uncentred_total_and_remove_adds_nothing():
    strata = np.array(["a"] * 6 + ["b"] * 3)
    clusters = np.array([1, 1, 2, 2, 3, 3, 1, 1, 1])
    y = np.array([1.0, 2, 3, 4, 5, 6, 10, 11, 12])
    adjust = domain_mean(Design.from_arrays(strata=strata, clusters=clusters), y)
    remove = domain_mean(Design.from_arrays(strata=strata, clusters=clusters, lonely_psu="remove"), y)
    certainty = domain_mean(Design.from_arrays(strata=strata, clusters=clusters, lonely_psu="certainty"), y)
    _, z, _ = linearise_ratio(Design.from_arrays(n=9), y)
    lonely_total = z[6:, 0].sum()
    assert adjust.vcov[0, 0] - remove.vcov[0, 0] == pytest.approx(lonely_total**2, rel=1e-12)
    assert certainty.vcov[0, 0] == remove.vcov[0, 0]


def test_vcov_of_several_columns_is_a_covariance_matrix():
    w, s, c, y, g = random_design(4)
    d = Design.from_arrays(weights=w, strata=s, clusters=c)
    ys = np.stack([y, np.where(np.isnan(y), np.nan, y**2), (g == 1).astype(float)], axis=1)
    m = domain_mean(d, ys)
    assert m.vcov.shape == (3, 3)
    np.testing.assert_allclose(m.vcov, m.vcov.T)
    assert np.all(np.linalg.eigvalsh(m.vcov) > -1e-12)
    for j in range(3):
        assert m.vcov[j, j] == pytest.approx(domain_mean(d, ys[:, j]).vcov[0, 0], rel=1e-12)
    stacked = vcov_totals(d, np.stack([psu_totals(d, np.ones((d.n, 2)))] * 3))
    assert stacked.shape == (3, 2, 2)


def test_srs_standard_error_is_the_textbook_one():
    rng = np.random.default_rng(7)
    y = rng.normal(size=57)
    m = domain_mean(Design.from_arrays(n=57), y)
    assert m.se[0] == pytest.approx(np.std(y, ddof=1) / np.sqrt(57), rel=1e-12)
    assert m.n_eff[0] == pytest.approx(57) and m.deff[0] == pytest.approx(1) and m.degf[0] == 56


def test_kish_effective_base_and_design_effect():
    w = np.array([1.0, 2.0, 3.0, 4.0, 0.0])
    m = domain_mean(Design.from_arrays(weights=w), np.array([1.0, 0, 1, 0, 1]))
    assert m.n[0] == 4 and m.nrow[0] == 5
    assert m.n_eff[0] == pytest.approx(100 / 30)
    assert m.deff[0] == pytest.approx(4 * 30 / 100)


def test_empty_domain_has_no_estimate_and_no_variance():
    m = domain_mean(Design.from_arrays(n=4), np.array([1.0, 2, 3, 4]), np.zeros(4, bool))
    assert np.isnan(m.estimate[0]) and m.vcov[0, 0] == 0 and m.n[0] == 0 and m.degf[0] == 0
