"""The edges: unanimous answers, a group of one, a lonely stratum, zero weights, everyone "not
applicable", empty groups, a domain without degrees of freedom."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from collabstate.dataset import Responses
from collabstate.instrument import load_instrument
from collabstate.stats import Design, domain_mean, estimate, t_interval

LEADERS = load_instrument("leaders")
READINESS = load_instrument("readiness-2018")


def leaders(n: int = 60, seed: int = 0, **columns) -> Responses:
    rng = np.random.default_rng(seed)
    frame = pl.DataFrame(
        {
            "weight": rng.uniform(0.5, 2, n),
            "stratum": rng.choice(["a", "b"], n),
            "cluster": rng.integers(0, 6, n).astype(str),
            "sector": rng.choice([1, 2, 3], n),
            "trained": rng.choice([1, 2], n),
            "growth_belief": rng.choice([1, 2, 3, 4, 5], n),
        }
    )
    return Responses(LEADERS, frame.with_columns(**{k: pl.Series(k, v) for k, v in columns.items()}))


@pytest.mark.parametrize("ci", ["wilson", "beta", "logit", "wald"])
def test_every_answer_the_same_option(ci):
    r = leaders(trained=[1] * 60)
    table = estimate(r, ["trained"], by="sector", ci=ci).filter(pl.col("n") > 0)  # sector 4 is empty
    ones = table.filter(pl.col("option") == "1")
    zeros = table.filter(pl.col("option") == "2")
    assert ones["estimate"].to_list() == [1.0] * 4 and zeros["estimate"].to_list() == [0.0] * 4
    assert ones["se"].to_list() == [0.0] * 4
    assert ones["ci_low"].null_count() == 0 and ones["ci_high"].null_count() == 0
    assert (ones["ci_high"] == 1).all() and (zeros["ci_low"] == 0).all()
    if ci in ("wilson", "beta"):  # informative intervals
        assert (ones["ci_low"] < 1).all() and (zeros["ci_high"] > 0).all()
    else:  # documented: the degenerate interval [p, p]
        assert (ones["ci_low"] == 1).all() and (zeros["ci_high"] == 0).all()
    assert table["letters"].drop_nulls().to_list() == []  # 100% or 0% in every group: nothing can vary, nothing is tested (issue 12)


def test_a_group_of_one_respondent():
    sector = [1] * 30 + [2] * 29 + [3]
    r = leaders(sector=sector)
    row = estimate(r, ["growth_belief"], by="sector").filter((pl.col("statistic") == "mean") & (pl.col("group") == "3")).row(0, named=True)
    assert row["n"] == 1 and row["estimate"] is None and "suppressed" in row["flags"] and row["letters"] is None
    design = Design.from_responses(r)
    y = r.data["growth_belief"].cast(pl.Float64).to_numpy()
    m = domain_mean(design, y, np.array(sector) == 3)
    assert m.estimate[0] == y[-1] and m.se[0] == 0 and m.degf[0] == 0
    lo, hi = t_interval(m.estimate, m.se, m.degf)
    assert np.isnan(lo[0]) and np.isnan(hi[0])


def test_a_stratum_with_a_single_cluster():
    r = leaders(stratum=["a"] * 50 + ["lonely"] * 10, cluster=[str(i % 5) for i in range(50)] + ["0"] * 10)
    se = {
        lonely: estimate(r, ["growth_belief"], lonely_psu=lonely).filter(pl.col("statistic") == "mean")["se"].item()
        for lonely in ("adjust", "remove", "certainty")
    }
    assert se["adjust"] > se["remove"] == se["certainty"] > 0
    with pytest.raises(ValueError, match="only one PSU"):
        estimate(r, ["growth_belief"], lonely_psu="fail")


def test_zero_weights_change_nothing_but_are_kept_out_of_the_base():
    r = leaders()
    extra = r.data.head(15).with_columns(weight=pl.lit(0.0), growth_belief=pl.lit(5, pl.Int64), trained=pl.lit(1, pl.Int64))
    padded = Responses(LEADERS, pl.concat([r.data, extra]))  # same clusters: no PSU is added
    a = estimate(r, ["growth_belief", "trained"], by="sector")
    b = estimate(padded, ["growth_belief", "trained"], by="sector")
    np.testing.assert_allclose(a["estimate"].to_numpy(), b["estimate"].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(a["se"].to_numpy(), b["se"].to_numpy(), rtol=1e-10)
    assert a["n"].to_list() == b["n"].to_list()
    assert Design.from_responses(padded).degf() == Design.from_responses(r).degf()


def test_a_question_answered_not_applicable_by_everyone():
    rng = np.random.default_rng(1)
    n = 80
    frame = {
        f"{p}_{f}": rng.choice([0, 1, 2, 3], n)
        for p in ("imp", "prev")
        for f in ("behaviours", "citizens", "systems", "services", "places", "markets", "urgency", "requirements")
    }
    frame["imp_behaviours"] = np.full(n, 9)
    r = Responses(READINESS, pl.DataFrame(frame))
    table = estimate(r, ["imp_behaviours", "readiness"])
    item = table.filter(pl.col("question") == "imp_behaviours")
    assert item.height and (item["n"] == 0).all() and item["estimate"].null_count() == item.height
    assert all("no_valid_answers" in f for f in item["flags"])
    index = table.filter((pl.col("question") == "readiness/importance") & pl.col("option").is_in(["behaviours", "index", "index_100"]))
    assert index["estimate"].null_count() == 3
    gap = table.filter((pl.col("question") == "readiness/gap") & (pl.col("option") == "behaviours"))
    assert gap["estimate"].item() is None
    citizens = table.filter((pl.col("question") == "readiness/importance") & (pl.col("option") == "citizens"))
    assert citizens["estimate"].item() is not None


def test_an_empty_breakdown_group():
    r = leaders()  # sector 4 (higher education) never occurs
    table = estimate(r, ["trained", "growth_belief"], by="sector")
    empty = table.filter(pl.col("group") == "4")
    assert empty.height == 2 + 2 + 1 + 5  # trained: 2 options; growth_belief: 5 options, 2 NETs, mean
    assert (empty["n"] == 0).all() and empty["estimate"].null_count() == empty.height
    assert all({"empty_group", "no_valid_answers"} <= set(f) for f in empty["flags"])
    assert empty["letters"].null_count() == empty.height


def test_a_group_without_valid_answers_is_not_an_empty_group():
    growth = [None if s == 3 else 4 for s in np.random.default_rng(0).choice([1, 2, 3], 60)]
    r = leaders(growth_belief=pl.Series(growth, dtype=pl.Int64), sector=np.random.default_rng(0).choice([1, 2, 3], 60))
    row = estimate(r, ["growth_belief"], by="sector").filter((pl.col("group") == "3") & (pl.col("statistic") == "mean")).row(0, named=True)
    assert "no_valid_answers" in row["flags"] and "empty_group" not in row["flags"]


def test_a_domain_without_degrees_of_freedom_gets_no_t_interval():
    cluster = ["0"] * 20 + [str(i % 4 + 1) for i in range(40)]
    sector = [3] * 20 + [1, 2] * 20
    r = leaders(cluster=cluster, sector=sector, stratum=["a"] * 60)
    table = estimate(r, ["growth_belief", "trained"], by="sector")
    mean = table.filter((pl.col("group") == "3") & (pl.col("statistic") == "mean")).row(0, named=True)
    assert mean["estimate"] is not None and mean["ci_low"] is None and "no_interval" in mean["flags"]
    share = table.filter((pl.col("group") == "3") & (pl.col("question") == "trained")).row(0, named=True)
    assert share["ci_low"] is not None  # Wilson needs no degrees of freedom


def test_no_answers_at_all():
    r = Responses(LEADERS, pl.DataFrame({"sector": [1, 2, 3] * 10}))
    table = estimate(r, ["growth_belief", "domains"])
    assert (table["n"] == 0).all() and table["estimate"].null_count() == table.height
