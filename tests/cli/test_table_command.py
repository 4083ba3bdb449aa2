"""``collabstate table`` through the command line's app (typer's CliRunner), issue 15: JSON and
CSV are the estimate table's rows (the keys of ``collabstate estimate``; the total once, then each
banner's groups with ``by`` the banner's id), with the numbers of :func:`collabstate.stats.crosstab`
called in-process; a workbook's numbers are the JSON's; the terminal table shows the letters; each
bad input is told with its exit code; and data without a wave column, or with two waves, work."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import polars as pl
import pytest
from designed_waves import designed_waves
from typer.testing import CliRunner

from collabstate.cli import app
from collabstate.dataset import Responses, derive, read_responses, write_responses
from collabstate.instrument import load_derived, load_instrument
from collabstate.stats import ESTIMATE_SCHEMA, crosstab

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    """A terminal wide enough for a table of seven columns (the runner's is 80 characters)."""
    from collabstate.cli import _shared

    monkeypatch.setattr(_shared.out, "_width", 200)


LEADERS = load_instrument("leaders")
KEYS = list(ESTIMATE_SCHEMA)
FLOATS = ("estimate", "se", "ci_low", "ci_high", "n_eff", "deff")
DERIVED = """derived:
  - id: civil_vs_private
    label: Civil servants and private sector
    groups:
      - {code: 1, label: Civil servants, when: "sector == 1 and civil_service == 1"}
      - {code: 2, label: Private sector, when: "sector == 2"}
  - id: confident
    label: Confident or not
    from: confidence
    recode: {1: [3, 4], 2: [1, 2]}
    labels: {1: Confident, 2: Not confident}
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """The leaders' demo waves with a design (weights, strata, clusters): both waves in one file
    (a wave column of two waves), the 2025 wave with its wave column, and without one."""
    folder = tmp_path_factory.mktemp("table")
    both = designed_waves(15, 10)
    one = both.filter(pl.col("wave") == 2025)
    derived = folder / "groups.yaml"
    derived.write_text(DERIVED, encoding="utf-8")
    return {
        "both": write_responses(Responses(LEADERS, both), folder / "leaders-both.csv", "csv"),
        "one": write_responses(Responses(LEADERS, one), folder / "leaders-2025.csv", "csv"),
        "no_wave": write_responses(Responses(LEADERS, one.drop("wave")), folder / "leaders-no-wave.csv", "csv"),
        "derived": derived,
    }


def table(*args: object):
    return runner.invoke(app, ["table", *map(str, args)])


def expected(path: Path, derived: Path, rows: list[str], columns: list[str], filter: str | None = None) -> list[dict]:
    """crosstab() in-process on the file as the command reads it, with the derived variables."""
    responses = read_responses(path, "leaders").responses
    responses = derive(responses, load_derived(derived, LEADERS))
    return crosstab(responses, rows, columns, filter=filter).to_dicts()


def same(got: dict, want: dict) -> None:
    for key in KEYS:
        w = want[key]
        if key == "letters":
            w = w or ""
        if key == "flags":
            w = list(w)
        assert got[key] == w, (key, got, want)


ROWS = ["trained", "confident", "domains", "st_network"]
BANNERS = ["sector", "civil_vs_private"]


def _json(files, *extra: object, rows=ROWS, columns=BANNERS, data: str = "both") -> list[dict]:
    result = table(files[data], "-i", "leaders", "--rows", ",".join(rows), "--columns", ",".join(columns), "--derive",
                   files["derived"], "--format", "json", *extra)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "NaN" not in result.stdout and "Infinity" not in result.stdout
    return json.loads(result.stdout)


@pytest.mark.parametrize("filter", [None, "trained == 1"])
def test_json_rows_are_the_estimate_tables_total_once_then_each_banner(files, filter):
    extra = ["--filter", filter] if filter else []
    got = _json(files, *extra)
    want = expected(files["both"], files["derived"], ROWS, BANNERS, filter)
    assert len(got) == len(want) > 100
    for g, w in zip(got, want):
        assert list(g) == KEYS
        same(g, w)
        assert g["by"] in (None, *BANNERS)
        assert (g["by"] is None) == (g["group"] is None)
        assert isinstance(g["n"], int) and isinstance(g["flags"], list) and isinstance(g["letters"], str)
        for key in FLOATS:
            assert g[key] is None or isinstance(g[key], float), key
    cells = [(r["question"], r["option"], r["statistic"]) for r in got]
    totals = [c for c, r in zip(cells, got) if r["by"] is None]
    assert len(totals) == len(set(totals)) == len(set(cells))  # the total once per row of the table
    for banner, groups in (("sector", {"1", "2", "3", "4"}), ("civil_vs_private", {"1", "2"})):
        mine = [r for r in got if r["by"] == banner]
        assert {r["group"] for r in mine} == groups
        assert len(mine) == len(totals) * len(groups)  # each group once per row
    assert {r["question"] for r in got} == {"trained", "confident", "domains", "st_network"}
    if filter:
        unfiltered = {(r["question"], r["option"], r["statistic"], r["by"], r["group"]): r["n"] for r in _json(files)}
        assert all(r["n"] <= unfiltered[(r["question"], r["option"], r["statistic"], r["by"], r["group"])] for r in got)
        assert sum(r["n"] for r in got) < sum(unfiltered.values())


def test_csv_has_the_rows_of_the_json(files):
    got = _json(files)
    result = table(files["both"], "-i", "leaders", "--rows", ",".join(ROWS), "--columns", ",".join(BANNERS),
                   "--derive", files["derived"], "--format", "csv")  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == KEYS and len(rows) == len(got)
    for c, j in zip(rows, got):
        for key in ("question", "option", "statistic", "by", "group", "wave", "letters"):
            assert c[key] == (j[key] or ""), (key, c, j)
        assert c["flags"] == ";".join(j["flags"])
        assert int(c["n"]) == j["n"]
        for key in FLOATS:
            assert (c[key] == "") if j[key] is None else math.isclose(float(c[key]), j[key], rel_tol=1e-12), (key, c, j)


def test_a_workbook_holds_the_numbers_of_the_json(files, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    got = _json(files, "--filter", "trained == 1")
    path = tmp_path / "table.xlsx"
    result = table(files["both"], "-i", "leaders", "--rows", ",".join(ROWS), "--columns", ",".join(BANNERS), "--derive",
                   files["derived"], "--filter", "trained == 1", "--format", "xlsx", "--out", path)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"Wrote {path}" in result.stderr.replace("\n", "")
    sheet = openpyxl.load_workbook(path).active
    lines = list(sheet.iter_rows())
    assert "trained == 1" in str(lines[0][0].value)  # the filter is said above the table
    head = next(i for i, line in enumerate(lines) if str(line[2].value).endswith("(A)"))  # the groups' row, under the banners'
    assert lines[head][1].value == "Total" and lines[head - 1][2].value == "Sector"
    columns = list(dict.fromkeys((r["by"], r["group"]) for r in got))  # Total, then each banner's groups
    assert len([c for c in lines[head][1:] if c.value is not None]) == len(columns)
    estimates = list(dict.fromkeys((r["question"], r["option"], r["statistic"]) for r in got))
    by_key = {(r["question"], r["option"], r["statistic"], r["by"], r["group"]): r for r in got}
    first_of = {q: next(r for r in got if r["question"] == q) for q in ROWS}
    shown, bases = [], []
    for line in lines[head + 1 :]:
        label = line[0]
        if label.value is None or label.font.b:  # blank, or a question's heading
            continue
        if label.value == "Base (n)":
            bases.append([c.value for c in line[1 : len(columns) + 1]])
        elif not label.font.i:  # an estimate's row (intervals, letters and notes are muted)
            shown.append([c.value for c in line[1 : len(columns) + 1]])
    assert len(shown) == len(estimates) and len(bases) == len(ROWS)
    numbers = 0
    for key, values in zip(estimates, shown):
        for (by, group), value in zip(columns, values):
            row = by_key[(*key, by, group)]
            if row["estimate"] is None:
                assert not isinstance(value, float), (key, by, group, value)  # suppressed or "–", never a number
            else:
                assert value == pytest.approx(row["estimate"], rel=1e-12), (key, by, group)
                numbers += 1
    assert numbers > 100
    for question, values in zip(ROWS, bases):
        assert values[0] == first_of[question]["n"]
        for (by, group), value in zip(columns[1:], values[1:]):
            assert (
                value
                == by_key[(first_of[question]["question"], first_of[question]["option"], first_of[question]["statistic"], by, group)]["n"]
            )


def test_the_terminal_table_shows_the_letters(files):
    got = _json(files, rows=["trained", "confident"], columns=["sector"])
    letters = {r["letters"] for r in got if r["letters"]}
    assert letters
    result = table(files["both"], "-i", "leaders", "--rows", "trained,confident", "--columns", "sector", "--derive",
                   files["derived"], "--format", "table", "--filter", "sector != 4")  # fmt: skip
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "Public (A)" in text and "Private (B)" in text and "Higher education (D)" in text
    assert "Confident or not" in text and "Confident" in text and "Base (n)" in text
    assert "Respondents for whom sector != 4 (a domain of the full design)" in text
    result = table(files["both"], "-i", "leaders", "--rows", "trained,confident", "--columns", "sector", "--derive",
                   files["derived"], "--format", "table")  # fmt: skip
    higher = [line for line in result.stdout.splitlines() if line.startswith("Higher than")]
    shown = {cell.strip() for line in higher for cell in line.split("│")[1:] if cell.strip()}
    assert shown == letters


# ------------------------------------------------------------------------------ bad input
BORDERS = str.maketrans(dict.fromkeys("│╭╮╰╯─", " "))


def _fails(files, *args: object, code: int) -> str:
    result = table(files["both"], "-i", "leaders", *args)
    assert result.exit_code == code, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    return " ".join(result.output.translate(BORDERS).split())  # the words, whatever a panel's borders and wrapping


def test_an_unknown_row(files):
    said = _fails(files, "--rows", "trained,traind", code=2)
    assert "'traind' is not a question, column or index of leaders (did you mean 'trained'?)" in said


def test_an_unknown_banner(files):
    said = _fails(files, "--rows", "trained", "--columns", "sectr", code=2)
    assert "'sectr'" in said and "(did you mean 'sector'?)" in said


@pytest.mark.parametrize("banner", ["org_support/secondments", "domains", "example_text", "statements"])
def test_a_banner_that_is_not_single_choice(files, banner):
    said = _fails(files, "--rows", "trained", "--columns", f"sector,{banner}", code=2)
    assert f"'{banner}' is not a single-choice question: a banner's groups are its codes" in said


@pytest.mark.parametrize(
    "filter,told",
    [
        ("sector == = 1", "unexpected '=' at column 11"),
        ("sector == 1 and", "condition ends too soon"),
        ("sectr == 1", "unknown question 'sectr' (did you mean 'sector'?)"),
        ("sector == 7", "'sector' has no code 7"),
    ],
)
def test_a_filter_that_cannot_be_used(files, filter, told):
    said = _fails(files, "--rows", "trained", "--filter", filter, "--format", "json", code=2)
    assert f"filter {filter!r} is not valid; expected a condition on the data: " in said and told in said


def test_a_derive_file_with_a_problem(files, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("derived:\n  - id: sure\n    label: Sure\n    from: confidance\n    recode: {1: [3, 4]}\n", encoding="utf-8")
    said = _fails(files, "--rows", "sure", "--derive", bad, code=1)
    assert f"{bad}: 1 problem" in said and "line 4: derived[0].from: unknown question 'confidance' (did you mean 'confidence'?)" in said
    said = _fails(files, "--rows", "trained", "--derive", tmp_path / "none.yaml", code=1)
    assert "none.yaml: 1 problem no such file of derived variables" in said


def test_a_workbook_needs_a_file_and_a_known_format(files):
    said = _fails(files, "--rows", "trained", "--format", "xlsx", code=2)
    assert "--out" in said and "a workbook is written to a file" in said
    said = _fails(files, "--rows", "trained", "--format", "pdf", code=2)
    assert "'pdf' is not one of json, csv, xlsx, table" in said


# --------------------------------------------------------------------------------- waves
def test_data_without_a_wave_column(files, tmp_path):
    got = _json(files, data="no_wave", columns=["sector"])
    with_wave = _json(files, data="one", columns=["sector"])
    assert all(r["wave"] is None for r in got)
    assert all(r["wave"] == "2025" for r in with_wave)  # one wave: each row says which
    for a, b in zip(got, with_wave):
        assert {k: v for k, v in a.items() if k != "wave"} == {k: v for k, v in b.items() if k != "wave"}
    for fmt in ("csv", "table"):
        result = table(files["no_wave"], "-i", "leaders", "--rows", "trained", "--columns", "sector", "--format", fmt)
        assert result.exit_code == 0, result.output
    result = table(
        files["no_wave"], "-i", "leaders", "--rows", "trained", "--columns", "sector", "--format", "xlsx", "--out", tmp_path / "t.xlsx"
    )
    assert result.exit_code == 0 and (tmp_path / "t.xlsx").stat().st_size > 0
    said = " ".join(table(files["no_wave"], "-i", "leaders", "--rows", "trained", "--columns", "wave").output.split())
    assert "'wave' is not a question or design column of the data to break down by" in said


def test_data_with_two_waves(files):
    """The total is of both waves together (the wave of a row null); a wave banner splits them,
    each group's rows saying their wave."""
    got = _json(files, rows=["trained"], columns=["wave", "sector"])
    one = _json(files, rows=["trained"], columns=["sector"], data="one")
    total = [r for r in got if r["by"] is None]
    assert all(r["wave"] is None for r in total)
    waves = [r for r in got if r["by"] == "wave"]
    assert {r["group"] for r in waves} == {"2024", "2025"} and all(r["wave"] == r["group"] for r in waves)
    assert total[0]["n"] == sum(r["n"] for r in waves if r["option"] == total[0]["option"])
    in_2025 = next(r for r in waves if r["group"] == "2025" and r["option"] == "1")
    alone = next(r for r in one if r["by"] is None and r["option"] == "1")
    assert in_2025["estimate"] == pytest.approx(alone["estimate"]) and in_2025["n"] == alone["n"]
    assert any(r["letters"] for r in waves)  # the waves are compared as any two groups of a banner
    result = table(files["both"], "-i", "leaders", "--rows", "trained", "--columns", "wave,sector", "--format", "table")
    assert result.exit_code == 0, result.output
    assert "2024 (A)" in result.stdout and "2025 (B)" in result.stdout
