"""YAML a person wrote is read within bounds (issue 14, items 3 and 6): nested aliases, recursive
aliases, deep nesting, keys that are lists, control characters; each refused with the file, the
line and what is wrong, quickly, and an instrument that uses an alias as intended still loads."""

from __future__ import annotations

import pytest

from collabstate.instrument import InstrumentError, load_instrument, parse_instrument
from collabstate.instrument.logic import MAX_DEPTH as CONDITION_DEPTH
from collabstate.instrument.safe_yaml import MAX_DEPTH, MAX_YAML_BYTES
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
