"""Invitee lists (actions; no views). Sending the invitations and reminders is :mod:`.sending`.

An invitee CSV (UTF-8) has the columns ``email`` (required), ``name``, ``organisation``,
``sector``, ``role``, and any column named after a question of the wave with one coded answer
(its known facts, :mod:`.known_facts`): a value in a column that answers a question must be one
of its answers, by code or label, or the row is a problem naming the answers allowed; every problem is reported with its row number, and nothing is stored unless the
whole file is valid: bytes that are not UTF-8, a field longer than the csv module reads (131,072
characters) or than the database keeps, a name on more than one line, a repeated address.
Each invitee gets a link carrying a fresh 256-bit token when an e-mail is sent to them; only its
hash is stored, so a token can be sent only once: a reminder carries a new link, and the earlier
links keep working.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction

from ...errors import InputError
from ..validators import single_line_problem
from . import known_facts
from .models import Invitee, Wave

__all__ = ["InviteeFileError", "InviteeProblem", "add_invitees"]

COLUMNS = ("email", "name", "organisation", "sector", "role")


@dataclass(frozen=True)
class InviteeProblem:
    row: int  # the spreadsheet row (the header is row 1)
    column: str
    value: str
    expected: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.value!r}: expected {self.expected}"


class InviteeFileError(InputError):
    def __init__(self, name: str, problems: list[InviteeProblem]) -> None:
        self.name, self.problems = name, problems
        super().__init__(f"{name}: {len(problems)} problem(s)\n" + "\n".join(f"{name}: {p}" for p in problems))


def add_invitees(wave: Wave, data: bytes | str, name: str = "invitees.csv") -> list[Invitee]:
    """Read an invitee CSV and add every row to ``wave``; raises :class:`InviteeFileError`
    listing every problem (and adds nobody) when any row is wrong."""
    text = _decoded(data, name) if isinstance(data, bytes) else data
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise InviteeFileError(name, [_unreadable(1, exc)]) from None
    problems: list[InviteeProblem] = []
    if "email" not in header:
        raise InviteeFileError(name, [InviteeProblem(1, "email", ",".join(reader.fieldnames or []), "a header row with an 'email' column")])
    answering = _answering(wave, header, problems)
    reader.fieldnames = header
    existing = {e.lower() for e in wave.invitees.values_list("email", flat=True)}
    seen: dict[str, int] = {}
    rows = []
    for number, record in _records(reader, problems):
        if None in record:
            problems.append(InviteeProblem(number, "(row)", ",".join(record[None]), f"at most {len(header)} values, as in the header"))
        email = (record.get("email") or "").strip()
        try:
            validate_email(email)
        except ValidationError:
            problems.append(InviteeProblem(number, "email", email, "an e-mail address such as name@example.org"))
            continue
        key = email.lower()
        if key in seen:
            problems.append(InviteeProblem(number, "email", email, f"each address once; it is already in row {seen[key]}"))
        elif key in existing:
            problems.append(InviteeProblem(number, "email", email, "an address not already invited to this wave"))
        seen[key] = number
        details = {c: (record.get(c) or "").strip() for c in COLUMNS[1:]}
        problems.extend(_field_problems(number, {"email": email, **details}))
        facts = _facts(wave, number, record, answering, problems)
        rows.append(Invitee(wave=wave, email=email, facts=facts, **details))
    if problems:
        raise InviteeFileError(name, problems)
    with transaction.atomic():
        return Invitee.objects.bulk_create(rows)


def _answering(wave: Wave, header: list[str], problems: list[InviteeProblem]) -> dict[str, str]:
    """Column -> the question id it answers, for the header's columns that answer one; a column
    that is neither the list's own nor a question's, or a second column for the same question,
    is a problem of row 1."""
    instrument = wave.instrument
    answering: dict[str, str] = {}
    for column in header:
        question = known_facts.question_for_column(instrument, column)
        if question is None:
            if column not in COLUMNS:
                ids = ", ".join(known_facts.fact_questions(instrument))
                expected = f"one of the columns {', '.join(COLUMNS)}, or the id of a question with one answer ({ids})"
                problems.append(InviteeProblem(1, column, column, expected))
            continue
        other = next((c for c, qid in answering.items() if qid == question.id), None)
        if other is not None:
            problems.append(
                InviteeProblem(1, column, column, f"one column for the question {question.id}; the column {other} answers it already")
            )
        answering[column] = question.id
    return answering


def _facts(wave: Wave, row: int, record: dict, answering: dict[str, str], problems: list[InviteeProblem]) -> dict[str, str]:
    """Question id -> code of the row's values in the columns that answer a question (an empty
    value: not known); a value that is none of the question's answers is a problem."""
    instrument = wave.instrument
    facts = {}
    for column, qid in answering.items():
        value = (record.get(column) or "").strip()
        if not value:
            continue
        question = instrument.question(qid)
        code = known_facts.match(instrument, question, value)
        if code is None:
            problems.append(InviteeProblem(row, column, value, known_facts.allowed_text(instrument, question)))
        else:
            facts[qid] = code
    return facts


def _decoded(data: bytes, name: str) -> str:
    """The file's text; bytes that are not UTF-8 are refused, naming the row and the byte (a
    guessed encoding could change a name without anyone noticing)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data[line_start : data.find(b"\n", exc.start) if b"\n" in data[exc.start :] else len(data)]
        shown = line.decode("utf-8", "replace").rstrip("\r")[:80]
        expected = f"UTF-8 text (byte {exc.start + 1} of the file, 0x{data[exc.start]:02X}, is not); save the file as 'CSV UTF-8'"
        raise InviteeFileError(name, [InviteeProblem(row, "(encoding)", shown, expected)]) from None


def _records(reader: csv.DictReader, problems: list[InviteeProblem]) -> Iterator[tuple[int, dict]]:
    """(row number, record) for each row, the header being row 1; a row the csv module cannot
    read ends the file with one problem naming it (the rows after it cannot be told apart
    reliably)."""
    number = 1
    while True:
        number += 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(_unreadable(number, exc))
            return
        yield number, record


def _unreadable(row: int, exc: csv.Error) -> InviteeProblem:
    detail = str(exc)
    if "field larger than field limit" in detail:
        expected = f"a field of at most {csv.field_size_limit():,} characters (no name or address is that long)"
    else:
        expected = f"a row the CSV reader can read ({detail})"
    return InviteeProblem(row, "(row)", "", expected)


def _field_problems(row: int, values: dict[str, str]) -> list[InviteeProblem]:
    """Each value fits its field in the database and is one line (it may reach a mail header)."""
    problems = []
    for column, value in values.items():
        field = Invitee._meta.get_field(column)
        limit = field.max_length if isinstance(field, models.Field) else None
        if limit is not None and len(value) > limit:
            problems.append(InviteeProblem(row, column, value[:40] + "…", f"at most {limit} characters (this has {len(value):,})"))
        elif problem := single_line_problem(value):
            problems.append(InviteeProblem(row, column, value, f"one line of text (this has {problem})"))
    return problems
