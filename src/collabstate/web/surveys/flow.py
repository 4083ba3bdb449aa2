"""The route through a questionnaire: one question (or one grid) per page, skip logic applied by
the core's own evaluator (:meth:`collabstate.instrument.logic.Condition.holds`).

Answers are held as the data file holds them: column name -> text (``"1"``, ``"0"`` for a
multiple-choice flag, a number, free text). :func:`typed` turns them into the values the
condition evaluator compares.

>>> from collabstate.instrument import load_instrument
>>> ins = load_instrument("readiness-2018")
>>> next_question(ins, {"q1_example": "2"}, after="q1_example").id     # no example: straight to q7
'q7_importance'
>>> next_question(ins, {"q1_example": "1"}, after="q1_example").id
'q2_description'

Changed from the check page, q1 from No to Yes: the new questions q2... are next, then back to check.

>>> before = {"q1_example": "2", "q7_importance": "4"}
>>> next_unanswered(ins, {**before, "q1_example": "1"}, after="q1_example").id
'q2_description'
>>> next_unanswered(ins, {**before, "q7_importance": "5"}, after="q7_importance").id  # q8 on: not answered yet
'q8_why'
>>> next_unanswered(ins, before, after="q19_receive_report") is None  # nothing left: back to check
True
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache

from ...instrument import Instrument
from ...instrument.logic import Condition
from ...instrument.model import Question

#: The ``page`` a respondent resumes at once every question is answered: the check-answers page.
CHECK = ":check"

__all__ = ["CHECK", "asked", "asked_questions", "columns_of", "next_question", "next_unanswered", "position", "previous_question", "typed"]


def columns_of(instrument: Instrument, question: Question) -> list[str]:
    """The data columns one page writes."""
    return [c.name for c in instrument.columns if c.question is question]


def typed(instrument: Instrument, answers: Mapping[str, str]) -> dict[str, object]:
    """Stored text -> the values the skip-logic evaluator compares (codes and flags as numbers)."""
    out: dict[str, object] = {}
    for name, value in answers.items():
        column = instrument.column(name)
        if column is None or value is None or value == "":
            continue
        if column.kind in ("code", "flag"):
            out[name] = int(value)
        elif column.kind == "number":
            out[name] = float(value)
        else:
            out[name] = value
    return out


def asked(question: Question, values: Mapping[str, object]) -> bool:
    """Whether the question is asked, given the typed answers so far."""
    condition = question.condition
    if condition is None:
        return True
    names = condition.names
    return _holds(condition, tuple(sorted((k, v) for k, v in values.items() if k.split("/", 1)[0] in names)))


@lru_cache(maxsize=8192)
def _holds(condition: Condition, answers: tuple[tuple[str, object], ...]) -> bool:
    """The core's evaluator, remembered per condition and the answers it reads (a page view
    asks the same few conditions about the same few answers again and again)."""
    return condition.holds(dict(answers))


def asked_questions(instrument: Instrument, answers: Mapping[str, str]) -> list[Question]:
    """Every question the respondent is asked, given their answers, in order."""
    values = typed(instrument, answers)
    return [q for q in instrument.questions if asked(q, values)]


def _index(instrument: Instrument, question_id: str) -> int:
    """Where the question stands in the questionnaire (0 for the first)."""
    return [q.id for q in instrument.questions].index(question_id)


def _asked_after(instrument: Instrument, answers: Mapping[str, str], after: str | None, skip: frozenset[str]) -> Iterator[Question]:
    """The questions after ``after`` (from the start when None) that are asked and shown, in order."""
    questions = instrument.questions
    start = 0 if after is None else _index(instrument, after) + 1
    values = typed(instrument, answers)
    return (q for q in questions[start:] if q.id not in skip and asked(q, values))


def next_question(
    instrument: Instrument, answers: Mapping[str, str], after: str | None, skip: frozenset[str] = frozenset()
) -> Question | None:
    """The first question after ``after`` (from the start when None) that is asked; None at the end.
    ``skip``: questions asked but not shown (answered from the invitee list: :mod:`.known_facts`)."""
    return next(_asked_after(instrument, answers, after, skip), None)


def next_unanswered(instrument: Instrument, answers: Mapping[str, str], after: str, skip: frozenset[str] = frozenset()) -> Question | None:
    """The first question after ``after`` that is asked, given ``answers``, and has no stored
    value in any of its columns (:func:`columns_of`); None when there is none.

    Where an answer changed from the check-answers page goes next (the GOV.UK "check answers"
    pattern): a change that makes new questions relevant walks the respondent through them, in
    order, and then back to the check page; a change that brings none goes straight back.

    Assumption: "unanswered" means "nothing stored". An optional question the respondent left
    blank before has nothing stored either, so it is shown again on such a walk (one Continue
    passes it): which pages were seen is not recorded.
    """
    asked_later = _asked_after(instrument, answers, after, skip)
    return next((q for q in asked_later if not any(answers.get(c) for c in columns_of(instrument, q))), None)


def previous_question(
    instrument: Instrument, answers: Mapping[str, str], before: str, skip: frozenset[str] = frozenset()
) -> Question | None:
    """The last question before ``before`` that is asked and shown; None on the first page."""
    questions = instrument.questions
    values = typed(instrument, answers)
    return next((q for q in reversed(questions[: _index(instrument, before)]) if q.id not in skip and asked(q, values)), None)


def position(instrument: Instrument, question_id: str) -> tuple[int, int]:
    """Question ``n`` of ``total`` (pages of the whole questionnaire, before skip logic)."""
    return _index(instrument, question_id) + 1, len(instrument.questions)
