"""``fit_model`` (issue 18): the outcome and predictors as the questionnaire names them, on the
design, with properties that hold for any data: a rescaled weight changes nothing; reversing a
two-code predictor's codes flips its coefficient's sign; a one-dummy linear model's coefficient
and standard error are the difference of the two groups' means and its linearised standard error;
excluded answers and answers outside a filter leave the respondent out; the odds ratio is the
exponential of the coefficient."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collabstate import Responses, load_instrument
from collabstate.analysis.models import fit_model
from collabstate.errors import UnknownNameError, UsageError
from collabstate.stats import Design
from collabstate.stats.glm import ModelError, svyglm
from collabstate.stats.variance import linearise_ratio, psu_totals, vcov_totals

LEADERS = load_instrument("leaders")


def _leaders(seed: int, n: int = 300) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    trained = rng.integers(1, 3, n)
    confidence = np.clip(np.round(2 + 0.8 * (trained == 1) + rng.normal(0, 1, n)), 1, 4).astype(int)
    return pl.DataFrame({
        "sector": rng.integers(1, 5, n), "trained": trained, "confidence": confidence,
        "weight": rng.gamma(2.0, 1.0, n), "stratum": rng.integers(1, 4, n), "cluster": rng.integers(1, 15, n),
    })  # fmt: skip


def _rows(fit) -> dict[str, dict]:
    return {str(r["term"]): r for r in fit.rows()}


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.floats(0.01, 100.0))
def test_rescaled_weights_change_nothing_and_reversed_codes_flip_the_sign(seed, scale):
    data = _leaders(seed)
    base = _rows(fit_model(Responses(LEADERS, data), "confidence", ["trained", "sector"]))
    scaled = _rows(fit_model(Responses(LEADERS, data.with_columns(pl.col("weight") * scale)), "confidence", ["trained", "sector"]))
    for term, row in base.items():
        assert scaled[term]["estimate"] == pytest.approx(row["estimate"], rel=1e-9, abs=1e-12)
        assert scaled[term]["se"] == pytest.approx(row["se"], rel=1e-9)
    reversed_ = _rows(
        fit_model(Responses(LEADERS, data.with_columns((3 - pl.col("trained")).alias("trained"))), "confidence", ["trained", "sector"])
    )
    assert reversed_["trained=2"]["estimate"] == pytest.approx(-base["trained=2"]["estimate"], rel=1e-9)
    assert reversed_["trained=2"]["se"] == pytest.approx(base["trained=2"]["se"], rel=1e-9)
    assert base["trained=2"]["estimate"] < 0  # the data were made with the trained (code 1) more confident


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_one_dummy_is_the_difference_of_the_two_groups_means(seed):
    data = _leaders(seed)
    responses = Responses(LEADERS, data)
    design = Design.from_responses(responses)
    row = _rows(fit_model(responses, "confidence", ["trained"], design=design))["trained=2"]
    y = data["confidence"].cast(pl.Float64).to_numpy()
    trained = data["trained"].to_numpy()
    est1, z1, _ = linearise_ratio(design, y, trained == 1)
    est2, z2, _ = linearise_ratio(design, y, trained == 2)
    variance = vcov_totals(design, psu_totals(design, z2 - z1))[0, 0]
    assert row["estimate"] == pytest.approx(est2[0] - est1[0], rel=1e-10, abs=1e-12)
    assert row["se"] == pytest.approx(np.sqrt(variance), rel=1e-9)


def test_a_condition_is_a_logistic_outcome_with_unanswered_and_excluded_answers_left_out():
    data = _leaders(7).with_columns(pl.when(pl.int_range(pl.len()) < 20).then(None).otherwise(pl.col("confidence")).alias("confidence"))
    fit = fit_model(Responses(LEADERS, data), "confidence in (3, 4)", ["sector"])
    assert fit.family == "logistic" and fit.fit.n == 280
    for row in fit.rows():
        assert row["odds_ratio"] == pytest.approx(np.exp(row["estimate"]))
        assert row["or_low"] < row["odds_ratio"] < row["or_high"]
    outside = fit_model(Responses(LEADERS, data), "confidence in (3, 4)", ["sector"], filter="trained == 1")
    assert outside.fit.n == int(((data["trained"] == 1) & data["confidence"].is_not_null()).sum())


def test_the_reference_is_the_first_code_anyone_used_has_and_unused_codes_are_named():
    data = _leaders(3).filter(pl.col("sector") != 1)
    fit = fit_model(Responses(LEADERS, data), "confidence", ["sector"])
    assert [t.name for t in fit.terms] == ["(Intercept)", "sector=3", "sector=4"]
    assert fit.label("sector=3").endswith("(against Private)")
    assert any("nobody used has Public" in note for note in fit.notes)


def test_what_cannot_be_a_model_is_told():
    responses = Responses(LEADERS, _leaders(1))
    with pytest.raises(UsageError, match="a condition on it, such as 'sector == 1'"):
        fit_model(responses, "sector", ["trained"])
    with pytest.raises(UnknownNameError, match="did you mean 'sector'"):
        fit_model(responses, "confidence", ["secter"])
    with pytest.raises(UsageError, match="outcome 'confidence == 9' is not valid"):
        fit_model(responses, "confidence == 9", ["trained"])
    with pytest.raises(UsageError, match="each predictor once"):
        fit_model(responses, "confidence", ["trained", "trained"])
    with pytest.raises(ModelError, match="trained: every respondent used has No, so it explains nothing"):
        fit_model(responses, "confidence", ["trained", "sector"], filter="trained == 2")
    design = Design.from_arrays(n=50)
    x = np.arange(50.0)
    with pytest.raises(ModelError, match="the predictor twice is explained by the terms before it"):
        svyglm(design, np.column_stack([x, 2 * x]), x % 7, ["x", "twice"])
    with pytest.raises(ModelError, match="the outcome is 3 for every respondent used"):
        svyglm(design, x, np.full(50, 3.0), ["x"])
    with pytest.raises(UsageError, match="0 or 1 for a logistic model"):
        fit_model(responses, "confidence", ["trained"], family="logistic")
