"""What was asked: the instrument model (pydantic v2).

An instrument is one YAML file: named scales, questions in the order they are asked, and
index definitions. Six question types:

``single``   one choice from coded choices (``q16_sector``: 1 public, 2 private, 3 third sector)
``scale``    an ordinal or extent scale: coded choices with scores; a choice may be ``excluded``
             (a valid answer such as "Not applicable", kept in the data, left out of scores and bases)
``multiple`` tick any options; the data hold one 0/1 column per option, ``question/option``
``matrix``   rows that share one scale, each row its own question id (``imp_<factor>``)
``text``     free text
``number``   a number, optionally bounded

A question may name a reusable scale (``scale: agree5``) or list its own ``choices``; NETs are
named groups of codes (``agree = 4, 5``). ``relevant`` is the skip logic (see
:mod:`collabstate.instrument.logic`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from ..errors import UnknownNameError
from .bounds import LARGEST
from .logic import Condition, parse_condition

__all__ = [
    "DESIGN_COLUMNS",
    "Choice",
    "Column",
    "Derived",
    "DerivedGroup",
    "Dimension",
    "Factor",
    "IndexDefinition",
    "Instrument",
    "MatrixQuestion",
    "MatrixRow",
    "MultipleQuestion",
    "Net",
    "NumberQuestion",
    "Option",
    "Question",
    "ScaleDefinition",
    "ScaleQuestion",
    "SingleQuestion",
    "TextQuestion",
]

#: Columns that describe the design, never questions.
DESIGN_COLUMNS: tuple[str, ...] = ("respondent_id", "wave", "weight", "stratum", "cluster", "org_id")

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]

#: Characters no text of an instrument holds: C0 and C1 controls (a terminal escape, a NUL, a
#: carriage return that would start a new header of an e-mail), and Unicode's line separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: In prose (a question's text and help, a description), new lines and tabs are text.
_CONTROL_IN_PROSE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _refuse(pattern: re.Pattern[str], expected: str) -> Callable[[str], str]:
    def check(text: str) -> str:
        found = pattern.search(text)
        if found:
            raise PydanticCustomError(
                "control_character",
                "holds the control character {char} at character {at}; expected {expected}",
                {"char": f"U+{ord(found.group()):04X}", "at": found.start() + 1, "expected": expected},
            )
        return text

    return check


#: A title, a label, a short label: one line of text, no control characters.
Line = Annotated[str, AfterValidator(_refuse(_CONTROL, "one line of text without control characters"))]
#: A question's text or help: new lines and tabs allowed, no other control characters.
Prose = Annotated[str, AfterValidator(_refuse(_CONTROL_IN_PROSE, "text without control characters (new lines are fine)"))]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Choice(_Model):
    """One coded answer of a single-choice question or scale."""

    code: int = Field(ge=-LARGEST, le=LARGEST, description="What data files hold, e.g. 4")
    label: Line = Field(min_length=1, description="What people read, e.g. 'Agree'")
    score: float | None = Field(None, description="Score on the scale; defaults to the code for scale questions")
    excluded: bool = Field(False, description="A valid answer excluded from scores and bases, e.g. 'Not applicable'")


class Option(_Model):
    """One option of a multiple-choice question."""

    code: Identifier = Field(description="Column suffix in data files: question/option")
    label: Line = Field(min_length=1)
    exclusive: bool = Field(False, description="Cannot be ticked with another option, e.g. 'None of these'")


class Net(_Model):
    """A named group of codes reported together, e.g. agree = 4, 5."""

    id: Identifier
    label: Line = Field(min_length=1)
    codes: list[int] | list[Identifier] = Field(min_length=1)


class ScaleDefinition(_Model):
    """A scale shared by several questions."""

    id: Identifier
    label: Line | None = None
    choices: list[Choice] = Field(min_length=1)
    nets: list[Net] = []


class _Question(_Model):
    id: Identifier
    text: Prose = Field(min_length=1, description="The question as asked")
    short: Line | None = Field(None, description="A short label for tables and charts")
    help: Prose | None = None
    relevant: Prose | None = Field(None, description="Skip logic: asked only when this condition holds")
    required: bool = False

    @property
    def label(self) -> str:
        return self.short or self.text

    @cached_property
    def condition(self) -> Condition | None:
        """The parsed ``relevant`` condition (the instrument checks it parses)."""
        return parse_condition(self.relevant) if self.relevant else None


class _Coded(_Question):
    scale: Identifier | None = Field(None, description="Name of a scale in `scales`")
    choices: list[Choice] | None = None
    nets: list[Net] = []


class SingleQuestion(_Coded):
    type: Literal["single"]


class ScaleQuestion(_Coded):
    type: Literal["scale"]


class MatrixRow(_Model):
    id: Identifier
    text: Prose = Field(min_length=1)
    short: Line | None = None

    @property
    def label(self) -> str:
        return self.short or self.text


class MatrixQuestion(_Coded):
    type: Literal["matrix"]
    rows: list[MatrixRow] = Field(min_length=1)


class MultipleQuestion(_Question):
    type: Literal["multiple"]
    options: list[Option] = Field(min_length=1)
    nets: list[Net] = []


class TextQuestion(_Question):
    type: Literal["text"]


class NumberQuestion(_Question):
    type: Literal["number"]
    # within the limit of every number answer (see instrument.bounds), so never infinite
    minimum: float | None = Field(None, ge=-LARGEST, le=LARGEST)
    maximum: float | None = Field(None, ge=-LARGEST, le=LARGEST)
    integer: bool = False


Question = Annotated[
    SingleQuestion | ScaleQuestion | MultipleQuestion | MatrixQuestion | TextQuestion | NumberQuestion,
    Field(discriminator="type"),
]
QUESTION_TYPES = ("single", "scale", "multiple", "matrix", "text", "number")


class DerivedGroup(_Model):
    """One group of a derived variable made of conditions: respondents for whom ``when`` holds
    (and no earlier group's condition does)."""

    code: int = Field(ge=-LARGEST, le=LARGEST)
    label: Line = Field(min_length=1)
    when: Prose = Field(min_length=1, description="A condition in the grammar of `relevant`")


class Derived(_Model):
    """A variable made from the answers, used wherever a single-choice question is (``--by``,
    ``--rows``, ``--columns``, ``--filter``, reports). Exactly one of four kinds:

    - ``groups``: conditions, the first that holds gives the code;
    - ``from`` + ``recode``: new codes from the codes of a coded question (``{1: [1, 2]}``);
    - ``from`` + ``bands``: a number question cut at ascending edges (``[0, 10, 50, 250]``: 0 to
      under 10, 10 to under 50, 50 to under 250, 250 or more; below the first edge: no group);
    - ``any`` + ``codes``: a NET over several questions: 1 when any of them has one of the
      codes, 2 when none has (of those answering at least one), unanswered otherwise.

    ``labels`` names the codes of ``recode``, ``bands`` and ``any`` (defaults are made from the
    question's labels, the edges, and Yes/No)."""

    id: Identifier
    label: Line = Field(min_length=1)
    groups: list[DerivedGroup] | None = Field(None, min_length=1)
    from_: Identifier | None = Field(None, alias="from", description="The question a recode or bands read")
    recode: dict[int, list[int]] | None = Field(None, min_length=1, description="new code: [codes of `from`]")
    bands: list[float] | None = Field(None, min_length=2, description="Ascending edges of the bands of a number question")
    any_: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(/[a-z][a-z0-9_]*)?$", max_length=129)]] | None = Field(
        None, alias="any", min_length=1, description="Questions or columns (`domains/health`) a NET reads"
    )
    codes: list[int] | None = Field(None, min_length=1, description="With `any`: the codes that count (1 for a ticked option)")
    labels: dict[int, Line] | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @property
    def kind(self) -> str:
        """``groups``, ``recode``, ``bands`` or ``any`` (checked to be exactly one)."""
        given = [
            k for k, v in (("groups", self.groups), ("recode", self.recode), ("bands", self.bands), ("any", self.any_)) if v is not None
        ]
        return given[0] if len(given) == 1 else ""


class Dimension(_Model):
    """A way each factor is rated, e.g. importance and prevalence."""

    id: Identifier
    label: Line = Field(min_length=1)
    prefix: str | None = Field(None, description="Item id = prefix + factor id, unless the factor lists its items")


class Factor(_Model):
    id: Identifier
    label: Line = Field(min_length=1)
    description: Prose | None = None
    in_index: bool = Field(True, description="Part of the index score, or reported beside it")
    items: dict[Identifier, Identifier] | None = Field(None, description="dimension id -> question id")


class IndexDefinition(_Model):
    """An index: factors rated on one or more dimensions, scored on a score map."""

    id: Identifier
    label: Line = Field(min_length=1)
    dimensions: list[Dimension] = Field(min_length=1)
    factors: list[Factor] = Field(min_length=1)
    score_map: dict[int, float] | None = Field(None, description="code -> score; default: the items' choice scores")
    top_codes: list[int] = Field([], description="Codes of the top box, e.g. 'A great deal'")

    def item(self, factor: Factor, dimension: Dimension) -> str:
        if factor.items and dimension.id in factor.items:
            return factor.items[dimension.id]
        return f"{dimension.prefix or ''}{factor.id}"


@dataclass(frozen=True)
class Column:
    """One column of a wide data file, and what it may hold."""

    name: str
    kind: Literal["code", "flag", "text", "number"]
    question: SingleQuestion | ScaleQuestion | MultipleQuestion | MatrixQuestion | TextQuestion | NumberQuestion
    label: str
    choices: tuple[Choice, ...] = ()
    option: Option | None = None

    @property
    def condition(self) -> Condition | None:
        return self.question.condition

    @property
    def single_choice(self) -> bool:
        """A single-choice question's codes: categories, not amounts (a model makes them dummies)."""
        return self.kind == "code" and isinstance(self.question, SingleQuestion)

    @property
    def scored(self) -> bool:
        """Holds an amount a model or a scale can use: a scale's or grid row's score, a number, an
        option's 0/1; not text, not a single choice."""
        return self.kind in ("number", "flag") or (self.kind == "code" and not self.single_choice)


class WhatWorks(_Model):
    """What the report's "What works" section asks: which answers go with an outcome (a
    condition in the grammar of ``relevant``, or a scale question) among candidate drivers."""

    outcome: Prose = Field(min_length=1, description="A condition such as q6_success in (1, 2), or a scale question")
    label: Line = Field(min_length=1, description="The outcome in words, after 'more likely to', e.g. 'report success'")
    drivers: list[Identifier] = Field(min_length=2, description="Scale or number questions, grid rows or options, each a candidate")


class Instrument(_Model):
    """A questionnaire. Load one with :func:`collabstate.load_instrument`."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_.-]*$", max_length=64)
    title: Line = Field(min_length=1)
    description: Prose | None = None
    source: Prose | None = Field(None, description="Where the questionnaire comes from")
    scales: list[ScaleDefinition] = []
    questions: list[Question] = Field(min_length=1)
    indices: list[IndexDefinition] = []
    derived: list[Derived] = Field([], description="Variables made from the answers (groups, recodes, bands, NETs over questions)")
    what_works: WhatWorks | None = Field(None, description="An outcome and its candidate drivers, for the report's What works section")

    def question(self, question_id: str) -> Question:
        try:
            return self._questions_by_id[question_id]
        except KeyError:
            raise UnknownNameError(name=question_id, kind=f"a question of {self.id}", known=list(self._questions_by_id)) from None

    @cached_property
    def _questions_by_id(self) -> dict[str, Question]:
        found: dict[str, Question] = {}
        for q in self.questions:
            found[q.id] = q
            if isinstance(q, MatrixQuestion):
                found.update({row.id: q for row in q.rows})
        return found

    def choices(self, question: Question) -> list[Choice]:
        """A coded question's choices, its own or its named scale's."""
        if not isinstance(question, (SingleQuestion, ScaleQuestion, MatrixQuestion)):
            return []
        if question.choices is not None:
            choices = question.choices
        else:
            choices = next((s.choices for s in self.scales if s.id == question.scale), [])
        if isinstance(question, SingleQuestion):
            return choices
        return [c if c.score is not None or c.excluded else c.model_copy(update={"score": float(c.code)}) for c in choices]

    def nets(self, question: Question) -> list[Net]:
        """A question's NETs: those of its named scale, then its own."""
        own = list(getattr(question, "nets", []))
        scale = getattr(question, "scale", None)
        shared = next((s.nets for s in self.scales if s.id == scale), []) if scale else []
        return [*shared, *own]

    @cached_property
    def columns(self) -> list[Column]:
        """The wide data columns the instrument defines, in questionnaire order."""
        out: list[Column] = []
        for q in self.questions:
            if isinstance(q, (SingleQuestion, ScaleQuestion)):
                out.append(Column(q.id, "code", q, q.label, tuple(self.choices(q))))
            elif isinstance(q, MatrixQuestion):
                choices = tuple(self.choices(q))
                out.extend(Column(r.id, "code", q, r.label, choices) for r in q.rows)
            elif isinstance(q, MultipleQuestion):
                out.extend(Column(f"{q.id}/{o.code}", "flag", q, f"{q.label}: {o.label}", option=o) for o in q.options)
            elif isinstance(q, TextQuestion):
                out.append(Column(q.id, "text", q, q.label))
            else:
                out.append(Column(q.id, "number", q, q.label))
        return out

    @cached_property
    def _columns_by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}

    def column(self, name: str) -> Column | None:
        return self._columns_by_name.get(name)

    @property
    def multiple(self) -> dict[str, list[str]]:
        """Multiple-choice question ids and their option codes (what conditions need)."""
        return {q.id: [o.code for o in q.options] for q in self.questions if isinstance(q, MultipleQuestion)}

    def index(self, index_id: str | None = None) -> IndexDefinition:
        if not self.indices:
            raise UnknownNameError(f"instrument {self.id!r} defines no index")
        if index_id is None:
            return self.indices[0]
        for ix in self.indices:
            if ix.id == index_id:
                return ix
        raise UnknownNameError(name=index_id, kind=f"an index of {self.id}", known=[ix.id for ix in self.indices])
