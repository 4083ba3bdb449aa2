"""The fast kernels behind estimate() give the same full (group × group) covariance matrices as
the plain dense formula (z per domain, PSU totals, vcov_totals), for designs with and without
clusters (closed form for single-respondent PSUs), lonely strata, zero weights and empty groups."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from collabstate.dataset import Responses
from collabstate.instrument import load_instrument
from collabstate.stats import Design
from collabstate.stats._breakdown import make_breakdown
from collabstate.stats._engine import Engine
from collabstate.stats._kernel import SingletonKernel
from collabstate.stats.variance import linearise_ratio, psu_totals, vcov_totals

READINESS = load_instrument("readiness-2018")


def responses(seed: int, clustered: bool) -> Responses:
    rng = np.random.default_rng(seed)
    n = 400
    stratum = rng.choice(["a", "b", "c"], n)
    stratum[:1] = "lonely"  # a stratum with a single respondent (and so a single PSU)
    data = {
        "weight": rng.uniform(0.2, 3, n) * (rng.random(n) > 0.03),  # some zero weights
        "stratum": stratum,
        "q16_sector": rng.choice([1, 2], n),  # sector 3 is an empty group
        "q10_involvement": rng.choice([1, 2, 3, 4, 5, 9], n),
        "q7_importance": rng.choice([1, 2, 3, 4, 5], n),
    }
    if clustered:
        cluster = rng.integers(0, 8, n).astype(str)
        cluster[:1] = "0"
        data["cluster"] = cluster
    for factor in ("behaviours", "citizens", "systems", "services", "places", "markets", "urgency", "requirements"):
        for prefix in ("imp_", "prev_"):
            data[prefix + factor] = rng.choice([0, 1, 2, 3, 9], n)
    frame = pl.DataFrame(data).with_columns(
        pl.when(pl.int_range(pl.len()) % 7 == 3).then(None).otherwise(pl.col("q10_involvement")).alias("q10_involvement")
    )
    for option in READINESS.multiple["q17_area"]:
        frame = frame.with_columns(
            pl.Series(f"q17_area/{option}", np.where(rng.random(n) < 0.1, np.nan, rng.integers(0, 2, n))).cast(pl.Int8, strict=False)
        )
    return Responses(READINESS, frame)


def dense_cov(design: Design, y: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    z = [linearise_ratio(design, y, groups == g)[1][:, 0] for g in range(n_groups)]
    z.append(linearise_ratio(design, y)[1][:, 0])
    return vcov_totals(design, psu_totals(design, np.stack(z, axis=1)))


def _y(r: Responses, question: str, option: str | None, statistic: str) -> np.ndarray:
    if question == "q17_area":
        answered = np.zeros(r.n, bool)
        for o in READINESS.multiple["q17_area"]:
            answered |= r.data[f"q17_area/{o}"].is_not_null().to_numpy()
        flag = r.data[f"q17_area/{option}"].fill_null(0).cast(pl.Float64).to_numpy()
        return np.where(answered, flag, np.nan)
    x = r.data[question].cast(pl.Float64).to_numpy().copy()
    x[x == 9] = np.nan
    if statistic == "mean":
        return x
    if statistic == "proportion":
        codes = [int(option)]
    else:
        codes = next(net.codes for net in READINESS.nets(READINESS.question(question)) if net.id == option)
    return np.where(np.isnan(x), np.nan, np.isin(x, codes).astype(float))


@pytest.mark.parametrize("lonely", ["adjust", "remove"])
@pytest.mark.parametrize("clustered", [False, True])
def test_block_covariances_equal_the_dense_formula(clustered, lonely):
    r = responses(11, clustered)
    design = Design.from_responses(r, lonely_psu=lonely)
    breakdown = make_breakdown(r, "q16_sector")
    engine = Engine(design, breakdown)
    assert isinstance(engine.kernel, SingletonKernel) == (not clustered)
    groups = breakdown.codes
    blocks = engine.blocks(r, ["q10_involvement", "q7_importance", "q17_area"])
    assert len(blocks) > 15
    for block in blocks:
        question = "q17_area" if block.question == "q17_area" else block.question
        if question == "q17_area" and block.statistic != "proportion":
            continue
        y = _y(r, question, block.option, block.statistic)
        reference = dense_cov(design, y, groups, breakdown.n_groups)
        scale = np.abs(reference).max()
        np.testing.assert_allclose(
            block.cov, reference, rtol=0, atol=1e-10 * scale, err_msg=f"{block.question} {block.option} {block.statistic}"
        )
        np.testing.assert_array_equal(
            block.domain.n,
            [np.sum(~np.isnan(y) & (groups == g) & (design.weights > 0)) for g in range(3)] + [np.sum(~np.isnan(y) & (design.weights > 0))],
        )


@pytest.mark.parametrize("clustered", [False, True])
def test_index_gap_covariances_equal_the_dense_formula(clustered):
    r = responses(12, clustered)
    design = Design.from_responses(r)
    breakdown = make_breakdown(r, "q16_sector")
    blocks = Engine(design, breakdown).blocks(r, ["readiness"])
    gap = next(b for b in blocks if b.question == "readiness/gap" and b.option == "citizens")
    imp, prev = (_y(r, f"{p}_citizens", None, "mean") for p in ("imp", "prev"))
    g = breakdown.codes
    z = [linearise_ratio(design, imp, g == k)[1][:, 0] - linearise_ratio(design, prev, g == k)[1][:, 0] for k in range(3)]
    z.append(linearise_ratio(design, imp)[1][:, 0] - linearise_ratio(design, prev)[1][:, 0])
    reference = vcov_totals(design, psu_totals(design, np.stack(z, axis=1)))
    np.testing.assert_allclose(gap.cov, reference, rtol=0, atol=1e-10 * np.abs(reference).max())
    assert np.isnan(gap.est[2]) and gap.domain.n[2] == 0  # the empty group
