"""``collabstate model`` (issue 18) as a user runs it: JSON and CSV rows with exactly the issue's
keys, the figures of :func:`fit_model` on the same design, a table a person reads, notes on
stderr, and a message with exit code 2 for what cannot be a model; data with and without a wave
column."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from designed_waves import designed_waves
from typer.testing import CliRunner

from collabstate import Responses, load_instrument
from collabstate.analysis.models import fit_model
from collabstate.cli import app

runner = CliRunner()
KEYS = ["term", "estimate", "se", "ci_low", "ci_high", "p_value", "df", "n"]
ODDS = ["odds_ratio", "or_low", "or_high"]


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    """A terminal wide enough for the terms' words (the runner's is 80 characters)."""
    from collabstate.cli import _shared

    monkeypatch.setattr(_shared.out, "_width", 200)


@pytest.fixture(scope="module")
def waves(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("model") / "leaders waves.csv"
    designed_waves(18, 6).write_csv(path)
    return path


def _run(*args: str):
    return runner.invoke(app, ["model", *args])


def test_json_rows_are_the_models_on_the_design(waves):
    done = _run(str(waves), "-i", "leaders", "--outcome", "confidence in (3, 4)", "--predictors", "sector,trained")
    assert done.exit_code == 0, done.output
    rows = json.loads(done.stdout)
    assert [list(r) for r in rows] == [KEYS + ODDS] * len(rows)
    assert [r["term"] for r in rows] == ["(Intercept)", "sector=2", "sector=3", "sector=4", "trained=2"]
    data = pl.read_csv(waves)
    fit = fit_model(Responses(load_instrument("leaders"), data), "confidence in (3, 4)", ["sector", "trained"])
    for ours, theirs in zip(rows, fit.rows()):
        assert ours["estimate"] == pytest.approx(theirs["estimate"], rel=1e-12)
        assert ours["se"] == pytest.approx(theirs["se"], rel=1e-12)
    n_psu = data.select(pl.concat_str("stratum", "cluster")).n_unique()
    assert rows[0]["df"] == n_psu - 3 + 1 - 5  # PSUs − strata + 1 − coefficients (every PSU has answers)


def test_linear_csv_and_table(waves):
    csv = _run(str(waves), "-i", "leaders", "--outcome", "confidence", "--predictors", "trained", "--format", "csv")
    assert csv.exit_code == 0, csv.output
    assert csv.stdout.splitlines()[0] == ",".join(KEYS)
    table = _run(str(waves), "-i", "leaders", "--outcome", "confidence", "--predictors", "trained,sector", "--format", "table")
    assert table.exit_code == 0, table.output
    assert "Trained for cross-sector collaboration: No (against Yes)" in " ".join(table.stdout.split())
    assert "not a cause" in table.stdout


def test_data_without_a_wave_column_and_a_filter(waves, tmp_path):
    one = tmp_path / "leaders-2025.csv"
    pl.read_csv(waves).filter(pl.col("wave") == 2025).drop("wave").write_csv(one)
    done = _run(str(one), "-i", "leaders", "--outcome", "confidence", "--predictors", "trained", "--filter", "sector == 2")
    assert done.exit_code == 0, done.output
    n = pl.read_csv(one).filter((pl.col("sector") == 2) & pl.col("confidence").is_not_null() & pl.col("trained").is_not_null()).height
    assert {r["n"] for r in json.loads(done.stdout)} == {n}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--outcome", "sector", "--predictors", "trained"], "a condition on it, such as 'sector == 1'"),
        (["--outcome", "confidence", "--predictors", "secter"], "did you mean 'sector'"),
        (["--outcome", "confidence", "--predictors", "trained", "--family", "probit"], "'probit' is not one of linear, logistic"),
        (["--outcome", "confidence", "--predictors", "trained", "--format", "xml"], "'xml' is not one of json, csv, table"),
        (["--outcome", "confidence", "--predictors", " , "], "--predictors"),
        (["--outcome", "confidence ==", "--predictors", "trained"], "outcome 'confidence ==' is not valid"),
    ],
)
def test_what_cannot_be_a_model_is_a_message(waves, args, words):
    done = _run(str(waves), "-i", "leaders", *args)
    assert done.exit_code == 2, done.output
    assert words in " ".join(done.output.split()) and "Traceback" not in done.output


DRIVER_KEYS = ["predictor", "raw", "importance", "ci_low", "ci_high", "sign", "performance", "quadrant"]


def test_drivers_json_csv_and_table(waves):
    args = [str(waves), "-i", "leaders", "--outcome", "confidence", "--predictors", "st_network,st_regulation,sector"]
    done = runner.invoke(app, ["drivers", *args])
    assert done.exit_code == 0, done.output
    rows = json.loads(done.stdout)
    assert [list(r) for r in rows] == [DRIVER_KEYS] * 3
    assert sum(r["importance"] for r in rows) == pytest.approx(1.0)
    assert [r["importance"] for r in rows] == sorted((r["importance"] for r in rows), reverse=True)
    assert "R² = " in done.stderr and "replicates" in done.stderr
    csv = runner.invoke(app, ["drivers", *args, "--format", "csv"])
    assert csv.exit_code == 0 and csv.stdout.splitlines()[0] == ",".join(DRIVER_KEYS)
    assert "'" not in csv.stdout  # nothing neutralised: signs are words
    table = runner.invoke(app, ["drivers", *args, "--format", "table"])
    assert table.exit_code == 0 and "Share of R²" in table.stdout and "not a cause" in table.stdout
    bad = runner.invoke(app, ["drivers", str(waves), "-i", "leaders", "--outcome", "confidence", "--predictors", "st_netwrk"])
    assert bad.exit_code == 2 and "did you mean 'st_network'" in bad.output
