"""Relative weights (:func:`collabstate.stats.relweights.relative_weights`, issue 18) agree with R:
on random designs (strata and clusters; clusters only; weights only, each respondent a PSU) with
correlated predictors, a three-level factor whose dummies share one weight, missing answers and
zero weights, the raw weights and R² equal R's computation of Johnson's method to 1e-10, and their
jackknife standard errors equal R's ``withReplicates`` over ``as.svrepdesign(type = "JKn")``
(JK1 without strata) to 1e-10. ``tests/stats/r/relweights.R`` is R's side.

They also equal an independent implementation here, Johnson's own route through the singular
value decomposition of the weighted, standardised data (no correlation matrix, no eigenvalues),
on any data hypothesis draws, and sum to the R² of the weighted least-squares fit."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from conftest import r_on_cases
from hypothesis import given, settings
from hypothesis import strategies as st

from collabstate.stats import Design
from collabstate.stats.relweights import relative_weights

CASES = {"case_1": (11, True, True), "case_2": (12, False, True), "case_3": (13, False, False)}
NAMES = ["x1", "x2", "x3", "x4", "f"]
GROUPS = [0, 1, 2, 3, 4, 4]


def _case(seed: int, strata: bool, clusters: bool) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(250, 400))
    columns: dict[str, np.ndarray] = {}
    if strata:
        columns["stratum"] = rng.integers(1, 5, n)
    if clusters:
        columns["cluster"] = rng.integers(1, 12, n)
    w = rng.gamma(2.0, 1.0, n)
    w[rng.random(n) < 0.02] = 0.0
    columns["weight"] = w
    common = rng.normal(size=n)
    x = np.column_stack([common + rng.normal(size=n) * s for s in (0.5, 1.0, 1.5, 3.0)])
    f = rng.integers(1, 4, n).astype(float)
    y = x @ np.array([0.6, 0.3, 0.2, 0.05]) + 0.5 * (f == 2) + rng.normal(size=n) * 1.5
    frame = {**columns, "y": y, **{f"x{j + 1}": x[:, j] for j in range(4)}, "f": f}
    for name in ("y", "x1", "f"):
        frame[name][rng.random(n) < 0.04] = np.nan
    return pl.DataFrame(frame).fill_nan(None)


def _inputs(frame: pl.DataFrame) -> tuple[Design, np.ndarray, np.ndarray]:
    design = Design.from_arrays(
        weights=frame["weight"].to_numpy(),
        strata=frame["stratum"].to_list() if "stratum" in frame.columns else None,
        clusters=frame["cluster"].to_list() if "cluster" in frame.columns else None,
    )
    f = frame["f"].to_numpy()
    x = np.column_stack([*(frame[f"x{j}"].to_numpy() for j in range(1, 5)), np.where(np.isnan(f), np.nan, f == 2),
                         np.where(np.isnan(f), np.nan, f == 3)])  # fmt: skip
    return design, x, frame["y"].to_numpy()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    cases = {name: _case(*spec) for name, spec in CASES.items()}
    ref = r_on_cases("relweights.R", cases, tmp_path_factory)
    return cases, {(r["case"], r["what"]): r for r in ref.iter_rows(named=True)}


@pytest.mark.r
@pytest.mark.parametrize("case", list(CASES))
def test_relative_weights_and_jackknife_agree_with_r(reference, case):
    cases, ref = reference
    result = relative_weights(*_inputs(cases[case]), NAMES, GROUPS)
    for j, name in enumerate(NAMES):
        assert result.raw[j] == pytest.approx(ref[(case, name)]["value"], rel=1e-10, abs=1e-13)
        assert result.raw_se[j] == pytest.approx(ref[(case, name)]["se"], rel=1e-10, abs=1e-13)
    assert result.r2 == pytest.approx(ref[(case, "r2")]["value"], rel=1e-10)
    assert result.r2_se == pytest.approx(ref[(case, "r2")]["se"], rel=1e-10)


def _johnson_by_svd(x: np.ndarray, y: np.ndarray, w: np.ndarray, groups: list[int]) -> tuple[np.ndarray, float]:
    """Johnson (2000) as he wrote it: standardise (weighted), X = P Δ Qᵀ, Z = P Qᵀ the orthogonal
    counterparts, regress y on Z and X on Z, raw weight_j = Σ_k λ_jk² β_k²."""
    keep = np.isfinite(y) & np.isfinite(x).all(axis=1) & (w > 0)
    x, y, w = x[keep], y[keep], w[keep] / w[keep].sum()
    root = np.sqrt(w)[:, None]
    xs = (x - w @ x) / np.sqrt(w @ (x - w @ x) ** 2) * root
    ys = (y - w @ y) / np.sqrt(w @ (y - w @ y) ** 2) * root[:, 0]
    p_, _, qt = np.linalg.svd(xs, full_matrices=False)
    z = p_ @ qt
    beta = np.linalg.lstsq(z, ys, rcond=None)[0]
    lam = np.linalg.lstsq(z, xs, rcond=None)[0]  # x_j on the z's: column j; λ_kj
    raw = (lam.T**2) @ (beta**2)
    fitted = np.linalg.lstsq(np.column_stack([np.ones(len(y)) * root[:, 0], x * root]), y * root[:, 0], rcond=None)[0]
    resid = y - np.column_stack([np.ones(len(y)), x]) @ fitted
    r2 = 1 - (w @ resid**2) / (w @ (y - w @ y) ** 2)
    return np.bincount(groups, weights=raw), float(r2)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 100_000), strata=st.booleans(), clusters=st.booleans())
def test_relative_weights_equal_johnsons_own_route_and_sum_to_r2(seed, strata, clusters):
    frame = _case(seed, strata, clusters)
    design, x, y = _inputs(frame)
    result = relative_weights(design, x, y, NAMES, GROUPS)
    raw, r2 = _johnson_by_svd(x, y, design.weights, GROUPS)
    np.testing.assert_allclose(result.raw, raw, rtol=1e-9, atol=1e-12)
    assert result.r2 == pytest.approx(r2, rel=1e-9)
    assert result.raw.sum() == pytest.approx(result.r2, rel=1e-12)
    assert result.importance.sum() == pytest.approx(1.0, rel=1e-12)
    low, high = result.intervals()
    assert np.all(low <= result.importance) and np.all(result.importance <= high)
