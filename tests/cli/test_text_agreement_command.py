"""``collabstate text agreement A.csv B.csv`` through the command line's app (issue 19, item 3):
its JSON is exactly ``{overall_kappa, krippendorff_alpha, codes: [{code, kappa, n}]}`` with the
numbers of :func:`collabstate.stats.agreement.agreement` (checked there against Cohen's definition,
scikit-learn and Krippendorff's examples) and of scikit-learn here; the table names the strength in
words; a bad file or option is told with its exit code, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sklearn.metrics import cohen_kappa_score
from typer.testing import CliRunner

from collabstate.cli import app

runner = CliRunner()

A = "respondent_id,code\n1,funding\n1,trust\n2,funding\n3,time\n4,trust\n4,trust\n"
B = "respondent_id,code,coder\n1,funding,bo\n2,funding,bo\n2,time,bo\n3,time,bo\n5,trust,bo\n"


@pytest.fixture
def files(tmp_path) -> tuple[Path, Path]:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text(A, encoding="utf-8")
    b.write_text(B, encoding="utf-8")
    return a, b


def test_json_is_the_issues_shape_with_kappa_by_scikit_learn(files):
    result = runner.invoke(app, ["text", "agreement", *map(str, files), "--format", "json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert list(got) == ["overall_kappa", "krippendorff_alpha", "codes"]
    assert [list(c) for c in got["codes"]] == [["code", "kappa", "n"]] * 3
    # units 1..5 (4 in A only, 5 in B only); decisions per code over them
    decisions = {
        "funding": ([1, 1, 0, 0, 0], [1, 1, 0, 0, 0]),
        "time": ([0, 0, 1, 0, 0], [0, 1, 1, 0, 0]),
        "trust": ([1, 0, 0, 1, 0], [0, 0, 0, 0, 1]),
    }
    for code in got["codes"]:
        assert code["n"] == 5
        assert code["kappa"] == pytest.approx(cohen_kappa_score(*decisions[code["code"]]))
    assert got["overall_kappa"] == pytest.approx(0.7 / 1.7)  # Σ(p_o − p_e) = 2.2 − 1.5 = 0.7 over Σ(1 − p_e) = 3 − 1.3 = 1.7
    assert -1 <= got["krippendorff_alpha"] <= 1


def test_the_table_says_kappa_in_words_and_the_notes(files):
    result = runner.invoke(app, ["text", "agreement", *map(str, files)])
    assert result.exit_code == 0, result.output
    assert "almost perfect" in result.stdout and "moderate" in result.stdout and "poor" in result.stdout
    assert "1 respondent coded by A only and 1 respondent by B only" in result.stdout
    assert "a.csv: 1 repeated row (the same respondent and code) counted once" in result.stderr


def test_one_file_with_two_coders_is_compared_with_itself_by_coder(tmp_path):
    both = tmp_path / "both.csv"
    both.write_text("respondent_id,code,coder\n1,a,ann\n2,b,ann\n1,a,bo\n2,a,bo\n", encoding="utf-8")
    refused = runner.invoke(app, ["text", "agreement", str(both), str(both)])
    assert refused.exit_code == 1 and "codes by 2 coders (ann, bo)" in refused.stderr and "Traceback" not in refused.output
    result = runner.invoke(app, ["text", "agreement", str(both), str(both), "--coder", "ann", "--coder", "bo", "--format", "json"])
    assert result.exit_code == 0, result.output
    codes = {c["code"]: c["kappa"] for c in json.loads(result.stdout)["codes"]}
    assert codes["a"] == pytest.approx(cohen_kappa_score([1, 0], [1, 1]))


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        (["--format", "csv"], 2, "--format 'csv' is not valid; expected table or json"),
        (["--coder", "bo"], 2, "give --coder twice"),
        (["--coder", "x", "--coder", "bo"], 1, "has no coder column"),
    ],
)
def test_bad_options_are_told(files, extra, code, message):
    result = runner.invoke(app, ["text", "agreement", *map(str, files), *extra])
    assert result.exit_code == code and message in result.stderr and "Traceback" not in result.output


def test_a_bad_file_is_told_with_its_place(files, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"respondent_id,code\n1,caf\xe9\n")
    result = runner.invoke(app, ["text", "agreement", str(bad), str(files[1])])
    assert result.exit_code == 1 and "bad.csv: not UTF-8 text" in result.stderr
    missing = runner.invoke(app, ["text", "agreement", str(tmp_path / "none.csv"), str(files[1])])
    assert missing.exit_code == 1 and "none.csv" in missing.stderr and "Traceback" not in missing.output
