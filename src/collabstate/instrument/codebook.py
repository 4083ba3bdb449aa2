"""Codebooks: the themes an open (text) question is coded into, defined in a YAML file.

A codebook names the text question it codes and lists its codes, each with an id, a label, an
optional description and keywords, and optionally the code it falls under (``parent``), for a
hierarchy::

    question: barriers_text
    codes:
      - {id: funding, label: Funding and resources, keywords: [funding, resources]}
      - {id: people, label: People and culture}
      - {id: mistrust, label: Mistrust, parent: people, keywords: [mistrust, trust]}

The coded answers (a codes file, :mod:`collabstate.dataset.codes`) then make the multiple-choice
question ``<question>_codes``: one option per code (``barriers_text_codes/funding``) and, for each
code that is the parent of others, a NET ``<code>_any`` ("People and culture (any)") that counts a
respondent given that code or any code under it. So every estimate, table, ``--by``, ``--filter``
and report reads the themes as it reads any multiple-choice question: no path of its own.

A parent is a code like any other: it may be applied itself (an answer about people in general),
and its NET also counts the codes under it (at any depth). The problems of a file are told
together, each with its line, as the instrument loader does.

>>> from collabstate.instrument import load_instrument
>>> leaders = load_instrument("leaders")
>>> book = parse_codebook('''
... question: barriers_text
... codes:
...   - {id: people, label: People and culture}
...   - {id: mistrust, label: Mistrust, parent: people}
... ''', "barriers.yaml", leaders)
>>> q = codebook_question(book, leaders)
>>> q.id, [o.code for o in q.options], [(n.id, n.codes) for n in q.nets]
('barriers_text_codes', ['people', 'mistrust'], [('people_any', ['people', 'mistrust'])])
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from ..errors import did_you_mean
from .checks import Loc, format_path
from .model import DESIGN_COLUMNS, Identifier, Instrument, Line, MultipleQuestion, Prose, Question, TextQuestion, _Model
from .yaml_file import Problem, YAMLFileError, clean_loc, line_of, read_file_text, read_yaml

__all__ = [
    "Code",
    "Codebook",
    "CodebookError",
    "codebook_question",
    "codes_question_id",
    "load_codebook",
    "parse_codebook",
    "with_codebooks",
]

#: The keys of a codebook and of a code, as the file spells them.
BOOK_FIELDS = ("question", "label", "codes")
CODE_FIELDS = ("id", "label", "description", "keywords", "parent")


class CodebookError(YAMLFileError):
    """A codebook file that cannot be used: every problem with its line."""


class Code(_Model):
    """One theme of a codebook."""

    id: Identifier = Field(description="The option's code in the data: <question>_codes/<id>")
    label: Line = Field(min_length=1, description="What tables and reports show")
    description: Prose | None = Field(None, description="What the code covers, for coders")
    keywords: list[Line] = Field([], description="Words that suggest the code (for suggestions and keyword coding)")
    parent: Identifier | None = Field(None, description="The code this one falls under, for a hierarchy")


class Codebook(_Model):
    """The codes of one text question."""

    question: Identifier = Field(description="The text question the codebook codes")
    label: Line | None = Field(None, description="The themes question's label (default: the text question's, then 'themes')")
    codes: list[Code] = Field(min_length=1)

    @property
    def question_id(self) -> str:
        return codes_question_id(self.question)

    def below(self, code: str) -> list[str]:
        """``code`` and every code under it, at any depth, in codebook order."""
        found = {code}
        changed = True
        while changed:  # a codebook is small: a fixed point is plenty
            changed = False
            for c in self.codes:
                if c.parent in found and c.id not in found:
                    found.add(c.id)
                    changed = True
        return [c.id for c in self.codes if c.id in found]


def codes_question_id(question: str) -> str:
    """The id of the multiple-choice question a text question's codes make."""
    return f"{question}_codes"


def net_id(code: str) -> str:
    """The id of a parent code's NET."""
    return f"{code}_any"


def codebook_question(book: Codebook, instrument: Instrument) -> MultipleQuestion:
    """The codebook as the multiple-choice question its codes make: one option per code, and a
    NET per parent code (the parent and every code under it)."""
    text = next((q for q in instrument.questions if q.id == book.question), None)
    label = book.label or (f"{text.label}: themes" if text is not None else f"Themes of {book.question}")
    parents = [c.id for c in book.codes if any(d.parent == c.id for d in book.codes)]
    return MultipleQuestion.model_validate(
        {
            "id": book.question_id,
            "type": "multiple",
            "text": label,
            "options": [{"code": c.id, "label": c.label} for c in book.codes],
            "nets": [
                {"id": net_id(p), "label": f"{next(c.label for c in book.codes if c.id == p)} (any)", "codes": book.below(p)}
                for p in parents
            ],
        }
    )


def with_codebooks(instrument: Instrument, books: Sequence[Codebook]) -> Instrument:
    """``instrument`` with each codebook's question added after its questions (one it already
    has is not added twice)."""
    have = {q.id for q in instrument.questions}
    new = [codebook_question(b, instrument) for b in books if b.question_id not in have]
    if not new:
        return instrument
    fields = {name: getattr(instrument, name) for name in type(instrument).model_fields}
    fields["questions"] = [*instrument.questions, *new]
    return type(instrument).model_construct(**fields)


# --------------------------------------------------------------------------------- checks
def _check(book: Codebook, instrument: Instrument) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    question: Question | None = next((q for q in instrument.questions if q.id == book.question), None)
    if question is None:
        texts = [q.id for q in instrument.questions if isinstance(q, TextQuestion)]
        problems.append(
            (("question",), f"unknown question {book.question!r}{did_you_mean(book.question, texts)}; text questions of "
             f"{instrument.id}: {', '.join(texts) or 'none'}")
        )  # fmt: skip
    elif not isinstance(question, TextQuestion):
        problems.append((("question",), f"{book.question!r} is a {question.type} question of {instrument.id}, not a text question"))
    taken = {c.name for c in instrument.columns} | {q.id for q in instrument.questions} | set(DESIGN_COLUMNS)
    if book.question_id in taken:
        problems.append((("question",), f"{book.question_id!r} (the themes' question) is already a question or column of {instrument.id}"))
    ids = [c.id for c in book.codes]
    first: dict[str, int] = {}
    for i, code in enumerate(book.codes):
        if code.id in first:
            problems.append((("codes", i, "id"), f"duplicate id {code.id!r} (also codes[{first[code.id]}]); choose another id"))
        first.setdefault(code.id, i)
        if code.parent is not None and code.parent not in ids:
            problems.append(
                (
                    ("codes", i, "parent"),
                    f"unknown parent {code.parent!r}{did_you_mean(code.parent, ids)}; a parent is a code of this codebook",
                )
            )
        elif code.parent == code.id:
            problems.append((("codes", i, "parent"), f"{code.id!r} cannot be its own parent"))
    parents = {c.parent for c in book.codes if c.parent is not None}
    for i, code in enumerate(book.codes):
        if code.id in parents and net_id(code.id) in ids:
            j = ids.index(net_id(code.id))
            problems.append(
                (("codes", j, "id"), f"{net_id(code.id)!r} is the id of the NET of {code.id!r} (a parent code); choose another id")
            )
        step, hops = code.parent, 0
        while step is not None and step != code.id and step in first and hops < len(ids):  # walk up the parents
            step, hops = book.codes[first[step]].parent, hops + 1
        if step == code.id and code.parent != code.id:
            problems.append((("codes", i, "parent"), f"a loop of parents: {code.id!r} falls under itself"))
    return problems


def _message(loc: Loc, error: Any) -> str | None:
    kind, rest = error["type"], loc
    got = "" if "input" not in error or isinstance(error["input"], (dict, list)) or kind == "missing" else f" (got {error['input']!r})"
    if kind == "extra_forbidden" and len(rest) == 1:
        return f"unknown key {rest[0]!r}{did_you_mean(str(rest[0]), BOOK_FIELDS)}; a codebook has `question`, `codes` (and `label`)"
    if kind == "extra_forbidden" and len(rest) == 3:
        return f"unknown key {rest[2]!r}{did_you_mean(str(rest[2]), CODE_FIELDS)}; a code has {', '.join(f'`{f}`' for f in CODE_FIELDS)}"
    if kind == "missing" and len(rest) == 1:
        return f"missing `{rest[0]}`: a codebook names its text `question` and lists its `codes`"
    if kind == "missing" and len(rest) == 3:
        return f"missing `{rest[2]}`: every code has an `id` and a `label`"
    if kind == "string_pattern_mismatch" and rest[-1] in ("id", "parent", "question"):
        return f"an id is lower-case letters, digits and _, starting with a letter{got}"
    if kind in ("model_type", "dict_type") and len(rest) == 2:
        return f"expected a mapping with `id`, `label` (and `description`, `keywords`, `parent`){got}"
    return None


def parse_codebook(text: str, source: str, instrument: Instrument) -> Codebook:
    """A codebook from YAML text, checked against ``instrument``; raises :class:`CodebookError`
    listing every problem with its line (an unknown key, a duplicate id, an id that is not an id,
    an unknown parent, a loop of parents, a question that is not a text question)."""
    data, lines = read_yaml(text, source, CodebookError)
    if not isinstance(data, dict):
        what = "the file is empty" if data is None else f"the file holds a {type(data).__name__}"
        raise CodebookError(source, [Problem("", f"expected a mapping with `question` and `codes`; {what}", 1)])
    try:
        book = Codebook.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = clean_loc(tuple(error["loc"]))
            got = (
                ""
                if "input" not in error or isinstance(error["input"], (dict, list)) or error["type"] == "missing"
                else f" (got {error['input']!r})"
            )
            problems.append(Problem(format_path(loc), _message(loc, error) or f"{error['msg']}{got}", line_of(lines, loc)))
        raise CodebookError(source, problems) from None
    found = _check(book, instrument)
    if found:
        raise CodebookError(source, [Problem(format_path(loc), message, line_of(lines, loc)) for loc, message in found])
    return book


def load_codebook(path: str | Path, instrument: Instrument) -> Codebook:
    """A codebook from a YAML file (:func:`parse_codebook`)."""
    return parse_codebook(read_file_text(path, "no such codebook file", CodebookError), str(path), instrument)
