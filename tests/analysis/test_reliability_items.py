"""``reliability`` and ``collabstate reliability`` (issue 18) as a user meets them: a grid's id is
its rows, complete cases only, groups too small are named and left out, a single-choice or text
question is refused by name, JSON has exactly the issue's keys (null where a figure does not
exist), and alpha means what it says: items made from one factor hang together better than
items of noise, whatever the seed."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from collabstate import Responses, load_instrument
from collabstate.analysis.reliability import reliability
from collabstate.cli import app
from collabstate.errors import UsageError

LEADERS = load_instrument("leaders")
ROWS = [r.id for r in LEADERS.question("statements").rows]  # type: ignore[union-attr]


def _statements(seed: int, strength: float, n: int = 300) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    factor = rng.normal(size=n)
    cols = {row: np.clip(np.round(3 + strength * factor + rng.normal(size=n)), 1, 5).astype(int) for row in ROWS}
    return pl.DataFrame({**cols, "sector": rng.choice([1, 2, 2, 2, 3], n)})


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_items_of_one_factor_hang_together_better_than_noise(seed):
    strong, _ = reliability(Responses(LEADERS, _statements(seed, 1.0)), ["statements"])
    noise, _ = reliability(Responses(LEADERS, _statements(seed, 0.0)), ["statements"])
    assert strong[0].alpha.alpha > 0.8 > noise[0].alpha.alpha
    assert strong[0].model is not None and strong[0].model.omega > noise[0].model.omega  # type: ignore[union-attr]
    assert strong[0].alpha.ci_low < strong[0].alpha.alpha < strong[0].alpha.ci_high


def test_complete_cases_groups_and_refusals():
    data = _statements(1, 1.0).with_columns(
        pl.when(pl.int_range(pl.len()) < 10).then(None).otherwise(pl.col("st_network")).alias("st_network")
    )
    results, notes = reliability(Responses(LEADERS, data), ["statements"], by="sector")
    assert [r.group for r in results] == ["Public", "Private", "Not-for-profit"]
    assert sum(r.alpha.n for r in results) == 290
    assert notes == []
    small = data.with_columns(pl.when(pl.int_range(pl.len()).is_between(10, 14)).then(4).otherwise(pl.col("sector")).alias("sector"))
    _, notes = reliability(Responses(LEADERS, small), ["statements"], by="sector")
    assert len(notes) == 1 and notes[0].startswith("Higher education: left out")
    with pytest.raises(UsageError, match="an item has a score"):
        reliability(Responses(LEADERS, data), ["sector", "st_network"])
    with pytest.raises(UsageError, match="each item once"):
        reliability(Responses(LEADERS, data), ["statements", "st_network"])


def test_the_command_line_json(tmp_path):
    path = tmp_path / "statements.csv"
    _statements(4, 0.8).write_csv(path)
    done = CliRunner().invoke(app, ["reliability", str(path), "-i", "leaders", "--items", "st_network,st_effective,st_boards", "--cfa"])
    assert done.exit_code == 0, done.output
    record = json.loads(done.stdout)
    assert list(record) == ["alpha", "alpha_ci_low", "alpha_ci_high", "omega", "n", "items", "fit"]
    assert list(record["fit"]) == ["chisq", "df", "cfi", "tli", "rmsea", "srmr"] and record["fit"]["df"] == 0
    assert [list(i) for i in record["items"]] == [["item", "item_rest_r", "alpha_if_dropped"]] * 3
    two = CliRunner().invoke(app, ["reliability", str(path), "-i", "leaders", "--items", "st_network,st_effective"])
    assert two.exit_code == 0 and json.loads(two.stdout)["omega"] is None and json.loads(two.stdout)["items"][0]["alpha_if_dropped"] is None
    by = CliRunner().invoke(
        app, ["reliability", str(path), "-i", "leaders", "--items", "statements", "--by", "sector", "--format", "table"]
    )
    assert by.exit_code == 0 and "Private: alpha" in by.stdout
    bad = CliRunner().invoke(app, ["reliability", str(path), "-i", "leaders", "--items", "statments"])
    assert bad.exit_code == 2 and "did you mean 'statements'" in bad.output


def test_by_group_with_invariance(tmp_path):
    path = tmp_path / "statements.csv"
    _statements(6, 0.8).write_csv(path)
    done = CliRunner().invoke(app, ["reliability", str(path), "-i", "leaders", "--items", "statements", "--by", "sector", "--cfa"])
    assert done.exit_code == 0, done.output
    shown = json.loads(done.stdout)
    assert [g["group"] for g in shown["groups"]] == ["Public", "Private", "Not-for-profit"]
    levels = shown["invariance"]
    assert [lv["level"] for lv in levels] == ["configural", "metric", "scalar"]
    assert levels[0]["holds"] is None and isinstance(levels[1]["holds"], bool)
    assert levels[0]["df"] < levels[1]["df"] < levels[2]["df"]
    assert levels[1]["delta_cfi"] == pytest.approx(levels[1]["cfi"] - levels[0]["cfi"])
