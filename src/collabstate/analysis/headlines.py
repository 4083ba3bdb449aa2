"""Headline figures of a wave: the index scores and the first NET of every question that has one.

Driven by the instrument, so any instrument gets headlines: the Collaboration Readiness Index
means (over the index factors and over all factors) per dimension, then, in questionnaire order,
the share in each question's first NET ("agree", "good", "important or critical", …).
"""

from __future__ import annotations

import polars as pl

from ..dataset import Responses
from ..instrument.model import MatrixQuestion, MultipleQuestion
from ..stats import index_scores, net_share

__all__ = ["headline_figures"]

SCHEMA = {"measure": pl.String, "statistic": pl.String, "value": pl.Float64, "n": pl.Int64}


def headline_figures(responses: Responses) -> pl.DataFrame:
    """A table of measure, statistic (``mean`` on the score map, or ``share`` on 0–1), value and base."""
    instrument = responses.instrument
    rows: list[dict] = []
    for index in instrument.indices:
        scores = index_scores(responses, index.id)
        for dimension in index.dimensions:
            n_index = sum(1 for f in index.factors if f.in_index)
            for scope, label in (("index", f"the {n_index} index factors"), ("all_factors", f"all {len(index.factors)} factors")):
                value = scores.filter((pl.col("dimension") == dimension.id) & (pl.col("factor") == scope))["mean"].item()
                rows.append({"measure": f"{index.label}: {dimension.label.lower()}, mean over {label}", "statistic": "mean", "value": value, "n": None})
    items = {index.item(f, d) for index in instrument.indices for f in index.factors for d in index.dimensions}
    for question in instrument.questions:
        nets = instrument.nets(question)
        if not nets or isinstance(question, MultipleQuestion):
            continue
        ids = [row.id for row in question.rows] if isinstance(question, MatrixQuestion) else [question.id]
        labels = [row.label for row in question.rows] if isinstance(question, MatrixQuestion) else [question.label]
        for qid, label in zip(ids, labels):
            if qid in items:
                continue  # index items are summarised by the index rows above
            share, n = net_share(responses, qid, nets[0].id)
            rows.append({"measure": f"{label}: {nets[0].label.lower()}", "statistic": "share", "value": share, "n": n})
    return pl.DataFrame(rows, schema=SCHEMA)
