"""Defects a reader found in the report (issue 12, deliver 4), each with a test named after it."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from collabstate import Responses, estimate, load_instrument
from collabstate.demo import leaders_wave
from collabstate.report.blocks import change_by_group
from collabstate.report.evidence import gather
from collabstate.report.model import Cell, Column, Row, Table, fmt_pct
from collabstate.report.sections import build_model
from collabstate.report.trends import change_cell
from collabstate.stats import pairwise_letters

INS = load_instrument("leaders")


def _leaders(year: int) -> Responses:
    return Responses(INS, leaders_wave(year))


def test_change_table_base_row_is_not_a_range_of_group_bases():
    """'50–274 | under 10' when the 2025 base is 300: the rows of a change table are groups, so
    each row gives its own bases and no base row pretends one serves a column."""
    ev = gather(_leaders(2025), earlier=[_leaders(2024)])
    table = change_by_group(ev, "st_network", "agree", "net", "Strong networks")
    assert table is not None and not table.show_bases
    bases = {row.label: row.cells[-1].text for row in table.rows}
    assert bases["All"] == "274 and 300"
    assert all(" and " in text for text in bases.values())
    assert any("under 10" in text for text in bases.values())  # a small group says so in its own row


def test_a_column_with_some_suppressed_cells_gives_its_range_from_under_10():
    rows = [Row("a", [Cell("share", 0.5, n=300)]), Row("b", [Cell("share", None, n=5, flags=("suppressed",))])]
    assert Table("t", "c", "x", [Column("All")], rows).column_bases() == ["under 10–300"]
    assert Table("t", "c", "x", [Column("All")], rows[1:]).column_bases() == ["under 10"]
    assert Table("t", "c", "x", [Column("All")], rows[:1]).column_bases() == ["300"]


def test_no_letters_against_a_cell_with_no_variation():
    """'Disagree 3% C' against a group at 0% with a base of 14: a cell that cannot vary is not tested."""
    est = np.array([0.03, 0.20, 0.0])
    cov = np.diag([0.03 * 0.97 / 100, 0.2 * 0.8 / 100, 0.0])
    assert pairwise_letters(est, cov) == ["", "A", None]
    rng = np.random.default_rng(3)
    sector = np.r_[np.full(100, 1), np.full(100, 2), np.full(14, 3)]
    growth = np.r_[rng.choice([1, 4], 100, p=[0.03, 0.97]), rng.choice([1, 4], 100, p=[0.2, 0.8]), np.full(14, 4)]
    table = estimate(Responses(INS, pl.DataFrame({"sector": sector, "growth_belief": growth})), ["growth_belief"], by="sector")
    disagree = table.filter((pl.col("option") == "1") & (pl.col("statistic") == "proportion") & pl.col("group").is_not_null())
    letters = dict(zip(disagree["group"], disagree["letters"]))
    assert "C" not in (letters["1"] or "") + (letters["2"] or "") and letters["3"] is None


def test_change_shown_agrees_with_the_rounded_figures():
    """'21% vs 20%, change ±0': the change is the difference of the figures shown."""
    row = {"estimate_from": 0.2049, "estimate_to": 0.2051, "change": 0.0002, "ci_low": -0.05, "ci_high": 0.05,
           "verdict": "no significant change", "flags": []}  # fmt: skip
    cell = change_cell(row, "share")
    assert (fmt_pct(row["estimate_from"]), fmt_pct(row["estimate_to"]), cell.value) == ("20%", "21%", "+1")


@given(st.floats(0, 1), st.floats(0, 1))
def test_a_change_always_reads_as_the_difference_of_the_shares_shown(before, after):
    row = {"estimate_from": before, "estimate_to": after, "change": after - before, "ci_low": None, "ci_high": None,
           "verdict": "no significant change", "flags": []}  # fmt: skip
    shown = int(fmt_pct(after)[:-1]) - int(fmt_pct(before)[:-1])
    assert change_cell(row, "share").value == (f"+{shown}" if shown > 0 else f"−{-shown}" if shown < 0 else "±0")


def test_every_question_asked_in_both_waves_is_compared_trained():
    """Training ('trained') was asked in 2024 and 2025 and had no comparison: every question asked
    in two waves has a table of its answers in each wave with the changes."""
    report = build_model(gather(_leaders(2025), earlier=[_leaders(2024)]))
    tables = {t.id: t for s in report.sections for t in s.tables + [c.data for c in s.charts]}
    trained = tables["t-trained-waves"]
    assert [c.label for c in trained.columns][:3] == ["2024", "2025", "Change since 2024 (points)"]
    yes = trained.rows[0]
    assert (
        yes.cells[0].shown and yes.cells[1].shown and yes.cells[3].text in ("significant rise", "significant fall", "no significant change")
    )
    asked = [q.id for q in INS.questions if q.type in ("single", "scale")]
    assert all(f"t-{qid}-waves" in tables for qid in asked), [q for q in asked if f"t-{q}-waves" not in tables]


def test_methods_say_which_waves_how_matched_and_the_test():
    ev = gather(_leaders(2026), earlier=[_leaders(2025), _leaders(2024)])
    methods = build_model(ev).section("methods")
    lines = dict(methods.lists)["Comparisons between waves"]
    assert lines[0].startswith("Waves, earliest first: 2024 (274 respondents), 2025 (300 respondents), 2026 (320 respondents).")
    assert "2026 against 2025: 120 respondents answered both (matched on respondent_id); their answers are paired" in lines[1]
    assert "2026 against 2024: no respondent was matched between them, so they are compared as independent samples" in lines[2]
    assert all("two-sided z test" in line and "(2026 minus 20" in line for line in lines[1:])


def test_an_earlier_wave_of_another_instrument_is_refused_by_name(tmp_path):
    import pytest

    from collabstate.demo import readiness_2018
    from collabstate.report.build import build_report

    other = Responses(load_instrument("readiness-2018"), readiness_2018())
    with pytest.raises(ValueError, match="wave '2018' is of instrument 'readiness-2018', not 'leaders'"):
        build_report(_leaders(2025), tmp_path, earlier=[other], formats=("json",))
