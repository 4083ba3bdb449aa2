"""Sections follow the instrument: a section appears when its questions exist; every number is a
cell of the one estimate table."""

import numpy as np
import polars as pl
import pytest

from collabstate import Responses, estimate, load_instrument, parse_instrument
from collabstate.demo import leaders_wave, readiness_2018
from collabstate.report import charts
from collabstate.report.evidence import gather
from collabstate.report.model import Chart, as_shown
from collabstate.report.sections import build_model


def r18() -> Responses:
    return Responses(load_instrument("readiness-2018"), readiness_2018())


def leaders(year: int) -> Responses:
    return Responses(load_instrument("leaders"), leaders_wave(year))


CUSTOM = """
id: partnership-check
title: Partnership health check
scales:
  - id: agree5
    choices:
      - {code: 1, label: Strongly disagree}
      - {code: 2, label: Disagree}
      - {code: 3, label: Neither}
      - {code: 4, label: Agree}
      - {code: 5, label: Strongly agree}
    nets:
      - {id: agree, label: Agree, codes: [4, 5]}
questions:
  - id: sector
    type: single
    text: Which sector is your organisation in?
    choices: [{code: 1, label: Public}, {code: 2, label: Private}, {code: 3, label: Not-for-profit}]
  - id: trust
    type: matrix
    text: How far do you agree?
    scale: agree5
    rows:
      - {id: trust_partners, text: I trust our partners}
      - {id: trust_data, text: We share data freely}
  - id: helps
    type: multiple
    text: What helps?
    options: [{code: time, label: Time}, {code: money, label: Money}]
  - id: why
    type: text
    text: Why?
"""


@pytest.fixture(scope="module")
def r18_model():
    return build_model(gather(r18(), invited=7000))


@pytest.fixture(scope="module")
def l25_model():
    return build_model(gather(leaders(2025), earlier=[leaders(2024)]))


def ids(report):
    return [s.id for s in report.sections]


def test_readiness_sections(r18_model):
    assert ids(r18_model) == [
        "key-findings",
        "headlines",
        "findings",
        "practice",
        "index-readiness",
        "ladder",
        "what-works",
        "quotes",
        "profile",
        "methods",
    ]
    index = r18_model.section("index-readiness")
    chart_ids = {c.id for c in index.charts}
    assert {
        "c-readiness-dots",
        "c-readiness-radar",
        "c-readiness-scatter",
        "c-readiness-gap",
        "c-readiness-importance-dist",
        "c-readiness-prevalence-dist",
    } <= chart_ids
    ladder = r18_model.section("ladder")
    assert [c.id for c in ladder.charts] == ["c-q10_involvement-q16_sector", "c-q10_involvement-q6_success"]


def test_leaders_sections(l25_model):
    assert ids(l25_model) == [
        "key-findings",
        "headlines",
        "findings",
        "trends",
        "state",
        "statements",
        "rankings",
        "skills",
        "outlook",
        "quotes",
        "profile",
        "methods",
    ]
    rankings = l25_model.section("rankings")
    assert [c.id for c in rankings.charts] == ["c-enablers", "c-barriers", "c-domains"]
    table = rankings.charts[0].data
    assert [c.label for c in table.columns[:4]] == ["All (2025)", "All (2024)", "Change since 2024 (points)", "Significance"]
    assert all(len(qs) > 0 for qs in l25_model.section("quotes").quotes.values())


def test_a_custom_instrument_gets_the_generic_sections():
    ins = parse_instrument(CUSTOM)
    rng = np.random.default_rng(1)
    n = 90
    frame = pl.DataFrame({
        "sector": rng.integers(1, 4, n), "trust_partners": rng.integers(1, 6, n), "trust_data": rng.integers(1, 6, n),
        "helps/time": rng.integers(0, 2, n), "helps/money": rng.integers(0, 2, n), "why": [f"Reason {i}" for i in range(n)],
    })  # fmt: skip
    report = build_model(gather(Responses(ins, frame)))
    assert ids(report) == ["key-findings", "headlines", "findings", "statements", "other", "quotes", "profile", "methods"]
    assert report.section("statements").charts[0].data.caption.endswith("share answering 'agree'")


def test_every_cell_comes_from_the_estimate_table(l25_model):
    ev = gather(leaders(2025), earlier=[leaders(2024)])
    table = ev.table
    estimates = {round(x, 12) for x in table["estimate"].drop_nulls().to_list()}
    previous = {round(x, 12) for t in ev.wave_tables.values() for x in t["estimate"].drop_nulls().to_list()}
    # a change reads as the difference of the figures shown beside it (to whole percent, or 2 decimals)
    rows = ev.changes.drop_nulls("estimate_from").iter_rows(named=True)
    changes = {round(as_shown(r["estimate_to"], k) - as_shown(r["estimate_from"], k), 12) for r in rows for k in ("share", "mean")}
    previous |= {round(x, 12) for c in ("estimate_from", "estimate_to") for x in ev.changes[c].drop_nulls().to_list()}
    for section in l25_model.sections:
        for t in section.tables + [c.data for c in section.charts]:
            for row in t.rows:
                for column, cell in zip(t.columns, row.cells):
                    is_change = column.label.startswith("Change")
                    if cell.kind in ("share", "mean", "gap") and cell.shown and not is_change:
                        assert round(cell.estimate, 12) in estimates | previous, (t.id, row.label)
                    if is_change and cell.shown:
                        assert round(cell.estimate, 12) in changes


def test_the_estimate_table_is_estimates_by_the_breakdown_then_the_crosses():
    r = r18()
    ev = gather(r)
    main = estimate(r, by="q16_sector")
    assert ev.table.head(main.height).equals(main)
    crosses = ev.table.slice(main.height)
    assert set(crosses["by"].unique()) == {"q6_success", "q15_role"}


def test_chart_specs_are_valid_vega_lite(monkeypatch, r18_model):
    monkeypatch.setattr(charts, "VALIDATE", True)
    report = build_model(gather(leaders(2025), earlier=[leaders(2024)]))
    report18 = build_model(gather(r18()))
    specs = [b for rep in (report, report18) for s in rep.sections for b in s.blocks if isinstance(b, Chart)]
    assert len(specs) > 20
    for c in specs:
        assert c.alt and c.data.rows, c.id
        assert c.spec["$schema"].endswith("v6.json")


def test_suppressed_groups_are_left_out_of_charts(l25_model):
    # Higher education: 8 respondents in 2025, under the minimum base of 10.
    for section in l25_model.sections:
        for c in section.charts:
            text = str(c.spec)
            assert "'group': 'Higher education'" not in text, c.id
    table = l25_model.section("statements").tables or [l25_model.section("statements").charts[0].data]
    edu = [col.label for col in table[0].columns].index("Higher education")
    assert all(r.cells[edu].value == "suppressed" for r in table[0].rows)


def test_faceted_answer_distributions_draw_each_item_in_its_own_panel(r18_model):
    dist = next(c for c in r18_model.section("index-readiness").charts if c.id == "c-readiness-importance-dist")
    assert dist.spec["facet"]["row"]["field"] == "row"
    bars, zero = dist.spec["spec"]["layer"]
    assert "data" not in bars  # the bars take the panel's rows, not every item at once
    assert zero["data"]["values"] == [{"x": 0}]
    items = {r["row"] for r in dist.spec["data"]["values"]}
    assert len(items) == 8


def test_the_report_opens_with_its_key_findings_and_says_what_did_not_change_once(l25_model, r18_model):
    """Findings that lead (issue 16): the key findings are significant changes or differences, never
    a 'no significant change'; the changes that are not significant are one sentence, not a bullet each."""
    key = l25_model.section("key-findings")
    assert 1 <= len(key.findings) <= 5
    assert all("no significant" not in f and ("significant" in f) for f in key.findings)
    findings = l25_model.section("findings").findings
    unchanged = [f for f in findings if "no significant change" in f.lower()]
    assert len(unchanged) == 1 and unchanged[0].startswith("No significant change between 2024 and 2025 in ")
    assert not set(key.findings) & set(findings)  # each said once
    # a single wave: the key findings are differences between groups, or the first levels
    assert r18_model.section("key-findings").findings
