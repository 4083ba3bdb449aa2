"""The seed's table from the demo data (issue 15): strong networks, civil servants against the
private sector (seed 000: "50% of civil servants, 78% of the private sector have strong
networks"), with bases and letters, built by `collabstate table` with a derived variable, and
each of its figures the one the estimate engine gives the same respondents another way."""

from __future__ import annotations

import json

import polars as pl
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from collabstate import Responses, estimate, load_instrument, write_responses
from collabstate.cli import app
from collabstate.demo import leaders_wave

runner = CliRunner()
GROUPS = """derived:
  - id: civil_vs_private
    label: Civil servants and private sector
    groups:
      - {code: 1, label: Civil servants, when: "sector == 1 and civil_service == 1"}
      - {code: 2, label: Private sector, when: "sector == 2"}
"""


@pytest.fixture(scope="module")
def wave(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seed")
    leaders = load_instrument("leaders")
    write_responses(Responses(leaders, leaders_wave(2025)), folder / "leaders-2025.csv", "csv")
    (folder / "groups.yaml").write_text(GROUPS, encoding="utf-8")
    return folder


def table(wave, *extra: str):
    args = ["table", str(wave / "leaders-2025.csv"), "-i", "leaders", "--rows", "st_network", "--columns", "civil_vs_private",
            "--derive", str(wave / "groups.yaml"), *extra]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_seed_table_is_the_engine_s_figures_for_the_same_respondents(wave):
    rows = pl.DataFrame(json.loads(table(wave, "--format", "json")))
    agree = rows.filter(pl.col("option") == "agree")
    assert agree["by"].to_list() == [None, "civil_vs_private", "civil_vs_private"]
    assert agree["group"].to_list() == [None, "1", "2"]
    leaders = load_instrument("leaders")
    data = leaders_wave(2025)
    r = Responses(leaders, data)
    # the private sector group is sector 2; civil servants are the domain sector 1 and civil_service 1
    private = estimate(r, ["st_network"], by="sector").filter((pl.col("group") == "2") & (pl.col("option") == "agree"))
    civil = estimate(r, ["st_network"], filter="sector == 1 and civil_service == 1").filter(pl.col("option") == "agree")
    total = estimate(r, ["st_network"]).filter(pl.col("option") == "agree")
    for ours, theirs in ((agree[0], total), (agree[1], civil), (agree[2], private)):
        for key in ("estimate", "se", "ci_low", "ci_high", "n"):
            assert ours[key][0] == pytest.approx(theirs[key][0], rel=1e-12), key
    # the bases are the people in each group who answered
    answered = data.filter(pl.col("st_network").is_not_null())
    assert agree["n"].to_list() == [
        answered.height,
        answered.filter((pl.col("sector") == 1) & (pl.col("civil_service") == 1)).height,
        answered.filter(pl.col("sector") == 2).height,
    ]
    # letters: a group is marked higher only where its share is higher
    for row in rows.filter(pl.col("group").is_not_null()).iter_rows(named=True):
        if row["letters"]:
            other = rows.filter(
                (pl.col("option") == row["option"])
                & (pl.col("statistic") == row["statistic"])
                & (pl.col("group") == {"A": "1", "B": "2"}[row["letters"]])
            )
            assert row["estimate"] > other["estimate"][0]


def test_the_seed_table_reads_as_a_person_reads_it_and_its_workbook_holds_the_numbers(wave, tmp_path):
    table(wave, "--format", "table", "--out", str(tmp_path / "seed.txt"))  # a file is written 200 columns wide, whatever the terminal
    shown = (tmp_path / "seed.txt").read_text(encoding="utf-8")
    for words in ("Civil servants (A)", "Private sector (B)", "NET Agree or strongly agree", "Base (n)", "95% interval", "Higher than"):
        assert words in shown, words
    out = tmp_path / "seed.xlsx"
    table(wave, "--format", "xlsx", "--out", str(out))
    sheet = load_workbook(out).active
    cells = {str(row[0].value): [c.value for c in row[1:4]] for row in sheet.iter_rows() if row[0].value}
    rows = pl.DataFrame(json.loads(table(wave, "--format", "json")))
    agree = rows.filter(pl.col("option") == "agree")["estimate"].to_list()
    assert cells["NET Agree or strongly agree"] == pytest.approx(agree, rel=1e-12)
    assert cells["Base (n)"] == rows.filter(pl.col("option") == "agree")["n"].to_list()
