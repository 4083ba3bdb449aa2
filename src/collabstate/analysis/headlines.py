"""Headline figures of a wave: the index scores and the first NET of every question that has one.

Read from the one estimate table (:func:`collabstate.stats.estimate`), so every headline carries
its base and interval. Driven by the instrument: the index means (over the index factors and over
all factors) per dimension, then, in questionnaire order, the share in each question's first NET
("agree", "good", "important or critical", …); index items are summarised by the index rows.
"""

from __future__ import annotations

import polars as pl

from ..dataset import Responses
from ..instrument import Instrument
from ..instrument.model import MatrixQuestion, MultipleQuestion
from ..stats import estimate
from ..stats.intervals import CIMethod

__all__ = ["headline_figures", "headline_measures"]


def headline_measures(instrument: Instrument) -> pl.DataFrame:
    """Which rows of the estimate table are headlines, in order: ``measure`` (a readable name),
    ``question``, ``option``, ``statistic``. The report joins this to its own estimate table."""
    wanted: list[tuple[str, str, str, str]] = []  # measure, question, option, statistic
    for index in instrument.indices:
        n_index = sum(1 for f in index.factors if f.in_index)
        for dimension in index.dimensions:
            for option, label in (("index", f"the {n_index} index factors"), ("all_factors", f"all {len(index.factors)} factors")):
                measure = f"{index.label}: {dimension.label.lower()}, mean over {label}"
                wanted.append((measure, f"{index.id}/{dimension.id}", option, "index"))
    items = {index.item(f, d) for index in instrument.indices for f in index.factors for d in index.dimensions}
    for question in instrument.questions:
        nets = instrument.nets(question)
        if not nets or isinstance(question, MultipleQuestion):
            continue
        rows = [(r.id, r.label) for r in question.rows] if isinstance(question, MatrixQuestion) else [(question.id, question.label)]
        wanted.extend((f"{label}: {nets[0].label.lower()}", qid, nets[0].id, "net") for qid, label in rows if qid not in items)
    schema = {"measure": pl.String, "question": pl.String, "option": pl.String, "statistic": pl.String}
    return pl.DataFrame(wanted, schema=schema, orient="row")


def headline_figures(responses: Responses, *, ci: CIMethod = "wilson", level: float = 0.95) -> pl.DataFrame:
    """Rows of the estimate table, in headline order, with a readable ``measure`` column first."""
    order = headline_measures(responses.instrument)
    if order.is_empty():
        return estimate(responses, []).with_columns(pl.lit(None, pl.String).alias("measure")).select("measure", pl.all().exclude("measure"))
    questions = sorted({q.split("/")[0] if "/" in q else q for q in order["question"]}, key=str)
    table = estimate(responses, questions, ci=ci, level=level)
    return order.join(table, on=["question", "option", "statistic"], how="left", maintain_order="left")
