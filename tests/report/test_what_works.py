"""The report's "What works" section (issue 18): the readiness instrument names an outcome and its
candidate drivers, and the section shows each driver's odds ratio (the figures of
``collabstate model``), the drivers' shares (``collabstate drivers``), the importance–performance
grid and whether the index hangs together, in words that never claim a cause; an instrument that
names no outcome has no such section; a bad ``what_works`` is an instrument error by name."""

from __future__ import annotations

import re

import pytest
import yaml

from collabstate import Responses, load_instrument, parse_instrument
from collabstate.analysis.drivers import key_drivers
from collabstate.analysis.models import fit_model
from collabstate.demo import leaders_wave, readiness_2018
from collabstate.instrument import InstrumentError
from collabstate.report.evidence import gather
from collabstate.report.sections import build_model

CAUSAL = re.compile(r"\b(caus\w*|drives?|driven|driving|leads? to|led to|results? in|because of|makes? .* more likely)\b", re.I)


@pytest.fixture(scope="module")
def r18():
    return Responses(load_instrument("readiness-2018"), readiness_2018())


@pytest.fixture(scope="module")
def section(r18):
    report = build_model(gather(r18))
    works = report.section("what-works")
    assert works is not None
    return report, works


def _words(report, works) -> list[str]:
    """Every sentence a reader meets in the section and its methods."""
    out = [*works.intro, *works.findings]
    for block in works.blocks:
        out += [block.caption] if hasattr(block, "caption") else [block.title, block.alt, block.data.caption, *block.data.notes]
        out += getattr(block, "notes", [])
    methods = report.section("methods")
    out += next(items for title, items in methods.lists if title == "What works: the models")
    return out


def test_no_sentence_claims_a_cause(section):
    report, works = section
    words = _words(report, works)
    assert len(words) > 10 and CAUSAL.search("Involvement drives success") and CAUSAL.search("it leads to more")
    claims = [w for w in words if CAUSAL.search(w)]
    assert claims == [], claims


def test_the_odds_ratios_are_the_models(section, r18):
    _, works = section
    table = next(b for b in works.tables if b.id == "t-what-works-odds")
    outcome = r18.instrument.what_works.outcome  # type: ignore[union-attr]
    for row, driver in zip(table.rows, r18.instrument.what_works.drivers):  # type: ignore[union-attr]
        fit = fit_model(r18, outcome, [driver], "logistic").rows()[1]
        cell = row.cells[0]
        assert cell.estimate == pytest.approx(fit["odds_ratio"]) and cell.ci_low == pytest.approx(fit["or_low"])
        said = [f for f in works.findings if f"‘{row.label}’" in f]
        significant = fit["or_low"] > 1 or fit["or_high"] < 1
        assert bool(said) == significant, (row.label, fit)
        if said:
            assert ("more likely" in said[0]) == (fit["odds_ratio"] > 1)


def test_the_drivers_chart_and_grid_and_reliability(section, r18):
    _, works = section
    chart = next(c for c in works.charts if c.id == "c-what-works-drivers")
    found = key_drivers(r18, r18.instrument.what_works.outcome, list(r18.instrument.what_works.drivers))  # type: ignore[union-attr]
    assert [r.label for r in chart.data.rows] == [d.label for d in found.drivers]
    assert sum(r.cells[0].estimate for r in chart.data.rows) == pytest.approx(1.0)
    grid = next(b for b in works.tables if b.id == "t-what-works-grid-readiness")
    assert [r.label for r in grid.rows] == ["Behaviours", "Citizens", "Systems", "Services", "Places", "Markets"]
    assert {r.cells[2].text for r in grid.rows} <= {"Concentrate here", "Keep up the good work", "Low priority", "Possible overkill"}
    assert any(f.startswith("The 6 prevalence ratings of the Collaboration Readiness Index hang together") for f in works.findings)


def test_no_outcome_no_section():
    report = build_model(gather(Responses(load_instrument("leaders"), leaders_wave(2025))))
    assert report.section("what-works") is None
    assert all(title != "What works: the models" for title, _ in report.section("methods").lists)


@pytest.mark.parametrize(
    ("works", "words"),
    [
        ({"outcome": "q6_sucess in (1, 2)", "label": "x", "drivers": ["prev_citizens", "prev_places"]}, "unknown question 'q6_sucess'"),
        ({"outcome": "q6_success", "label": "x", "drivers": ["prev_citizens", "prev_places"]}, "is not an amount"),
        ({"outcome": "q6_success == 1", "label": "x", "drivers": ["prev_citizen", "prev_places"]}, "unknown column 'prev_citizen'"),
        ({"outcome": "q6_success == 1", "label": "x", "drivers": ["q16_sector", "prev_places"]}, "has no score"),
        ({"outcome": "q6_success == 1", "label": "x", "drivers": ["prev_places", "prev_places"]}, "named twice"),
    ],
)
def test_a_bad_what_works_is_an_instrument_error(works, words):
    from importlib import resources

    data = yaml.safe_load((resources.files("collabstate.instrument") / "builtin" / "readiness-2018.yaml").read_text(encoding="utf-8"))
    data["what_works"] = works
    with pytest.raises(InstrumentError, match=re.escape(words)):
        parse_instrument(yaml.safe_dump(data, sort_keys=False), "mine.yaml")
