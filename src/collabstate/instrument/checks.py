"""Checks that an instrument makes sense beyond its shape: unique ids and codes, NETs that
name real codes, skip logic that reads earlier questions, index items that exist.

Each problem is returned as (location, message), the location a path into the YAML file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..errors import did_you_mean
from .logic import ConditionError, parse_condition
from .model import (
    DESIGN_COLUMNS,
    Choice,
    Instrument,
    MatrixQuestion,
    MultipleQuestion,
    NumberQuestion,
    ScaleQuestion,
    SingleQuestion,
    TextQuestion,
)

Loc = tuple[Any, ...]


def _choices(choices: list[Choice], loc: Loc) -> Iterator[tuple[Loc, str]]:
    codes: set[int] = set()
    labels: dict[str, int] = {}
    for i, choice in enumerate(choices):
        if choice.code in codes:
            yield (*loc, i, "code"), f"duplicate code {choice.code}"
        codes.add(choice.code)
        key = choice.label.strip().casefold()
        if key in labels:
            yield (*loc, i, "label"), f"duplicate label {choice.label!r} (also code {labels[key]}); readers accept labels"
        labels[key] = choice.code
        if key.lstrip("-").isdigit() and int(key) != choice.code:
            yield (*loc, i, "label"), f"label {choice.label!r} reads as code {int(key)}, but the choice's code is {choice.code}"
        if choice.excluded and choice.score is not None:
            yield (*loc, i, "score"), "an excluded choice has no score"


def _nets(instrument: Instrument, question: Any, loc: Loc) -> Iterator[tuple[Loc, str]]:
    if isinstance(question, MultipleQuestion):
        valid: set[Any] = {o.code for o in question.options}
    else:
        valid = {c.code for c in instrument.choices(question)}
    seen: set[str] = set()
    for i, net in enumerate(question.nets):
        if net.id in seen:
            yield (*loc, "nets", i, "id"), f"duplicate NET {net.id!r}"
        seen.add(net.id)
        for j, code in enumerate(net.codes):
            if code not in valid:
                yield (*loc, "nets", i, "codes", j), f"NET {net.id!r} names {code!r}, which is not a code of this question"


def condition_names(instrument: Instrument) -> dict[str, Any]:
    """Every name a condition on the answers may read (a data column or a question id), and its
    question: what a derived group's ``when`` and a filter read (a question's ``relevant`` reads
    only the questions before it)."""
    names: dict[str, Any] = {column.name: column.question for column in instrument.columns}
    names.update({q.id: q for q in instrument.questions})
    return names


def check_condition(
    instrument: Instrument, text: str, loc: Loc, earlier: dict[str, Any], reads: str = "earlier questions"
) -> Iterator[tuple[Loc, str]]:
    """The problems of a condition (``relevant``, a derived group's ``when``, a filter) that may
    read the questions in ``earlier`` (id or column name -> question)."""
    try:
        condition = parse_condition(text)
    except ConditionError as exc:
        shown = text if len(text) <= 80 else text[:79] + "…"
        yield loc, f"cannot parse {shown!r}: {exc}"
        return
    for name in sorted(condition.names):
        if name not in earlier:
            known = name in {c.name for c in instrument.columns} or any(q.id == name for q in instrument.questions)
            what = f"a later question {name!r}" if known else f"unknown question {name!r}{did_you_mean(name, earlier)}"
            yield loc, f"{what} (conditions read {reads})"
    for name, option in sorted(condition.selected_options):
        target = earlier.get(name)
        if target is None:
            continue
        if not isinstance(target, MultipleQuestion):
            yield loc, f"selected() needs a multiple-choice question; {name!r} is {target.type}"
        elif option not in {o.code for o in target.options}:
            yield loc, f"{name!r} has no option {option!r}"
    for name, op, value in condition.literals:
        target = earlier.get(name)
        if target is None:
            continue
        if isinstance(target, MultipleQuestion):
            yield loc, f"{name!r} is multiple choice: use selected({name}, option)"
        elif isinstance(target, TextQuestion):
            if not isinstance(value, str):
                yield loc, f"{name!r} is text: compare it with a quoted string"
        elif isinstance(value, str):
            yield loc, f"{name!r} holds numbers: compare it with a number, not {value!r}"
        elif isinstance(target, (SingleQuestion, ScaleQuestion, MatrixQuestion)):
            codes = {c.code for c in instrument.choices(target)}
            if op in {"==", "!=", "in", "not in"} and value not in codes:
                yield loc, f"{name!r} has no code {value!r} (codes: {', '.join(map(str, sorted(codes)))})"


def check_instrument(instrument: Instrument) -> list[tuple[Loc, str]]:
    """Every problem of the instrument, in file order."""
    problems: list[tuple[Loc, str]] = []
    scales = {}
    for i, scale in enumerate(instrument.scales):
        if scale.id in scales:
            problems.append((("scales", i, "id"), f"duplicate scale {scale.id!r}"))
        scales[scale.id] = scale
        problems.extend(_choices(scale.choices, ("scales", i, "choices")))
        valid = {c.code for c in scale.choices}
        for j, net in enumerate(scale.nets):
            problems.extend(
                (("scales", i, "nets", j, "codes", k), f"NET {net.id!r} names {code!r}, which is not a code of this scale")
                for k, code in enumerate(net.codes)
                if code not in valid
            )

    columns: dict[str, Loc] = {}
    earlier: dict[str, Any] = {}

    def claim(name: str, loc: Loc) -> None:
        if name in DESIGN_COLUMNS:
            problems.append((loc, f"{name!r} is a design column, not a question id"))
        elif name in columns:
            problems.append((loc, f"duplicate id {name!r} (first at {format_path(columns[name])})"))
        else:
            columns[name] = loc

    for i, q in enumerate(instrument.questions):
        loc: Loc = ("questions", i)
        claim(q.id, (*loc, "id"))
        if isinstance(q, (SingleQuestion, ScaleQuestion, MatrixQuestion)):
            if (q.scale is None) == (q.choices is None):
                problems.append((loc, "give either `scale` (a named scale) or `choices`, not both or neither"))
            elif q.scale is not None and q.scale not in scales:
                known = ", ".join(scales) or "none defined"
                problems.append(((*loc, "scale"), f"unknown scale {q.scale!r} (scales: {known})"))
            elif q.choices is not None:
                problems.extend(_choices(q.choices, (*loc, "choices")))
            problems.extend(_nets(instrument, q, loc))
        if isinstance(q, MatrixQuestion):
            for j, row in enumerate(q.rows):
                claim(row.id, (*loc, "rows", j, "id"))
        if isinstance(q, MultipleQuestion):
            seen: set[str] = set()
            for j, option in enumerate(q.options):
                if option.code in seen:
                    problems.append(((*loc, "options", j, "code"), f"duplicate option {option.code!r}"))
                seen.add(option.code)
            problems.extend(_nets(instrument, q, loc))
        if isinstance(q, NumberQuestion) and q.minimum is not None and q.maximum is not None and q.minimum > q.maximum:
            problems.append(((*loc, "maximum"), f"maximum {q.maximum} is below minimum {q.minimum}"))
        if q.relevant is not None:
            problems.extend(check_condition(instrument, q.relevant, (*loc, "relevant"), earlier))
        earlier[q.id] = q
        if isinstance(q, MatrixQuestion):
            earlier.update({row.id: q for row in q.rows})

    for i, index in enumerate(instrument.indices):
        for j, factor in enumerate(index.factors):
            for dimension in index.dimensions:
                if dimension.prefix is None and not (factor.items and dimension.id in factor.items):
                    problems.append(
                        (
                            ("indices", i, "factors", j),
                            f"no item for dimension {dimension.id!r}: give the dimension a prefix or the factor items",
                        )
                    )
                    continue
                item = index.item(factor, dimension)
                column = instrument.column(item)
                if column is None or column.kind != "code" or column.single_choice:
                    problems.append((("indices", i, "factors", j), f"item {item!r} is not a scale or matrix question"))
                elif index.score_map is not None:
                    codes = {c.code for c in column.choices if not c.excluded}
                    missing = sorted(codes - set(index.score_map))
                    if missing:
                        problems.append((("indices", i, "score_map"), f"no score for code(s) {missing} of {item!r}"))
    problems.extend(_what_works(instrument))
    return problems


def _what_works(instrument: Instrument) -> Iterator[tuple[Loc, str]]:
    """The outcome reads known questions (a condition, or a scale question); each driver is a
    column with a score (a scale or number question, a grid row or an option), named once."""
    works = instrument.what_works
    if works is None:
        return
    names = condition_names(instrument)
    column = instrument.column(works.outcome)
    if column is None:
        yield from check_condition(instrument, works.outcome, ("what_works", "outcome"), names, "the questions")
    elif not column.scored:
        yield ("what_works", "outcome"), f"{works.outcome!r} is not an amount: give a condition on it, such as '{works.outcome} == 1'"
    seen: set[str] = set()
    for i, name in enumerate(works.drivers):
        driver = instrument.column(name)
        if name in seen:
            yield ("what_works", "drivers", i), f"{name!r} is named twice"
        elif driver is None:
            yield ("what_works", "drivers", i), f"unknown column {name!r}{did_you_mean(name, names)}"
        elif not driver.scored:
            yield ("what_works", "drivers", i), f"{name!r} has no score: a driver is a scale or number question, a grid row or an option"
        seen.add(name)


def format_path(loc: Loc) -> str:
    """A location as a path into the YAML file: ``questions[3].choices[1].code``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
