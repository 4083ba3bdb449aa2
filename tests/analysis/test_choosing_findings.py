"""Which findings a report states (design.md, statistics contract): every headline measure gets
one, its change when there is an earlier wave and its level otherwise; a change since the first
wave, a group's change and a difference between groups are findings only when significant; the
verdicts are the wave-change table's and the differences the letters'."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from collabstate import Responses, load_instrument
from collabstate.analysis import Finding, choose_findings, headline_measures
from collabstate.analysis.findings import groups_differ, is_shown, significant
from collabstate.demo import leaders_wave
from collabstate.instrument.model import MultipleQuestion

LEADERS = load_instrument("leaders")
R18 = load_instrument("readiness-2018")


@dataclass(frozen=True)
class G:
    code: str
    letter: str


@dataclass
class Source:
    """A hand-made estimate table and wave-change table, looked up as the report's evidence is."""

    instrument: Any
    rows: dict[tuple, dict] = field(default_factory=dict)
    changes: dict[tuple, dict] = field(default_factory=dict)
    waves: tuple[str, ...] | None = None
    groups_: tuple[G, ...] = ()

    @property
    def first_wave(self) -> str | None:
        return self.waves[0] if self.waves and len(self.waves) > 2 else None

    def row(self, question, option, statistic, group=None):
        return self.rows.get((question, option, statistic, group))

    def change(self, question, option, statistic, group=None, *, since=None):
        return self.changes.get((question, option, statistic, group, since or (self.waves[-2] if self.waves else None)))

    def groups(self):
        return list(self.groups_)


def first_measure(instrument) -> tuple[str, str, str, str]:
    return next(m for m in headline_measures(instrument).iter_rows() if m[3] == "net")


def test_without_waves_every_measure_has_its_level_and_nothing_else_without_letters():
    found = choose_findings(Source(LEADERS))
    measures = list(headline_measures(LEADERS).iter_rows())
    assert [(f.measure, f.question, f.option, f.statistic) for f in found] == measures
    assert {f.kind for f in found} == {"level"}


def test_a_change_with_any_verdict_is_the_measure_s_finding_and_others_only_when_significant():
    measure, question, option, statistic = first_measure(LEADERS)
    waves = ("2024", "2025", "2026")
    same = {"verdict": "no significant change", "wave_from": "2025", "wave_to": "2026"}
    up = {"verdict": "up", "wave_from": "2024", "wave_to": "2026"}
    source = Source(
        LEADERS,
        waves=waves,
        groups_=(G("1", "A"), G("2", "B")),
        changes={
            (question, option, statistic, None, "2025"): same,
            (question, option, statistic, None, "2024"): up,
            (question, option, statistic, "1", "2025"): {"verdict": "down"},
            (question, option, statistic, "2", "2025"): {"verdict": "no significant change"},
        },
    )
    mine = [f for f in choose_findings(source) if f.question == question and f.option == option]
    assert mine == [
        Finding("change", measure, question, option, statistic, change=same),
        Finding("change", measure, question, option, statistic, change=up, since="2024"),
        Finding("change", measure, question, option, statistic, change={"verdict": "down"}, group="1"),
    ]
    assert all(f.share for f in mine)


def test_a_difference_needs_a_shown_group_significantly_higher_than_another_shown_group():
    measure, question, option, statistic = first_measure(LEADERS)
    groups = (G("1", "A"), G("2", "B"), G("3", "C"))

    def differences(rows: dict[str | None, dict]) -> list[Finding]:
        source = Source(LEADERS, rows={(question, option, statistic, g): r for g, r in rows.items()}, groups_=groups)
        return [f for f in choose_findings(source) if f.kind == "difference" and f.question == question and f.option == option]

    higher = {"estimate": 0.7, "letters": "B"}
    # its size: the gap in points between A and the group it is higher than
    assert differences({"1": higher, "2": {"estimate": 0.4}}) == [
        Finding("difference", measure, question, option, statistic, size=pytest.approx(30))
    ]
    assert differences({"1": {"estimate": 0.7}, "2": {"estimate": 0.4}}) == []  # no letters: no significant difference
    assert differences({"1": higher, "2": {"estimate": None, "flags": ["suppressed"]}}) == []  # B is not shown
    assert differences({"1": higher}) == []  # B has no row
    assert differences({"1": {"estimate": float("nan"), "letters": "B"}, "2": {"estimate": 0.4}}) == []


def test_index_scores_are_never_compared_between_groups():
    index = R18.indices[0]
    rows = {(f"{index.id}/{d.id}", o, "index", g): {"estimate": 2.0 + int(g), "letters": "B" if g == "1" else ""}
            for d in index.dimensions for o in ("index", "all_factors") for g in ("1", "2")}  # fmt: skip
    found = choose_findings(Source(R18, rows=rows, groups_=(G("1", "A"), G("2", "B"))))
    assert not [f for f in found if f.statistic == "index" and f.kind == "difference"]


def test_options_of_multiple_choice_questions_are_findings_when_they_changed_significantly():
    question = next(q for q in LEADERS.questions if isinstance(q, MultipleQuestion))
    up, same = question.options[0], question.options[1]
    source = Source(
        LEADERS,
        waves=("2024", "2025"),
        changes={
            (question.id, up.code, "proportion", None, "2024"): {"verdict": "up"},
            (question.id, same.code, "proportion", None, "2024"): {"verdict": "no significant change"},
        },
    )
    options = [f for f in choose_findings(source) if f.question == question.id]
    assert options == [Finding("change", f"{question.label}: {up.label}", question.id, up.code, "proportion", change={"verdict": "up"})]


@pytest.fixture(scope="module")
def three_waves():
    from collabstate.report.evidence import gather  # the report's evidence is one source of findings

    waves = [Responses(LEADERS, leaders_wave(year), source=f"leaders-{year}.csv") for year in (2026, 2025, 2024)]
    return gather(waves[0], earlier=waves[1:])


def test_on_the_demo_waves_every_significant_change_and_difference_is_stated_and_nothing_else(three_waves):
    ev = three_waves
    found = choose_findings(ev)
    groups = ev.groups()
    expected: list[tuple] = []
    for measure, question, option, statistic in headline_measures(LEADERS).iter_rows():
        expected.append(("change", measure, None, None))
        if significant(ev.change(question, option, statistic, since=ev.first_wave)):
            expected.append(("change", measure, ev.first_wave, None))
        expected += [("change", measure, None, g.code) for g in groups if significant(ev.change(question, option, statistic, g.code))]
        rows = {g.letter: ev.row(question, option, statistic, g.code) for g in groups}
        if statistic != "index" and groups_differ(rows):
            expected.append(("difference", measure, None, None))
    assert [(f.kind, f.measure, f.since, f.group) for f in found][: len(expected)] == expected
    # the rest: options of multiple-choice questions, each a significant change
    assert all(f.kind == "change" and significant(f.change) and ":" in f.measure for f in found[len(expected) :])
    assert found[len(expected) :], "the demo's 2026 wave has significant changes in its rankings"
    assert any(f.kind == "difference" for f in found) and any(f.group for f in found) and any(f.since for f in found)
    for f in found:
        if f.kind == "difference":  # a shown group's letters name another shown group
            letters = {g.letter: ev.row(f.question, f.option, f.statistic, g.code) for g in groups}
            shown = {k for k, r in letters.items() if is_shown(r)}
            assert any(set(letters[k]["letters"] or "") & shown for k in shown)


def test_the_key_findings_are_the_largest_significant_ones_one_per_measure():
    """Key findings (issue 16): only significant findings, at most KEY_FINDINGS, one per measure,
    each measure said by everyone's change when it is significant, largest first."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from collabstate.analysis.findings import KEY_FINDINGS, key_findings

    kinds = st.sampled_from([("change", None, None), ("change", "2024", None), ("change", None, "1"), ("difference", None, None)])
    finding = st.builds(
        lambda m, kind, size, verdict: Finding(
            kind[0], f"m{m}", f"q{m}", "1", "proportion", change={"verdict": verdict} if kind[0] == "change" else None,
            since=kind[1], group=kind[2], size=size if verdict != "no significant change" else None,
        ),
        st.integers(0, 8), kinds, st.floats(0.1, 50), st.sampled_from(["up", "down", "no significant change"]),
    )  # fmt: skip

    @settings(max_examples=200, deadline=None)
    @given(st.lists(finding, max_size=30))
    def check(findings):
        chosen = key_findings(findings)
        significant_ones = [f for f in findings if f.size is not None]
        if not significant_ones:
            assert all(f.kind == "level" for f in chosen)
            return
        assert len(chosen) <= KEY_FINDINGS and all(f.size is not None for f in chosen)
        assert len({f.question for f in chosen}) == len(chosen)  # one per measure
        assert [f.size for f in chosen] == sorted((f.size for f in chosen), reverse=True)
        for f in chosen:  # everyone's change since the previous wave speaks for its measure when it is significant
            mine = [g for g in significant_ones if g.question == f.question]
            if any(g.kind == "change" and g.since is None and g.group is None for g in mine):
                assert f.kind == "change" and f.since is None and f.group is None
        left_out = {f.question for f in significant_ones} - {f.question for f in chosen}
        if left_out:  # a measure left out is never larger than the smallest chosen, by its speaking finding
            assert len(chosen) == KEY_FINDINGS

    check()
