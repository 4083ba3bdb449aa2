"""The respondents' form refuses, with a message on the page, an answer the instrument cannot hold
(issue 14, item 1): the same definition as the readers (:mod:`collabstate.instrument.bounds`), so
whatever the form stores, the exports read back without a problem."""

from __future__ import annotations

import html

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collabstate.instrument import parse_instrument
from collabstate.instrument.bounds import TEXT_LENGTH
from collabstate.web.surveys.actions import responses_of
from collabstate.web.surveys.forms import PageForm
from collabstate.web.surveys.models import Answer

SIZES = """
id: sizes
title: Sizes
questions:
  - {id: staff, type: number, short: Staff, text: "How many staff?", integer: true, minimum: 0, maximum: 100000}
  - {id: members, type: number, short: Members, text: "How many members?", integer: true}
  - {id: share, type: number, short: Share, text: "What share is pooled?"}
  - {id: why, type: text, text: "Why?"}
"""
INSTRUMENT = parse_instrument(SIZES)


def post(client, token: str, question: str, value: str):
    return client.post(f"/r/{token}/q/{question}/", {question: value})


@pytest.fixture
def sizes(make_wave):
    return make_wave(slug="sizes", instrument="", instrument_yaml=SIZES)


@pytest.mark.parametrize(
    ("question", "value", "message"),
    [
        ("staff", "9" * 401, "Enter a whole number from 0 to 100000"),
        ("members", "9" * 401, "Enter a whole number from -9,007,199,254,740,991 to 9,007,199,254,740,991"),
        ("members", "9007199254740992", "Enter a whole number from -9,007,199,254,740,991 to 9,007,199,254,740,991"),
        ("members", "2.5", "Enter a whole number"),
        ("share", "1e400", "Enter a number from -9,007,199,254,740,991 to 9,007,199,254,740,991"),
        ("share", "inf", "Enter a number"),
        ("share", "0." + "0" * 40 + "1", "Enter a number of 32 characters or fewer"),
        ("why", "x" * (TEXT_LENGTH + 1), "Your answer must be 32,767 characters or fewer"),
        ("why", "🙂" * (TEXT_LENGTH // 2 + 1), "Your answer must be 32,767 characters or fewer"),
        ("why", "a null \x00 character", "Your answer holds a character that cannot be stored (a null character); remove it"),
    ],
)
def test_an_answer_that_does_not_fit_is_refused_on_the_page(client, sizes, start, question, value, message):
    token = start(sizes)
    response = post(client, token, question, value)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "There is a problem" in page and f'<a href="#{question}">{message}</a>' in page
    assert f'<span class="visually-hidden">Error:</span> {message}' in page
    assert not Answer.objects.exists()


@pytest.mark.parametrize(
    ("question", "value", "stored"),
    [
        ("members", "9007199254740991", "9007199254740991"),
        ("members", " -12 ", "-12"),
        ("members", "1e3", "1000"),
        ("share", "2.50", "2.5"),
        ("share", "1e-300", "1e-300"),
        ("why", "=1+1\r\nand @me", "=1+1\nand @me"),  # kept as typed: CSV exports neutralise it, not the form
        ("why", "x" * TEXT_LENGTH, "x" * TEXT_LENGTH),
    ],
)
def test_an_answer_that_fits_is_stored_and_reads_back_without_a_problem(client, sizes, start, question, value, stored):
    token = start(sizes)
    assert post(client, token, question, value).status_code == 302
    assert dict(Answer.objects.values_list("column", "value")) == {question: stored}
    client.post(f"/r/{token}/check/")
    assert responses_of(sizes).ok


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    st.sampled_from(["staff", "members", "share"]),
    st.one_of(
        st.text(alphabet="0123456789.+-eE ", max_size=40),
        st.integers(-(2**60), 2**60).map(str),
        st.floats(allow_nan=False).map(repr),
        st.sampled_from(["inf", "nan", "1_000", "١٢", "9" * 401]),
    ),
)
def test_what_the_form_takes_the_readers_take_and_what_it_refuses_they_refuse(question, text):
    """The form and the readers share one definition: a number the form accepts is stored as text
    the readers read to the same number, and a number it refuses they refuse too."""
    import polars as pl

    from collabstate.dataset import read_responses

    form = PageForm(INSTRUMENT, INSTRUMENT.question(question), data={question: text})
    read = read_responses(pl.DataFrame({question: [text], "why": ["a row"]}), INSTRUMENT)
    if not form.is_valid():
        assert text.strip() != "" and not read.ok, (text, read.problems)
        return
    stored = form.column_values()[question]
    if stored is None:
        assert read.ok and read.responses.data[question][0] is None
        return
    again = read_responses(pl.DataFrame({question: [stored], "why": ["a row"]}), INSTRUMENT)
    assert read.ok and again.ok, (text, stored, read.problems, again.problems)
    assert again.responses.data[question][0] == read.responses.data[question][0] == form.cleaned_data[question]
