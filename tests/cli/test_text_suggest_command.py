"""``collabstate text suggest`` (issue 19, item 2) as a user runs it: themes as JSON with exactly
``{id, keywords, size, examples}`` and the library's figures, the same in another process, each
answer's theme as CSV, codes suggested from a codebook with their reason, and clear messages with
exit code 2 for a question that is not a text question."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

import collabstate
from collabstate.analysis.themes import suggest_codes, suggest_themes
from collabstate.cli import app
from collabstate.demo import leaders_wave
from collabstate.instrument.codebook import Code, Codebook

runner = CliRunner()
SRC = str(Path(collabstate.__file__).parents[1])


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    from collabstate.cli import _shared

    monkeypatch.setattr(_shared.out, "_width", 200)


@pytest.fixture(scope="module")
def answers(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("suggest") / "answers.csv"
    leaders_wave(2025).drop("wave").write_csv(path)
    return path


def _run(*args: str):
    return runner.invoke(app, ["text", "suggest", *args])


def test_json_is_a_list_of_themes_with_the_librarys_figures(answers):
    done = _run(str(answers), "-i", "leaders", "--question", "barriers_text", "--themes", "4", "--seed", "3", "--format", "json")
    assert done.exit_code == 0, done.output
    themes = json.loads(done.stdout)
    assert [list(t) for t in themes] == [["id", "keywords", "size", "examples"]] * len(themes) and len(themes) == 4
    texts = pl.read_csv(answers, infer_schema=False)["barriers_text"].to_list()
    assert themes == suggest_themes(texts, 4, seed=3).records()
    # sizes counted independently: the answers that contain the theme's first example's words
    assert sum(t["size"] for t in themes) <= sum(1 for t in texts if t and t.strip())
    # the same in a fresh process
    again = subprocess.run(
        [sys.executable, "-m", "collabstate", "text", "suggest", str(answers), "-i", "leaders", "-q", "barriers_text", "-k", "4",
         "--seed", "3", "--format", "json"],
        capture_output=True, text=True, env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"}, check=True,
    )  # fmt: skip
    assert json.loads(again.stdout) == themes


def test_csv_gives_each_answers_theme_and_the_table_each_theme(answers):
    done = _run(str(answers), "-i", "leaders", "-q", "enablers_text", "--format", "csv")
    assert done.exit_code == 0, done.output
    frame = pl.read_csv(done.stdout.encode(), schema_overrides={"respondent_id": pl.String})
    assert frame.columns == ["respondent_id", "theme", "weight"]
    themes = json.loads(_run(str(answers), "-i", "leaders", "-q", "enablers_text", "--format", "json").stdout)
    counts = dict(frame.group_by("theme").len().iter_rows())
    assert counts == {t["id"]: t["size"] for t in themes}
    assert (frame["weight"] > 0).all()
    shown = _run(str(answers), "-i", "leaders", "-q", "enablers_text")
    assert shown.exit_code == 0
    assert f"5 themes suggested in {sum(counts.values()) + 1} answers to enablers_text (seed 2018)" in shown.stdout  # one has no theme
    assert "Note: 1 of the 168 answers weigh nothing on any theme" in shown.stderr


def test_codes_suggested_from_a_codebook_say_why(answers, tmp_path):
    book = tmp_path / "barriers.yaml"
    book.write_text(
        "question: barriers_text\ncodes:\n"
        "  - {id: trust, label: Mistrust between sectors, keywords: [mistrust, distrust]}\n"
        "  - {id: procurement, label: Procurement on price, keywords: [procurement, lowest-cost]}\n"
        "  - {id: policy, label: Policy uncertainty and elections, description: Short political cycles}\n",
        encoding="utf-8",
    )
    done = _run(str(answers), "-i", "leaders", "-q", "barriers_text", "--codebook", str(book), "--format", "json")
    assert done.exit_code == 0, done.output
    rows = json.loads(done.stdout)
    assert rows and all(list(r) == ["respondent_id", "code", "score", "why"] for r in rows)
    frame = pl.read_csv(answers, infer_schema=False)
    expected = suggest_codes(
        frame["respondent_id"].to_list(),
        frame["barriers_text"].to_list(),
        Codebook(question="barriers_text", codes=[Code(id="trust", label="Mistrust between sectors", keywords=["mistrust", "distrust"]),
                                                  Code(id="procurement", label="Procurement on price", keywords=["procurement", "lowest-cost"]),
                                                  Code(id="policy", label="Policy uncertainty and elections", description="Short political cycles")]),
    )  # fmt: skip
    assert rows == expected
    texts = dict(zip(frame["respondent_id"], frame["barriers_text"]))
    for row in rows:
        if row["why"].startswith("keyword: "):
            assert row["why"].removeprefix("keyword: ") in texts[row["respondent_id"]].lower() and row["score"] == 1
        else:
            assert row["why"] == "similarity" and 0.15 <= row["score"] < 1
    assert {r["why"] for r in rows if r["code"] == "policy"} == {"similarity"}  # it has no keywords
    policy = {texts[r["respondent_id"]] for r in rows if r["code"] == "policy"}
    assert any("Uncertainty about policy" in t for t in policy) and any("cycles" in t for t in policy)
    as_csv = _run(str(answers), "-i", "leaders", "-q", "barriers_text", "--codebook", str(book), "--format", "csv")
    read = pl.read_csv(as_csv.stdout.encode(), schema_overrides={"respondent_id": pl.String})
    assert read.to_dicts() == rows
    other = _run(str(answers), "-i", "leaders", "-q", "enablers_text", "--codebook", str(book))
    assert other.exit_code == 2 and "is for 'barriers_text', not 'enablers_text'" in other.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-q", "barrier_text"], "'barrier_text' is not a text question of leaders (did you mean 'barriers_text'?)"),
        (["-q", "sector"], "'sector' is a single question, not a text question"),
        (["-q", "barriers_text", "--themes", "0"], "0 is not a number of themes from 1 to 50"),
        (["-q", "barriers_text", "--format", "xml"], "'xml' is not one of table, json, csv"),
    ],
)
def test_what_cannot_be_suggested_is_a_usage_error(answers, args, message):
    done = _run(str(answers), "-i", "leaders", *args)
    assert done.exit_code == 2
    assert message in " ".join(done.stderr.split())


def test_a_question_nobody_answered_is_refused(answers, tmp_path):
    empty = tmp_path / "empty.csv"
    pl.read_csv(answers, infer_schema=False).with_columns(pl.lit(None, pl.String).alias("example_text")).write_csv(empty)
    done = _run(str(empty), "-i", "leaders", "-q", "example_text")
    assert done.exit_code == 1 and "no answers to suggest themes from: all 300 are blank" in done.stderr


def test_without_respondent_ids_answers_are_named_by_their_row(answers, tmp_path):
    plain = tmp_path / "no-ids.csv"
    frame = pl.read_csv(answers, infer_schema=False).drop("respondent_id")
    frame.write_csv(plain)
    done = _run(str(plain), "-i", "leaders", "-q", "example_text", "--themes", "3", "--format", "csv")
    assert done.exit_code == 0, done.output
    rows = pl.read_csv(done.stdout.encode())
    # the file's row as a spreadsheet shows it: the header is row 1
    answered = [f"row {i + 2}" for i, t in enumerate(frame["example_text"]) if t is not None and t.strip()]
    assert set(rows["respondent_id"]) <= set(answered) and rows.height >= len(answered) - 5
