"""The Rao–Scott chi-square agrees with R's ``svychisq`` (default ``statistic="F"``, and ``"Chisq"``).

R runs once per session (``tests/stats/r/chisq.R``): it writes apistrat (strata, no clusters),
apiclus1 (clusters) and a random design (strata, cluster ids repeated across strata, a stratum
with a single cluster, zero weights, missing answers) as CSV, and ``svychisq``'s statistic,
degrees of freedom and p-value for several tables, under each lonely-PSU rule for the random
design, and on the random design post-stratified (``postStratify``: a calibrated design; its zero
weights set to 1, since on zero weights our calibrated variance and R's differ, a question for the
weighting, not for the test). Everything must agree to 1e-6 relative.
"""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest

from collabstate.dataset import Responses
from collabstate.instrument.model import Instrument
from collabstate.stats.chisq import rao_scott

pytestmark = pytest.mark.r

TOL = 1e-6


@pytest.fixture(scope="session")
def r_chisq(run_r_script):
    out = run_r_script("chisq.R", skip_note=": the Rao-Scott test cannot be compared with svychisq")
    ref = pl.read_csv(out / "chisq_reference.csv", schema_overrides={"value": pl.Float64})
    table = {(r["dataset"], r["lonely"], r["row"], r["col"], r["statistic"], r["stat"]): r["value"] for r in ref.iter_rows(named=True)}
    return out, table


def _instrument(questions: dict[str, list[int]]) -> Instrument:
    return Instrument.model_validate(
        {
            "id": "chisq",
            "title": "Agreement with svychisq",
            "questions": [
                {"id": q, "type": "single", "text": q, "choices": [{"code": c, "label": f"{q} {c}"} for c in codes]}
                for q, codes in questions.items()
            ],
        }
    )


def _responses(out: Path, dataset: str) -> tuple[Responses, dict[str, str]]:
    """The data set as Responses, and R's variable names mapped to ours."""
    frame = pl.read_csv(out / f"chisq_{dataset}.csv", null_values=[""], infer_schema_length=None)
    if dataset == "random_poststratified":
        from collabstate.stats import Targets, poststratify

        responses, names = _random(frame)
        return poststratify(responses, Targets({"g": {1: 600, 2: 300, 3: 250}})).responses, names
    if dataset == "random":
        return _random(frame)
    instrument = _instrument({"sch_wide": [0, 1], "awards": [0, 1], "both": [0, 1], "api_q": [1, 2, 3, 4], "stype_code": [1, 2, 3]})
    design = [pl.col("pw").alias("weight")]
    design.append(pl.col("stype").alias("stratum") if dataset == "apistrat" else pl.col("dnum").cast(pl.String).alias("cluster"))
    data = frame.select(*design, "sch_wide", "awards", "both", "api_q", "stype_code")
    return Responses(instrument, data), {"stype": "stratum"}


def _random(frame: pl.DataFrame) -> tuple[Responses, dict[str, str]]:
    instrument = _instrument({"g": [1, 2, 3], "x": [1, 2, 3, 4], "b": [0, 1]})
    data = frame.select(
        pl.col("w").alias("weight"), pl.col("str").alias("stratum"), pl.col("clu").cast(pl.String).alias("cluster"), "g", "x", "b"
    )
    return Responses(instrument, data), {"str": "stratum"}


def rel(ours: float, theirs: float) -> float:
    if math.isnan(ours) and math.isnan(theirs):
        return 0.0
    return abs(ours - theirs) / abs(theirs) if theirs else abs(ours)


CASES = [
    ("apistrat", "adjust"), ("apiclus1", "adjust"), ("random", "adjust"), ("random", "remove"), ("random", "certainty"),
    ("random_poststratified", "adjust"),
]  # fmt: skip


@pytest.mark.parametrize("statistic", ["F", "Chisq"])
@pytest.mark.parametrize("dataset,lonely", CASES)
def test_rao_scott_agrees_with_svychisq(r_chisq, dataset, lonely, statistic):
    out, table = r_chisq
    responses, names = _responses(out, dataset)
    pairs = sorted({(r, c) for (d, lo, r, c, s, _) in table if d == dataset and lo == lonely and s == statistic})
    assert pairs
    for row, col in pairs:
        result = rao_scott(responses, names.get(row, row), names.get(col, col), statistic=statistic, lonely_psu=lonely)
        key = lambda stat: (dataset, lonely, row, col, statistic, stat)  # noqa: E731
        where = f"{dataset}/{lonely}: {row} x {col} ({statistic})"
        assert result.method == statistic
        assert rel(result.statistic, table[key("statistic")]) < TOL, where
        assert rel(result.ndf, table[key("ndf")]) < TOL, where
        assert rel(result.p_value, table[key("p")]) < TOL, where
        if statistic == "F":
            assert rel(result.ddf, table[key("ddf")]) < TOL, where
        else:
            assert result.ddf == math.inf
