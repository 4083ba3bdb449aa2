"""Properties that hold for any data and any design (hypothesis)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collabstate.dataset import Responses
from collabstate.instrument import load_instrument
from collabstate.stats import Design, domain_mean, estimate

LEADERS = load_instrument("leaders")
SETTINGS = settings(max_examples=40, deadline=None)


@st.composite
def surveys(draw, weighted: bool | None = None, stratified: bool | None = None, clustered: bool | None = None, missing: float = 0.1):
    """Random leaders' answers with a random design (some answers missing)."""
    n = draw(st.integers(12, 150))
    seed = draw(st.integers(0, 2**32 - 1))
    weighted = draw(st.booleans()) if weighted is None else weighted
    stratified = draw(st.booleans()) if stratified is None else stratified
    clustered = draw(st.booleans()) if clustered is None else clustered
    rng = np.random.default_rng(seed)

    def answers(codes, missing=missing):
        values = rng.choice(codes, n).astype(float)
        values[rng.random(n) < missing] = np.nan
        return pl.Series(values).fill_nan(None).cast(pl.Int64)

    frame = pl.DataFrame({"sector": answers([1, 2, 3], 0.05), "growth_belief": answers([1, 2, 3, 4, 5]), "trained": answers([1, 2])})
    if weighted:
        frame = frame.with_columns(weight=pl.Series(rng.uniform(0.1, 5, n)))
    if stratified:
        frame = frame.with_columns(stratum=pl.Series(rng.choice(["a", "b", "c"], n)))
    if clustered:
        frame = frame.with_columns(cluster=pl.Series(rng.integers(0, max(2, n // 6), n).astype(str)))
    return Responses(LEADERS, frame)


@SETTINGS
@given(surveys())
def test_shares_of_a_single_choice_question_sum_to_one_in_every_group(r):
    table = estimate(r, ["growth_belief"], by="sector", min_base=5, low_base=5)
    shares = table.filter((pl.col("statistic") == "proportion") & pl.col("estimate").is_not_null())
    sums = shares.group_by("group").agg(pl.col("estimate").sum())
    assert np.allclose(sums["estimate"].to_numpy(), 1.0)
    nets = table.filter((pl.col("statistic") == "net") & (pl.col("option") == "agree") & pl.col("estimate").is_not_null())
    parts = shares.filter(pl.col("option").is_in(["4", "5"])).group_by("group", maintain_order=True).agg(pl.col("estimate").sum())
    joined = nets.join(parts, on="group", how="inner", nulls_equal=True, suffix="_parts")
    assert np.allclose(joined["estimate"].to_numpy(), joined["estimate_parts"].to_numpy())


@SETTINGS
@given(surveys(weighted=True), st.floats(0.001, 1000))
def test_scaling_the_weights_changes_neither_estimates_nor_standard_errors(r, factor):
    scaled = Responses(LEADERS, r.data.with_columns(pl.col("weight") * factor))
    a = estimate(r, ["growth_belief", "trained"], by="sector", min_base=5)
    b = estimate(scaled, ["growth_belief", "trained"], by="sector", min_base=5)
    for column in ("estimate", "se", "ci_low", "ci_high", "n_eff", "deff"):
        x, y = a[column].to_numpy(), b[column].to_numpy()
        assert np.array_equal(np.isnan(x), np.isnan(y)), column
        np.testing.assert_allclose(x[~np.isnan(x)], y[~np.isnan(y)], rtol=1e-9, atol=1e-13, err_msg=column)


@SETTINGS
@given(surveys(weighted=False, stratified=False, clustered=False, missing=0.0))
def test_simple_random_sample_standard_errors_are_the_textbook_ones(r):
    # Without missing answers: with them, the valid answers are a domain of the full sample
    # (n/(n-1) over all respondents), as in R's svymean(na.rm=TRUE).
    table = estimate(r, ["growth_belief"], min_base=5, low_base=5)
    y = r.data["growth_belief"].drop_nulls().cast(pl.Float64).to_numpy()
    n = len(y)
    if n < 5:
        return
    mean = table.filter(pl.col("statistic") == "mean").row(0, named=True)
    assert mean["estimate"] == pytest.approx(y.mean())
    assert mean["se"] == pytest.approx(np.std(y, ddof=1) / np.sqrt(n), rel=1e-9, abs=1e-12)
    for row in table.filter(pl.col("statistic") == "proportion").iter_rows(named=True):
        p = np.mean(y == int(row["option"]))
        assert row["estimate"] == pytest.approx(p)
        assert row["se"] == pytest.approx(np.sqrt(p * (1 - p) / (n - 1)), rel=1e-9, abs=1e-12)
        assert row["n_eff"] == pytest.approx(n) and row["deff"] == pytest.approx(1.0)


@SETTINGS
@given(surveys(), st.sampled_from(["wilson", "logit", "beta", "wald"]))
def test_intervals_contain_their_estimate(r, ci):
    table = estimate(r, ["growth_belief", "trained"], by="sector", ci=ci, min_base=5).filter(pl.col("ci_low").is_not_null())
    est, lo, hi = (table[c].to_numpy() for c in ("estimate", "ci_low", "ci_high"))
    assert np.all(lo <= est + 1e-12) and np.all(est <= hi + 1e-12)
    shares = table.filter(pl.col("statistic").is_in(["proportion", "net"]))
    assert ((shares["ci_low"] >= 0) & (shares["ci_high"] <= 1)).all()


@SETTINGS
@given(surveys(), st.integers(0, 2**32 - 1))
def test_the_order_of_respondents_does_not_matter(r, seed):
    order = np.random.default_rng(seed).permutation(r.n)
    shuffled = Responses(LEADERS, r.data[order])
    a = estimate(r, ["growth_belief"], by="sector", min_base=5)
    b = estimate(shuffled, ["growth_belief"], by="sector", min_base=5)
    assert a.select("n", "letters").equals(b.select("n", "letters"))
    for column in ("estimate", "se"):
        np.testing.assert_allclose(a[column].to_numpy(), b[column].to_numpy(), rtol=1e-9, atol=1e-14)


@SETTINGS
@given(surveys())
def test_each_group_is_the_domain_estimate_of_the_full_design(r):
    table = estimate(r, ["growth_belief"], by="sector", min_base=5).filter(pl.col("statistic") == "mean")
    design = Design.from_responses(r)
    y = r.data["growth_belief"].cast(pl.Float64).to_numpy()
    for row in table.filter(pl.col("estimate").is_not_null()).iter_rows(named=True):
        domain = None if row["group"] is None else (r.data["sector"] == int(row["group"])).fill_null(False).to_numpy()
        m = domain_mean(design, y, domain)
        assert row["estimate"] == pytest.approx(m.estimate[0], rel=1e-12)
        assert row["se"] == pytest.approx(m.se[0], rel=1e-9, abs=1e-14)
