"""Themes suggested from open answers, and codes of a codebook suggested for each answer (issue 19).

**Themes** (:func:`suggest_themes`): the answers as TF-IDF vectors (English stop words dropped,
sublinear term frequency, words and two-word phrases), factorised by non-negative matrix
factorisation (NMF) into ``k`` themes. Each theme's keywords are its heaviest terms; each answer
goes to its heaviest theme (to none when it weighs nothing on any: an answer made only of common
words); a theme's examples are its most typical answers, those that weigh most on it. Themes are
numbered by size, largest first.

Why scikit-learn, not hand-written code: its ``TfidfVectorizer`` and ``NMF`` are the reference
implementations of both steps (BERTopic and the text tools of the survey packages build on the
same), are well kept and tested, need no model downloaded at run time, and take about a second
for 10,000 answers (``benchmarks/bench_text.py``). NMF rather than LDA: on short answers it gives
sharper, more readable themes, and with the ``nndsvda`` start it is deterministic: the same
answers give the same themes, run after run and in another process. The ``seed`` is passed to NMF
as its ``random_state``; with this start and solver it changes nothing, and it is kept so that a
run can always be named by its seed.

**Codes** (:func:`suggest_codes`): for each answer, the codes of a codebook whose keywords it
contains (whole words, any case, with a light stemming so that *fund*, *funds* and *funding*
meet) or, failing any keyword, the code whose label, description and keywords are the most
similar to the answer (TF-IDF cosine) when that similarity reaches a threshold. Suggestions only,
for a person to accept or reject: never final codes.

The codebook is the shared one of issue 19 (:mod:`collabstate.instrument.codebook`).

>>> texts = ["Trust between sectors", "More trust and honesty", "Funding is too short-term",
...          "Long-term funding", "Trust takes time", "Funding cycles are short"]
>>> found = suggest_themes(texts, k=2, seed=1)
>>> [(t.keywords[0], t.size) for t in found.themes]
[('funding', 3), ('trust', 3)]
>>> found == suggest_themes(texts, k=2, seed=1)
True
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

import numpy as np

from ..errors import RefusedError, UsageError
from ..instrument.codebook import Code, Codebook

__all__ = [
    "MAX_THEMES",
    "CodeSuggestion",
    "Theme",
    "ThemeRecord",
    "Themes",
    "light_stem",
    "suggest_codes",
    "suggest_themes",
    "typicality",
]

#: The most themes one can ask for: more is a list nobody reads, and NMF slows with each.
MAX_THEMES = 50
#: An answer whose heaviest theme weighs less than this is given no theme (it shares no word with any).
_NO_WEIGHT = 1e-9
#: Words: letters or digits of any script, two or more (as scikit-learn's default), so that text in
#: any language that separates its words by spaces or punctuation is split into words.
_TOKEN = r"(?u)\b\w\w+\b"


class ThemeRecord(TypedDict):
    """A theme as JSON: ``--format json`` gives a list of these."""

    id: int
    keywords: list[str]
    size: int
    examples: list[str]


@dataclass(frozen=True)
class Theme:
    """One suggested theme: its number (1 is the largest), keywords (heaviest first), the number of
    answers whose heaviest theme it is, and its most typical answers (distinct, most typical first)."""

    id: int
    keywords: list[str]
    size: int
    examples: list[str]

    def record(self) -> ThemeRecord:
        return {"id": self.id, "keywords": list(self.keywords), "size": self.size, "examples": list(self.examples)}


@dataclass(frozen=True)
class Themes:
    """The themes found and each answer's theme.

    ``assignment[i]`` is the theme id of ``texts[i]`` (0: none, for a blank answer or one made
    only of common words) and ``weight[i]`` its weight on that theme (0 for none); ``notes`` say
    what a reader must know (fewer themes than asked, answers left without a theme)."""

    themes: list[Theme]
    assignment: np.ndarray = field(compare=False, repr=False)
    weight: np.ndarray = field(compare=False, repr=False)
    answered: int
    asked: int
    seed: int
    notes: list[str]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Themes):
            return NotImplemented
        return (self.themes, self.answered, self.asked, self.seed, self.notes) == (
            other.themes, other.answered, other.asked, other.seed, other.notes,
        ) and np.array_equal(self.assignment, other.assignment)  # fmt: skip

    __hash__ = None  # type: ignore[assignment]

    def records(self) -> list[ThemeRecord]:
        return [t.record() for t in self.themes]


def _answered(texts: Sequence[str | None]) -> tuple[np.ndarray, list[str]]:
    """The positions and stripped texts of the answers that say something."""
    keep = [(i, t.strip()) for i, t in enumerate(texts) if t is not None and t.strip()]
    return np.array([i for i, _ in keep], dtype=np.int64), [t for _, t in keep]


def _vectorised(answers: list[str]) -> tuple[Any, Any]:
    """The fitted TF-IDF vectoriser and the answers' matrix, with settings that suit a handful of
    answers as well as many thousands: words and two-word phrases; a term must occur in 2 answers
    once there are 50 or more (a typo is not a theme); a term in nearly every answer says nothing
    about any (dropped from 20 answers on). When these leave no term (the same answer twenty
    times), every term is kept; when even then none is left, the answers are refused."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(answers)
    for min_df, max_df in dict.fromkeys([(2 if n >= 50 else 1, 0.95 if n >= 20 else 1.0), (1, 1.0)]):
        vectoriser = TfidfVectorizer(
            stop_words="english", sublinear_tf=True, ngram_range=(1, 2), min_df=min_df, max_df=max_df,
            max_features=20_000, token_pattern=_TOKEN, dtype=np.float64,
        )  # fmt: skip
        try:
            return vectoriser, vectoriser.fit_transform(answers)
        except ValueError:  # scikit-learn's "empty vocabulary" (or max_df below min_df)
            continue
    raise RefusedError(f"the {n:,} answers have no words to find themes in: every word is a common English word or a single letter")


def suggest_themes(
    texts: Sequence[str | None], k: int = 5, seed: int = 2018, *, keywords: int = 8, examples: int = 3, max_chars: int = 300
) -> Themes:
    """``k`` themes suggested from the answers ``texts`` (``None`` or blank: not answered).

    Fewer themes than asked when the answers cannot carry ``k`` (fewer distinct answers or terms
    than ``k``), or when a theme is no answer's heaviest: ``notes`` says so. Examples longer than
    ``max_chars`` are passed over for shorter ones where a theme has them.

    Raises :class:`~collabstate.errors.UsageError` for ``k`` out of 1 to :data:`MAX_THEMES`, and
    :class:`~collabstate.errors.RefusedError` when no answer is given or none has a word that is
    not a common English word.
    """
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_THEMES:
        raise UsageError(argument="the number of themes", value=k, expected=f"a whole number from 1 to {MAX_THEMES}")
    positions, answers = _answered(texts)
    if not answers:
        raise RefusedError(
            f"no answers to suggest themes from: all {len(texts):,} are blank" if texts else "no answers to suggest themes from"
        )
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning

    notes: list[str] = []
    vectoriser, matrix = _vectorised(answers)
    terms = vectoriser.get_feature_names_out()
    distinct = len(set(answers))
    most = min(distinct, matrix.shape[1])
    used = min(k, most)
    if used < k:
        limit = "distinct answers" if distinct <= matrix.shape[1] else "distinct terms"
        notes.append(f"{k} themes asked, but the answers have only {most} {limit}: {used} theme{'s' if used != 1 else ''} suggested")
    model = NMF(n_components=used, init="nndsvda", random_state=seed, max_iter=400, tol=1e-4)
    with warnings.catch_warnings():
        # a matrix of rank one (the same answer throughout) makes a harmless 0/0 in the start; a
        # slow convergence is told in the notes rather than as a warning
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        weights = np.asarray(model.fit_transform(matrix), dtype=np.float64)
    if model.n_iter_ >= model.max_iter:
        notes.append(f"the themes had not settled after {model.max_iter} rounds: they are a good start, not the best fit")
    components = np.asarray(model.components_, dtype=np.float64)
    top = np.argmax(weights, axis=1)
    best = weights[np.arange(len(answers)), top]
    assigned = np.where(best > _NO_WEIGHT, top, -1)

    raw: list[tuple[int, list[str], np.ndarray]] = []  # (size, keywords, members by typicality)
    for c in range(used):
        members = np.flatnonzero(assigned == c)
        if not members.size:
            continue
        words = _keywords(terms, components[c], keywords)
        typical = members[np.argsort(-weights[members, c], kind="stable")]
        raw.append((members.size, words, typical))
    # largest first; equal sizes by keywords, so the numbering does not depend on NMF's order
    raw.sort(key=lambda item: (-item[0], item[1]))
    if len(raw) < used:
        notes.append(f"{used - len(raw)} of the {used} themes found were no answer's main theme and are left out")

    assignment = np.zeros(len(texts), dtype=np.int64)
    weight = np.zeros(len(texts), dtype=np.float64)
    themes: list[Theme] = []
    for number, (size, words, typical) in enumerate(raw, 1):
        assignment[positions[typical]] = number
        component = int(top[typical[0]])
        weight[positions[typical]] = weights[typical, component]
        themes.append(Theme(number, words, int(size), _examples([answers[i] for i in typical], examples, max_chars)))
    unassigned = int((assigned < 0).sum())
    if unassigned:
        notes.append(
            f"{unassigned:,} of the {len(answers):,} answers weigh nothing on any theme (none of their words is a theme's) "
            "and have none: more themes may place them"
        )
    return Themes(themes, assignment, weight, len(answers), k, seed, notes)


def _keywords(terms: np.ndarray, weights: np.ndarray, count: int) -> list[str]:
    """The ``count`` heaviest terms of a theme, each bringing a new word: a phrase whose words are
    all keywords already, or a word already in a keyword phrase, is passed over (``clear``,
    ``clear goals``, not then ``goals``)."""
    covered: set[str] = set()
    chosen: list[str] = []
    for j in np.argsort(-weights, kind="stable"):
        if weights[j] <= 0 or len(chosen) == count:
            break
        words = set(str(terms[j]).split())
        if words <= covered:
            continue
        covered |= words
        chosen.append(str(terms[j]))
    return chosen


def _examples(ordered: list[str], count: int, max_chars: int) -> list[str]:
    """The first ``count`` distinct answers, most typical first, preferring those of at most ``max_chars``."""
    seen: dict[str, None] = {}
    for text in ordered:
        if len(text) <= max_chars:
            seen.setdefault(text)
            if len(seen) == count:
                return list(seen)
    for text in ordered:  # a theme of long answers only: shown anyway
        seen.setdefault(text)
        if len(seen) == count:
            break
    return list(seen)


def typicality(answers: Sequence[str], members: Sequence[Sequence[int]]) -> list[np.ndarray]:
    """For each list of ``members`` (positions in ``answers``: the answers given one theme), how
    typical each member is of them: the cosine of its TF-IDF vector with the members' mean vector
    (their centroid), in the members' order. The answer nearest the centroid says what most of
    them say; an answer that also says much else lies further from it. All ``answers`` make the
    vocabulary, so a word common to every theme weighs little in each."""
    answers = [a.strip() for a in answers]
    if not answers or not any(len(m) for m in members):
        return [np.zeros(len(m)) for m in members]
    _, matrix = _vectorised(answers)
    out = []
    for m in members:
        if not len(m):
            out.append(np.zeros(0))
            continue
        rows = matrix[list(m)]
        centroid = np.asarray(rows.mean(axis=0)).ravel()
        norm = float(np.linalg.norm(centroid))
        out.append(np.asarray(rows @ centroid).ravel() / norm if norm > 0 else np.zeros(len(m)))
    return out


# --- codes of a codebook, suggested for each answer --------------------------------------------------


_WORD = re.compile(r"\w+", re.UNICODE)
#: Suffixes a light stemmer removes (longest first), and what each leaves.
_SUFFIXES = (("sses", "ss"), ("ies", "y"), ("ches", "ch"), ("shes", "sh"), ("xes", "x"), ("ing", ""), ("ed", ""), ("s", ""))


def light_stem(word: str) -> str:
    """A word without its plural or its -ing / -ed ending, so that forms of a word meet: not a full
    stemmer (Porter would make *policy* and *police* one), just enough for keywords.

    >>> [light_stem(w) for w in ("Funds", "funding", "funded", "policies", "processes", "process", "bus")]
    ['fund', 'fund', 'fund', 'policy', 'process', 'process', 'bus']
    """
    word = word.lower()
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and not (suffix == "s" and word.endswith(("ss", "us", "is"))):
            stem = word[: -len(suffix)] + replacement
            if len(stem) >= 3:
                return stem
    return word


def _stems(text: str) -> list[str]:
    return [light_stem(w) for w in _WORD.findall(text)]


class CodeSuggestion(TypedDict):
    """A code suggested for an answer: ``why`` is ``keyword: <the keyword>`` or ``similarity``;
    ``score`` 1 for a keyword, the cosine similarity otherwise."""

    respondent_id: str
    code: str
    score: float
    why: str


def suggest_codes(ids: Sequence[str], texts: Sequence[str | None], codebook: Codebook, *, threshold: float = 0.15) -> list[CodeSuggestion]:
    """Codes suggested for each answer, in the order of the answers, then of the codebook.

    An answer containing a code's keyword (or keyword phrase: its words in a row) as whole words,
    after :func:`light_stem`, is suggested that code, with ``why`` naming the keyword. An answer
    that contains no keyword of any code is suggested the code most similar to it (TF-IDF cosine
    between the answer and the code's label, description and keywords, over stemmed words without
    English stop words) when the similarity is at least ``threshold``. Blank answers get nothing.
    """
    if len(ids) != len(texts):
        raise UsageError(f"one id per answer is needed: {len(ids)} ids for {len(texts)} answers")
    if not 0 <= threshold <= 1:
        raise UsageError(argument="the similarity threshold", value=threshold, expected="a number from 0 to 1")
    positions, answers = _answered(texts)
    if not answers or not codebook.codes:
        return []
    phrases = [[(keyword, tuple(_stems(keyword))) for keyword in code.keywords if _stems(keyword)] for code in codebook.codes]
    found: list[list[tuple[int, str]]] = []  # per answer: (code index, keyword)
    for text in answers:
        stems = _stems(text)
        joined = " " + " ".join(stems) + " "
        hits = []
        for c, keywords in enumerate(phrases):
            match = next((keyword for keyword, stem in keywords if " " + " ".join(stem) + " " in joined), None)
            if match is not None:
                hits.append((c, match))
        found.append(hits)

    similar = _similarity([a for a, hits in zip(answers, found) if not hits], codebook.codes)
    rows: list[CodeSuggestion] = []
    s = 0
    for position, hits in zip(positions, found):
        rid = str(ids[position])
        if hits:
            rows += [
                {"respondent_id": rid, "code": codebook.codes[c].id, "score": 1.0, "why": f"keyword: {keyword}"} for c, keyword in hits
            ]
            continue
        scores = similar[s]
        s += 1
        best = int(np.argmax(scores)) if scores.size else -1
        if best >= 0 and scores[best] >= threshold and scores[best] > 0:
            rows.append(
                {"respondent_id": rid, "code": codebook.codes[best].id, "score": round(float(scores[best]), 4), "why": "similarity"}
            )
    return rows


def _similarity(answers: list[str], codes: list[Code]) -> np.ndarray:
    """Cosine similarity of each answer (rows) to each code's label, description and keywords."""
    if not answers:
        return np.zeros((0, len(codes)))
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

    documents = [" ".join([code.label, code.description or "", *code.keywords]) for code in codes]
    stop = {light_stem(w) for w in ENGLISH_STOP_WORDS}
    vectoriser = TfidfVectorizer(
        analyzer=lambda text: [w for w in _stems(text) if w not in stop and len(w) > 1], sublinear_tf=True, dtype=np.float64
    )
    try:
        matrix = vectoriser.fit_transform([*documents, *answers])
    except ValueError:  # no word left anywhere
        return np.zeros((len(answers), len(codes)))
    # rows are L2-normalised, so the product is the cosine
    return np.asarray((matrix[len(codes) :] @ matrix[: len(codes)].T).toarray(), dtype=np.float64)
