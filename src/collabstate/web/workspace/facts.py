"""Known facts in the workspace: a wave's choice per fact (off, prefill, hidden), and where the
invitee list and the answers disagree (:mod:`collabstate.web.surveys.known_facts` says what a
known fact is and what each choice does).

A *mismatch* is a completed invitee whose answer to a question differs from the code the list
gives them. An invitee who left the question unanswered (or was not asked it) is not compared.

- In an identified wave it is worked out afresh from the answers: a count per question and the
  list of who (e-mail, the list's answer, their answer).
- In an anonymous wave an invitee's answers are no longer linked to them once they complete, so
  the comparison is made then and only its totals are kept (:class:`~..surveys.models.FactCount`);
  they are shown once at least :data:`SHOWN_FROM` invitees have been compared for a question,
  and never who.

Nothing here changes an answer: the answer is what the respondent gave.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.db import transaction

from ...instrument import Instrument
from ..surveys import known_facts
from ..surveys.models import Answer, Respondent, Wave
from .models import AuditEntry

__all__ = ["SHOWN_FROM", "FactsForm", "Mismatch", "fact_ids", "mismatches", "save_modes"]

#: An anonymous wave's counts for a question are shown once this many invitees have been compared.
SHOWN_FROM = 10


def fact_ids(wave: Wave) -> list[str]:
    """The questions the wave's known facts may answer, in questionnaire order: those the list's
    ``sector``, ``role`` and ``organisation`` columns answer, those any invitee has a fact for,
    and those the wave has a choice for."""
    instrument = wave.instrument
    found = {q.id for column in known_facts.ATTRIBUTES if (q := known_facts.question_for_column(instrument, column)) is not None}
    for facts in wave.invitees.exclude(facts={}).values_list("facts", flat=True):
        found.update(facts)
    found.update(known_facts.wave_modes(instrument, wave.known_facts))
    return [qid for qid in known_facts.fact_questions(instrument) if qid in found]


class FactsForm(forms.Form):
    """One choice per known fact (:func:`fact_ids`), named after its question."""

    def __init__(self, wave: Wave, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        instrument = wave.instrument
        counts = _counts(wave)
        modes = known_facts.wave_modes(instrument, wave.known_facts)
        for qid in fact_ids(wave):
            question = instrument.question(qid)
            known = counts.get(qid, 0)
            self.fields[qid] = forms.ChoiceField(
                label=f"{question.label} ({qid})",
                choices=known_facts.MODES,
                initial=modes.get(qid, known_facts.OFF),
                widget=forms.RadioSelect,
                help_text=f"The list gives it for {known} invitee{'' if known == 1 else 's'}. {question.text}",
                error_messages={
                    "required": f"Choose what the list's answer to {qid} does",
                    "invalid_choice": "Choose off, prefill or hidden",
                },
            )

    def modes(self) -> dict[str, str]:
        return {qid: mode for qid, mode in self.cleaned_data.items() if mode != known_facts.OFF}


def _counts(wave: Wave) -> dict[str, int]:
    counts: dict[str, int] = {}
    for facts in wave.invitees.exclude(facts={}).values_list("facts", flat=True):
        for qid in facts:
            counts[qid] = counts.get(qid, 0) + 1
    return counts


def save_modes(wave: Wave, modes: dict[str, str], user) -> bool:
    """Store the wave's choices; an audit entry says what changed. Returns whether anything did."""
    with transaction.atomic():
        locked = Wave.objects.select_for_update().get(pk=wave.pk)
        before = locked.known_facts or {}
        changed = sorted(qid for qid in {*before, *modes} if before.get(qid, known_facts.OFF) != modes.get(qid, known_facts.OFF))
        if not changed:
            return False
        locked.known_facts = modes
        locked.save(update_fields=["known_facts"])
        detail = "; ".join(f"{qid}: {before.get(qid, known_facts.OFF)} to {modes.get(qid, known_facts.OFF)}" for qid in changed)
        AuditEntry.objects.create(organisation=wave.organisation, wave=wave, user=user, action=AuditEntry.KNOWN_FACTS, detail=detail)
    wave.known_facts = modes
    return True


@dataclass
class Mismatch:
    """One question's comparison of the list with the answers."""

    question: str
    label: str
    mode: str
    compared: int
    differed: int
    shown: bool = True  # False: an anonymous wave's count is held back (under SHOWN_FROM compared)
    shown_from: int = SHOWN_FROM
    people: list[dict] = field(default_factory=list)  # identified waves only: email, listed, answered


def mismatches(wave: Wave) -> list[Mismatch]:
    """The comparison per known fact, for the wave's page (empty when the list gives none)."""
    instrument = wave.instrument
    modes = known_facts.wave_modes(instrument, wave.known_facts)
    if wave.mode == Wave.ANONYMOUS:
        counts = {c.question: c for c in wave.fact_counts.all()}
        if not counts:
            return []
        return [
            Mismatch(qid, instrument.question(qid).label, modes.get(qid, known_facts.OFF), c.compared, c.differed, c.compared >= SHOWN_FROM)
            for qid in fact_ids(wave)
            if (c := counts.get(qid)) is not None
        ]
    return _identified(wave, instrument, modes)


def _identified(wave: Wave, instrument: Instrument, modes: dict[str, str]) -> list[Mismatch]:
    done = (
        Respondent.objects.filter(wave=wave, status=Respondent.COMPLETED, invitee__isnull=False, response__isnull=False)
        .exclude(invitee__facts={})
        .values_list("invitee__email", "invitee__facts", "response_id")
    )
    people = list(done)
    if not people:
        return []
    ids = fact_ids(wave)
    answers: dict[tuple[int, str], str] = {}
    for response_id, column, value in Answer.objects.filter(response_id__in=[p[2] for p in people], column__in=ids).values_list(
        "response_id", "column", "value"
    ):
        answers[response_id, column] = value
    out = []
    for qid in ids:
        question = instrument.question(qid)
        labels = {str(c.code): c.label for c in instrument.choices(question)}
        row = Mismatch(qid, question.label, modes.get(qid, known_facts.OFF), 0, 0)
        for email, facts, response_id in sorted(people):
            listed, answered = facts.get(qid), answers.get((response_id, qid))
            if listed is None or answered is None:
                continue
            row.compared += 1
            if answered != listed:
                row.differed += 1
                row.people.append({"email": email, "listed": labels.get(listed, listed), "answered": labels.get(answered, answered)})
        if row.compared:
            out.append(row)
    return out
