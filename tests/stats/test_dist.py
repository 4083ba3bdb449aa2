"""The distribution functions of collabstate.stats._dist give what scipy.stats gives, to the bit,
on random arguments and at every edge (q of 0 and 1, x at and beyond the support, arguments out
of range, NaN, infinite degrees of freedom), as arrays and as scalars."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from collabstate.stats import _dist

RNG = np.random.default_rng(15)
N = 20_000
EDGE_Q = np.array([0.0, 1.0, 0.5, 1e-300, 1 - 1e-16, 0.025, 0.975, -0.1, 1.1, np.nan])
EDGE_X = np.array([-np.inf, -5.0, -1e-300, -0.0, 0.0, 1e-300, 0.3, 1.0, 40.0, 1e300, np.inf, np.nan])
EDGE_DF = np.array([-1.0, 0.0, 1e-3, 0.5, 1.0, 2.0, 7.5, 1e4, 1e10, np.inf, np.nan])


def _same(ours, theirs) -> None:
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    assert np.array_equal(ours, theirs, equal_nan=True)
    assert np.array_equal(np.signbit(ours), np.signbit(theirs))  # -0.0 is not 0.0


def _grid(*columns: np.ndarray) -> list[np.ndarray]:
    return [c.ravel() for c in np.meshgrid(*columns, indexing="ij")]


def test_t_quantile():
    q, df = RNG.random(N), np.concatenate([RNG.integers(1, 100_000, N // 2), 1 + 60 * RNG.random(N - N // 2)]).astype(float)
    _same(_dist.t_ppf(q, df), stats.t.ppf(q, df))
    q, df = _grid(EDGE_Q, EDGE_DF)
    _same(_dist.t_ppf(q, df), stats.t.ppf(q, df))
    for level in (0.9, 0.95, 0.99):
        for d in (1.0, 3.0, 30.0, 12_345.0, np.inf):
            _same(_dist.t_ppf(1 - (1 - level) / 2, d), stats.t.ppf(1 - (1 - level) / 2, d))


def test_t_tail():
    x = np.concatenate([RNG.normal(0, 6, N), np.abs(RNG.normal(0, 40, N))])
    df = np.concatenate([RNG.integers(1, 100_000, N), 1 + 60 * RNG.random(N)]).astype(float)
    _same(_dist.t_sf(x, df), stats.t.sf(x, df))
    x, df = _grid(EDGE_X, EDGE_DF)
    _same(_dist.t_sf(x, df), stats.t.sf(x, df))
    _same(_dist.t_sf(2.5, 12.0), stats.t.sf(2.5, 12.0))


def test_normal_quantile_and_tail():
    q = np.concatenate([RNG.random(N), EDGE_Q])
    _same(_dist.norm_ppf(q), stats.norm.ppf(q))
    _same(_dist.norm_ppf(0.975), stats.norm.ppf(0.975))
    x = np.concatenate([RNG.normal(0, 6, N), np.abs(RNG.normal(0, 40, N)), EDGE_X])
    _same(_dist.norm_sf(x), stats.norm.sf(x))
    _same(_dist.norm_sf(1.5), stats.norm.sf(1.5))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # boost gives up on q = 1e-300, in scipy.stats as here
def test_beta_quantile():
    q, a, b = RNG.random(N), 500 * RNG.random(N), 1 + 500 * RNG.random(N)
    _same(_dist.beta_ppf(q, a, b), stats.beta.ppf(q, a, b))
    q, a, b = _grid(EDGE_Q, EDGE_DF, EDGE_DF)
    _same(_dist.beta_ppf(q, a, b), stats.beta.ppf(q, a, b))


@pytest.mark.parametrize("name", ["f", "chi2"])
def test_f_and_chi_squared_tails(name):
    x = np.concatenate([RNG.exponential(3, N), EDGE_X])
    if name == "f":
        m, n = 1 + 10 * RNG.random(x.size), 1 + 500 * RNG.random(x.size)
        _same(_dist.f_sf(x, m, n), stats.f.sf(x, m, n))
        x, m, n = _grid(EDGE_X, EDGE_DF, EDGE_DF)
        _same(_dist.f_sf(x, m, n), stats.f.sf(x, m, n))
        _same(_dist.f_sf(2.5, 3.0, 40.0), stats.f.sf(2.5, 3.0, 40.0))
    else:
        df = 1 + 20 * RNG.random(x.size)
        _same(_dist.chi2_sf(x, df), stats.chi2.sf(x, df))
        x, df = _grid(EDGE_X, EDGE_DF)
        _same(_dist.chi2_sf(x, df), stats.chi2.sf(x, df))
        _same(_dist.chi2_sf(2.5, 3.0), stats.chi2.sf(2.5, 3.0))
