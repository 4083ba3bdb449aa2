"""The percentile ranks score answers as the estimate table's index rows do (issue 13: one score
mapping, :func:`collabstate.stats.item_scores`): for the built-in instruments, with their own score
maps, the choices' scores and excluded answers, an organisation's score among the comparators is
the estimate of the index rows for that organisation (the cluster as a breakdown group), and an
individual respondent's is their item score. tests/stats/test_item_scores.py checks the mapping."""

from __future__ import annotations

from importlib import resources

import numpy as np
import polars as pl
import pytest

from collabstate import Responses, estimate, parse_instrument
from collabstate.analysis.percentiles import Comparators, index_scores
from collabstate.demo import leaders_wave, readiness_2018
from collabstate.stats import item_scores

LEADERS_INDEX = """
indices:
  - id: views
    label: Views of collaboration
    dimensions:
      - {id: agreement, label: Agreement, prefix: st_}
      - {id: outlook, label: Outlook}
    factors:
      - {id: effective, label: Effective, items: {agreement: st_effective, outlook: optimism}}
      - {id: communication, label: Communication, items: {agreement: st_communication, outlook: state_rating}}
      - {id: regulation, label: Regulation, in_index: false, items: {agreement: st_regulation, outlook: confidence}}
"""
READINESS_MAP = "score_map: {0: 0, 1: 1, 2: 2, 3: 3}"
#: name -> (built-in instrument, a change to its YAML)
CASES = {
    "readiness-2018": ("readiness-2018", None),
    "readiness-2018, the choices' scores": ("readiness-2018", ("    " + READINESS_MAP + "\n", "")),
    "readiness-2018, its own score map": ("readiness-2018", (READINESS_MAP, "score_map: {0: 0, 1: 10, 2: 15, 3: 100}")),
    "leaders": ("leaders", None),
    "leaders, its own score map": ("leaders", ("    factors:", "    score_map: {1: -2, 2: -1, 3: 0, 4: 1, 5: 2}\n    factors:")),
}


def scored(case: str) -> Responses:
    """The case's instrument and its demo data, weighted, in nine organisations (the cluster
    column), with 'not applicable' (9) and blanks."""
    builtin, change = CASES[case]
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
        *(pl.when((row + i) % 11 == 0).then(None).when(((row + i) % 7 == 0) & (builtin == "readiness-2018")).then(9)
          .otherwise(pl.col(c)).alias(c) for i, c in enumerate(items)),
        (1 + (row % 5) / 2).alias("weight"),
        (row % 9).cast(pl.String).alias("cluster"),
    )  # fmt: skip
    return Responses(instrument, frame)


@pytest.mark.parametrize("case", list(CASES))
def test_comparators_score_organisations_as_the_estimate_table_does(case):
    responses = scored(case)
    index = responses.instrument.indices[0]
    table = estimate(responses, [index.id], by="cluster", min_base=5, low_base=5)
    organisations = Comparators(responses, index)
    assert organisations.unit == "organisation"
    order = organisations.ids.to_list()
    for d in index.dimensions:
        rows = table.filter((pl.col("question") == f"{index.id}/{d.id}") & pl.col("group").is_not_null())
        for factor in [*index.factors, None]:
            option = factor.id if factor else "index"
            by_group = dict(rows.filter(pl.col("option") == option).select("group", "estimate").iter_rows())
            want = np.array([by_group.get(g) if by_group.get(g) is not None else np.nan for g in order], dtype=float)
            assert not np.isnan(want).any()  # every organisation has an estimate to compare with
            np.testing.assert_allclose(organisations.scores(d, factor), want, rtol=1e-12)


@pytest.mark.parametrize("case", list(CASES))
def test_comparators_score_respondents_on_the_items_and_the_index_from_the_same_mapping(case):
    responses = scored(case)
    index = responses.instrument.indices[0]
    respondents = Comparators(responses, index, organisation=None)
    assert respondents.unit == "respondent"
    for d in index.dimensions:
        items = []
        for f in index.factors:
            scores = item_scores(responses, index, index.item(f, d))
            np.testing.assert_array_equal(respondents.scores(d, f), scores)
            if f.in_index:
                items.append(scores)
        with np.errstate(invalid="ignore"):
            np.testing.assert_allclose(index_scores(responses, index, d), np.nanmean(np.vstack(items), axis=0), rtol=1e-12)
