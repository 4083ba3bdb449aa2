"""Properties of raking and of the calibrated variance that hold for any data and design (hypothesis)."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from collabstate.dataset import Responses
from collabstate.instrument import load_instrument
from collabstate.stats import Design, Targets, domain_mean, estimate, poststratify, rake
from collabstate.stats._kernel import CalibratedKernel

LEADERS = load_instrument("leaders")
SETTINGS = settings(max_examples=30, deadline=None)


@st.composite
def samples(draw, clustered: bool | None = None) -> Responses:
    """Random answers to sector, role and growth_belief (every respondent has a sector and a role),
    with random weights, strata and (maybe) clusters."""
    n = draw(st.integers(20, 150))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    clustered = draw(st.booleans()) if clustered is None else clustered
    growth = rng.choice([1, 2, 3, 4, 5], n).astype(float)
    growth[rng.random(n) < 0.1] = np.nan
    frame = pl.DataFrame(
        {
            "weight": rng.uniform(0.2, 5.0, n),
            "stratum": rng.choice(["a", "b", "c"], n),
            "sector": rng.choice([1, 2, 3, 4], n, p=[0.4, 0.3, 0.2, 0.1]),
            "role": rng.choice([1, 2, 3, 4, 5], n),
            "growth_belief": pl.Series(growth).fill_nan(None).cast(pl.Int64),
        }
    )
    if clustered:
        frame = frame.with_columns(cluster=pl.Series(rng.integers(0, max(2, n // 5), n).astype(str)))
    return Responses(LEADERS, frame)


def margins(r: Responses, w: np.ndarray, names: list[str]) -> dict:
    out = {}
    for name in names:
        sums = pl.DataFrame({"v": r.data[name], "w": w}).group_by("v").agg(pl.col("w").sum())
        out[name] = dict(sums.iter_rows())
    return out


@SETTINGS
@given(samples())
def test_raking_to_the_margins_the_sample_has_leaves_the_weights_unchanged(r):
    w = r.data["weight"].to_numpy()
    result = rake(r, Targets(margins(r, w, ["sector", "stratum", "role"])))
    assert result.converged and result.iterations == 1
    np.testing.assert_allclose(result.weights, w, rtol=1e-12)


@SETTINGS
@given(samples(), st.integers(0, 2**32 - 1))
def test_after_raking_every_margin_matches(r, seed):
    """Targets that some positive reweighting meets (so raking can meet them) are met."""
    w = r.data["weight"].to_numpy()
    reweighted = w * np.random.default_rng(seed).uniform(0.3, 3.0, r.n)
    names = ["sector", "stratum", "role"]
    targets = margins(r, reweighted, names)
    result = rake(r, Targets(targets), max_iter=2000, epsilon=1e-11)
    assert result.converged and result.max_margin_error < 1e-9
    achieved = margins(r, result.weights, names)
    total = reweighted.sum()
    for name in names:
        for code, target in targets[name].items():
            assert abs(achieved[name][code] - target) < 1e-8 * total


@SETTINGS
@given(samples(), st.booleans(), st.booleans())
def test_the_calibrated_variance_is_the_same_by_sums_and_by_respondents(r, twice, dense):
    """estimate()'s grouped kernel (dense residual totals, or the expansion used for large designs)
    equals R's residual on every respondent (domain_mean)."""
    limit = CalibratedKernel.DENSE_LIMIT
    CalibratedKernel.DENSE_LIMIT = limit if dense else 0
    try:
        _check_kernel(r, twice)
    finally:
        CalibratedKernel.DENSE_LIMIT = limit


def _check_kernel(r: Responses, twice: bool) -> None:
    w = r.data["weight"].to_numpy()
    shares = {"sector": {1: 0.25, 2: 0.25, 3: 0.25, 4: 0.25}}
    present = set(r.data["sector"].unique().to_list())
    shares["sector"] = {c: 1 / len(present) for c in present}
    result = poststratify(r, Targets(shares))
    if twice:
        result = rake(result.responses, Targets(margins(r, w * 1.5, ["stratum", "role"])))
    responses = result.responses
    design = Design.from_responses(responses)
    table = estimate(responses, ["growth_belief"], by="role", min_base=5, low_base=5)
    y = responses.data["growth_belief"].cast(pl.Float64).to_numpy()
    for row in table.filter(pl.col("estimate").is_not_null()).iter_rows(named=True):
        if row["statistic"] not in ("mean", "proportion"):
            continue
        domain = None if row["group"] is None else (responses.data["role"] == int(row["group"])).to_numpy()
        v = y if row["statistic"] == "mean" else np.where(np.isnan(y), np.nan, (y == int(row["option"])).astype(float))
        m = domain_mean(design, v, domain)
        assert abs(row["se"] - m.se[0]) <= 1e-9 * m.se[0] + 1e-14
