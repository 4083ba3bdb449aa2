"""Reading a YAML file a person wrote (an instrument, a file of derived variables, a report spec),
keeping the line of every value, so that each problem is told with the file and the line:
:class:`Problem`, :class:`YAMLFileError` (whose kinds are :class:`InstrumentError` and the report
spec's error), and the readers :mod:`.loader`, :mod:`.derived` and :mod:`collabstate.report.spec` use."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputError
from .checks import format_path
from .model import QUESTION_TYPES
from .safe_yaml import BoundedLoader, YAMLLimitError, compose_bounded

__all__ = ["InstrumentError", "Problem", "YAMLFileError", "clean_loc", "line_of", "read_file_text", "read_yaml"]


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.path}: {self.message}" if self.path else f"{where}{self.message}"


class YAMLFileError(InputError):
    """A YAML file a person wrote that cannot be used; ``problems`` lists every problem found,
    each with its line: ``source: 2 problems`` and a line per problem."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{source}: {count}\n{lines}")


class InstrumentError(YAMLFileError):
    """An instrument file (or a file of derived variables) that cannot be used."""


def read_file_text(path: str | Path, missing: str, error: type[YAMLFileError] = InstrumentError) -> str:
    """The text of a UTF-8 file; ``error`` saying ``missing`` when there is no such file, or where
    the text is not UTF-8."""
    file = Path(path)
    if not file.is_file():
        raise error(str(path), [Problem("", missing)])
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise error(str(path), [Problem("", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None


class _Loader(BoundedLoader):
    """Bounded (:mod:`.safe_yaml`: size, depth, aliases), with YAML 1.2 booleans: only true and
    false. In YAML 1.1, `label: Yes` or `code: no` would turn into a boolean behind the author's
    back (the "Norway problem")."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def read_yaml(text: str, source: str, error: type[YAMLFileError] = InstrumentError) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """Parse YAML, keeping the line of every node; duplicate keys are errors, and so is a key
    that is a list or a mapping (``? [a, b]``); each raised as ``error``."""
    lines: dict[tuple[Any, ...], int] = {}
    duplicates: list[Problem] = []

    def walk(node: yaml.Node, path: tuple[Any, ...]) -> Any:
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            loader.flatten_mapping(node)
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise error(source, [Problem(format_path(path), "a key must be a name, not a list or a mapping",
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
        raise _not_yaml(exc, source, text, error) from None
    try:
        root = compose_bounded(loader)
        data = walk(root, ()) if root is not None else None
    except yaml.YAMLError as exc:
        raise _not_yaml(exc, source, text, error) from None
    finally:
        loader.dispose()
    if duplicates:
        raise error(source, duplicates)
    return data, lines


def _not_yaml(exc: yaml.YAMLError, source: str, text: str, error: type[YAMLFileError]) -> YAMLFileError:
    if isinstance(exc, YAMLLimitError):
        return error(source, [Problem("", exc.problem, exc.line)])
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    reason = getattr(exc, "problem", None) or str(exc)
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow, e.g. NUL
        line = text[: exc.position].count("\n") + 1
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        return error(source, [Problem("", f"not valid YAML: the control character {char} is not allowed in YAML text", line)])
    return error(source, [Problem("", f"not valid YAML: {reason}", mark.line + 1 if mark else None)])


def line_of(lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int | None:
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get(())


def clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop the discriminator tags pydantic puts in union locations (questions[3].single.choices)."""
    out: list[Any] = []
    for i, part in enumerate(loc):
        if part in QUESTION_TYPES and i > 0 and isinstance(loc[i - 1], int):
            continue
        out.append(part)
    return tuple(out)
