"""Suggested themes and codes (issue 19, item 2): deterministic, stable under shuffling, finding
topics that are there, and saying why when they cannot."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collabstate.analysis.themes import (
    MAX_THEMES,
    light_stem,
    suggest_codes,
    suggest_themes,
)
from collabstate.errors import RefusedError, UsageError
from collabstate.instrument.codebook import Code, Codebook

TOPICS = {
    "funding": ["funding", "grants", "budget", "money", "finance", "investment", "cash", "costs", "spending", "fiscal"],
    "trust": ["trust", "honesty", "respect", "openness", "confidence", "relationships", "goodwill", "candour", "integrity", "faith"],
    "regulation": [
        "regulation",
        "rules",
        "compliance",
        "paperwork",
        "licensing",
        "permits",
        "legislation",
        "red",
        "tape",
        "bureaucracy",
        "audits",
    ],
    "skills": [
        "skills",
        "training",
        "apprenticeships",
        "talent",
        "learning",
        "courses",
        "teachers",
        "graduates",
        "mentoring",
        "qualifications",
    ],
}
#: Words any answer may hold, whatever its topic: noise the themes must see through.
SHARED = ["really", "think", "important", "sectors", "together", "partners", "better", "working"]


def synthetic(n_per_topic: int, seed: int) -> tuple[list[str], list[str]]:
    """Answers of the four topics, shuffled: each 3 to 6 words of its topic and 1 to 3 shared ones."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for topic, words in TOPICS.items():
        for _ in range(n_per_topic):
            own = rng.choice(words, size=rng.integers(3, 7), replace=False).tolist()
            noise = rng.choice(SHARED, size=rng.integers(1, 4), replace=False).tolist()
            mixed = own + noise
            rng.shuffle(mixed)
            texts.append(" ".join(mixed).capitalize() + ".")
            labels.append(topic)
    order = rng.permutation(len(texts))
    return [texts[i] for i in order], [labels[i] for i in order]


def test_sizes_members_keywords_and_examples_agree_with_the_assignment():
    texts, _ = synthetic(40, 3)
    texts = [*texts, None, "   "]
    found = suggest_themes(texts, 4, seed=3)
    assert found.answered == 160
    counted = Counter(found.assignment.tolist())
    assert found.assignment[-2:].tolist() == [0, 0]  # the blanks have no theme
    assert sum(t.size for t in found.themes) + counted[0] - 2 == found.answered
    for theme in found.themes:
        members = [t for t, a in zip(texts, found.assignment) if a == theme.id]
        assert theme.size == len(members) == counted[theme.id]
        assert set(theme.examples) <= set(members) and len(set(theme.examples)) == len(theme.examples) == 3
        # the most typical answer is the member weighing most on the theme
        heaviest = max(w for a, w in zip(found.assignment, found.weight) if a == theme.id)
        assert found.weight[texts.index(theme.examples[0])] == pytest.approx(heaviest)
        # every keyword is in some member (stop words dropped, so compare words)
        words = {w for m in members for w in re.findall(r"\w+", m.lower())}
        assert all(set(k.split()) <= words for k in theme.keywords)
    assert [t.size for t in found.themes] == sorted((t.size for t in found.themes), reverse=True)
    assert [t.id for t in found.themes] == list(range(1, len(found.themes) + 1))


def test_same_seed_same_themes_twice_and_in_another_process():
    texts, _ = synthetic(30, 11)
    first, second = suggest_themes(texts, 4, seed=7), suggest_themes(texts, 4, seed=7)
    assert first == second and np.array_equal(first.weight, second.weight)
    code = (
        "import json, sys; from collabstate.analysis.themes import suggest_themes; "
        "print(json.dumps(suggest_themes(json.loads(sys.stdin.read()), 4, seed=7).records()))"
    )
    other = subprocess.run([sys.executable, "-c", code], input=json.dumps(texts), capture_output=True, text=True, check=True)
    assert json.loads(other.stdout) == first.records()


def test_a_shuffled_copy_gives_the_same_themes():
    texts, _ = synthetic(50, 5)
    found = suggest_themes(texts, 4, seed=1)
    order = np.random.default_rng(9).permutation(len(texts))
    shuffled = suggest_themes([texts[i] for i in order], 4, seed=1)
    # matched by keywords: each theme has the same keywords and the same members
    by_keywords = {frozenset(t.keywords[:5]): t for t in shuffled.themes}
    for theme in found.themes:
        twin = by_keywords[frozenset(theme.keywords[:5])]
        assert twin.size == theme.size
    moved = {texts[i]: a for i, a in zip(order, shuffled.assignment)}
    ids = {t.id: by_keywords[frozenset(t.keywords[:5])].id for t in found.themes}
    assert all(moved[t] == ids[a] for t, a in zip(texts, found.assignment))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data_seed=st.integers(0, 10_000), seed=st.integers(0, 2**31 - 1), n=st.integers(15, 60))
def test_four_clear_topics_are_found_as_four_themes(data_seed, seed, n):
    texts, labels = synthetic(n, data_seed)
    found = suggest_themes(texts, 4, seed=seed)
    assert len(found.themes) == 4
    modal = {}
    for topic in TOPICS:
        themes = Counter(a for a, label in zip(found.assignment.tolist(), labels) if label == topic)
        theme, count = themes.most_common(1)[0]
        assert count >= 0.8 * n, (topic, themes)
        modal[topic] = theme
        # the theme's first keywords are the topic's words
        keywords = next(t.keywords for t in found.themes if t.id == theme)
        assert set(keywords[0].split()) <= set(TOPICS[topic])
    assert len(set(modal.values())) == 4


def test_fewer_answers_than_themes_reduces_k_and_says_so():
    found = suggest_themes(["Trust between sectors", "Funding for longer", "Better regulation"], 5, seed=0)
    assert len(found.themes) <= 3
    assert any("5 themes asked" in note and "3 distinct answers" in note for note in found.notes)
    repeated = suggest_themes(["Trust matters"] * 20, 3, seed=0)
    assert [t.size for t in repeated.themes] == [20] and repeated.themes[0].examples == ["Trust matters"]


def test_one_word_answers_and_other_languages_work_on_words():
    words = ["Funding", "funding", "Trust", "trust", "Money", "Respect", "Funding", "Trust"]
    found = suggest_themes(words, 2, seed=0)
    assert sorted(t.keywords[0] for t in found.themes) == ["funding", "trust"]
    french = ["La confiance entre les secteurs", "Plus de confiance", "Le financement à long terme", "Un financement stable"]
    assert {t.keywords[0] for t in suggest_themes(french, 2, seed=0).themes} == {"confiance", "financement"}
    greek = ["εμπιστοσύνη μεταξύ τομέων", "περισσότερη εμπιστοσύνη", "χρηματοδότηση έργων", "σταθερή χρηματοδότηση"]
    assert {t.keywords[0] for t in suggest_themes(greek, 2, seed=0).themes} == {"εμπιστοσύνη", "χρηματοδότηση"}


@pytest.mark.parametrize(
    ("texts", "message"),
    [([], "no answers"), ([None, "", "  "], "all 3 are blank"), (["the", "and it", "a b"], "no words to find themes in")],
)
def test_nothing_to_find_themes_in_is_refused_with_a_reason(texts, message):
    with pytest.raises(RefusedError, match=message):
        suggest_themes(texts, 3)


@pytest.mark.parametrize("k", [0, -1, MAX_THEMES + 1, True])
def test_k_out_of_range_is_a_usage_error(k):
    with pytest.raises(UsageError, match=f"from 1 to {MAX_THEMES}"):
        suggest_themes(["trust"], k)


# --- codes ------------------------------------------------------------------------------------


CODEBOOK = Codebook(
    question="enablers_text",
    codes=[
        Code(id="funding", label="Long-term funding", description="Money that lasts beyond one year", keywords=["fund", "multi-year"]),
        Code(
            id="trust",
            label="Trust and respect",
            description="Honest relationships between the sectors",
            keywords=["trust", "mutual respect"],
        ),
        Code(id="skills", label="Skills and training", description="Apprenticeships, courses and talent"),
    ],
)


def test_codes_are_suggested_by_keyword_then_by_similarity_with_why():
    ids = ["r1", "r2", "r3", "r4", "r5", "r6"]
    texts = [
        "Funded programmes that last",  # fund, stemmed
        "Mutual respect and TRUSTED partners",  # two codes by keyword
        "More apprenticeships and training courses",  # no keyword: similar to skills
        "Multi-year settlements",  # a keyword with a hyphen
        None,
        "Entirely unrelated weather remarks",  # nothing close
    ]
    rows = suggest_codes(ids, texts, CODEBOOK)
    assert rows[0] == {"respondent_id": "r1", "code": "funding", "score": 1.0, "why": "keyword: fund"}
    by_id: dict[str, list[dict]] = {}
    for row in rows:
        by_id.setdefault(row["respondent_id"], []).append(dict(row))
    assert by_id["r2"] == [{"respondent_id": "r2", "code": "trust", "score": 1.0, "why": "keyword: trust"}]
    assert by_id["r3"][0]["code"] == "skills" and by_id["r3"][0]["why"] == "similarity" and 0.15 <= by_id["r3"][0]["score"] < 1
    assert by_id["r4"] == [{"respondent_id": "r4", "code": "funding", "score": 1.0, "why": "keyword: multi-year"}]
    assert "r5" not in by_id and "r6" not in by_id


def test_a_keyword_is_a_whole_word():
    book = Codebook(
        question="enablers_text",
        codes=[Code(id="fund", label="Funding", keywords=["fund"]), Code(id="art", label="Arts", keywords=["art"])],
    )
    rows = suggest_codes(["a", "b"], ["Refunds and artists", "The art fund"], book, threshold=1.0)
    assert [(r["respondent_id"], r["code"]) for r in rows] == [("b", "fund"), ("b", "art")]


def test_similarity_is_the_cosine_of_tfidf_vectors():
    """Checked against scikit-learn's own cosine on the same vectors, built separately."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    texts = ["apprenticeships for young people", "honest relationships"]
    rows = suggest_codes(["a", "b"], texts, CODEBOOK, threshold=0.0)
    stop = {light_stem(w) for w in ENGLISH_STOP_WORDS}

    def analyse(text):
        return [light_stem(w) for w in re.findall(r"\w+", text) if light_stem(w) not in stop and len(light_stem(w)) > 1]

    docs = [" ".join([c.label, c.description or "", *c.keywords]) for c in CODEBOOK.codes]
    matrix = TfidfVectorizer(analyzer=analyse, sublinear_tf=True).fit_transform(docs + texts)
    cos = cosine_similarity(matrix[3:], matrix[:3])
    for row, scores in zip(rows, cos):
        best = int(np.argmax(scores))
        assert row["code"] == CODEBOOK.codes[best].id and row["score"] == pytest.approx(scores[best], abs=1e-4)


def test_the_demos_leaders_answers_give_the_same_themes_on_every_run_and_seed():
    """Issue 19: on the demo's barriers answers (three waves), suggested themes do not move between
    runs, seeds or the answers' order, and every answer is given a theme."""
    import polars as pl

    from collabstate.demo import leaders_wave

    texts = pl.concat([leaders_wave(y).select("barriers_text") for y in (2024, 2025, 2026)])["barriers_text"].to_list()
    first = suggest_themes(texts, 8, seed=1)
    assert first == suggest_themes(texts, 8, seed=1) and first.records() == suggest_themes(texts, 8, seed=2018).records()
    order = np.random.default_rng(3).permutation(len(texts))
    shuffled = suggest_themes([texts[i] for i in order], 8, seed=1)
    assert sorted((t.size, tuple(t.keywords)) for t in shuffled.themes) == sorted((t.size, tuple(t.keywords)) for t in first.themes)
    assert sum(t.size for t in first.themes) == sum(1 for t in texts if t and t.strip())
