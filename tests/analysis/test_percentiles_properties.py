"""What a benchmark's percentile rank means, for any comparison data (hypothesis): an organisation
is ranked among organisations, each its respondents averaged as the organisation's own estimate
is, so the one with the highest mean ranks at the top; and the sentence that gives a rank never
contradicts the 'above / below the mean' it is read with."""

from __future__ import annotations

import re

import numpy as np
import polars as pl
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from collabstate import Responses, estimate, load_instrument
from collabstate.analysis.percentiles import Comparators

R18 = load_instrument("readiness-2018")
INDEX = R18.indices[0]
ITEMS = [INDEX.item(f, d) for d in INDEX.dimensions for f in INDEX.factors]
SETTINGS = settings(max_examples=40, deadline=None)


@st.composite
def comparison_data(draw) -> Responses:
    """2–7 organisations (the cluster column) of 7–10 respondents, with weights; answers 0–3 to
    every readiness item, a few 'not applicable' (9) or blank."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    sizes = rng.integers(7, 11, draw(st.integers(2, 7)))
    n = int(sizes.sum())
    leaning = np.repeat(rng.uniform(-1, 1, len(sizes)), sizes)  # organisations differ
    columns = {}
    for item in ITEMS:
        codes = np.clip(np.round(1.8 + leaning + rng.normal(0, 0.9, n)), 0, 3)
        codes[rng.random(n) < 0.03] = 9
        columns[item] = pl.Series(np.where(rng.random(n) < 0.03, np.nan, codes)).fill_nan(None).cast(pl.Int64)
    frame = pl.DataFrame({"cluster": np.repeat([f"org{i}" for i in range(len(sizes))], sizes),
                          "weight": rng.uniform(0.5, 3.0, n), **columns})  # fmt: skip
    return Responses(R18, frame)


def own_scores(r: Responses, dimension) -> tuple[dict[str, float], float]:
    """Each organisation's index as its own estimate gives it (a domain of the estimate table has
    the same point estimate), and the mean of all respondents."""
    table = estimate(r, [INDEX.id], by="cluster", min_base=5, low_base=5)
    rows = table.filter((pl.col("question") == f"{INDEX.id}/{dimension.id}") & (pl.col("option") == "index"))
    mean = rows.filter(pl.col("group").is_null())["estimate"].item()
    return dict(rows.filter(pl.col("group").is_not_null()).select("group", "estimate").iter_rows()), mean


@SETTINGS
@given(comparison_data())
def test_an_organisation_above_every_other_organisation_ranks_at_the_top(r):
    for dimension in INDEX.dimensions:
        own, mean = own_scores(r, dimension)
        assume(all(v is not None for v in own.values()))
        top = max(own, key=own.get)
        assume(all(own[top] > v + 1e-9 for g, v in own.items() if g != top))
        # ranked among the others (the organisation's own rows left out): above every one of them
        standing = Comparators(r, INDEX, exclude=(top,)).standing(own[top], mean, dimension)
        assert standing.unit == "organisation" and standing.n == len(own) - 1
        assert standing.percentile == 100.0 and standing.headline() == "100th percentile"
        assert f"above every one of the {len(own) - 1} organisations" in standing.sentence("Index")
        # ranked with itself among them: still above every other organisation's rank
        everyone = Comparators(r, INDEX)
        ranks = {g: everyone.standing(v, mean, dimension).percentile for g, v in own.items()}
        assert all(ranks[top] > p for g, p in ranks.items() if g != top)
        for a in own:  # and the ranks follow the organisations' own scores
            for b in own:
                if own[a] < own[b] and not np.isclose(own[a], own[b]):  # as percentile_rank tells values apart
                    assert ranks[a] < ranks[b]


def _shares(c: Comparators, dimension, value: float) -> tuple[float, float]:
    """Weighted shares of the units scoring below and above ``value`` (level ones apart)."""
    scores, w = c.scores(dimension), c.weights
    ok = ~np.isnan(scores)
    scores, w = scores[ok], w[ok]
    level = np.isclose(scores, value)
    return w[(scores < value) & ~level].sum() / w.sum(), w[(scores > value) & ~level].sum() / w.sum()


@SETTINGS
@given(comparison_data(), st.booleans(), st.floats(0, 3), st.data())
def test_the_percentile_text_never_contradicts_the_mean(r, by_organisation, value, data):
    dimension = INDEX.dimensions[0]
    own, mean = own_scores(r, dimension)
    if data.draw(st.booleans()):  # often an organisation's own score, sometimes a value close to the mean
        value = data.draw(st.sampled_from([v for v in own.values() if v is not None] or [value]))
    else:
        value = mean + data.draw(st.sampled_from([-0.004, 0.0, 0.004, 0.02, -0.02])) if data.draw(st.booleans()) else value
    c = Comparators(r, INDEX, organisation="auto" if by_organisation else None)
    s = c.standing(value, mean, dimension)
    text = s.sentence("Importance index")
    shown_value, shown_mean = round(value, 2), round(mean, 2)
    said = {w for w in ("above", "below", "level with") if f"{w} the mean of all respondents ({mean:.2f})" in text}
    expected = "above" if shown_value > shown_mean else ("below" if shown_value < shown_mean else "level with")
    assert said == {expected}, text
    assert f"Importance index {value:.2f}:" in text
    rank = s.rank
    number = re.search(r"(\d+)(st|nd|rd|th) percentile|(\d+)% of individual respondents|(above|below) every one", text)
    assert number, text
    if number.group(1) or number.group(3):
        assert int(number.group(1) or number.group(3)) == rank
    else:
        assert rank == (100 if number.group(4) == "above" else 0)
    consistent = (expected == "above" and rank > 50) or (expected == "below" and rank < 50) or (expected == "level with" and rank == 50)
    if consistent:
        assert " yet " not in text and "middle" not in text, text
        return
    # the rank points the other way: the sentence says so, says where the middle is, and why
    side = "below" if rank < 50 else ("above" if rank > 50 else "at")
    assert " yet " in text and f"so it sits {side} the middle" in text, text
    assert "the mean sits below the middle" in text or "the mean sits above the middle" in text, text
    below, above = _shares(c, dimension, value)
    if rank < 50:
        assert "score above it than below" in text and above > below
    elif rank > 50:
        assert "score below it than above" in text and below > above


def test_docstring_examples():
    import doctest

    from collabstate.analysis import percentiles

    result = doctest.testmod(percentiles, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
