"""The parser of conditions loaded from its tables built ahead (instrument/_condition_tables.py) is
the parser lark builds from the grammar: the tables are this lark's for this grammar, they are
the ones used, and conditions parse alike, and fail alike, with either."""

from __future__ import annotations

import lark
import pytest
from lark.exceptions import UnexpectedInput

from collabstate.instrument import _condition_tables as tables
from collabstate.instrument import logic

REBUILD = 'rebuild them: python -c "from collabstate.instrument.logic import _write_tables; _write_tables()"'

CONDITIONS = [
    "q1 == 1",
    "q1 = 1",
    "q1 != 'x'",
    'q1 == "two words"',
    "q1 < -2.5e3 and q2 >= +4",
    "q1 in (1, 2, 3)",
    "q1 not in ('a', \"b\")",
    "selected(q3, other) or answered(q4)",
    "not answered(q4)",
    "not not (q1 == 1 or (q2 == 2 and q3 > 0))",
    "order == 1 and notes != 2 and index_ == 3",  # names that start with a keyword
    "  q1   ==\t1  ",
    # and what fails, at the same place and in the same way
    "",
    "q1 ==",
    "q1 == == 1",
    "(q1 == 1",
    "q1 == 1)",
    "and == 1",
    "q1 in ()",
    "q1 in (1,)",
    "selected(q3,)",
    "q1 === 1",
    "q1 == 'unclosed",
    "q1 == 1 or",
    "1 == q1",
    "q1 ~ 1",
]


def _outcome(parser: lark.Lark, text: str) -> object:
    try:
        return parser.parse(text)
    except UnexpectedInput as exc:
        return (type(exc).__name__, exc.line, exc.column, str(getattr(exc, "token", "")))


def test_the_tables_are_for_this_grammar():
    assert logic._grammar_sha256() == tables.GRAMMAR_SHA256, REBUILD


def test_the_tables_are_the_parser_used_with_the_lark_they_were_built_by_and_never_with_another():
    """A fresh machine may install a newer lark than the one the tables were built by: the parser
    is then built from the grammar (25 ms more at start), never loaded from tables it cannot read."""
    logic._parser.cache_clear()
    try:
        loaded = logic._parser().source_path == "<deserialized>"  # lark's mark of a parser loaded, not built
    finally:
        logic._parser.cache_clear()
    assert loaded == (lark.__version__ == tables.LARK_VERSION)


@pytest.mark.parametrize("text", CONDITIONS)
def test_loaded_and_built_parsers_agree(text):
    assert _outcome(logic._parser(), text) == _outcome(logic._build_parser(), text)


def test_tables_written_again_parse_alike(tmp_path):
    path = logic._write_tables(tmp_path / "tables.py")
    namespace: dict[str, object] = {}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    again = lark.Lark.load({"data": namespace["DATA"], "memo": namespace["MEMO"]})
    for text in CONDITIONS:
        assert _outcome(again, text) == _outcome(logic._build_parser(), text), text
