"""``collabstate estimate`` end to end, run as a user runs it: a subprocess, exit codes, output.
The numbers must be those of :func:`collabstate.stats.estimate` called in-process."""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from designed_waves import designed_waves

import collabstate
from collabstate.dataset import Responses, read_responses, write_responses
from collabstate.instrument import load_instrument
from collabstate.stats import ESTIMATE_SCHEMA, estimate

CLI = [sys.executable, "-m", "collabstate"]
SRC = str(Path(collabstate.__file__).parents[1])  # the collabstate under test, not the one installed
KEYS = [
    "question",
    "option",
    "statistic",
    "by",
    "group",
    "wave",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "n",
    "n_eff",
    "deff",
    "flags",
    "letters",
]
FLOATS = ("estimate", "se", "ci_low", "ci_high", "n_eff", "deff")


def run(*args):
    return subprocess.run(
        [*CLI, *map(str, args)], capture_output=True, text=True, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "PYTHONPATH": SRC}
    )


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    """Both leaders' demo waves with a design: weights, strata (region) and clusters, as CSV."""
    frame = designed_waves(3, 12)
    path = tmp_path_factory.mktemp("estimate") / "leaders.csv"
    write_responses(Responses(load_instrument("leaders"), frame), path, "csv")
    return path


def expected(path, *args, **kwargs) -> list[dict]:
    """estimate() in-process on the file as the CLI reads it, as plain rows."""
    responses = read_responses(path, "leaders").responses
    return estimate(responses, *args, **kwargs).to_dicts()


def same(got: dict, want: dict) -> None:
    for key in KEYS:
        w = want[key]
        if key == "letters":
            w = w or ""
        if key == "flags":
            w = list(w)
        assert got[key] == w, (key, got, want)


def test_help_has_an_example():
    result = run("estimate", "--help")
    assert result.returncode == 0
    assert "Example: collabstate estimate" in result.stdout


def test_json_has_exactly_the_keys_and_types_and_the_values_of_estimate(answers):
    result = run("estimate", answers, "--instrument", "leaders", "--by", "sector")
    assert result.returncode == 0, result.stderr
    assert "NaN" not in result.stdout
    rows = json.loads(result.stdout)
    want = expected(answers, by="sector")
    assert len(rows) == len(want) > 500
    assert list(ESTIMATE_SCHEMA) == KEYS
    for got, w in zip(rows, want):
        assert list(got) == KEYS
        same(got, w)
        assert isinstance(got["question"], str) and isinstance(got["statistic"], str)
        assert got["statistic"] in ("proportion", "mean", "net", "index", "gap")
        assert (got["option"] is None) == (got["statistic"] == "mean")
        assert got["option"] is None or isinstance(got["option"], str)
        assert got["by"] == "sector"
        assert got["group"] is None or got["group"] in ("1", "2", "3", "4")
        assert got["wave"] is None
        assert isinstance(got["n"], int) and not isinstance(got["n"], bool)
        for key in FLOATS:
            assert got[key] is None or isinstance(got[key], float), key
        assert isinstance(got["flags"], list) and all(isinstance(f, str) for f in got["flags"])
        assert isinstance(got["letters"], str)
        if got["statistic"] in ("proportion", "net") and got["estimate"] is not None:
            assert 0 <= got["ci_low"] <= got["estimate"] <= got["ci_high"] <= 1
    totals = [r for r in rows if r["group"] is None]
    assert totals and all(r["letters"] == "" for r in totals)
    assert any(r["letters"] for r in rows)


def test_suppression_is_visible(answers):
    """civil_service is asked of the public sector only: its other groups have no base."""
    result = run("estimate", answers, "-i", "leaders", "--questions", "civil_service,sector", "--by", "sector")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    hidden = [r for r in rows if "suppressed" in r["flags"]]
    assert hidden and all(r["estimate"] is None and r["se"] is None and r["ci_low"] is None for r in hidden)
    assert any("no_valid_answers" in r["flags"] for r in hidden)
    for got, want in zip(rows, expected(answers, ["civil_service", "sector"], by="sector")):
        same(got, want)
    table = run("estimate", answers, "-i", "leaders", "--questions", "civil_service", "--by", "sector", "--format", "table")
    assert table.returncode == 0, table.stderr
    assert "suppressed" in table.stdout and "base under 10" in table.stdout and "Public (A)" in table.stdout


def test_csv_and_table_formats(answers):
    args = [
        "estimate",
        answers,
        "-i",
        "leaders",
        "--questions",
        "growth_belief,domains",
        "--by",
        "sector",
        "--ci",
        "beta",
        "--level",
        "0.9",
    ]
    result = run(*args, "--format", "csv")
    assert result.returncode == 0, result.stderr
    frame = pl.read_csv(io.StringIO(result.stdout), infer_schema=False)
    assert frame.columns == KEYS
    want = expected(answers, ["growth_belief", "domains"], by="sector", ci="beta", level=0.9)
    assert frame.height == len(want)
    for got, w in zip(frame.iter_rows(named=True), want):
        for key in FLOATS:
            assert (got[key] is None) == (w[key] is None) and (w[key] is None or float(got[key]) == w[key]), key
        assert int(got["n"]) == w["n"] and (got["option"] or None) == w["option"]
        assert (got["flags"] or "") == ";".join(w["flags"]) and (got["letters"] or "") == (w["letters"] or "")
    table = run(*args, "--format", "table")
    assert table.returncode == 0, table.stderr
    text = table.stdout
    assert "Collaboration can support growth (growth_belief)" in text and "90% interval" in text
    assert "NET Agree or strongly agree" in text and "4 Agree" in text and "%" in text and "Total" in text
    share = next(w for w in want if w["question"] == "growth_belief" and w["option"] == "4" and w["group"] is None)
    assert f"{100 * share['estimate']:.1f}%" in text


def test_design_columns_can_be_chosen(answers):
    result = run("estimate", answers, "-i", "leaders", "--questions", "trained", "--strata", "wave", "--cluster", "respondent_id")
    assert result.returncode == 0, result.stderr
    responses = read_responses(answers, "leaders").responses
    chosen = dataclasses.replace(responses, strata="wave", cluster="respondent_id")
    want = estimate(chosen, ["trained"]).to_dicts()
    rows = json.loads(result.stdout)
    for got, w in zip(rows, want):
        same(got, w)
    default = json.loads(run("estimate", answers, "-i", "leaders", "--questions", "trained").stdout)
    assert [r["se"] for r in rows] != [r["se"] for r in default]


def test_two_waves_by_sector_and_wave(answers):
    result = run("estimate", answers, "-i", "leaders", "--questions", "optimism", "--by", "sector,wave")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {r["wave"] for r in rows if r["group"]} == {"2024", "2025"}
    for got, w in zip(rows, expected(answers, ["optimism"], by=["sector", "wave"])):
        same(got, w)


def test_rejected_rows_are_left_out_and_said_so(tmp_path):
    data = tmp_path / "answers.csv"
    data.write_text("sector,growth_belief\n1,5\n2,4\n7,4\n1,Agree\n")
    result = run("estimate", data, "-i", "leaders", "--questions", "growth_belief")
    assert result.returncode == 0, result.stderr
    assert "1 of 4 rows rejected and left out of the estimates" in " ".join(result.stderr.split())
    assert "row 4, column sector" in result.stderr
    rows = json.loads(result.stdout)
    assert rows[0]["n"] == 3


def test_usage_errors_exit_2_with_close_matches(answers):
    result = run("estimate", answers, "-i", "leaders", "--questions", "growth_belief,traned")
    assert result.returncode == 2 and "'traned' is not a question, column or index of leaders (did you mean 'trained'?)" in result.stderr
    result = run("estimate", answers, "-i", "leaders", "--by", "setcor")
    assert result.returncode == 2 and "(did you mean 'sector'?)" in result.stderr
    result = run("estimate", answers, "-i", "leaders", "--weight", "wieght")
    assert result.returncode == 2 and "'wieght' is not a column of the data (--weight) (did you mean 'weight'?)" in " ".join(
        result.stderr.split()
    )
    assert "weight" in result.stderr
    for bad in (["--format", "xml"], ["--ci", "exact"], ["--level", "95"], ["--questions", "enablers_text"], ["--by", "a,b,c"]):
        assert run("estimate", answers, "-i", "leaders", *bad).returncode == 2, bad
    assert run("estimate", answers).returncode == 2  # no --instrument


def test_invalid_input_exits_1(tmp_path, answers):
    assert run("estimate", tmp_path / "missing.csv", "-i", "leaders").returncode == 1
    assert run("estimate", answers, "-i", "no-such-instrument").returncode == 1
    empty = tmp_path / "empty.csv"
    empty.write_text("sector,growth_belief\n9,9\n")
    assert run("estimate", empty, "-i", "leaders").returncode == 1
