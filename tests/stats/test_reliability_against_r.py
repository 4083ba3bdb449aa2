"""Alpha and the one-factor model (:mod:`collabstate.stats.reliability`, issue 18) agree with R:
``psych::alpha`` (alpha, Feldt's interval from ``alpha.ci``, item–rest correlations ``r.drop``,
alpha if an item is dropped) to 1e-10, and ``lavaan::cfa(std.lv = TRUE)``: loadings and residual
variances to 1e-5 (lavaan's optimiser stops within about 4e-7 of the optimum, which BFGS here
reaches to a gradient of 1e-6 or less), χ², df, p, CFI, TLI, RMSEA, SRMR and ω to 1e-6, on random item
sets of four to eight items with one, two or no common factor. ``tests/stats/r/reliability.R``
is R's side; it needs Debian's r-cran-psych and r-cran-lavaan."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from conftest import R_DIR

from collabstate.stats.reliability import covariance, cronbach_alpha, invariance, one_factor

pytestmark = pytest.mark.r

CASES = {"case_1": (1, 4, 1.0), "case_2": (2, 6, 0.7), "case_3": (3, 8, 0.5), "case_4": (4, 5, 0.0)}


def _case(seed: int, k: int, strength: float) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(150, 400))
    factor = rng.normal(size=n)
    second = rng.normal(size=n)
    items = {}
    for j in range(k):
        raw = strength * (0.5 + 0.1 * j) * factor + (0.4 * second if j % 3 == 0 else 0) + rng.normal(size=n)
        items[f"i{j + 1}"] = np.clip(np.round(2 + raw), 0, 4)  # 0..4 like a rating scale
    return pl.DataFrame(items)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript is not installed")
    probe = subprocess.run(["Rscript", "-e", "quit(status = !all(sapply(c('psych', 'lavaan'), requireNamespace, quietly = TRUE)))"])
    if probe.returncode:
        pytest.skip("R's psych and lavaan packages are not installed (Debian: r-cran-psych, r-cran-lavaan)")
    out = tmp_path_factory.mktemp("reliability")
    cases = {name: _case(*spec) for name, spec in CASES.items()}
    for name, frame in cases.items():
        frame.write_csv(out / f"{name}.csv")
    run = subprocess.run(["Rscript", str(R_DIR / "reliability.R"), str(out)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    ref = pl.read_csv(Path(out) / "reference.csv", schema_overrides={"item": pl.String}).with_columns(pl.col("item").fill_null(""))
    return cases, {(r["case"], r["what"], r["item"]): r["value"] for r in ref.iter_rows(named=True)}


@pytest.mark.parametrize("case", list(CASES))
def test_alpha_agrees_with_psych(reference, case):
    cases, ref = reference
    frame = cases[case]
    result = cronbach_alpha(frame.to_numpy().astype(float))
    assert result.alpha == pytest.approx(ref[(case, "alpha", "")], rel=1e-10)
    assert result.ci_low == pytest.approx(ref[(case, "alpha_low", "")], rel=1e-10)
    assert result.ci_high == pytest.approx(ref[(case, "alpha_high", "")], rel=1e-10)
    for j, item in enumerate(frame.columns):
        assert result.item_rest_r[j] == pytest.approx(ref[(case, "item_rest_r", item)], rel=1e-10)
        assert result.alpha_if_dropped[j] == pytest.approx(ref[(case, "alpha_if_dropped", item)], rel=1e-10)


@pytest.mark.parametrize("case", list(CASES))
def test_the_one_factor_model_agrees_with_lavaan(reference, case):
    cases, ref = reference
    frame = cases[case]
    _, cov = covariance(frame.to_numpy().astype(float))
    model = one_factor(cov, frame.height)
    assert model.converged
    for j, item in enumerate(frame.columns):
        assert model.loadings[j] == pytest.approx(ref[(case, "loading", item)], rel=1e-5, abs=1e-6)
        assert model.residuals[j] == pytest.approx(ref[(case, "residual", item)], rel=1e-5, abs=1e-6)
    assert model.df == ref[(case, "df", "")]
    for name in ("chisq", "cfi", "tli", "rmsea", "srmr", "omega"):
        theirs = ref[(case, name, "")]
        assert getattr(model, name) == pytest.approx(theirs, rel=1e-6, abs=1e-8), name
    assert model.p_value == pytest.approx(ref[(case, "pvalue", "")], rel=1e-6, abs=1e-10)


INVARIANCE = {"inv_1": (21, 5, 3, 0.0), "inv_2": (22, 4, 2, 0.8)}  # seed, items, groups, the first item's shift in group 2


def _groups(seed: int, k: int, g: int, shift: float) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for group in range(1, g + 1):
        n = int(rng.integers(150, 300))
        factor = rng.normal(0.2 * group, 1.0 + 0.1 * group, n)
        items = {f"i{j + 1}": 2 + 0.7 * factor + rng.normal(size=n) + (shift if (group == 2 and j == 0) else 0.0) for j in range(k)}
        frames.append(pl.DataFrame({**items, "g": np.full(n, group)}))
    return pl.concat(frames)


@pytest.fixture(scope="module")
def invariance_reference(reference, tmp_path_factory):
    out = tmp_path_factory.mktemp("invariance")
    cases = {name: _groups(*spec) for name, spec in INVARIANCE.items()}
    for name, frame in cases.items():
        frame.write_csv(out / f"{name}.csv")
    run = subprocess.run(["Rscript", str(R_DIR / "reliability.R"), str(out)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    ref = pl.read_csv(out / "invariance.csv")
    return cases, {(r["case"], r["level"], r["what"]): r["value"] for r in ref.iter_rows(named=True)}


@pytest.mark.parametrize("case", list(INVARIANCE))
def test_invariance_agrees_with_lavaan(invariance_reference, case):
    cases, ref = invariance_reference
    frame = cases[case]
    items = [c for c in frame.columns if c != "g"]
    groups = [(frame.filter(pl.col("g") == g).select(items).to_numpy().astype(float), frame.filter(pl.col("g") == g).height)
              for g in sorted(frame["g"].unique())]  # fmt: skip
    levels = invariance(groups)
    assert [lv.level for lv in levels] == ["configural", "metric", "scalar"]
    for lv in levels:
        assert lv.converged, lv
        assert lv.df == ref[(case, lv.level, "df")]
        for name in ("chisq", "cfi", "tli", "rmsea", "srmr"):
            assert getattr(lv, name) == pytest.approx(ref[(case, lv.level, name)], rel=1e-5, abs=1e-7), (lv.level, name)
    if case == "inv_2":  # the first item's intercept differs in group 2: scalar invariance fails
        assert levels[1].holds is True and levels[2].holds is False
