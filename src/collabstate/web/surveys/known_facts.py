"""Known facts: what the invitee list already says about a person, used for the questions it answers.

A *known fact* is an invitee's answer to a question with one coded answer (``single`` or
``scale``), given by the invitee list: the ``sector`` and ``role`` columns (and ``organisation``)
answer the question of that id, or else the one question whose short name is that word
(``q16_sector``, short name "Sector", in ``readiness-2018``); any other column named after such a
question's id answers that question. A value is matched to the question's codes by code or by
label, ignoring case, spaces, hyphens and underscores, and a label may be followed by the
question's short name ("public sector" is "Public" of the question "Sector"). The code is kept
in ``Invitee.facts`` (question id -> code as text); the text of the ``sector``, ``role`` and
``organisation`` columns is kept as given besides.

Why a JSON of question id -> code and not a field per fact: a list can then carry the answer to
any such question of any instrument (uploaded ones too) without a migration, and the code is
what the answers hold, so comparing them is comparing two strings.

Each wave chooses, per question, what a known fact does (``Wave.known_facts``, question id ->
mode; a question not named is :data:`OFF`):

- :data:`OFF`: nothing; the question is asked as usual (a mismatch is still counted);
- :data:`PREFILL`: the question is shown with the known answer selected; the respondent may change it;
- :data:`HIDDEN`: the known answer is stored as the respondent's answer when their response is
  created and the question is not shown (skip logic that reads it works as if they had answered).

A respondent by the open link has no invitee, so no known fact; an imported response is never touched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ...instrument import Instrument
from ...instrument.model import Question

__all__ = [
    "ATTRIBUTES",
    "HIDDEN",
    "MODES",
    "NOTHING",
    "OFF",
    "PREFILL",
    "Given",
    "allowed_text",
    "fact_questions",
    "given",
    "match",
    "question_for_column",
    "wave_modes",
]

OFF, PREFILL, HIDDEN = "off", "prefill", "hidden"
MODES = [
    (OFF, "Off: ask the question as usual"),
    (PREFILL, "Prefill: show the question with the list's answer selected, for the respondent to confirm or change"),
    (HIDDEN, "Hidden: store the list's answer and do not ask the question"),
]
#: The invitee list's own columns that may answer a question (the e-mail and the name never do).
ATTRIBUTES = ("organisation", "sector", "role")


def fact_questions(instrument: Instrument) -> dict[str, Question]:
    """The questions a known fact may answer: one coded answer in one column named after the question."""
    return {c.name: c.question for c in instrument.columns if c.kind == "code" and c.name == c.question.id}


def question_for_column(instrument: Instrument, column: str) -> Question | None:
    """The question a list's column answers: the question of that id, or for ``sector``, ``role``
    and ``organisation`` the only question whose short name is that word; None when there is none."""
    questions = fact_questions(instrument)
    if column in questions:
        return questions[column]
    if column in ATTRIBUTES:
        named = [q for q in questions.values() if q.short and _plain(q.short) == column]
        return named[0] if len(named) == 1 else None
    return None


def _plain(text: str) -> str:
    """Text as it is compared: lower case, hyphens and underscores as spaces, one space between words."""
    return " ".join(re.sub(r"[-_]", " ", text).casefold().split())


def match(instrument: Instrument, question: Question, value: str) -> str | None:
    """The code (as text) that ``value`` stands for: a code, a label, or a label followed by the
    question's short name; None when it is none of them (or could be more than one)."""
    wanted = _plain(value)
    if not wanted:
        return None
    short = _plain(question.short or "")
    found = set()
    for choice in instrument.choices(question):
        label = _plain(choice.label)
        if wanted in (str(choice.code), label) or (short and wanted == f"{label} {short}"):
            found.add(str(choice.code))
    return found.pop() if len(found) == 1 else None


def allowed_text(instrument: Instrument, question: Question) -> str:
    """What a value of this question may be, for an upload problem."""
    choices = instrument.choices(question)
    labels = ", ".join(f"{c.label} ({c.code})" for c in choices)
    return f"one of the answers to {question.id} ({question.label}): {labels}, by label or code"


def wave_modes(instrument: Instrument, settings: Mapping[str, str]) -> dict[str, str]:
    """A wave's choices that still apply: question id -> PREFILL or HIDDEN, for questions its
    instrument has (an edited instrument may have lost one)."""
    questions = fact_questions(instrument)
    return {qid: mode for qid, mode in settings.items() if qid in questions and mode in (PREFILL, HIDDEN)}


@dataclass(frozen=True)
class Given:
    """What the list gives one respondent: codes to show selected, codes stored without asking,
    and of those the ones not stored yet."""

    prefill: dict[str, str] = field(default_factory=dict)
    hidden: dict[str, str] = field(default_factory=dict)
    to_store: dict[str, str] = field(default_factory=dict)

    @property
    def skip(self) -> frozenset[str]:
        """The questions not shown to this respondent."""
        return frozenset(self.hidden)


NOTHING = Given()


def given(modes: Mapping[str, str], facts: Mapping[str, str], answers: Mapping[str, str]) -> Given:
    """What the wave's choices (:func:`wave_modes`) make of one invitee's facts, given their
    answers so far. A hidden question whose stored answer differs from the list (they answered it
    before the wave's choice was made) is shown as usual: what a respondent entered is never changed."""
    prefill, hidden, to_store = {}, {}, {}
    for qid, mode in modes.items():
        code = facts.get(qid)
        if not code:
            continue
        if mode == PREFILL:
            prefill[qid] = code
        elif qid not in answers:
            hidden[qid] = to_store[qid] = code
        elif answers[qid] == code:
            hidden[qid] = code
    return Given(prefill, hidden, to_store)
