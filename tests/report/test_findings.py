"""Findings never call a difference a change unless it is significant, and always carry their numbers."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from collabstate.report.evidence import Group
from collabstate.report.findings import CHANGE_WORDS, change_sentence, group_sentence, level_sentence
from collabstate.report.model import Cell

LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=30).map(lambda s: "Label " + s.strip())
SHARE = st.floats(min_value=0, max_value=1, allow_nan=False)


def _words(sentence: str, label: str) -> set[str]:
    return set(re.findall(r"[a-z]+", sentence[len(label) :].lower()))


@settings(max_examples=300, deadline=None)
@given(
    label=LABEL,
    a=SHARE,
    b=SHARE,
    n1=st.integers(10, 100000),
    n2=st.integers(10, 100000),
    verdict=st.sampled_from(["up", "down", "no significant change"]),
    share=st.booleans(),
)
def test_a_change_is_called_one_only_when_significant(label, a, b, n1, n2, verdict, share):
    if verdict == "up":
        b = max(a, b) + 0.01
    elif verdict == "down":
        b = min(a, b) - 0.01
    row = {
        "estimate_from": a,
        "estimate_to": b,
        "change": b - a,
        "wave_from": "2024",
        "wave_to": "2025",
        "verdict": verdict,
        "n_from": n1,
        "n_to": n2,
        "flags": [],
    }
    sentence = change_sentence(label, row, share=share)
    words = _words(sentence, label)
    assert sentence.startswith(label + ":")
    assert f"n = {n1:,} and {n2:,}" in sentence
    assert "2024" in sentence and "2025" in sentence
    if verdict == "no significant change":
        assert "no significant change" in sentence
        assert not words & set(CHANGE_WORDS), sentence
    else:
        assert verdict in words and "significant" in words, sentence
        assert ("rise" if verdict == "up" else "fall") in words


def test_the_issue_example_reads_as_asked():
    row = {
        "estimate_from": 0.30,
        "estimate_to": 0.25,
        "change": -0.05,
        "wave_from": "2024",
        "wave_to": "2025",
        "verdict": "no significant change",
        "n_from": 274,
        "n_to": 300,
        "flags": [],
    }
    assert change_sentence("Belief in a supportive regulatory environment", row) == (
        "Belief in a supportive regulatory environment: 30% in 2024, 25% in 2025; no significant change (n = 274 and 300)."
    )


def test_a_suppressed_comparison_gives_no_numbers():
    row = {
        "estimate_from": None,
        "estimate_to": None,
        "change": None,
        "wave_from": "2024",
        "wave_to": "2025",
        "verdict": None,
        "n_from": 8,
        "n_to": 6,
        "flags": ["suppressed", "low_base"],
    }
    sentence = change_sentence("Label", row)
    assert not re.search(r"\d+%", sentence) and "not compared" in sentence


def test_level_sentences_carry_interval_and_base_and_hide_suppressed():
    cell = Cell("share", 0.9304, 0.8687, 0.9643, 115)
    assert level_sentence("Important", cell) == "Important: 93% (95% interval 87–96%; n = 115)."
    hidden = level_sentence("Important", Cell("share", None, None, None, 8, ("suppressed", "low_base")))
    assert not re.search(r"\d", hidden.replace("10", ""))


def test_group_differences_only_from_letters():
    groups = [Group("1", "Public", "A"), Group("2", "Private", "B")]
    same = group_sentence("Agree", [Cell("share", 0.5, 0.4, 0.6, 100), Cell("share", 0.56, 0.46, 0.66, 100)], groups)
    assert "no significant difference" in same and "higher" not in same
    differ = group_sentence("Agree", [Cell("share", 0.7, 0.6, 0.8, 100, letters="B"), Cell("share", 0.4, 0.3, 0.5, 100)], groups)
    assert "Public (70%) is significantly higher than Private (40%)" in differ
