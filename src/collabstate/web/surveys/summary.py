"""The check-your-answers list: each question asked, the answer as the respondent read it."""

from __future__ import annotations

from collections.abc import Callable

from ...instrument import Instrument
from ...instrument.model import MatrixQuestion, MultipleQuestion
from . import flow

__all__ = ["answer_rows"]

NOT_ANSWERED = "Not answered"


def answer_rows(
    instrument: Instrument, answers: dict[str, str], change_url: Callable[[str], str], skip: frozenset[str] = frozenset()
) -> list[dict]:
    """One row per question asked and shown (``skip``: answered from the invitee list, not shown)."""
    rows = []
    for question in flow.asked_questions(instrument, answers):
        if question.id in skip:
            continue
        if isinstance(question, MultipleQuestion):
            ticked = [o.label for o in question.options if answers.get(f"{question.id}/{o.code}") == "1"]
            lines = ticked or [NOT_ANSWERED]
        elif isinstance(question, MatrixQuestion):
            labels = {str(c.code): c.label for c in instrument.choices(question)}
            lines = [f"{row.label}: {labels.get(answers.get(row.id, ''), NOT_ANSWERED)}" for row in question.rows]
        elif question.type in ("single", "scale"):
            labels = {str(c.code): c.label for c in instrument.choices(question)}
            lines = [labels.get(answers.get(question.id, ""), NOT_ANSWERED)]
        else:
            lines = [answers.get(question.id) or NOT_ANSWERED]
        rows.append({"id": question.id, "question": question.text, "lines": lines, "change": change_url(question.id)})
    return rows
