"""What an answer can hold (issue 14, item 1): one definition, :mod:`collabstate.instrument.bounds`,
that the web form, the importer and the readers share. Here: the definition itself, and the
instrument that cannot declare bounds beyond it. That the readers and the form agree with it is
tested beside them (tests/dataset/test_answer_bounds.py, tests/web/test_answer_bounds.py)."""

from __future__ import annotations

import math
import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collabstate.instrument import InstrumentError, parse_instrument
from collabstate.instrument.bounds import LARGEST, NUMBER_CHARACTERS, TEXT_LENGTH, number_bounds, text_length, text_problem
from collabstate.instrument.model import NumberQuestion


def question(**given) -> NumberQuestion:
    return NumberQuestion(id="n", type="number", text="How many?", **given)


def test_a_whole_number_of_401_digits_is_out_of_range_never_infinity():
    bounds = number_bounds(question(integer=True, minimum=0))
    assert bounds.check("9" * 401) == (None, "out_of_range")
    assert bounds.check("1e400") == (None, "out_of_range")
    assert bounds.describe() == "a whole number from 0 to 9,007,199,254,740,991"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("9007199254740991", (LARGEST, None)),
        ("-9007199254740991", (-LARGEST, None)),
        ("9007199254740992", (None, "out_of_range")),  # 2**53: not every whole number beyond is exact
        ("  12 ", (12.0, None)),
        ("", (None, None)),
        ("   ", (None, None)),
        ("inf", (None, "not_a_number")),
        ("nan", (None, "not_a_number")),
        ("1,000", (None, "not_a_number")),
        ("1_000", (None, "not_a_number")),  # Python's float() would take it: the form does not
        ("١٢", (None, "not_a_number")),  # nor other scripts' digits, which the readers do not take
        ("0." + "0" * 40 + "1", (None, "too_long")),
        ("1e-300", (1e-300, None)),
    ],
)
def test_number_answers(text, found):
    assert number_bounds(question()).check(text) == found


def test_the_questions_own_bounds_and_whole_numbers():
    bounds = number_bounds(question(minimum=0, maximum=100, integer=True))
    assert bounds.describe() == "a whole number from 0 to 100"
    assert [bounds.check(t)[1] for t in ("-1", "101", "2.5", "100", "1e2")] == ["out_of_range", "out_of_range", "not_whole", None, None]


@given(st.integers(-(2**70), 2**70))
def test_whole_numbers_fit_exactly_when_they_are_within_the_limit(n):
    value, problem = number_bounds(question(integer=True)).check(str(n))
    if abs(n) <= LARGEST:
        assert problem is None and value == n and int(value) == n  # exact
    else:
        assert problem in ("out_of_range", "too_long") and value is None


@given(st.floats(allow_nan=False))
def test_any_double_written_in_its_shortest_form_fits_unless_beyond_the_limit(x):
    """The shortest form of a double (what every writer writes) is at most 24 characters: the
    limit on characters never refuses a number another tool wrote."""
    value, problem = number_bounds(question()).check(repr(x))
    if math.isinf(x) or abs(x) > LARGEST:
        assert problem in ("out_of_range", "not_a_number")
    else:
        assert problem is None and value == x and len(repr(x)) <= NUMBER_CHARACTERS


def test_text_is_counted_as_a_spreadsheet_counts_it():
    assert text_problem("x" * TEXT_LENGTH) is None
    assert text_problem("x" * (TEXT_LENGTH + 1)) == "too_long"
    assert text_length("🙂") == 2  # beyond the Basic Multilingual Plane: two UTF-16 units, as Excel counts
    assert text_problem("🙂" * (TEXT_LENGTH // 2 + 1)) == "too_long"
    assert [text_problem(t) for t in ("a\x00b", "\ufffe", "\uffff", "=1+1", "\t-", "")] == ["bad_text"] * 3 + [None] * 3


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("maximum", "1e20", "questions[0].maximum: Input should be less than or equal to 9007199254740991"),
        ("minimum", "-.inf", "questions[0].minimum: Input should be greater than or equal to -9007199254740991"),
        ("maximum", ".nan", "questions[0].maximum"),
    ],
)
def test_an_instrument_cannot_declare_bounds_beyond_the_limit(field, value, message):
    with pytest.raises(InstrumentError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_instrument(f"id: t\ntitle: T\nquestions:\n  - {{id: n, type: number, text: N, {field}: {value}}}\n")


def test_an_instrument_cannot_use_codes_beyond_the_limit():
    text = textwrap.dedent(
        """
        id: t
        title: T
        questions:
          - {id: s, type: single, text: S, choices: [{code: 100000000000000000000, label: Huge}]}
        """
    )
    with pytest.raises(InstrumentError, match=r"questions\[0\].choices\[0\].code: Input should be less than or equal to 9007199254740991"):
        parse_instrument(text)
