"""One mapping of answers to scores (issue 13): :func:`collabstate.stats.item_scores` gives each
respondent's score on an index item (the index's score map, else the choices' scores; excluded
answers and blanks have none), and the index rows of the estimate table are the weighted means of
exactly those scores, for the built-in instruments, with and without a score map of their own.
tests/analysis/test_percentiles_scores.py shows the percentile ranks read the same scores."""

from __future__ import annotations

from importlib import resources

import numpy as np
import polars as pl
import pytest

from collabstate import Responses, estimate, parse_instrument
from collabstate.demo import leaders_wave, readiness_2018
from collabstate.stats import item_scores

#: An index on the leaders' statements (agree5: codes 1–5, scored by their codes).
LEADERS_INDEX = """
indices:
  - id: views
    label: Views of collaboration
    dimensions:
      - {id: agreement, label: Agreement, prefix: st_}
    factors:
      - {id: effective, label: Effective}
      - {id: communication, label: Communication}
      - {id: regulation, label: Regulation, in_index: false}
"""
READINESS_MAP = "score_map: {0: 0, 1: 1, 2: 2, 3: 3}"

#: name -> (instrument YAML, data, the scores each code should get; codes absent score nothing)
CASES = {
    "readiness-2018": ("readiness-2018", None, {0: 0.0, 1: 1.0, 2: 2.0, 3: 3.0}),
    "readiness-2018, the choices' scores": ("readiness-2018", ("    " + READINESS_MAP + "\n", ""), {0: 0.0, 1: 1.0, 2: 2.0, 3: 3.0}),
    "readiness-2018, its own score map": ("readiness-2018", (READINESS_MAP, "score_map: {0: 0, 1: 10, 2: 15, 3: 100}"), {0: 0.0, 1: 10.0, 2: 15.0, 3: 100.0}),
    "leaders": ("leaders", None, {1: 1.0, 2: 2.0, 3: 3.0, 4: 4.0, 5: 5.0}),
    "leaders, its own score map": ("leaders", ("    factors:", "    score_map: {1: -2, 2: -1, 3: 0, 4: 1, 5: 2}\n    factors:"), {1: -2.0, 2: -1.0, 3: 0.0, 4: 1.0, 5: 2.0}),
}  # fmt: skip


def scored(case: str) -> tuple[Responses, dict[int, float]]:
    """The case's instrument and its demo data, weighted, with 'not applicable' (9) and blanks."""
    builtin, change, expected = CASES[case]
    text = (resources.files("collabstate.instrument") / "builtin" / f"{builtin}.yaml").read_text(encoding="utf-8")
    text += LEADERS_INDEX if builtin == "leaders" else ""
    if change:
        assert change[0] in text
        text = text.replace(change[0], change[1])
    instrument = parse_instrument(text, f"{case}.yaml")
    frame = readiness_2018() if builtin == "readiness-2018" else leaders_wave(2025)
    index = instrument.indices[0]
    items = [index.item(f, d) for f in index.factors for d in index.dimensions]
    row = pl.int_range(pl.len())
    frame = frame.with_columns(
        *(pl.when((row + i) % 11 == 0).then(None).when(((row + i) % 7 == 0) & (builtin == "readiness-2018")).then(9).otherwise(pl.col(c)).alias(c)
          for i, c in enumerate(items)),
        (1 + (row % 5) / 2).alias("weight"),
        (row // 6).cast(pl.String).alias("cluster"),
    )  # fmt: skip
    return Responses(instrument, frame), expected


@pytest.mark.parametrize("case", list(CASES))
def test_each_answer_scores_as_the_index_says_and_excluded_answers_and_blanks_score_nothing(case):
    responses, expected = scored(case)
    index = responses.instrument.indices[0]
    assert (index.score_map is not None) == ("own score map" in case or case == "readiness-2018")
    for f in index.factors:
        for d in index.dimensions:
            item = index.item(f, d)
            codes = responses.data[item]
            want = np.array([expected.get(c, np.nan) if c is not None else np.nan for c in codes.to_list()])
            got = item_scores(responses, index, item)
            np.testing.assert_array_equal(got, want)
            assert np.isnan(got[codes.is_null().to_numpy()]).all()
            if "readiness" in case:
                assert (codes == 9).any() and np.isnan(got[(codes == 9).fill_null(False).to_numpy()]).all()


@pytest.mark.parametrize("case", list(CASES))
def test_the_index_rows_of_the_estimate_table_are_the_weighted_means_of_those_scores(case):
    responses, _ = scored(case)
    index = responses.instrument.indices[0]
    table = estimate(responses, [index.id])
    w = responses.weights().to_numpy()
    for d in index.dimensions:
        rows = table.filter(pl.col("question") == f"{index.id}/{d.id}")
        means = {}
        for f in index.factors:
            y = item_scores(responses, index, index.item(f, d))
            ok = ~np.isnan(y)
            means[f.id] = np.average(y[ok], weights=w[ok])
            row = rows.filter(pl.col("option") == f.id).row(0, named=True)
            assert row["estimate"] == pytest.approx(means[f.id], rel=1e-12) and row["n"] == ok.sum()
        in_index = [means[f.id] for f in index.factors if f.in_index]
        assert rows.filter(pl.col("option") == "index")["estimate"].item() == pytest.approx(np.mean(in_index), rel=1e-12)
        assert rows.filter(pl.col("option") == "all_factors")["estimate"].item() == pytest.approx(np.mean(list(means.values())), rel=1e-12)


def test_an_item_that_is_not_a_coded_column_has_no_scores():
    responses, _ = scored("leaders")
    with pytest.raises(KeyError, match="'enablers_text' is not a coded column"):
        item_scores(responses, responses.instrument.indices[0], "enablers_text")
