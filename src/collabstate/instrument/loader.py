"""Reading instruments from YAML, with errors that name the path and the line.

>>> from collabstate.instrument import load_instrument
>>> load_instrument("readiness-2018").question("q1_example").label
'Worked in collaboration on an example'

A file with problems raises :class:`InstrumentError`, which lists every problem at once::

    my-survey.yaml: 2 problems
      line 14: questions[3].choices[1].code: duplicate code 2
      line 30: questions[7].relevant: unknown question 'q99' (conditions read earlier questions)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import InputError
from .checks import check_instrument, format_path
from .model import QUESTION_TYPES, Instrument
from .safe_yaml import BoundedLoader, YAMLLimitError, compose_bounded

__all__ = [
    "InstrumentError",
    "Problem",
    "builtin_instruments",
    "instrument_schema",
    "load_instrument",
    "parse_instrument",
]


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.path}: {self.message}" if self.path else f"{where}{self.message}"


class InstrumentError(InputError):
    """An instrument file that cannot be used; ``problems`` lists every problem found."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{source}: {count}\n{lines}")


class _Loader(BoundedLoader):
    """Bounded (:mod:`.safe_yaml`: size, depth, aliases), with YAML 1.2 booleans: only true and
    false. In YAML 1.1, `label: Yes` or `code: no` would turn into a boolean behind the author's
    back (the "Norway problem")."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def _read_yaml(text: str, source: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """Parse YAML, keeping the line of every node; duplicate keys are errors, and so is a key
    that is a list or a mapping (``? [a, b]``)."""
    lines: dict[tuple[Any, ...], int] = {}
    duplicates: list[Problem] = []

    def walk(node: yaml.Node, path: tuple[Any, ...]) -> Any:
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            loader.flatten_mapping(node)
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise InstrumentError(source, [Problem(format_path(path), "a key must be a name, not a list or a mapping",
                                                           key_node.start_mark.line + 1)])  # fmt: skip
                key = loader.construct_object(key_node, deep=True)
                if key in out:
                    duplicates.append(Problem(format_path((*path, key)), "duplicate key", key_node.start_mark.line + 1))
                out[key] = walk(value_node, (*path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [walk(item, (*path, i)) for i, item in enumerate(node.value)]
        return loader.construct_object(node, deep=True)

    try:
        loader = _Loader(text)  # reads the start of the text: a character YAML refuses fails here
    except yaml.YAMLError as exc:
        raise _not_yaml(exc, source, text) from None
    try:
        root = compose_bounded(loader)
        data = walk(root, ()) if root is not None else None
    except yaml.YAMLError as exc:
        raise _not_yaml(exc, source, text) from None
    finally:
        loader.dispose()
    if duplicates:
        raise InstrumentError(source, duplicates)
    return data, lines


def _not_yaml(exc: yaml.YAMLError, source: str, text: str) -> InstrumentError:
    if isinstance(exc, YAMLLimitError):
        return InstrumentError(source, [Problem("", exc.problem, exc.line)])
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    reason = getattr(exc, "problem", None) or str(exc)
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow, e.g. NUL
        line = text[: exc.position].count("\n") + 1
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        return InstrumentError(source, [Problem("", f"not valid YAML: the control character {char} is not allowed in YAML text", line)])
    return InstrumentError(source, [Problem("", f"not valid YAML: {reason}", mark.line + 1 if mark else None)])


def _line(lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int | None:
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get(())


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop the discriminator tags pydantic puts in union locations (questions[3].single.choices)."""
    out: list[Any] = []
    for i, part in enumerate(loc):
        if part in QUESTION_TYPES and i > 0 and isinstance(loc[i - 1], int):
            continue
        out.append(part)
    return tuple(out)


def parse_instrument(text: str, source: str = "<instrument>") -> Instrument:
    """Build an instrument from YAML text; ``source`` names it in error messages."""
    data, lines = _read_yaml(text, source)
    if not isinstance(data, dict):
        raise InstrumentError(source, [Problem("", "expected a mapping with id, title and questions", 1)])
    try:
        instrument = Instrument.model_validate(data)
    except ValidationError as exc:
        from .derived import derived_message  # derived reads files as this module does

        problems = []
        for err in exc.errors():
            loc = _clean_loc(tuple(err["loc"]))
            message = err["msg"]
            better = derived_message(loc, err) if loc[:1] == ("derived",) else None
            if better is not None:
                message = better
                loc = loc[:-1] if loc[-1] == "[key]" else loc  # the key itself: derived[0].recode.one
            elif err["type"] == "union_tag_invalid":
                message = f"unknown question type {err['input'].get('type')!r}; expected one of {', '.join(QUESTION_TYPES)}"
            elif "input" in err and err["type"] not in {"missing", "extra_forbidden"} and not isinstance(err["input"], (dict, list)):
                got = repr(err["input"])
                message = f"{message} (got {got if len(got) <= 80 else got[:79] + '…'})"
            problems.append(Problem(format_path(loc), message, _line(lines, loc)))
        raise InstrumentError(source, problems) from None
    from .derived import check_derived  # derived reads files as this module does

    found = check_instrument(instrument) + check_derived(instrument, instrument.derived)
    problems = [Problem(format_path(loc), msg, _line(lines, loc)) for loc, msg in found]
    if problems:
        raise InstrumentError(source, problems)
    return instrument


def builtin_instruments() -> list[str]:
    """Ids of the instruments that ship with collabstate."""
    folder = resources.files("collabstate.instrument") / "builtin"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_instrument(ref: str | Path) -> Instrument:
    """Load a built-in instrument by id (``readiness-2018``, ``leaders``) or a YAML file by path."""
    if isinstance(ref, str) and ref in builtin_instruments():
        text = (resources.files("collabstate.instrument") / "builtin" / f"{ref}.yaml").read_text(encoding="utf-8")
        return parse_instrument(text, f"{ref}.yaml")
    path = Path(ref)
    if not path.is_file():
        known = ", ".join(builtin_instruments())
        raise InstrumentError(str(ref), [Problem("", f"no such file, and not a built-in instrument ({known})")])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InstrumentError(str(path), [Problem("", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    return parse_instrument(text, str(path))


def instrument_schema() -> dict[str, Any]:
    """The JSON Schema of an instrument file, for editors and other tools."""
    schema = Instrument.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "collabstate instrument"
    plain: dict[str, Any] = json.loads(json.dumps(schema))  # a JSON object reads back as a dict
    return plain
