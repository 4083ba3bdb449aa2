"""Skip logic: the ``relevant`` condition of a question, parsed by a small grammar.

A condition decides whether a question is asked, from earlier answers. It is parsed with
`lark <https://lark-parser.readthedocs.io>`_ (never with Python's ``eval``) and evaluated by
one implementation, vectorised with polars, whether for a million respondents or for the one
respondent whose page the web server is about to show.

>>> c = parse_condition("q1_example == 1 and not selected(q3_stakeholders, other)")
>>> sorted(c.names)
['q1_example', 'q3_stakeholders']
>>> c.holds({"q1_example": 1, "q3_stakeholders": ["gp_practice"]})
True

The language
- comparisons ``==`` (or ``=``), ``!=``, ``<``, ``<=``, ``>``, ``>=`` between a question id and a
  number or a quoted string;
- membership ``q in (1, 2)`` and ``q not in (1, 2)``;
- ``selected(q, option)``: the option is ticked in multiple-choice question ``q``;
- ``answered(q)``: the question has an answer;
- ``and``, ``or``, ``not`` and parentheses.

A comparison that involves an unanswered question is false (as in XLSForm and LimeSurvey, a
condition on an earlier question that was not answered does not open the later one);
``not answered(q)`` tests for the unanswered case explicitly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import lark
from lark import Lark, Token, Transformer, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput

from ..errors import InputError

if TYPE_CHECKING:  # polars is imported when a condition is evaluated, not when an instrument is loaded
    import polars as pl

__all__ = ["Condition", "ConditionError", "parse_condition"]

_GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr (_OR and_expr)*
?and_expr: not_expr (_AND not_expr)*
?not_expr: _NOT not_expr -> negation
         | atom
?atom: comparison
     | membership
     | call
     | "(" or_expr ")"
comparison: NAME COMP literal
membership: NAME _IN "(" literal ("," literal)* ")"          -> member
          | NAME _NOT _IN "(" literal ("," literal)* ")"     -> not_member
call: NAME "(" NAME ("," NAME)? ")"
?literal: SIGNED_NUMBER -> number
        | ESCAPED_STRING -> string
        | SINGLE_QUOTED -> string
COMP: "==" | "!=" | "<=" | ">=" | "<" | ">" | "="
_OR: /\bor\b/
_AND: /\band\b/
_NOT: /\bnot\b/
_IN: /\bin\b/
NAME: /(?!(and|or|not|in)\b)[A-Za-z_][A-Za-z0-9_]*/
SINGLE_QUOTED: /'[^'\n]*'/
%import common.SIGNED_NUMBER
%import common.ESCAPED_STRING
%import common.WS
%ignore WS
"""

_FUNCTIONS = {"selected": 2, "answered": 1}
#: Levels of ``not``, ``and`` and ``or`` a condition may nest, brackets included (a person writes 3 or 4).
MAX_DEPTH = 32
_NESTING = ("negation", "and_expr", "or_expr")


class ConditionError(InputError):
    """A condition that does not parse, with the column (1-based) where it goes wrong."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.column = column


_OPTIONS: dict[str, Any] = {"parser": "lalr", "maybe_placeholders": False}


@lru_cache(maxsize=1)
def _parser() -> Lark:
    """The parser of conditions: loaded from the tables lark built ahead from this grammar
    (:mod:`._condition_tables`, 1 ms), when they are this lark's for this grammar and these
    options; else built here (lark takes about 25 ms, a tenth of the start of a command that
    loads an instrument)."""
    from . import _condition_tables as tables

    if lark.__version__ == tables.LARK_VERSION and _grammar_sha256() == tables.GRAMMAR_SHA256:
        return Lark.load({"data": tables.DATA, "memo": tables.MEMO})
    return _build_parser()


def _build_parser() -> Lark:
    return Lark(_GRAMMAR, **_OPTIONS)


def _grammar_sha256() -> str:
    return hashlib.sha256((_GRAMMAR + repr(sorted(_OPTIONS.items()))).encode()).hexdigest()


def _write_tables(path: Path | None = None) -> Path:
    """Build the parser and write its tables to :mod:`._condition_tables` (after a change of the
    grammar, its options or lark's version: ``python -c "from collabstate.instrument.logic import
    _write_tables; _write_tables()"``). lark numbers the parser's states in an order that
    differs from one process to the next, so the file differs each time it is written; every
    version parses alike (``tests/instrument/test_condition_tables.py``)."""
    from lark.grammar import Rule
    from lark.lexer import TerminalDef

    data, memo = _build_parser().memo_serialize([TerminalDef, Rule])
    path = path or Path(__file__).with_name("_condition_tables.py")
    path.write_text(
        '"""The tables of the parser of conditions (:func:`collabstate.instrument.logic._parser`), built\n'
        "ahead by lark from the grammar of :mod:`collabstate.instrument.logic`, so that a command that\n"
        "loads an instrument does not wait for lark to build them. Written by ``logic._write_tables()``:\n"
        'do not edit."""\n\n'
        "from typing import Any\n\n"
        f'LARK_VERSION = "{lark.__version__}"\n'
        f'GRAMMAR_SHA256 = "{_grammar_sha256()}"\n'
        "# fmt: off\n"
        f"DATA: dict[str, Any] = {data!r}\n"
        f"MEMO: dict[int, Any] = {memo!r}\n"
        "# fmt: on\n",
        encoding="utf-8",
    )
    return path


@dataclass(frozen=True)
class _Node:
    op: str
    args: tuple[Any, ...]


class _Build(Transformer[Token, _Node | Tree[Token]]):  # a Tree only for a rule without a method: _parse checks
    def number(self, items: list[Token]) -> float | int:
        text = str(items[0])
        value = float(text)
        return int(value) if value.is_integer() and "." not in text and "e" not in text.lower() else value

    def string(self, items: list[Token]) -> str:
        return str(items[0])[1:-1]

    def comparison(self, items: list[Any]) -> _Node:
        name, op, value = items
        op = "==" if str(op) == "=" else str(op)
        return _Node("cmp", (str(name), op, value))

    def member(self, items: list[Any]) -> _Node:
        return _Node("in", (str(items[0]), tuple(items[1:])))

    def not_member(self, items: list[Any]) -> _Node:
        return _Node("not in", (str(items[0]), tuple(items[1:])))

    def call(self, items: list[Token]) -> _Node:
        func, *args = (str(t) for t in items)
        if func not in _FUNCTIONS:
            raise ConditionError(f"unknown function {func}(); use selected(question, option) or answered(question)")
        if len(args) != _FUNCTIONS[func]:
            raise ConditionError(f"{func}() takes {_FUNCTIONS[func]} argument(s), got {len(args)}")
        return _Node(func, tuple(args))

    def negation(self, items: list[Any]) -> _Node:
        return _Node("not", (items[0],))

    def and_expr(self, items: list[Any]) -> _Node:
        return _Node("and", tuple(items))

    def or_expr(self, items: list[Any]) -> _Node:
        return _Node("or", tuple(items))


def _names(node: _Node) -> set[str]:
    if node.op in {"cmp", "in", "not in", "selected", "answered"}:
        return {node.args[0]}
    return set().union(*(_names(a) for a in node.args))


def _options(node: _Node) -> set[tuple[str, str]]:
    if node.op == "selected":
        return {(node.args[0], node.args[1])}
    if node.op in {"and", "or", "not"}:
        return set().union(*(_options(a) for a in node.args))
    return set()


def _literals(node: _Node) -> list[tuple[str, str, Any]]:
    if node.op == "cmp":
        return [(node.args[0], node.args[1], node.args[2])]
    if node.op in {"in", "not in"}:
        return [(node.args[0], node.op, v) for v in node.args[1]]
    if node.op in {"and", "or", "not"}:
        return [pair for a in node.args for pair in _literals(a)]
    return []


@dataclass(frozen=True)
class Condition:
    """A parsed ``relevant`` condition. Build one with :func:`parse_condition`."""

    source: str
    _tree: _Node = field(repr=False, compare=False)

    @property
    def names(self) -> set[str]:
        """The question ids the condition reads."""
        return _names(self._tree)

    @property
    def selected_options(self) -> set[tuple[str, str]]:
        """The (question, option) pairs named in ``selected()`` calls."""
        return _options(self._tree)

    @property
    def literals(self) -> list[tuple[str, str, Any]]:
        """The (question, operator, value) comparisons of the condition."""
        return _literals(self._tree)

    def expr(self, multiple: Mapping[str, Sequence[str]] | None = None) -> pl.Expr:
        """The condition as a boolean polars expression (never null).

        ``multiple`` maps each multiple-choice question id to its option codes; their data
        columns are named ``question/option``.
        """
        return _to_expr(self._tree, multiple or {})

    def mask(self, frame: pl.DataFrame, multiple: Mapping[str, Sequence[str]] | None = None) -> pl.Series:
        """For each row of a wide frame, whether the condition holds."""
        return frame.select(self.expr(multiple).alias("relevant")).to_series()

    def holds(self, answers: Mapping[str, Any]) -> bool:
        """Whether the condition holds for one respondent's answers.

        ``answers`` maps question ids to codes; a multiple-choice answer may be given as a list
        of ticked options under the question id, or as ``question/option`` 0/1 flags. Uses the
        same evaluator as :meth:`mask`.
        """
        columns: dict[str, list[Any]] = {}
        multiple: dict[str, list[str]] = {}
        for name in self.names:
            value = answers.get(name)
            if isinstance(value, (list, tuple, set, frozenset)):
                options = sorted({str(v) for v in value} | {o for q, o in self.selected_options if q == name})
                multiple[name] = options
                for option in options:
                    columns[f"{name}/{option}"] = [1 if option in {str(v) for v in value} else 0]
            elif value is None and any(k.startswith(f"{name}/") for k in answers):
                options = [k.split("/", 1)[1] for k in answers if k.startswith(f"{name}/")]
                multiple[name] = options
                for option in options:
                    columns[f"{name}/{option}"] = [answers[f"{name}/{option}"]]
            else:
                columns[name] = [value]
        for question, option in self.selected_options:
            if question not in multiple:
                multiple[question] = [option]
                columns.pop(question, None)
            columns.setdefault(f"{question}/{option}", [None])
        import polars as pl

        frame = pl.DataFrame(columns, strict=False) if columns else pl.DataFrame({"_": [None]})
        return bool(self.mask(frame, multiple)[0])

    def __str__(self) -> str:
        return self.source


def _compare(column: pl.Expr, op: str, value: Any) -> pl.Expr:
    import polars as pl

    literal = pl.lit(value)
    result = {
        "==": column == literal,
        "!=": column != literal,
        "<": column < literal,
        "<=": column <= literal,
        ">": column > literal,
        ">=": column >= literal,
    }[op]
    return result.fill_null(False)


def _to_expr(node: _Node, multiple: Mapping[str, Sequence[str]]) -> pl.Expr:
    import polars as pl

    op, args = node.op, node.args
    if op == "cmp":
        return _compare(pl.col(args[0]), args[1], args[2])
    if op in {"in", "not in"}:
        inside = pl.col(args[0]).is_in(list(args[1]))
        return (inside if op == "in" else ~inside).fill_null(False)
    if op == "selected":
        return (pl.col(f"{args[0]}/{args[1]}") == 1).fill_null(False)
    if op == "answered":
        if args[0] in multiple:
            return pl.any_horizontal([pl.col(f"{args[0]}/{o}").is_not_null() for o in multiple[args[0]]])
        return pl.col(args[0]).is_not_null()
    if op == "not":
        return ~_to_expr(args[0], multiple)
    parts = [_to_expr(a, multiple) for a in args]
    return pl.all_horizontal(parts) if op == "and" else pl.any_horizontal(parts)


def parse_condition(text: str) -> Condition:
    """Parse a ``relevant`` condition; raise :class:`ConditionError` naming where it goes wrong."""
    if not isinstance(text, str):
        raise ConditionError("empty condition")
    return _parse(text)


def _check_depth(tree: Tree[Token], text: str) -> None:
    """Refuse a condition nested deeper than :data:`MAX_DEPTH` (``not not not …``, brackets in
    brackets): building and evaluating it recurse once per level. Measured without recursion."""
    stack: list[tuple[Tree[Token] | Token, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, Tree):
            continue
        depth += node.data in _NESTING
        if depth > MAX_DEPTH:
            raise ConditionError(f"nested more than {MAX_DEPTH} levels deep (not, and, or, brackets); write it more simply")
        stack.extend((child, depth) for child in node.children)


@lru_cache(maxsize=4096)
def _parse(text: str) -> Condition:
    """Conditions are immutable: each text is parsed once per process."""
    if not text.strip():
        raise ConditionError("empty condition")
    try:
        tree = _parser().parse(text)
        _check_depth(tree, text)
        node = _Build().transform(tree)
    except ConditionError:
        raise
    except UnexpectedCharacters as exc:
        at = cast(int, exc.pos_in_stream)  # lark types it Optional on UnexpectedInput; UnexpectedCharacters always sets it
        raise ConditionError(f"unexpected {text[at]!r} at column {exc.column}", exc.column) from None
    except UnexpectedEOF:
        raise ConditionError("condition ends too soon", len(text) + 1) from None
    except UnexpectedInput as exc:
        token = getattr(exc, "token", None)
        where = f" at column {exc.column}" if getattr(exc, "column", None) not in (None, -1) else ""
        what = f"unexpected {str(token)!r}" if token is not None and str(token) else "condition ends too soon"
        raise ConditionError(f"{what}{where}", getattr(exc, "column", None)) from None
    except LarkError as exc:  # VisitError wrapping ours, or anything else the parser raises
        inner = getattr(exc, "orig_exc", None)
        if isinstance(inner, ConditionError):
            raise inner from None
        raise ConditionError(f"cannot parse condition: {exc}") from None
    if isinstance(node, Tree):  # pragma: no cover - the grammar always reduces to a node
        raise ConditionError("cannot parse condition")
    return Condition(text, node)
