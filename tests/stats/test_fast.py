"""The dense path (:mod:`collabstate.stats._fast`) gives what the kernel gives, statistic by statistic."""

from __future__ import annotations

import doctest

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from collabstate.stats import Design, _fast
from collabstate.stats._fast import Dense, usable
from collabstate.stats._kernel import Kernel


def _case(seed: int, lonely: str):
    """A random design (zero weights, lonely strata, thin or empty groups, respondents in no group)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(30, 400))
    strata = rng.integers(0, int(rng.integers(1, 5)), n)
    clusters = rng.integers(0, int(rng.integers(1, 12)), n)
    weights = rng.uniform(0.2, 4, n) * (rng.random(n) > 0.05)
    design = Design.from_arrays(weights=weights, strata=strata, clusters=clusters, lonely_psu=lonely)
    g = int(rng.integers(1, 5))
    codes = rng.integers(0, g + 1, n)
    codes[codes == 0] = np.where(rng.random((codes == 0).sum()) < 0.5, 0, g)
    return rng, design, codes, g


def _kernel_one_by_one(kernel: Kernel, valid, code, values):
    c = values.shape[0]
    w = kernel.design.weights
    sums = np.bincount(kernel.inv[valid] * c + code[valid], weights=w[valid], minlength=kernel.k * c).reshape(kernel.k, c)
    base, num = sums.sum(axis=1), sums @ values
    out = []
    for j in range(values.shape[1]):
        e, t = kernel.linearise(base, num[:, j])
        out.append((e, kernel.vcov(t)))
    return out


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["adjust", "remove", "certainty"]))
def test_coded_statistics_equal_the_kernel(seed, lonely):
    rng, design, codes, g = _case(seed, lonely)
    c = int(rng.integers(2, 6))
    code = np.where(rng.random(design.n) > 0.1, rng.integers(0, c, design.n), -1)
    values = np.column_stack([np.eye(c), rng.integers(0, 2, (c, 2)), np.arange(1.0, c + 1)])
    est, cov = Dense(design, codes, g).coded(code, values)
    for j, (e, v) in enumerate(_kernel_one_by_one(Kernel(design, codes, g), code >= 0, np.clip(code, 0, None), values)):
        np.testing.assert_allclose(est[j], e, rtol=1e-12, atol=1e-15, equal_nan=True)
        np.testing.assert_allclose(cov[j], v, rtol=1e-10, atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_shares_of_a_common_base_equal_the_kernel(seed):
    rng, design, codes, g = _case(seed, "adjust")
    valid = rng.random(design.n) > 0.2
    hits = [(rng.random(design.n) < p) & valid for p in (0.1, 0.5, 0.9)]
    est, cov = Dense(design, codes, g).shares(valid, hits)
    kernel = Kernel(design, codes, g)
    for j, hit in enumerate(hits):
        [(e, v)] = _kernel_one_by_one(kernel, valid, hit.astype(np.int64), np.array([[0.0], [1.0]]))
        np.testing.assert_allclose(est[j], e, rtol=1e-12, atol=1e-15, equal_nan=True)
        np.testing.assert_allclose(cov[j], v, rtol=1e-10, atol=1e-15)


def test_usable_only_where_dense_is_small():
    clustered = Design.from_arrays(clusters=np.repeat(np.arange(50), 20))
    assert usable(clustered, 4)
    assert not usable(Design.from_arrays(n=1000), 4)  # every respondent a PSU: the singleton kernel's case
    assert not usable(clustered, 100)


def test_docstring_example():
    result = doctest.testmod(_fast)
    assert result.attempted > 0 and result.failed == 0


def test_the_engine_gives_the_same_table_with_or_without_the_dense_path(monkeypatch):
    """The engine routes clustered designs through the dense path; forcing the kernel instead
    changes no estimate, SE, base, degree of freedom or letter of the full table."""
    import polars as pl

    from collabstate.dataset import Responses
    from collabstate.demo import leaders_wave
    from collabstate.instrument import load_instrument
    from collabstate.stats import _engine, estimate
    from collabstate.stats._breakdown import make_breakdown

    frame = leaders_wave(2025)
    rng = np.random.default_rng(5)
    n = frame.height
    data = frame.with_columns(
        pl.Series("cluster", rng.integers(0, 40, n)),
        pl.Series("stratum", rng.integers(0, 3, n)),
        pl.Series("weight", rng.uniform(0.5, 2, n)),
    )
    clustered = Responses(load_instrument("leaders"), data)
    engine = _engine.Engine(Design.from_responses(clustered), make_breakdown(clustered, "sector"))
    assert engine.dense is not None  # the default route for this design
    dense = estimate(clustered, by="sector")
    monkeypatch.setattr(_engine, "usable", lambda design, g: False)
    kernel = estimate(clustered, by="sector")
    assert dense.select("question", "option", "statistic", "group", "n", "letters").equals(
        kernel.select("question", "option", "statistic", "group", "n", "letters")
    )
    for column in ("estimate", "se", "ci_low", "ci_high", "n_eff", "deff"):
        np.testing.assert_allclose(dense[column].to_numpy(), kernel[column].to_numpy(), rtol=1e-10, atol=1e-14, equal_nan=True)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 5000), min_size=0, max_size=300), st.integers(0, 3))
def test_unique_inverse_equals_numpy_unique(keys, spare):
    """Counting (small bound) and sorting (large bound) give numpy's unique values and inverse."""
    from collabstate.stats.design import unique_inverse

    keys = np.asarray(keys, dtype=np.int64)
    expected_unique, expected_inverse = np.unique(keys, return_inverse=True)
    for bound in (int(keys.max(initial=0)) + 1 + spare, 10**7):
        uniq, inverse = unique_inverse(keys, bound)
        np.testing.assert_array_equal(uniq, expected_unique)
        np.testing.assert_array_equal(inverse, expected_inverse.reshape(-1))
        assert inverse.dtype == np.int64
