"""Our numbers agree with R's ``survey`` package (the reference of the statistics contract).

R runs once per session (``tests/stats/r/reference.R``): it writes apistrat, apiclus1, apiclus2
(``data(api)``) and a random design (strata, nested clusters, a stratum with a single cluster,
a group absent from a stratum, zero weights, missing answers) as CSV, and its own results for
``svymean``, ``svyby(..., svymean)``, ``svyciprop`` (logit, beta; also per domain through
``svyby``) and ``degf``. Estimates must agree to 1e-7 relative, standard errors and interval
ends to 1e-6 relative.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from collabstate.dataset import Responses
from collabstate.instrument.model import Instrument
from collabstate.stats import Design, domain_mean, estimate, korn_graubard, logit_interval, t_interval

pytestmark = pytest.mark.r

EST_TOL, SE_TOL = 1e-7, 1e-6


@pytest.fixture(scope="session")
def r_reference(run_r_script, r_reference_table):
    out = run_r_script("reference.R")
    return out, r_reference_table(out / "reference.csv", ("dataset", "lonely", "variable", "by", "group", "stat"))


def _read(out: Path, name: str) -> pl.DataFrame:
    return pl.read_csv(out / f"{name}.csv", null_values=[""], infer_schema_length=None)


DESIGNS = {
    "apistrat": dict(weights="pw", strata="stype", clusters=None),
    "apiclus1": dict(weights="pw", strata=None, clusters="dnum"),
    "apiclus2": dict(weights="pw", strata=None, clusters="dnum"),
    "random": dict(weights="w", strata="str", clusters="clu"),
}
CASES = [
    ("apistrat", "adjust"),
    ("apiclus1", "adjust"),
    ("apiclus2", "adjust"),
    ("random", "adjust"),
    ("random", "remove"),
    ("random", "certainty"),
]


def _design(frame: pl.DataFrame, dataset: str, lonely: str) -> Design:
    spec = DESIGNS[dataset]
    return Design.from_arrays(
        weights=frame[spec["weights"]].to_numpy(),
        strata=frame[spec["strata"]] if spec["strata"] else None,
        clusters=frame[spec["clusters"]] if spec["clusters"] else None,
        lonely_psu=lonely,
    )


def _variable(frame: pl.DataFrame, name: str) -> np.ndarray:
    if name.startswith("x") and name[1:].isdigit():  # indicator of x == level, missing when x is
        x = frame["x"].cast(pl.Float64).to_numpy()
        return np.where(np.isnan(x), np.nan, (x == int(name[1:])).astype(float))
    return frame[name].cast(pl.Float64).to_numpy()


def rel(ours, theirs) -> float:
    ours, theirs = float(ours), float(theirs)
    if np.isnan(ours) and np.isnan(theirs):
        return 0.0
    return abs(ours - theirs) / max(abs(theirs), 1e-300) if theirs != 0 else abs(ours)


def _cells(table: dict, dataset: str, lonely: str):
    """(variable, by, group) triples R reports a mean for."""
    return sorted({(v, b, g) for (d, lo, v, b, g, s) in table if d == dataset and lo == lonely and s == "mean"})


@pytest.mark.parametrize("dataset,lonely", CASES)
def test_design_degf(r_reference, dataset, lonely):
    out, table = r_reference
    design = _design(_read(out, dataset), dataset, lonely)
    assert design.degf() == table[(dataset, lonely, "", "", "", "degf")]


@pytest.mark.parametrize("dataset,lonely", CASES)
def test_svymean_and_svyby(r_reference, dataset, lonely):
    """svymean(na.rm=TRUE) and svyby(..., svymean, na.rm=TRUE): mean, SE, degf, t interval."""
    out, table = r_reference
    frame = _read(out, dataset)
    design = _design(frame, dataset, lonely)
    cells = _cells(table, dataset, lonely)
    assert cells
    for variable, by, group in cells:
        key = lambda stat: (dataset, lonely, variable, by, group, stat)  # noqa: E731
        domain = None
        if by:
            domain = (frame[by].cast(pl.String) == group).to_numpy()
        m = domain_mean(design, _variable(frame, variable), domain)
        where = f"{dataset}/{lonely}: {variable} by {by or '-'} = {group or 'total'}"
        assert m.degf[0] == table[key("degf")], where
        assert m.nrow[0] == table[key("nrow")], where
        if table[key("nrow")] == 0:  # R reports 0 for an empty domain; we report no estimate
            assert np.isnan(m.estimate[0]) and m.n[0] == 0, where
            continue
        assert rel(m.estimate[0], table[key("mean")]) < EST_TOL, where
        assert rel(m.se[0], table[key("se")]) < SE_TOL, where
        lo, hi = t_interval(m.estimate, m.se, m.degf)
        assert rel(lo[0], table[key("t_lo")]) < SE_TOL and rel(hi[0], table[key("t_hi")]) < SE_TOL, where


@pytest.mark.parametrize("dataset,lonely", CASES)
def test_svyciprop_logit_and_beta(r_reference, dataset, lonely):
    """svyciprop(method="logit"/"beta") on the valid answers, overall and per domain through svyby."""
    out, table = r_reference
    frame = _read(out, dataset)
    design = _design(frame, dataset, lonely)
    keys = sorted(
        {
            (v, b, g, s.split("_")[0])
            for (d, lo, v, b, g, s) in table
            if d == dataset and lo == lonely and s.endswith("_lo") and not s.startswith("t")
        }
    )
    assert keys
    for variable, by, group, tag in keys:
        method = tag.rstrip("0123456789")
        level = int(tag[len(method) :]) / 100 if tag != method else 0.95
        domain = (frame[by].cast(pl.String) == group).to_numpy() if by else None
        m = domain_mean(design, _variable(frame, variable), domain)
        if method == "logit":
            lo, hi = logit_interval(m.estimate, m.se, m.degf, level)
        else:
            lo, hi = korn_graubard(m.estimate, m.se, m.nrow, m.degf, level)
        where = f"{dataset}/{lonely}: {variable} by {by or '-'} = {group or 'total'} ({tag})"
        assert rel(lo[0], table[(dataset, lonely, variable, by, group, f"{tag}_lo")]) < SE_TOL, where
        assert rel(hi[0], table[(dataset, lonely, variable, by, group, f"{tag}_hi")]) < SE_TOL, where


def _random_responses(frame: pl.DataFrame) -> Responses:
    coded = lambda codes: [{"code": c, "label": f"code {c}"} for c in codes]  # noqa: E731
    instrument = Instrument.model_validate(
        {
            "id": "rtest",
            "title": "Agreement with R",
            "questions": [
                {"id": "g", "type": "single", "text": "Group", "choices": coded([1, 2, 3])},
                {"id": "x", "type": "single", "text": "X", "choices": coded([1, 2, 3, 4])},
                {"id": "b", "type": "single", "text": "B", "choices": coded([0, 1])},
                {"id": "y", "type": "number", "text": "Y"},
            ],
        }
    )
    data = frame.select(
        pl.col("id").cast(pl.String).alias("respondent_id"),
        pl.col("w").alias("weight"),
        pl.col("str").alias("stratum"),
        pl.col("clu").cast(pl.String).alias("cluster"),
        "g", "x", "b", "y",
    )  # fmt: skip
    return Responses(instrument, data)


@pytest.mark.parametrize("lonely", ["adjust", "remove", "certainty"])
@pytest.mark.parametrize("ci", ["beta", "logit"])
def test_estimate_table_agrees_with_r(r_reference, lonely, ci):
    """The tidy table of estimate(): shares, means, SEs and intervals by group and in total."""
    out, table = r_reference
    responses = _random_responses(_read(out, "random"))
    result = estimate(responses, ["x", "b", "y"], by="g", ci=ci, min_base=5, low_base=5, lonely_psu=lonely)
    checked = 0
    for row in result.iter_rows(named=True):
        group = row["group"] or ""
        by = "g" if row["group"] else ""
        if row["question"] == "x":
            variable = f"x{row['option']}"
        elif row["question"] == "b" and row["option"] == "1":
            variable = "b"
        elif row["question"] == "y":
            variable = "y"
        else:
            continue
        key = lambda stat: ("random", lonely, variable, by, group, stat)  # noqa: E731
        where = f"{lonely}: {row['question']} {row['option']} group {group or 'total'}"
        assert rel(row["estimate"], table[key("mean")]) < EST_TOL, where
        assert rel(row["se"], table[key("se")]) < SE_TOL, where
        stat = "t" if variable == "y" else ci
        if (key(f"{stat}_lo")) in table:
            assert rel(row["ci_low"], table[key(f"{stat}_lo")]) < SE_TOL, where
            assert rel(row["ci_high"], table[key(f"{stat}_hi")]) < SE_TOL, where
            checked += 1
    assert checked >= 4 + 4  # b and x3 (beta/logit) or y (t), in total and in three groups


@pytest.mark.parametrize("ci", ["beta", "logit"])
def test_estimate_table_agrees_with_r_without_clusters(r_reference, ci):
    """apistrat (strata, no clusters: the closed-form kernel): shares with beta/logit intervals and
    a mean with its t interval, by stratum and in total."""
    out, table = r_reference
    frame = _read(out, "apistrat")
    coded = [{"code": 0, "label": "No"}, {"code": 1, "label": "Yes"}]
    instrument = Instrument.model_validate(
        {
            "id": "apistrat",
            "title": "California schools",
            "questions": [
                {"id": "sch_wide", "type": "single", "text": "School-wide target met", "choices": coded},
                {"id": "api00", "type": "number", "text": "API in 2000"},
            ],
        }
    )
    data = frame.select(
        pl.col("pw").alias("weight"), pl.col("stype").alias("stratum"),
        pl.col("sch_wide_yes").cast(pl.Int64).alias("sch_wide"), pl.col("api00").cast(pl.Float64),
    )  # fmt: skip
    result = estimate(Responses(instrument, data), by="stratum", ci=ci)
    checked = 0
    for row in result.filter((pl.col("option") == "1") | (pl.col("question") == "api00")).iter_rows(named=True):
        variable = "sch_wide_yes" if row["question"] == "sch_wide" else "api00"
        stat = ci if variable == "sch_wide_yes" else "t"
        by = "stype" if row["group"] else ""
        key = lambda s: ("apistrat", "adjust", variable, by, row["group"] or "", s)  # noqa: E731
        assert rel(row["estimate"], table[key("mean")]) < EST_TOL
        assert rel(row["se"], table[key("se")]) < SE_TOL
        if key(f"{stat}_lo") in table:
            assert rel(row["ci_low"], table[key(f"{stat}_lo")]) < SE_TOL
            assert rel(row["ci_high"], table[key(f"{stat}_hi")]) < SE_TOL
            checked += 1
    assert checked == 8
