"""Percentile ranks: where an organisation's score sits among the respondents of a survey.

The percentile rank of a value ``x`` among weighted scores is the weighted share of scores below
``x`` plus half the share equal to it, on 0–100 (the "mid-rank" definition). Respondents' scores:
an item's score on the index's score map (0–3 for the readiness factors; excluded answers such as
"not applicable" and unanswered items are left out), and a respondent's index score, the mean of
their valid scores over the index factors.

>>> import numpy as np
>>> percentile_rank(np.array([0.0, 1, 2, 3]), None, 2.0)
62.5
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ..dataset import Responses
from ..instrument.model import Dimension, IndexDefinition

__all__ = ["index_scores", "item_scores", "percentile_rank"]


def item_scores(responses: Responses, index: IndexDefinition, item: str) -> np.ndarray:
    """Each respondent's score on ``item`` (NaN when not validly answered)."""
    column = responses.instrument.column(item)
    if column is None:
        raise KeyError(f"{item!r} is not a column of instrument {responses.instrument.id!r}")
    if index.score_map is not None:
        scores = {c.code: float(index.score_map[c.code]) for c in column.choices if not c.excluded and c.code in index.score_map}
    else:
        scores = {c.code: float(c.score) for c in column.choices if not c.excluded and c.score is not None}
    return responses.data[item].replace_strict(scores, default=None, return_dtype=pl.Float64).fill_null(float("nan")).to_numpy()


def index_scores(responses: Responses, index: IndexDefinition, dimension: Dimension) -> np.ndarray:
    """Each respondent's mean score over the index factors they answered validly (NaN if none)."""
    items = [item_scores(responses, index, index.item(f, dimension)) for f in index.factors if f.in_index]
    stacked = np.vstack(items) if items else np.full((1, responses.n), np.nan)
    valid = ~np.isnan(stacked)
    count = valid.sum(axis=0)
    total = np.where(valid, stacked, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def percentile_rank(values: np.ndarray, weights: np.ndarray | None, x: float) -> float | None:
    """Weighted mid-rank percentile of ``x`` among ``values`` (NaN values ignored); None when no
    value is valid or ``x`` is missing."""
    values = np.asarray(values, dtype=np.float64)
    w = np.ones_like(values) if weights is None else np.asarray(weights, dtype=np.float64)
    ok = ~np.isnan(values) & (w > 0)
    if not ok.any() or x is None or not np.isfinite(x):
        return None
    v, w = values[ok], w[ok]
    below = w[v < x].sum()
    equal = w[np.isclose(v, x)].sum()
    return float(100.0 * (below + 0.5 * equal) / w.sum())
