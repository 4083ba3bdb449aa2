"""Raking and post-stratification agree with R's ``survey`` (``rake``, ``postStratify``), and so do
the estimates on the calibrated designs.

R runs once per session (``tests/stats/r/weighting.R``): it writes the data (apistrat, apiclus1
and a random design with strata, nested clusters and a lonely stratum), the targets of every case
in collabstate's CSV format, its calibrated weights, and ``svymean``, ``svyby(svymean)``,
``svyciprop`` (logit, beta), ``degf`` and ``nrow`` on the calibrated designs. Raking runs to its
fixed point on both sides (R: ``maxit=100, epsilon=1e-12``). Weights and estimates must agree to
1e-7 relative, standard errors and interval ends to 1e-6. Blank answers to a raking variable: as a
cell of their own (R: the blank made a level ``"missing"``), and left out at their input weight (R:
a design of those who answered, raked; weights only, R having no such design to take SEs from).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from collabstate.dataset import Responses
from collabstate.instrument.model import Instrument
from collabstate.stats import Design, domain_mean, estimate, load_targets, poststratify, rake, t_interval

pytestmark = pytest.mark.r

EST_TOL, SE_TOL = 1e-7, 1e-6


@pytest.fixture(scope="session")
def r_weighting(run_r_script, r_reference_table):
    out = run_r_script("weighting.R")
    table = r_reference_table(out / "reference.csv", ("case", "variable", "by", "group", "stat"))
    weights = pl.read_csv(out / "weights.csv")
    return out, table, weights


def _instrument(questions: list[tuple[str, list[int] | None]]) -> Instrument:
    return Instrument.model_validate(
        {
            "id": "weighting",
            "title": "Agreement with R",
            "questions": [
                {"id": q, "type": "single", "text": q, "choices": [{"code": c, "label": f"code {c}"} for c in codes]}
                if codes else {"id": q, "type": "number", "text": q}
                for q, codes in questions
            ],
        }
    )  # fmt: skip


API = _instrument([("stype", [1, 2, 3]), ("sch_wide", [0, 1]), ("awards", [0, 1]), ("comp_imp", [0, 1]), ("both", [0, 1]),
                   ("api00", None), ("enroll", None), ("acs_k3", None)])  # fmt: skip
RANDOM = _instrument([("r1", [1, 2, 3]), ("r2", [1, 2, 3, 4]), ("g", [1, 2, 3]), ("b", [0, 1]), ("y", None), ("r1m", [1, 2, 3])])


def _api(out: Path, name: str) -> Responses:
    frame = pl.read_csv(out / f"w_{name}.csv", null_values=[""], infer_schema_length=None)
    design = [pl.col("stratum")] if name == "apistrat" else [pl.col("dnum").cast(pl.String).alias("cluster")]
    numbers = [pl.col(c).cast(pl.Float64) for c in ("api00", "enroll", "acs_k3")]
    return Responses(API, frame.select(pl.col("pw").alias("weight"), *design, "stype", "sch_wide", "awards", "comp_imp", "both", *numbers))


def _random(out: Path, weight: str = "w", drop_zero: bool = False) -> Responses:
    frame = pl.read_csv(out / "w_random.csv", null_values=[""], infer_schema_length=None)
    if drop_zero:
        frame = frame.filter(pl.col(weight) > 0)
    design = [
        pl.col(weight).cast(pl.Float64).alias("weight"),
        pl.col("str").alias("stratum"),
        pl.col("clu").cast(pl.String).alias("cluster"),
    ]
    return Responses(RANDOM, frame.select(*design, "r1", "r2", "g", "b", "y", "r1m"))


# case -> (data, method, lonely_psu)
CASES = {
    "strat_rake3": ("apistrat", "rake", "adjust"),
    "strat_ps_cross": ("apistrat", "poststratify", "adjust"),
    "clus_rake2": ("apiclus1", "rake", "adjust"),
    "clus_ps": ("apiclus1", "poststratify", "adjust"),
    "random_rake2": ("random", "rake", "adjust"),
    "random_rake3": ("random", "rake", "adjust"),
    "random_ps_cross": ("random", "poststratify", "adjust"),
    "random_rake2_certainty": ("random", "rake", "certainty"),
    "random_two": ("random", "two", "adjust"),
    "random0_ps": ("random0", "poststratify", "adjust"),
    "random_rake_own_cell": ("random", "rake", "adjust"),
}


def _weighted(out: Path, case: str):
    data, method, _ = CASES[case]
    responses = _api(out, data) if data.startswith("api") else _random(out, "w0" if data == "random0" else "w")
    if method == "two":  # post-stratify on g, then rake on r1 and r2 (R: rake(postStratify(d, ~g), ...))
        first = poststratify(responses, load_targets(out / "targets_random_two_ps.csv", responses))
        return rake(first.responses, load_targets(out / "targets_random_two_rake.csv", responses), max_iter=100, epsilon=1e-12)
    targets = load_targets(out / f"targets_{case}.csv", responses)
    if method == "rake":
        return rake(responses, targets, max_iter=100, epsilon=1e-12, missing="own-cell" if case.endswith("own_cell") else None)
    return poststratify(responses, targets)


def rel(ours, theirs) -> float:
    ours, theirs = float(ours), float(theirs)
    if np.isnan(ours) and np.isnan(theirs):
        return 0.0
    return abs(ours - theirs) / abs(theirs) if theirs != 0 else abs(ours)


def _cells(table: dict, case: str) -> list[tuple[str, str, str]]:
    return sorted({(v, b, g) for (c, v, b, g, s) in table if c == case and s == "mean"})


@pytest.mark.parametrize("case", list(CASES))
def test_weights_equal_r(r_weighting, case):
    out, table, weights = r_weighting
    result = _weighted(out, case)
    theirs = weights.filter(pl.col("case") == case)["weight"].to_numpy()
    ours = result.weights
    assert len(ours) == len(theirs)
    positive = theirs > 0
    assert np.all(ours[~positive] == 0)
    assert np.max(np.abs(ours[positive] - theirs[positive]) / theirs[positive]) < EST_TOL, case
    assert result.converged and result.max_margin_error < 1e-9
    assert Design.from_responses(result.responses).degf() == table[(case, "", "", "", "degf")]


@pytest.mark.parametrize("case", list(CASES))
def test_svymean_and_svyby_on_the_calibrated_design(r_weighting, case):
    """svymean / svyby(svymean) after rake or postStratify: mean, SE, degf, nrow, t interval."""
    out, table, _ = r_weighting
    result = _weighted(out, case)
    responses = result.responses
    design = Design.from_responses(responses, lonely_psu=CASES[case][2])
    se_case = "random0_ps_dropped" if case == "random0_ps" else case  # see test_zero_weights_stay_out
    cells = _cells(table, case)
    assert cells
    for variable, by, group in cells:
        key = lambda stat, c=case: (c, variable, by, group, stat)  # noqa: E731
        where = f"{case}: {variable} by {by or '-'} = {group or 'total'}"
        domain = (responses.data[by].cast(pl.String) == group).to_numpy() if by else None
        m = domain_mean(design, responses.data[variable].cast(pl.Float64).to_numpy(), domain)
        assert m.degf[0] == table[key("degf")], where
        assert m.nrow[0] == table[key("nrow")], where  # R's subset of a calibrated design keeps every row
        assert rel(m.estimate[0], table[key("mean")]) < EST_TOL, where
        if np.isnan(table[key("mean")]):
            continue
        assert rel(m.se[0], table[key("se", se_case)]) < SE_TOL, where
        lo, hi = t_interval(m.estimate, m.se, m.degf)
        assert rel(lo[0], table[key("t_lo", se_case)]) < SE_TOL and rel(hi[0], table[key("t_hi", se_case)]) < SE_TOL, where


@pytest.mark.parametrize("ci", ["beta", "logit"])
@pytest.mark.parametrize("case", list(CASES))
def test_estimate_table_on_the_calibrated_design(r_weighting, case, ci):
    """estimate() (the grouped kernel) on the weighted responses: shares with beta/logit intervals
    and means with t intervals, in total and by every breakdown R was asked for."""
    out, table, _ = r_weighting
    responses = _weighted(out, case).responses
    cells = _cells(table, case)
    variables = sorted({v for v, _, _ in cells})
    checked = 0
    for by in [None, *sorted({b for _, b, _ in cells if b})]:
        result = estimate(responses, variables, by=by, ci=ci, min_base=5, low_base=5, lonely_psu=CASES[case][2])
        for row in result.iter_rows(named=True):
            mean = row["statistic"] == "mean" and row["option"] is None
            if not (mean or (row["statistic"] == "proportion" and row["option"] == "1" and row["question"] in ("b", "comp_imp", "both"))):
                continue
            key = lambda stat: (case, row["question"], by if row["group"] else "", row["group"] or "", stat)  # noqa: E731
            where = f"{case}: {row['question']} {row['option']} by {by} = {row['group'] or 'total'} ({ci})"
            if key("mean") not in table or np.isnan(table[key("mean")]):
                continue
            assert rel(row["estimate"], table[key("mean")]) < EST_TOL, where
            if case == "random0_ps":
                continue  # SEs: see test_zero_weights_stay_out
            assert rel(row["se"], table[key("se")]) < SE_TOL, where
            stat = "t" if mean else ci
            if key(f"{stat}_lo") in table and not np.isnan(table[key(f"{stat}_lo")]):  # R: NaN when p is 0 or 1
                assert rel(row["ci_low"], table[key(f"{stat}_lo")]) < SE_TOL, where
                assert rel(row["ci_high"], table[key(f"{stat}_hi")]) < SE_TOL, where
                checked += 1
    assert checked >= 4 or case == "random0_ps"


def test_zero_weights_stay_out(r_weighting):
    """Respondents with zero weight take no part in a post-stratification's residual: the SEs equal
    R's on the data without them (R's postStratify gives such a row weight 1 in the residual, so
    its own SEs with them differ slightly; its raking gives NaN)."""
    out, table, _ = r_weighting
    with_zero = _weighted(out, "random0_ps").responses
    responses = _random(out, "w0", drop_zero=True)
    without = poststratify(responses, load_targets(out / "targets_random0_ps.csv", responses)).responses
    for responses in (with_zero, without):
        result = estimate(responses, ["y", "b"], by="g", min_base=5, low_base=5)
        for row in result.filter((pl.col("option").is_null()) | (pl.col("option") == "1")).iter_rows(named=True):
            key = ("random0_ps_dropped", row["question"], "g" if row["group"] else "", row["group"] or "", "se")
            assert rel(row["se"], table[key]) < SE_TOL, key


def test_blank_answers_left_out_keep_their_weight_and_the_rest_is_raked_as_r_does(r_weighting):
    out, _, weights = r_weighting
    responses = _random(out)
    result = rake(responses, load_targets(out / "targets_random_rake_unweighted.csv", responses), max_iter=100, epsilon=1e-12,
                  missing="unweighted")  # fmt: skip
    theirs = weights.filter(pl.col("case") == "random_rake_unweighted")["weight"].to_numpy()
    blank = responses.data["r1m"].is_null().to_numpy()
    assert result.n_unweighted == blank.sum() == 9 and result.converged
    np.testing.assert_array_equal(result.weights[blank], responses.data["weight"].to_numpy()[blank])
    assert np.max(np.abs(result.weights - theirs) / theirs) < EST_TOL
