"""``--codes FILE --codebook FILE [--coder NAME]`` on estimate, table and report (issue 19, item 1):
the themes of the demo's ``barriers_text`` as the multiple-choice question ``barriers_text_codes``,
checked against the engine's estimate of the same themes built by hand as 0/1 columns."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from collabstate.cli import app
from collabstate.dataset import Responses, write_responses
from collabstate.demo import leaders_wave
from collabstate.demo._coding import DEMO_CODEBOOK, DEMO_CODES
from collabstate.instrument import load_instrument, parse_instrument
from collabstate.instrument.codebook import load_codebook
from collabstate.stats import estimate

runner = CliRunner()
LEADERS = load_instrument("leaders")


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("codes")
    for year in (2024, 2025):
        write_responses(Responses(LEADERS, leaders_wave(year)), folder / f"leaders-{year}.csv", "csv")
    write_responses(Responses(LEADERS, leaders_wave(2025).drop("wave")), folder / "answers.csv", "csv")
    shutil.copy(DEMO_CODEBOOK, folder / "book.yaml")
    shutil.copy(DEMO_CODES, folder / "codes.csv")
    return folder


def run(*args: object):
    return runner.invoke(app, [*map(str, args)])


def by_hand(year: int, by: str | None = "sector") -> list[dict]:
    """The engine's estimate of the themes, built by hand: the instrument with a multiple-choice
    question of the codebook's codes and NETs written out, and its 0/1 columns counted from the
    codes file (null where barriers_text is blank)."""
    book = load_codebook(DEMO_CODEBOOK, LEADERS)
    options = "".join(f"\n      - {{code: {c.id}, label: {json.dumps(c.label)}}}" for c in book.codes)
    nets = "\n      - {id: people_any, label: any, codes: [people, mistrust, commercial, pathways]}"
    text = f"""
id: hand
title: Hand
questions:
  - {{id: sector, type: single, text: Sector, choices: [{{code: 1, label: a}}, {{code: 2, label: b}}, {{code: 3, label: c}}, {{code: 4, label: d}}]}}
  - id: barriers_text_codes
    type: multiple
    text: Themes
    options:{options}
    nets:{nets}
"""
    hand = parse_instrument(text)
    frame = leaders_wave(year)
    codes = pl.read_csv(DEMO_CODES, schema_overrides={"wave": pl.String}).filter(pl.col("wave") == str(year))
    answered = frame["barriers_text"].is_not_null()
    columns = {"sector": frame["sector"], "wave": frame["wave"]}
    for c in book.codes:
        ids = set(codes.filter(pl.col("code") == c.id)["respondent_id"])
        columns[f"barriers_text_codes/{c.id}"] = pl.Series(
            [(int(r in ids) if a else None) for r, a in zip(frame["respondent_id"], answered, strict=True)], dtype=pl.Int8
        )
    return estimate(Responses(hand, pl.DataFrame(columns)), ["barriers_text_codes"], by=by).to_dicts()


def _close(got: list[dict], want: list[dict], skip: tuple[str, ...] = ()) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        for key, value in w.items():
            if key in skip:
                continue
            if isinstance(value, float):
                assert g[key] == pytest.approx(value, abs=1e-12, nan_ok=True), key
            else:
                assert (g[key] or ([] if key == "flags" else "")) == (value or ([] if key == "flags" else "")), key


def test_estimate_gives_the_themes_shares_intervals_and_letters_by_sector(folder):
    result = run("estimate", folder / "leaders-2025.csv", "-i", "leaders", "--codes", folder / "codes.csv",
                 "--codebook", folder / "book.yaml", "-q", "barriers_text_codes", "--by", "sector")  # fmt: skip
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    _close(got, by_hand(2025))
    total = [r for r in got if r["group"] is None]
    assert {r["n"] for r in total} == {leaders_wave(2025)["barriers_text"].is_not_null().sum()}  # those who answered
    assert any(r["letters"] for r in got)
    assert "rows code waves 2024, 2026, which the data do not hold: left aside" in " ".join(result.stderr.split())


def test_table_shows_the_themes_and_their_nets(folder):
    result = run("table", folder / "leaders-2025.csv", "-i", "leaders", "--codes", folder / "codes.csv", "--codebook", folder / "book.yaml",
                 "--rows", "barriers_text_codes", "--columns", "sector", "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert next(r for r in got if r["option"] == "people_any" and r["group"] is None)["statistic"] == "net"
    order = lambda r: (r["option"], r["group"] or "")  # noqa: E731
    _close(sorted(got, key=order), sorted(by_hand(2025), key=order), skip=("by",))  # the table's total row has no `by`


def test_data_without_a_wave_column_need_a_codes_file_without_one(folder, tmp_path):
    codes = pl.read_csv(DEMO_CODES, schema_overrides={"wave": pl.String}).filter(pl.col("wave") == "2025").drop("wave")
    (tmp_path / "codes.csv").write_text(
        "respondent_id,code,coder\n" + "".join(f"{r},{c},{k}\n" for r, c, k in codes.iter_rows()), encoding="utf-8"
    )
    args = ("estimate", folder / "answers.csv", "-i", "leaders", "--codebook", folder / "book.yaml", "-q", "barriers_text_codes")
    result = run(*args, "--codes", tmp_path / "codes.csv")
    assert result.exit_code == 0, result.output
    _close(json.loads(result.stdout), by_hand(2025, by=None), skip=("wave",))  # answers.csv has no wave column
    refused = run(*args, "--codes", folder / "codes.csv")
    assert refused.exit_code == 1
    assert "column wave: the codes file has a wave column, and the data have none" in refused.stderr


def test_the_report_shows_the_themes_change_since_the_earlier_wave(folder, tmp_path):
    if not (Path(__file__).resolve().parents[2] / "node_modules").exists():
        pytest.skip("node_modules is missing: the report cannot be written")
    result = run("report", folder / "leaders-2025.csv", "-i", "leaders", "--compare", folder / "leaders-2024.csv",
                 "--codes", folder / "codes.csv", "--codebook", folder / "book.yaml", "--out", tmp_path / "out")  # fmt: skip
    assert result.exit_code == 0, result.output
    changes = json.loads((tmp_path / "out" / "changes.json").read_text(encoding="utf-8"))
    themes = {c["option"]: c for c in changes if c["question"] == "barriers_text_codes" and c["group"] is None}
    for year, key in ((2025, "estimate_to"), (2024, "estimate_from")):  # the change is between the engine's shares of each wave
        for row in by_hand(year, by=None):
            assert themes[row["option"]][key] == pytest.approx(row["estimate"], abs=1e-12)
    assert themes["power"]["change"] == pytest.approx(themes["power"]["estimate_to"] - themes["power"]["estimate_from"])
    assert "In their own words: What holds collaboration back" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        (["--codebook", "book.yaml"], 2, "--codes and --codebook go in pairs: 0 codes files and 1 codebook given"),
        (["--coder", "ann"], 2, "--coder names whose codes to use"),
        (["--codes", "codes.csv", "--codebook", "nope.yaml"], 1, "nope.yaml: 1 problem\n  no such codebook file"),
        (["--codes", "codes.csv", "--codebook", "book.yaml", "--coder", "ann"], 1, "no codes by coder 'ann'"),
        (
            ["--codes", "bad.csv", "--codebook", "book.yaml"],
            1,
            "bad.csv, row 2, column respondent_id: respondent_id 'L25-9999' is not in the data",
        ),
    ],
)
def test_bad_options_and_files_are_told_without_a_traceback(folder, monkeypatch, extra, code, message):
    monkeypatch.chdir(folder)
    (folder / "bad.csv").write_text("respondent_id,code\nL25-9999,risk\n", encoding="utf-8")
    result = run("estimate", "leaders-2025.csv", "-i", "leaders", "-q", "sector", *extra)
    assert result.exit_code == code
    assert message in result.stderr
    assert "Traceback" not in result.output
