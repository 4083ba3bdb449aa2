"""answer_counts(): what is in and out of every base, and why."""

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collabstate.dataset import Responses
from collabstate.errors import UnknownNameError
from collabstate.instrument import load_instrument
from collabstate.stats.bases import answer_counts

READINESS = load_instrument("readiness-2018")


def test_not_applicable_is_counted_apart_from_the_base():
    r = Responses(READINESS, pl.DataFrame({"q10_involvement": [1, 9, 9, None, 4]}))
    row = answer_counts(r, ["q10_involvement"]).row(0, named=True)
    assert (row["respondents"], row["valid"], row["excluded"], row["not_answered"], row["not_asked"]) == (5, 2, 2, 1, 0)


def test_skip_logic_separates_not_asked_from_not_answered():
    r = Responses(READINESS, pl.DataFrame({"q1_example": [1, 1, 2, None], "q4_n_orgs": [3, None, None, None]}))
    row = answer_counts(r, ["q4_n_orgs"]).row(0, named=True)
    assert (row["valid"], row["not_answered"], row["not_asked"]) == (1, 1, 2)


def test_multiple_choice_and_matrix_rows():
    frame = pl.DataFrame({"q17_area/education": [1, 0, None], "q17_area/housing": [0, 0, None], "imp_places": [9, 2, None]})
    counts = answer_counts(Responses(READINESS, frame), ["q17_area", "q13_importance"])
    assert counts["question"].to_list()[:2] == ["imp_behaviours", "imp_citizens"]
    area = counts.filter(pl.col("question") == "q17_area").row(0, named=True)
    assert (area["valid"], area["not_answered"]) == (2, 1)
    places = counts.filter(pl.col("question") == "imp_places").row(0, named=True)
    assert (places["valid"], places["excluded"], places["not_answered"]) == (1, 1, 1)


def test_by_group_and_unknown_question():
    r = Responses(READINESS, pl.DataFrame({"q16_sector": [1, 1, 2], "q7_importance": [5, None, 4]}))
    counts = answer_counts(r, ["q7_importance"], by="q16_sector")
    assert counts["group"].to_list() == [None, "1", "2"]
    assert counts["valid"].to_list() == [2, 1, 1] and counts["by"].to_list() == ["q16_sector"] * 3
    with pytest.raises(UnknownNameError, match="'q99' is not a question of readiness-2018"):
        answer_counts(r, ["q99"])


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([1, 2, None]), st.sampled_from([2, 3, 4, 5, None]), st.sampled_from([1, 5, 9, None])),
        min_size=1,
        max_size=40,
    )
)
def test_the_four_counts_add_up_to_the_respondents(rows):
    frame = pl.DataFrame(rows, schema={"q1_example": pl.Int64, "q4_n_orgs": pl.Int64, "q10_involvement": pl.Int64}, orient="row")
    counts = answer_counts(Responses(READINESS, frame))
    total = counts["valid"] + counts["excluded"] + counts["not_answered"] + counts["not_asked"]
    assert (total == counts["respondents"]).all() and (counts["respondents"] == len(rows)).all()
