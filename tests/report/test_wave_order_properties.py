"""Every change is later minus earlier, whatever the files look like (issue 12).

Random pairs and triples of waves, written as files with and without a ``wave`` column, under any
names (dated or not), given on the command line in any order the contract allows (dated waves in
any order; undated ones nearest first): the waves come out in time order, every change is the
later wave's own estimate minus the earlier's, and every verdict and every change a reader sees
has that sign. The same is checked end to end in JSON, HTML, XLSX and PDF for the case the reader
found: two files without a wave column, where every change used to come out reversed.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from collabstate import Responses, estimate, load_instrument, read_responses, write_responses
from collabstate.demo import leaders_wave
from collabstate.report.evidence import gather
from collabstate.report.sections import build_model

ROOT = Path(__file__).resolve().parents[2]

INS = load_instrument("leaders")


def _frame(n: int, p_agree: float, seed: int, ids: list[str]) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    agree = rng.random(n) < p_agree
    return pl.DataFrame({
        "respondent_id": ids,
        "sector": rng.integers(1, 5, n),
        "growth_belief": np.where(agree, rng.choice([4, 5], n), rng.choice([1, 2, 3], n)),
        "trained": rng.choice([1, 2], n),
    })  # fmt: skip


@st.composite
def wave_files(draw):
    k = draw(st.sampled_from([2, 3]))
    years = sorted(draw(st.lists(st.integers(1990, 2040), min_size=k, max_size=k, unique=True)))
    naming = draw(st.sampled_from(["wave column", "dated names", "undated names"]))
    fmt = draw(st.sampled_from(["csv", "xlsx", "parquet"]))
    shares = draw(st.lists(st.sampled_from([0.15, 0.5, 0.85]), min_size=k, max_size=k))
    panel = draw(st.booleans())
    prefix = draw(st.sampled_from(["", "leaders-", "Survey ", "wave_"]))
    waves = []
    for i, year in enumerate(years):
        n = draw(st.integers(40, 90))
        ids = [f"p{j}" if panel and j < 25 else f"w{i}-{j}" for j in range(n)]
        frame = _frame(n, shares[i], seed=year, ids=ids)
        if naming == "wave column":
            frame = frame.with_columns(pl.lit(year).alias("wave"))
            name = f"export ({draw(st.sampled_from(['a', 'b', 'c', 'd']))}{i})"  # names that say nothing
        elif naming == "dated names":
            name = f"{prefix}{year}"
        else:
            name = f"{prefix}{['first', 'second', 'third'][i]}"
        label = str(year) if naming == "wave column" else name
        waves.append((name, label, frame))
    earlier = waves[:-1][::-1]  # nearest first, the contract for undated waves
    if naming != "undated names":
        earlier = draw(st.permutations(earlier))
    return waves, earlier, fmt


def _write(folder, name, frame, fmt):
    return write_responses(Responses(INS, frame), folder / f"{name}.{fmt}", fmt)


def _read(path) -> Responses:
    validation = read_responses(path, INS)
    assert validation.ok, validation.problems[:3]
    return validation.responses


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=wave_files())
def test_every_change_is_later_minus_earlier(tmp_path_factory, case):
    waves, earlier, fmt = case
    folder = tmp_path_factory.mktemp("waves")
    paths = {name: _write(folder, name, frame, fmt) for name, _, frame in waves}
    reported_name, reported_label, _ = waves[-1]
    ev = gather(_read(paths[reported_name]), earlier=[_read(paths[name]) for name, _, _ in earlier])
    labels = [label for _, label, _ in waves]
    assert list(ev.waves) == labels
    own = {label: estimate(Responses(INS, frame), ["growth_belief"]) for _, label, frame in waves}

    def share(label):
        table = own[label]
        return table.filter((pl.col("option") == "agree") & pl.col("group").is_null())["estimate"][0]

    totals = ev.changes.filter(pl.col("group").is_null() & (pl.col("question") == "growth_belief") & (pl.col("option") == "agree"))
    assert set(totals["wave_to"]) == {reported_label}
    assert set(totals["wave_from"]) == ({labels[-2], labels[0]} if len(labels) > 2 else {labels[0]})
    for row in ev.changes.drop_nulls("change").iter_rows(named=True):
        assert row["wave_to"] == reported_label and labels.index(row["wave_from"]) < labels.index(row["wave_to"])
        assert math.isclose(row["change"], row["estimate_to"] - row["estimate_from"], abs_tol=1e-12)
        if row["verdict"] == "up":
            assert row["change"] > 0
        if row["verdict"] == "down":
            assert row["change"] < 0
    for row in totals.iter_rows(named=True):
        assert math.isclose(row["estimate_to"], share(row["wave_to"]), abs_tol=1e-12)
        assert math.isclose(row["estimate_from"], share(row["wave_from"]), abs_tol=1e-12)
    _check_cells_agree_with_verdicts(build_model(ev))


def _check_cells_agree_with_verdicts(report) -> None:
    """In every table a reader sees, a change cell's sign agrees with the verdict beside it."""
    for section in report.sections:
        for table in section.tables + [c.data for c in section.charts]:
            for row in table.rows:
                for i, (column, cell) in enumerate(zip(table.columns, row.cells)):
                    if not column.label.startswith("Change") or not cell.shown:
                        continue
                    verdict = row.cells[i + 1].text
                    if verdict == "significant rise":
                        assert cell.estimate >= 0, (table.id, row.label)
                    elif verdict == "significant fall":
                        assert cell.estimate <= 0, (table.id, row.label)


@pytest.fixture(scope="module")
def reversed_before(tmp_path_factory):
    """The reader's case: 2025.csv reported against 2024.csv, neither with a wave column,
    given to the CLI, all formats."""
    if not (ROOT / "node_modules" / "vega-embed").is_dir() or shutil.which("pdftotext") is None:
        pytest.skip("the report's JavaScript (npm ci) or pdftotext is missing: make setup installs them")
    from collabstate.cli import app

    folder = tmp_path_factory.mktemp("reader")
    for year in (2024, 2025):
        leaders_wave(year).drop("wave").write_csv(folder / f"{year}.csv")
    out = folder / "report"
    result = CliRunner().invoke(
        app, ["report", str(folder / "2025.csv"), "-i", "leaders", "--compare", str(folder / "2024.csv"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out


def test_files_without_a_wave_column_are_not_reversed_in_any_format(reversed_before):
    from openpyxl import load_workbook

    out = reversed_before
    # Strong networks in other sectors: 62% in 2024, 50% in 2025: a fall, everywhere.
    rows = [
        r
        for r in json.loads((out / "changes.json").read_text())
        if r["question"] == "st_network" and r["option"] == "agree" and r["group"] is None
    ]
    assert [(r["wave_from"], r["wave_to"], r["verdict"]) for r in rows] == [("2024", "2025", "down")]
    assert round(rows[0]["estimate_from"], 2) == 0.62 and round(rows[0]["estimate_to"], 2) == 0.50
    html = (out / "report.html").read_text()
    assert not re.search(r"\b(in|since|All \()(current|previous)\b", html)  # never named "current" or "previous"
    assert re.search(r"62% in 2024, 50% in 2025; down 12 points, a significant fall", html)
    assert "up 12 points" not in html
    text = " ".join(subprocess.run(["pdftotext", str(out / "report.pdf"), "-"], capture_output=True, text=True, check=True).stdout.split())
    assert "62% in 2024, 50% in 2025; down 12 points, a significant fall" in text
    book = load_workbook(out / "tables.xlsx", read_only=True)
    found = False
    for sheet in book.worksheets:
        for values in sheet.iter_rows(values_only=True):
            cells = [v for v in values if v is not None]
            if (
                cells
                and isinstance(cells[0], str)
                and cells[0].startswith("Strong networks in other sectors")
                and "significant fall" in cells
            ):
                change = cells[cells.index("significant fall") - 1]
                assert change < 0
                found = True
    assert found
