"""Survey-weighted regression (:func:`collabstate.stats.glm.svyglm`) agrees with R's ``svyglm``
(issue 18): on random designs (strata and clusters with unequal weights; clusters only; strata
only, one of them a single PSU; weights only), with missing outcomes and predictors, zero weights
and a three-level factor, the linear model ``y ~ x1 + factor(x2) + x3`` and the logistic one
``yb ~ …`` (R's ``quasibinomial``, fitted to a deviance change of 1e-12) give R's coefficients,
standard errors, residual degrees of freedom, p-values and 95% intervals to 1e-10 (relative, or
absolute near 0). ``tests/stats/r/glm.R`` is R's side."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from conftest import r_on_cases

from collabstate.stats import Design
from collabstate.stats.glm import svyglm

pytestmark = pytest.mark.r

TOL = 1e-10
CASES = {  # name: (seed, strata, clusters, weights)
    "case_1": (1, True, True, True),
    "case_2": (2, True, True, True),
    "case_3": (3, False, True, True),
    "case_4": (4, True, False, True),
    "case_5": (5, False, False, True),
}


def _case(seed: int, strata: bool, clusters: bool, weights: bool) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(300, 600))
    columns: dict[str, np.ndarray] = {}
    if strata:
        columns["stratum"] = rng.integers(1, 6, n)
        if not clusters:
            columns["stratum"][rng.integers(0, n)] = 9  # a stratum of a single PSU
    if clusters:
        columns["cluster"] = rng.integers(1, 25, n)
    if weights:
        w = rng.gamma(2.0, 1.5, n)
        w[rng.random(n) < 0.02] = 0.0
        columns["weight"] = w
    x1 = rng.normal(50, 10, n)
    x2 = rng.integers(1, 4, n).astype(float)
    x3 = (rng.random(n) < 0.4).astype(float)
    eta = -3 + 0.05 * x1 + 0.4 * (x2 == 2) - 0.3 * (x2 == 3) + 0.8 * x3
    y = 2 + 0.3 * x1 - 1.5 * (x2 == 2) + 1.0 * (x2 == 3) + 2.0 * x3 + rng.normal(0, 4, n)
    yb = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    for arr in (y, yb, x1, x2, x3):
        arr[rng.random(n) < 0.05] = np.nan
    return pl.DataFrame({**columns, "y": y, "yb": yb, "x1": x1, "x2": x2, "x3": x3}).fill_nan(None)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[dict[str, pl.DataFrame], dict[tuple[str, str, str], dict]]:
    cases = {name: _case(*spec) for name, spec in CASES.items()}
    ref = r_on_cases("glm.R", cases, tmp_path_factory)
    return cases, {(r["case"], r["family"], r["term"]): r for r in ref.iter_rows(named=True)}


R_TERMS = {"(Intercept)": "(Intercept)", "x1": "x1", "x2=2": "factor(x2)2", "x2=3": "factor(x2)3", "x3": "x3"}


def _close(ours: float, theirs: float) -> bool:
    return abs(ours - theirs) <= TOL * max(1.0, abs(theirs))


@pytest.mark.parametrize("family", ["linear", "logistic"])
@pytest.mark.parametrize("case", list(CASES))
def test_svyglm_agrees_with_r(reference, case, family):
    cases, ref = reference
    frame = cases[case]
    design = Design.from_arrays(
        weights=frame["weight"].to_numpy() if "weight" in frame.columns else None,
        strata=frame["stratum"].to_list() if "stratum" in frame.columns else None,
        clusters=frame["cluster"].to_list() if "cluster" in frame.columns else None,
    )
    x2 = frame["x2"].to_numpy()
    x = np.column_stack([frame["x1"].to_numpy(), np.where(np.isnan(x2), np.nan, x2 == 2), np.where(np.isnan(x2), np.nan, x2 == 3),
                         frame["x3"].to_numpy()])  # fmt: skip
    fit = svyglm(design, x, frame["y" if family == "linear" else "yb"].to_numpy(), ["x1", "x2=2", "x2=3", "x3"], family)
    assert fit.converged
    for row in fit.rows():
        theirs = ref[(case, family, R_TERMS[str(row["term"])])]
        assert row["df"] == theirs["df"], (row, theirs)
        for ours_key, their_key in (("estimate", "estimate"), ("se", "se"), ("p_value", "p"), ("ci_low", "ci_low"), ("ci_high", "ci_high")):
            assert _close(float(row[ours_key]), float(theirs[their_key])), (
                case,
                family,
                row["term"],
                ours_key,
                row[ours_key],
                theirs[their_key],
            )
