"""A paired change agrees with R's ``survey`` on a stacked panel design (issue 12).

Respondents followed across two waves (the same ``respondent_id``) are the clusters of the stacked
design, as R estimates a domain contrast: ``svyby(~y, ~wave, svydesign(ids = ~rid, ...), svymean,
covmat = TRUE)`` then ``svycontrast`` later minus earlier (``tests/stats/r/panel.R``). Random
panels: some respondents in both waves, some in one; answers that persist; missing answers; an
unweighted design and a weighted, stratified one. Change and standard error to 1e-6 relative.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from collabstate import Responses, load_instrument
from collabstate.dataset.waves import Wave, stack_waves
from collabstate.stats import wave_change

pytestmark = pytest.mark.r

TOL = 1e-6
INS = load_instrument("leaders")
SCORES = {c.code: c.score for c in INS.choices(INS.question("growth_belief")) if not c.excluded}


def _panel(seed: int = 12) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    people = 160
    stratum = rng.choice(["a", "b", "c"], people)
    first = rng.choice([1, 2, 3, 4, 5], people, p=[0.1, 0.2, 0.3, 0.25, 0.15])
    keep = rng.random(people) < 0.7  # most keep their answer; the rest answer afresh, leaning up
    second = np.where(keep, first, rng.choice([1, 2, 3, 4, 5], people, p=[0.05, 0.1, 0.25, 0.35, 0.25]))
    frames = []
    for label, members, answers in (("2024", np.arange(0, 120), first), ("2025", np.arange(40, 160), second)):
        n = len(members)
        answer = answers[members].astype(float)
        answer[rng.random(n) < 0.08] = np.nan  # unanswered
        frames.append(pl.DataFrame({
            "wave": [label] * n, "rid": [f"r{m}" for m in members], "str": stratum[members],
            "w": rng.uniform(0.5, 3.0, n), "growth_belief": pl.Series(answer).fill_nan(None),
        }))  # fmt: skip
    data = pl.concat(frames).with_columns(pl.col("growth_belief").cast(pl.Int64))
    return data.with_columns(
        agree=pl.when(pl.col("growth_belief").is_null()).then(None).otherwise(pl.col("growth_belief").is_in([4, 5]).cast(pl.Int64)),
        score=pl.col("growth_belief").replace_strict(SCORES, default=None, return_dtype=pl.Float64),
    )


@pytest.fixture(scope="module")
def reference(tmp_path_factory, need_r):
    folder = tmp_path_factory.mktemp("panel")
    data = _panel()
    data.write_csv(folder / "panel.csv")
    script = Path(__file__).parent / "r" / "panel.R"
    run = subprocess.run(["Rscript", str(script), str(folder)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    ref = pl.read_csv(folder / "reference.csv")
    return data, {(r["case"], r["variable"], r["stat"]): float(r["value"]) for r in ref.iter_rows(named=True)}


@pytest.mark.parametrize("case", ["plain", "stratified"])
def test_paired_change_agrees_with_r(reference, case):
    data, ref = reference
    waves = []
    for label in ("2024", "2025"):
        part = data.filter(pl.col("wave") == label)
        frame = part.select(respondent_id="rid", growth_belief="growth_belief")
        if case == "stratified":
            frame = frame.with_columns(stratum=part["str"], weight=part["w"])
        waves.append(Wave.of(label, Responses(INS, frame)))
    stacked = stack_waves(waves)
    assert stacked.panel is not None and stacked.panel.between("2024", "2025") == 80
    changes = wave_change(stacked.responses, ["growth_belief"], ("2024", "2025")).filter(pl.col("group").is_null())
    agree = changes.filter((pl.col("statistic") == "net") & (pl.col("option") == "agree")).row(0, named=True)
    mean = changes.filter(pl.col("statistic") == "mean").row(0, named=True)
    for variable, row in (("agree", agree), ("score", mean)):
        assert row["change"] == pytest.approx(ref[(case, variable, "change")], rel=TOL, abs=1e-12)
        assert row["se"] == pytest.approx(ref[(case, variable, "se")], rel=TOL)


def test_pairing_narrows_the_interval_when_answers_persist(reference):
    """Against the same waves compared as independent samples, the paired change has a smaller
    standard error: answers that persist are positively correlated."""
    data, _ = reference
    waves = [Wave.of(label, Responses(INS, data.filter(pl.col("wave") == label).select(respondent_id="rid", growth_belief="growth_belief")))
             for label in ("2024", "2025")]  # fmt: skip
    paired = wave_change(stack_waves(waves).responses, ["growth_belief"], ("2024", "2025"))
    independent = wave_change(stack_waves(waves, panel=False).responses, ["growth_belief"], ("2024", "2025"))
    pick = (pl.col("statistic") == "mean") & pl.col("group").is_null()
    assert paired.filter(pick)["change"][0] == pytest.approx(independent.filter(pick)["change"][0])
    assert paired.filter(pick)["se"][0] < 0.9 * independent.filter(pick)["se"][0]
