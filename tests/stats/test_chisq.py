"""The Rao–Scott chi-square (:func:`collabstate.stats.chisq.rao_scott`): behaviour and properties.
Agreement with R's ``svychisq`` is in ``test_chisq_against_r.py``."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from collabstate.dataset import Responses
from collabstate.errors import UnknownNameError, UsageError
from collabstate.instrument import load_instrument
from collabstate.stats import Design
from collabstate.stats.chisq import ChisqResult, rao_scott

LEADERS = load_instrument("leaders")


def survey(seed: int, n: int = 400, *, weighted=True, stratified=True, clustered=True, missing=0.05) -> Responses:
    """Leaders' answers where sector, role and trained are independent of each other (each with
    its own cluster effect), with a design."""
    rng = np.random.default_rng(seed)
    frame = {}
    n_clusters = max(4, n // 10)
    cluster = rng.integers(0, n_clusters, n)

    def answers(codes, p):
        shift = rng.normal(0, 0.5, n_clusters)[cluster]  # the cluster effect: answers alike within a cluster
        u = np.clip(rng.random(n) + shift * 0.3, 0, 0.999999)
        values = np.asarray(codes)[np.searchsorted(np.cumsum(p), u, side="right").clip(0, len(codes) - 1)].astype(float)
        values[rng.random(n) < missing] = np.nan
        return pl.Series(values).fill_nan(None).cast(pl.Int64)

    frame["sector"] = answers([1, 2, 3, 4], [0.4, 0.3, 0.2, 0.1])
    frame["role"] = answers([1, 2, 3, 4, 5], [0.1, 0.2, 0.3, 0.3, 0.1])
    frame["trained"] = answers([1, 2], [0.35, 0.65])
    data = pl.DataFrame(frame)
    if weighted:
        data = data.with_columns(weight=pl.Series(rng.uniform(0.2, 5, n)))
    if stratified:
        data = data.with_columns(stratum=pl.Series((cluster % 3).astype(str)))
    if clustered:
        data = data.with_columns(cluster=pl.Series(cluster.astype(str)))
    return Responses(LEADERS, data)


def test_result_fields_and_text():
    r = rao_scott(survey(1), "sector", "role")
    assert isinstance(r, ChisqResult)
    assert r.method == "F" and r.rows == ["1", "2", "3", "4"] and r.cols == ["1", "2", "3", "4", "5"]
    assert r.proportions.shape == (4, 5) and math.isclose(r.proportions.sum(), 1.0)
    assert 0 <= r.p_value <= 1 and r.ndf > 0 and r.ddf > r.ndf
    assert len(r.deffs) == 12 and math.isclose(r.deff_mean, r.deffs.mean())
    assert r.n == survey(1).data.select(pl.col("sector").is_not_null() & pl.col("role").is_not_null()).to_series().sum()
    assert str(r).startswith("Rao-Scott test of sector by role (4 x 5, n = ") and "F = " in str(r)
    chisq = rao_scott(survey(1), "sector", "role", statistic="Chisq")
    assert chisq.ndf == 12 and chisq.ddf == math.inf and chisq.statistic == pytest.approx(r.pearson)
    assert "X-squared" in str(chisq)


def test_a_strong_association_is_found():
    rng = np.random.default_rng(7)
    sector = rng.integers(1, 5, 500)
    trained = np.where(rng.random(500) < 0.2 + 0.15 * sector, 1, 2)
    r = rao_scott(Responses(LEADERS, pl.DataFrame({"sector": sector, "trained": trained})), "sector", "trained")
    assert r.p_value < 1e-6


def test_transposing_the_table_changes_nothing():
    r = survey(3)
    a, b = rao_scott(r, "sector", "role"), rao_scott(r, "role", "sector")
    for field in ("statistic", "ndf", "ddf", "p_value", "pearson"):
        assert getattr(a, field) == pytest.approx(getattr(b, field), rel=1e-10)
    np.testing.assert_allclose(a.proportions, b.proportions.T)


def test_design_columns_and_excluded_codes():
    r = survey(4)
    by_stratum = rao_scott(r, "stratum", "sector")
    assert by_stratum.rows == ["0", "1", "2"]
    # growth_belief has no excluded code; a level nobody chose in the table is left out
    data = r.data.with_columns(growth_belief=pl.Series(np.random.default_rng(0).choice([1, 2, 4], r.n)))
    result = rao_scott(Responses(LEADERS, data), "growth_belief", "trained")
    assert result.rows == ["1", "2", "4"] and len(result.deffs) == 2


def test_a_table_without_two_levels_has_no_test():
    data = pl.DataFrame({"sector": [1] * 20, "trained": [1, 2] * 10})
    r = rao_scott(Responses(LEADERS, data), "sector", "trained")
    assert math.isnan(r.statistic) and math.isnan(r.p_value) and r.rows == ["1"]


def test_bad_requests_raise():
    r = survey(5)
    with pytest.raises(UsageError, match="statistic 'Wald' is not valid; expected one of F, Chisq"):
        rao_scott(r, "sector", "role", statistic="Wald")
    with pytest.raises(ValueError, match="two different variables"):
        rao_scott(r, "sector", "sector")
    with pytest.raises(UnknownNameError, match="'nope' is not a single-choice question or a column of the data"):
        rao_scott(r, "sector", "nope")
    with pytest.raises(ValueError, match="categories"):
        rao_scott(r, "sector", "enablers_text")


def test_p_values_under_independence_are_not_concentrated_near_zero():
    """Answers drawn independently (with cluster effects): the p-values spread over 0–1."""
    p = np.array([rao_scott(survey(seed, n=300), "sector", "trained").p_value for seed in range(200)])
    assert np.all((p >= 0) & (p <= 1))
    assert np.mean(p < 0.05) < 0.12
    assert np.mean(p < 0.01) < 0.05
    assert 0.35 < p.mean() < 0.65
    q = np.array([rao_scott(survey(seed, n=300), "role", "sector", statistic="Chisq").p_value for seed in range(100)])
    assert np.mean(q < 0.05) < 0.15 and 0.3 < q.mean() < 0.7


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.001, 1000), st.booleans(), st.booleans())
@example(63605981, 3.0, False, False)  # a table with empty cells: Δ's system is singular, solved alike at any scale
def test_scaling_the_weights_changes_nothing(seed, factor, stratified, clustered):
    r = survey(seed, n=120, stratified=stratified, clustered=clustered)
    scaled = Responses(LEADERS, r.data.with_columns(pl.col("weight") * factor))
    for statistic in ("F", "Chisq"):
        a, b = rao_scott(r, "sector", "role", statistic=statistic), rao_scott(scaled, "sector", "role", statistic=statistic)
        for field in ("statistic", "ndf", "ddf", "p_value"):
            assert getattr(b, field) == pytest.approx(getattr(a, field), rel=1e-8, abs=1e-12), field


def test_the_design_can_be_given():
    r = survey(6, clustered=False)
    design = Design.from_arrays(weights=r.data["weight"].to_numpy(), strata=r.data["stratum"], clusters=r.data["sector"].fill_null(0))
    a = rao_scott(r, "role", "trained", design=design)
    b = rao_scott(r, "role", "trained")
    assert a.ddf != b.ddf
    with pytest.raises(ValueError, match="same respondents"):
        rao_scott(r, "role", "trained", design=Design.from_arrays(n=3))


def test_docstring_example():
    import doctest

    from collabstate.stats import chisq

    result = doctest.testmod(chisq)
    assert result.attempted > 0 and result.failed == 0


def test_the_cell_totals_are_those_of_the_engine():
    """The two-bincount PSU totals equal psu_totals() of the dense linearised variables."""
    from collabstate.stats import psu_totals
    from collabstate.stats.chisq import _cell_totals

    r = survey(8)
    design = Design.from_responses(r)
    rng = np.random.default_rng(8)
    k = 6
    cell = rng.integers(0, k, r.n)
    wb = design.weights * (rng.random(r.n) < 0.9)
    p = np.bincount(cell, weights=wb, minlength=k) / wb.sum()
    z = wb[:, None] * ((cell[:, None] == np.arange(k)) - p) / wb.sum()
    np.testing.assert_allclose(_cell_totals(design, cell, wb, p, wb.sum()), psu_totals(design, z), atol=1e-15)
