"""Derived variables: groups, recodes, bands and NETs over several questions, defined once.

A derived variable is made from the answers and then used wherever a single-choice question is
(``--by``, ``--rows``, ``--columns``, ``--filter``, a report, the workspace's tables). They are
defined in the instrument's ``derived:`` section or in a file of their own (``--derive FILE``)::

    derived:
      - id: civil_vs_private
        label: Civil servants and private sector
        groups:
          - {code: 1, label: Civil servants, when: "sector == 1 and civil_service == 1"}
          - {code: 2, label: Private sector, when: "sector == 2"}
      - id: success
        label: Successful or not
        from: q6_success
        recode: {1: [1, 2], 2: [3, 4]}
        labels: {1: Successful, 2: Not successful}
      - id: size
        label: Staff
        from: staff
        bands: [0, 10, 50, 250]
      - id: any_agree
        label: Agrees with any statement
        any: [st_network, st_effective]
        codes: [4, 5]

Conditions are the grammar of ``relevant`` (:mod:`collabstate.instrument.logic`); the first group
whose condition holds gives the code, and a respondent in no group has no answer (is out of the
base), as a respondent who skipped a question. A variable may read the questions and the derived
variables defined before it. This module defines and checks them (each problem names the file,
the line and what was expected, as the instrument loader does); :func:`collabstate.dataset.derive`
computes them.

>>> from collabstate.instrument import load_instrument
>>> leaders = load_instrument("leaders")
>>> [success] = parse_derived('''
... derived:
...   - {id: public, label: Public or not, from: sector, recode: {1: [1], 2: [2, 3, 4]}}
... ''', "groups.yaml", leaders)
>>> [(c.code, c.label) for c in derived_question(success, leaders).choices]
[(1, 'Public'), (2, 'Private or Not-for-profit or Higher education')]
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import did_you_mean
from .bounds import show_number
from .checks import Loc, check_condition, condition_names, format_path
from .logic import ConditionError, parse_condition
from .model import (
    DESIGN_COLUMNS,
    Choice,
    Derived,
    Instrument,
    MultipleQuestion,
    NumberQuestion,
    Question,
    SingleQuestion,
)
from .yaml_file import InstrumentError, Problem, clean_loc, line_of, read_file_text, read_yaml

__all__ = ["check_derived", "derived_choices", "derived_message", "derived_question", "load_derived", "parse_derived", "with_derived"]

KINDS = "`groups`; `from` with `recode`; `from` with `bands`; or `any` with `codes`"


def derived_choices(derived: Derived, instrument: Instrument) -> list[Choice]:
    """The codes and labels of a derived variable (defaults made from the question it reads)."""
    labels = derived.labels or {}
    if derived.groups is not None:
        return [_choice(g.code, g.label) for g in derived.groups]
    if derived.recode is not None:
        source = {c.code: c.label for c in _choices_of(instrument, derived.from_ or "")}
        return [
            _choice(new, labels.get(new) or " or ".join(source.get(old, str(old)) for old in olds)) for new, olds in derived.recode.items()
        ]
    if derived.bands is not None:
        question = _question(instrument, derived.from_ or "")
        whole = (isinstance(question, NumberQuestion) and question.integer) or not isinstance(question, NumberQuestion)
        edges = derived.bands
        out = []
        for i, low in enumerate(edges):
            if i + 1 == len(edges):
                default = f"{show_number(low)} or more"
            elif whole and low == int(low) and edges[i + 1] == int(edges[i + 1]):
                default = f"{show_number(low)}–{show_number(edges[i + 1] - 1)}"
            else:
                default = f"{show_number(low)} to under {show_number(edges[i + 1])}"
            out.append(_choice(i + 1, labels.get(i + 1) or default))
        return out
    return [_choice(1, labels.get(1) or "Yes"), _choice(2, labels.get(2) or "No")]


def derived_question(derived: Derived, instrument: Instrument) -> SingleQuestion:
    """The derived variable as the single-choice question it is used as."""
    return SingleQuestion.model_validate(
        {"id": derived.id, "type": "single", "text": derived.label, "choices": derived_choices(derived, instrument)}
    )


def _choice(code: int, label: str) -> Choice:
    return Choice.model_validate({"code": code, "label": label})


def with_derived(instrument: Instrument, derived: Sequence[Derived]) -> Instrument:
    """``instrument`` with each derived variable (its own section's, then ``derived``) added as a
    single-choice question after its questions; the ones it already has are not added twice."""
    have = {q.id for q in instrument.questions}
    wanted = [d for d in [*instrument.derived, *derived] if d.id not in have]
    if not wanted:
        return instrument
    questions: list[Question] = list(instrument.questions)
    step = instrument
    for d in wanted:
        questions.append(derived_question(d, step))
        step = _extended(instrument, questions)
    known = {d.id for d in instrument.derived}
    return _extended(instrument, questions, [*instrument.derived, *(d for d in wanted if d.id not in known)])


def _extended(instrument: Instrument, questions: list[Question], derived: list[Derived] | None = None) -> Instrument:
    fields = {name: getattr(instrument, name) for name in type(instrument).model_fields}
    fields["questions"] = questions
    if derived is not None:
        fields["derived"] = derived
    return type(instrument).model_construct(**fields)


def _question(instrument: Instrument, name: str) -> Question | None:
    column = instrument.column(name)
    if column is not None:
        return column.question
    return next((q for q in instrument.questions if q.id == name), None)


def _choices_of(instrument: Instrument, name: str) -> list[Choice]:
    column = instrument.column(name)
    return list(column.choices) if column is not None and column.kind == "code" else []


# --------------------------------------------------------------------------------- checks
def check_derived(
    instrument: Instrument, derived: Sequence[Derived], loc: Loc = ("derived",), *, own: Collection[str] = ()
) -> list[tuple[Loc, str]]:
    """Every problem of ``derived`` read against ``instrument``, in file order; ``own`` names the
    questions of ``instrument`` that are its own derived variables (for the messages)."""
    problems: list[tuple[Loc, str]] = []
    step = instrument
    questions: list[Question] = list(instrument.questions)
    taken = {c.name for c in instrument.columns} | {q.id for q in instrument.questions}
    first: dict[str, Loc] = {}
    for i, d in enumerate(derived):
        at: Loc = (*loc, i)
        later = {e.id: (*loc, j) for j, e in enumerate(derived) if j > i and e.id not in taken and e.id not in first and e.id != d.id}
        found = list(_problems(step, d, at, later))
        problems.extend(found)
        if d.id in DESIGN_COLUMNS:
            problems.append(((*at, "id"), f"{d.id!r} is a design column, not an id for a derived variable"))
        elif d.id in first:
            problems.append(((*at, "id"), f"{d.id!r} is already the id of {format_path(first[d.id])}; choose another id"))
        elif d.id in own and d.id in taken:
            problems.append(
                ((*at, "id"), f"{d.id!r} is already a derived variable of {instrument.id} (its derived: section); choose another id")
            )
        elif d.id in taken:
            problems.append(((*at, "id"), f"{d.id!r} is already a question or data column of {instrument.id}; choose another id"))
        first.setdefault(d.id, at)
        taken.add(d.id)
        if not found:
            questions.append(derived_question(d, step))
            step = _extended(instrument, questions)
    return problems


def _problems(instrument: Instrument, d: Derived, at: Loc, later: dict[str, Loc]) -> Iterator[tuple[Loc, str]]:
    given = [k for k, v in (("groups", d.groups), ("recode", d.recode), ("bands", d.bands), ("any", d.any_)) if v is not None]
    if len(given) != 1:
        gave = f"it gives {' and '.join(f'`{k}`' for k in given)}; " if given else ""
        yield at, f"{gave}give exactly one of {KINDS}"
        return
    if d.kind in ("recode", "bands") and d.from_ is None:
        yield at, f"`{d.kind}` needs `from`: the question it reads"
        return
    if d.kind in ("groups", "any") and d.from_ is not None:
        yield (*at, "from"), f"`from` goes with `recode` or `bands`, not with `{d.kind}`"
    if (d.kind == "any") != (d.codes is not None):
        yield at, "`any` needs `codes` (the codes that count), and `codes` goes only with `any`"
        return
    if d.labels is not None and d.kind == "groups":
        yield (*at, "labels"), "each group has its own label; `labels` goes with `recode`, `bands` or `any`"
    if d.kind == "groups":
        yield from _groups(instrument, d, at, later)
        return
    read = [d.from_ or ""] if d.kind in ("recode", "bands") else list(d.any_ or [])
    early = [(j, name) for j, name in enumerate(read) if name in later]
    for j, name in early:
        where = (*at, "from") if d.kind in ("recode", "bands") else (*at, "any", j)
        yield where, _defined_later(name, later)
    if early:
        return
    if d.kind == "recode":
        yield from _recode(instrument, d, at)
    elif d.kind == "bands":
        yield from _bands(instrument, d, at)
    else:
        yield from _any(instrument, d, at)


def _defined_later(name: str, later: dict[str, Loc]) -> str:
    return (
        f"{name!r} is defined later ({format_path(later[name])}): a derived variable reads the questions and the derived "
        "variables before it, so move it up"
    )


def _groups(instrument: Instrument, d: Derived, at: Loc, later: dict[str, Loc]) -> Iterator[tuple[Loc, str]]:
    codes: set[int] = set()
    labels: set[str] = set()
    earlier = condition_names(instrument)
    for j, group in enumerate(d.groups or []):
        try:
            early = sorted(parse_condition(group.when).names & set(later))
        except ConditionError:
            early = []  # check_condition tells how it does not parse
        for name in early:
            yield (*at, "groups", j, "when"), _defined_later(name, later)
        if group.code in codes:
            yield (*at, "groups", j, "code"), f"duplicate code {group.code}"
        if group.label.strip().casefold() in labels:
            yield (*at, "groups", j, "label"), f"duplicate label {group.label!r}"
        codes.add(group.code)
        labels.add(group.label.strip().casefold())
        known = earlier | dict.fromkeys(early)  # told above, not again as unknown
        yield from check_condition(instrument, group.when, (*at, "groups", j, "when"), known, "questions and earlier derived variables")


def _recode(instrument: Instrument, d: Derived, at: Loc) -> Iterator[tuple[Loc, str]]:
    source = instrument.column(d.from_ or "")
    if source is None or source.kind != "code":
        yield (*at, "from"), _not_a(instrument, d.from_ or "", "a single-choice, scale or matrix question (whose codes are recoded)")
        return
    valid = {c.code for c in source.choices}
    seen: dict[int, int] = {}
    for new, olds in (d.recode or {}).items():
        for old in olds:
            if old not in valid:
                yield (*at, "recode", new), f"{d.from_!r} has no code {old} (codes: {', '.join(map(str, sorted(valid)))})"
            elif old in seen:
                yield (*at, "recode", new), f"code {old} of {d.from_!r} is already recoded to {seen[old]}"
            seen[old] = new
    yield from _labels(d, set(d.recode or {}), at)


def _bands(instrument: Instrument, d: Derived, at: Loc) -> Iterator[tuple[Loc, str]]:
    source = instrument.column(d.from_ or "")
    if source is None or source.kind not in ("number", "code"):
        yield (*at, "from"), _not_a(instrument, d.from_ or "", "a number question (or a coded one, whose codes are cut into bands)")
        return
    edges = d.bands or []
    if any(b >= a for a, b in zip(edges[1:], edges)):
        yield (*at, "bands"), f"the edges must go up: {', '.join(map(show_number, edges))}"
    yield from _labels(d, set(range(1, len(edges) + 1)), at)


def _any(instrument: Instrument, d: Derived, at: Loc) -> Iterator[tuple[Loc, str]]:
    for j, name in enumerate(d.any_ or []):
        column = instrument.column(name)
        question = next((q for q in instrument.questions if q.id == name), None)
        if isinstance(question, MultipleQuestion):
            yield (*at, "any", j), f"{name!r} is multiple choice: name its options as {name}/OPTION (codes 1 for ticked)"
        elif column is None or column.kind not in ("code", "flag"):
            yield (*at, "any", j), _not_a(instrument, name, "a coded question or a multiple-choice option (question/option)")
        else:
            valid = {0, 1} if column.kind == "flag" else {c.code for c in column.choices}
            stray = [c for c in d.codes or [] if c not in valid]
            if stray:
                yield (*at, "codes"), f"{name!r} has no code {', '.join(map(str, stray))} (codes: {', '.join(map(str, sorted(valid)))})"
    yield from _labels(d, {1, 2}, at)


def _labels(d: Derived, codes: set[int], at: Loc) -> Iterator[tuple[Loc, str]]:
    for code in d.labels or {}:
        if code not in codes:
            yield (
                (*at, "labels", code),
                f"label for code {code}, which the variable does not have (codes: {', '.join(map(str, sorted(codes)))})",
            )


def _not_a(instrument: Instrument, name: str, expected: str) -> str:
    names = [c.name for c in instrument.columns]
    if name in names or any(q.id == name for q in instrument.questions):
        return f"{name!r} is not {expected}"
    return f"unknown question {name!r}{did_you_mean(name, names)}; expected {expected}"


# --------------------------------------------------------------------------------- files
#: The keys of a derived variable, as its file spells them.
FIELDS = ("id", "label", "groups", "from", "recode", "bands", "any", "codes", "labels")


def derived_message(loc: Loc, error: Any) -> str | None:
    """A message for a pydantic ``error`` at ``loc`` (``("derived", i, …)``, cleaned) that says
    what a derived variable expects, or None where pydantic's own says it well enough."""
    kind, rest = error["type"], loc[2:]
    if len(loc) == 1:
        return "expected a list of derived variables, each `- id: …`" if kind == "list_type" else None
    got = "" if "input" not in error or isinstance(error["input"], (dict, list)) else f" (got {error['input']!r})"
    if kind == "extra_forbidden" and len(rest) == 1:
        key = str(rest[0])
        return f"unknown key {key!r}{did_you_mean(key, FIELDS)}; a derived variable has `id`, `label` and one of {KINDS} (and `labels`)"
    if kind == "extra_forbidden" and len(rest) == 3 and rest[0] == "groups":
        return f"unknown key {rest[2]!r}{did_you_mean(str(rest[2]), ('code', 'label', 'when'))}; a group has `code`, `label` and `when`"
    if kind in ("model_type", "dict_type") and not rest:
        return f"expected a mapping with `id`, `label` and one of {KINDS}{got}"
    if kind in ("model_type", "dict_type") and len(rest) == 2 and rest[0] == "groups":
        return f"expected a mapping with `code`, `label` and `when`{got}"
    if kind == "missing" and len(rest) == 1:
        return f"missing `{rest[0]}`: every derived variable has an `id` and a `label`"
    if kind == "missing" and len(rest) == 3 and rest[0] == "groups":
        return f"missing `{rest[2]}`: each group has a `code`, a `label` and a condition `when`"
    if rest and rest[-1] == "[key]":
        return f"the keys of `{rest[0]}` are codes: whole numbers{got}"
    if kind == "string_pattern_mismatch" and rest == ("id",):
        return f"an id is lower-case letters, digits and _, starting with a letter{got}"
    return None


def parse_derived(text: str, source: str, instrument: Instrument) -> list[Derived]:
    """Derived variables from YAML text (a mapping with a ``derived:`` list), checked against
    ``instrument`` and its own derived variables (which they may read, and whose ids they may
    not take); raises :class:`InstrumentError` listing every problem with its line."""
    data, lines = read_yaml(text, source)
    if not isinstance(data, dict) or set(data) != {"derived"} or not isinstance(data["derived"], list):
        expected = "expected a mapping with one key, `derived`, holding a list of derived variables"
        if data is None:
            what = "the file is empty"
        elif not isinstance(data, dict):
            what = f"the file holds a {_yaml_kind(data)}"
        elif "derived" not in data:
            what = f"it has {', '.join(f'`{k}`' for k in data)}"
        elif set(data) != {"derived"}:
            what = f"other keys beside it: {', '.join(f'`{k}`' for k in data if k != 'derived')}"
        else:
            what = f"`derived` holds a {_yaml_kind(data['derived'])}"
        at: Loc = ("derived",) if isinstance(data, dict) and set(data) == {"derived"} else ()
        raise InstrumentError(source, [Problem(format_path(at), f"{expected}; {what}", line_of(lines, at) or 1)])
    derived: list[Derived] = []
    problems: list[Problem] = []
    for i, item in enumerate(data["derived"]):
        try:
            derived.append(Derived.model_validate(item))
        except ValidationError as exc:
            for err in exc.errors():
                loc = ("derived", i, *clean_loc(tuple(err["loc"])))
                got = (
                    ""
                    if "input" not in err or isinstance(err["input"], (dict, list)) or err["type"] == "missing"
                    else f" (got {err['input']!r})"
                )
                message = derived_message(loc, err) or f"{err['msg']}{got}"
                loc = loc[:-1] if loc[-1] == "[key]" else loc  # the key itself: derived[0].recode.one
                problems.append(Problem(format_path(loc), message, line_of(lines, loc)))
    if problems:
        raise InstrumentError(source, problems)
    # read against the instrument's own derived variables too: a file may read them, not take their ids
    found = check_derived(with_derived(instrument, ()), derived, own={d.id for d in instrument.derived})
    if found:
        raise InstrumentError(source, [Problem(format_path(loc), message, line_of(lines, loc)) for loc, message in found])
    return derived


def _yaml_kind(value: object) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return f"single value ({value!r})" if len(repr(value)) <= 40 else "single value"


def load_derived(path: str | Path, instrument: Instrument) -> list[Derived]:
    """Derived variables from a YAML file (:func:`parse_derived`)."""
    return parse_derived(read_file_text(path, "no such file of derived variables"), str(path), instrument)
