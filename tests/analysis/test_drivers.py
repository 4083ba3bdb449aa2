"""Key drivers and the grid (issue 18), on what they mean: the predictor the outcome was made
from leads, its sign is its effect's, importance shares sum to 1 and raw weights to the R² of
the linear model, a single-choice question's dummies share one weight and take no place on the
grid, and every point of the grid lies in the quadrant its lines give."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collabstate import Responses, load_instrument
from collabstate.analysis.drivers import QUADRANTS, importance_performance, key_drivers, stated_grid
from collabstate.demo import readiness_2018

LEADERS = load_instrument("leaders")


def _data(seed: int, effect: float, n: int = 400) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    network = rng.integers(1, 6, n)
    trust = rng.integers(1, 6, n)
    confidence = np.clip(np.round(2.5 + effect * (network - 3) + rng.normal(0, 0.6, n)), 1, 4).astype(int)
    return pl.DataFrame({"st_network": network, "st_regulation": trust, "confidence": confidence, "sector": rng.integers(1, 5, n),
                         "weight": rng.gamma(3.0, 1.0, n), "stratum": rng.integers(1, 3, n), "cluster": rng.integers(1, 20, n)})  # fmt: skip


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), effect=st.sampled_from([-0.6, 0.6]))
def test_the_predictor_the_outcome_was_made_from_leads_with_its_sign(seed, effect):
    found = key_drivers(Responses(LEADERS, _data(seed, effect)), "confidence", ["st_regulation", "st_network", "sector"])
    first = found.drivers[0]
    assert first.predictor == "st_network" and first.sign == ("positive" if effect > 0 else "negative")
    assert sum(d.importance for d in found.drivers) == pytest.approx(1.0, rel=1e-12)
    assert sum(d.raw for d in found.drivers) == pytest.approx(found.r2, rel=1e-12)
    assert all(d.ci_low <= d.importance <= d.ci_high for d in found.drivers)
    sector = next(d for d in found.drivers if d.predictor == "sector")
    assert sector.sign is None and sector.quadrant is None and sector.label == "Sector"
    assert found.replicates == 38  # 2 strata × 19 clusters (1 to 19), each dropped once


def test_r2_is_the_linear_models():
    data = _data(5, 0.5)
    found = key_drivers(Responses(LEADERS, data), "confidence", ["st_regulation", "st_network"])
    w = data["weight"].to_numpy()
    x = np.column_stack([np.ones(data.height), data["st_regulation"].to_numpy(), data["st_network"].to_numpy()]).astype(float)
    y = data["confidence"].to_numpy().astype(float)
    root = np.sqrt(w)
    beta = np.linalg.lstsq(x * root[:, None], y * root, rcond=None)[0]
    ybar = np.average(y, weights=w)
    assert found.r2 == pytest.approx(1 - np.sum(w * (y - x @ beta) ** 2) / np.sum(w * (y - ybar) ** 2), rel=1e-10)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 5)), min_size=1, max_size=12))
def test_every_point_lies_in_the_quadrant_its_lines_give(points):
    placed = importance_performance([(str(k), str(k), i, p) for k, (i, p) in enumerate(points)])
    mid_i, mid_p = np.mean([i for i, _ in points]), np.mean([p for _, p in points])
    for point in placed:
        assert point.quadrant == QUADRANTS[(point.importance >= mid_i, point.performance >= mid_p)]
    assert {p.quadrant for p in placed} <= set(QUADRANTS.values())


def test_the_readiness_factors_stated_importance_against_their_prevalence():
    data = readiness_2018()
    responses = Responses(load_instrument("readiness-2018"), data)
    grid = stated_grid(responses, responses.instrument.index(), "importance", "prevalence")
    assert [p.name for p in grid] == ["behaviours", "citizens", "systems", "services", "places", "markets"]  # in_index only
    imp = data["imp_citizens"].filter(data["imp_citizens"].is_in([0, 1, 2, 3])).cast(pl.Float64).mean()
    assert next(p for p in grid if p.name == "citizens").importance == pytest.approx(imp)
