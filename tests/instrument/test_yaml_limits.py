"""YAML a person wrote is read within bounds (issue 14, items 3 and 6): nested aliases, recursive
aliases, deep nesting, keys that are lists, control characters; each refused with the file, the
line and what is wrong, quickly, and an instrument that uses an alias as intended still loads."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from collabstate.instrument import InstrumentError, load_instrument, parse_instrument
from collabstate.instrument.logic import MAX_DEPTH as CONDITION_DEPTH
from collabstate.instrument.safe_yaml import EXPANSION, MAX_DEPTH, MAX_YAML_BYTES, MIN_EXPANSION
from collabstate.stats import load_targets
from collabstate.stats._targets import TargetsError

HEAD = "id: bombs\ntitle: Bombs\n"
QUESTIONS = "questions:\n  - {id: q1, type: single, text: Sector, choices: [{code: 1, label: Public}, {code: 2, label: Private}]}\n"


def laughs(levels: int = 9) -> str:
    """The "billion laughs": each anchor lists the one before nine times."""
    names = "abcdefghijklmnopqrstuvwxyz"
    lines = [f'{names[0]}: &{names[0]} ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"{names[i]}: &{names[i]} [{', '.join([f'*{names[i - 1]}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def problems(text: str) -> list[str]:
    with pytest.raises(InstrumentError) as caught:
        parse_instrument(text, "hostile.yaml")
    assert str(caught.value).startswith("hostile.yaml: ")
    return [str(p) for p in caught.value.problems]


def test_nested_aliases_are_refused_at_their_line():
    found = problems(HEAD + QUESTIONS + laughs())
    assert len(found) == 1
    assert found[0].startswith(
        "line 11: the alias *f repeats values that repeat others: the document would grow to more than 100,000 values"
    )


def test_a_recursive_alias_is_refused():
    assert problems(HEAD + "description: &d [1, *d]\n" + QUESTIONS) == [
        "line 3: the alias *d is inside the value it names (a recursive alias)"
    ]


@pytest.mark.parametrize("style", ["flow", "block", "mapping"])
def test_nesting_500_deep_is_refused_at_the_line_it_goes_too_deep(style):
    if style == "flow":
        text = HEAD + "description: " + "[" * 500 + "]" * 500 + "\n" + QUESTIONS
        line = 3
    elif style == "block":
        text = HEAD + "description:\n" + "".join("  " * i + "-\n" for i in range(1, 501)) + QUESTIONS
        line = 3 + MAX_DEPTH
    else:
        text = HEAD + "description:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 501)) + QUESTIONS
        line = 3 + MAX_DEPTH - 1
    assert problems(text) == [f"line {line}: nested more than {MAX_DEPTH} levels deep"]


def test_aliases_that_nest_deeper_than_the_bound_are_refused():
    chain = "".join(f"k{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 100))
    found = problems(HEAD + QUESTIONS + "a0: &a0 [x]\n" + chain)
    assert found[0].endswith(f"nests the document more than {MAX_DEPTH} levels deep")


def test_a_key_that_is_a_list_is_refused():
    assert problems(HEAD + "? [a, b]\n: 1\n" + QUESTIONS) == ["line 3: a key must be a name, not a list or a mapping"]


def test_a_nul_byte_is_refused_with_its_line():
    assert problems(HEAD + QUESTIONS + "source: a\x00b\n") == [
        "line 5: not valid YAML: the control character U+0000 is not allowed in YAML text"
    ]


def test_a_file_over_the_size_bound_is_refused():
    assert problems(HEAD + QUESTIONS + "description: " + "x" * MAX_YAML_BYTES + "\n") == [
        "the file is over 4 MB; a YAML file here is at most that"
    ]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("title", r'"Pulse\e[2J"', "line 2: title: holds the control character U+001B at character 6"),
        ("title", r'"Pulse\r\nBcc: x@example.org"', "line 2: title: holds the control character U+000D at character 6"),
        ("title", r'"a\u2028b"', "line 2: title: holds the control character U+2028 at character 2"),
    ],
)
def test_a_title_with_control_characters_is_refused(field, value, expected):
    text = f"id: bombs\n{field}: {value}\n" + QUESTIONS
    assert problems(text)[0].startswith(expected)


def test_question_text_may_hold_new_lines_but_not_other_control_characters():
    ok = parse_instrument(HEAD + 'questions:\n  - {id: q1, type: text, text: "First line\\nsecond\\tline"}\n')
    assert ok.questions[0].text == "First line\nsecond\tline"
    found = problems(HEAD + 'questions:\n  - {id: q1, type: text, text: "bell\\a", short: "two\\nlines"}\n')
    assert found == [
        "line 4: questions[0].text: holds the control character U+0007 at character 5; expected text without control characters "
        "(new lines are fine) (got 'bell\\x07')",
        "line 4: questions[0].short: holds the control character U+000A at character 4; expected one line of text without control "
        "characters (got 'two\\nlines')",
    ]


def test_a_condition_nested_500_deep_is_refused_with_its_field():
    text = HEAD + QUESTIONS + f'  - {{id: q2, type: text, text: Why, relevant: "{"not " * 500}q1 == 1"}}\n'
    (found,) = problems(text)
    assert found.startswith("line 5: questions[1].relevant: cannot parse 'not not")
    assert found.endswith(f"nested more than {CONDITION_DEPTH} levels deep (not, and, or, brackets); write it more simply")


def test_a_condition_as_deep_as_the_bound_still_works():
    condition = "not " * CONDITION_DEPTH + "q1 == 1"
    instrument = parse_instrument(HEAD + QUESTIONS + f'  - {{id: q2, type: text, text: Why, relevant: "{condition}"}}\n')
    assert instrument.questions[1].condition.holds({"q1": 1}) is True  # an even number of nots


def test_the_builtin_instrument_that_shares_nets_by_an_alias_still_loads():
    readiness = load_instrument("readiness-2018")
    assert len(readiness.questions) > 10


# --- targets --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (laughs(), "t.yaml, line 7: the alias *f repeats values that repeat others"),
        ("sector: " + "[" * 500 + "]" * 500 + "\n", f"t.yaml, line 1: nested more than {MAX_DEPTH} levels deep"),
        ("sector: &s {1: *s}\n", "t.yaml, line 1: the alias *s is inside the value it names (a recursive alias)"),
    ],
)
def test_targets_yaml_is_bounded(tmp_path, text, expected):
    path = tmp_path / "t.yaml"
    path.write_text(text)
    with pytest.raises(TargetsError) as caught:
        load_targets(path)
    assert str(caught.value).startswith(expected)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"variable,code,target\nsector,1,0.5\nsector,2,\xe9\n", "t.csv, line 3: not UTF-8 text: byte 0xE9 at offset 43 cannot be decoded"),
        (b"variable,code,target\nsector,1,0.5\x00\n", "t.csv, line 2: a NUL byte; a targets file is text"),
        (
            b"variable,code,target\nsector,1," + b"9" * 200_000 + b"\n",
            "t.csv, line 2: cannot be read as CSV: a value of more than 131,072 characters",
        ),
    ],
)
def test_targets_csv_that_cannot_be_read_is_refused_with_its_line(tmp_path, data, expected):
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    with pytest.raises(TargetsError) as caught:
        load_targets(path)
    assert str(caught.value).startswith(expected)


# --- the bounds, everywhere they can be met ---------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(depth=st.integers(1, 120), flow=st.booleans())
def test_nesting_is_refused_exactly_beyond_the_bound(depth, flow):
    """``source`` holds lists nested ``depth`` deep: with the document's own mapping, the deepest
    is at level depth + 1; refused exactly when that is over MAX_DEPTH."""
    nested = "[" * depth + "]" * depth if flow else "\n" + "".join("  " * i + "-\n" for i in range(1, depth)) + "  " * depth + "- x"
    text = HEAD + QUESTIONS + f"source: {nested}\n"
    if depth + 1 + (0 if flow else 1) > MAX_DEPTH:
        assert any("levels deep" in p for p in problems(text))
    else:
        with pytest.raises(InstrumentError) as caught:  # source must be text: the bounds let the model see it
            parse_instrument(text, "hostile.yaml")
        assert not any("levels deep" in str(p) for p in caught.value.problems)


def _expanded(node, memo: dict) -> int:
    """Values of the document with every alias written out (recursively: these documents are shallow)."""
    if id(node) not in memo:
        children = [part for pair in node.value for part in pair] if isinstance(node, yaml.MappingNode) else (
            node.value if isinstance(node, yaml.SequenceNode) else [])  # fmt: skip
        memo[id(node)] = 1 + sum(_expanded(c, memo) for c in children)
    return memo[id(node)]


@settings(max_examples=60, deadline=None)
@given(levels=st.integers(1, 14), fan=st.integers(2, 5))
def test_aliases_are_refused_exactly_when_they_expand_beyond_the_bound(levels, fan):
    """Each anchor lists the one before ``fan`` times: refused, at an alias, exactly when the
    document written out would hold more than EXPANSION times its own nodes (and MIN_EXPANSION)."""
    lines = ["a0: &a0 [x]"] + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * fan)}]" for i in range(1, levels + 1)]
    text = HEAD + QUESTIONS + "\n".join(lines) + "\n"
    memo: dict = {}
    expanded = _expanded(yaml.compose(text, Loader=yaml.SafeLoader), memo)
    over = expanded > max(MIN_EXPANSION, EXPANSION * len(memo))
    with pytest.raises(InstrumentError) as caught:  # the a0... keys are not fields of an instrument
        parse_instrument(text, "hostile.yaml")
    refused = [str(p) for p in caught.value.problems if "the document would grow" in str(p)]
    assert bool(refused) == over
    if over:
        assert len(caught.value.problems) == 1 and refused[0].startswith("line ")
