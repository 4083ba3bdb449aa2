"""Weighted point estimates over valid answers, vectorised with polars.

Percentages are of valid answers: not-answered (null) and excluded codes such as 9 "Not
applicable" are left out of the base. Every function returns the estimate with its unweighted
base ``n``. These are point estimates only; standard errors, intervals and design effects are
the estimate engine's job.
"""

from __future__ import annotations

import polars as pl

from ..dataset import Responses
from ..instrument.model import MultipleQuestion

__all__ = ["index_scores", "net_share", "option_shares", "scale_mean"]


def _weight(responses: Responses) -> pl.Expr:
    return pl.col(responses.weight) if responses.weight else pl.lit(1.0)


def _valid(responses: Responses, column: str) -> pl.Expr:
    col = responses.instrument.column(column)
    if col is None:
        raise KeyError(f"instrument {responses.instrument.id!r} has no column {column!r}")
    excluded = [c.code for c in col.choices if c.excluded]
    valid = pl.col(column).is_not_null()
    return valid & ~pl.col(column).is_in(excluded) if excluded else valid


def net_share(responses: Responses, question: str, net: str) -> tuple[float | None, int]:
    """Share of valid answers to ``question`` that fall in NET ``net``, and the base."""
    q = responses.instrument.question(question)
    found = next((x for x in responses.instrument.nets(q) if x.id == net), None)
    if found is None:
        raise KeyError(f"question {question!r} has no NET {net!r}")
    if isinstance(q, MultipleQuestion):
        flags = [pl.col(f"{q.id}/{o}") for o in found.codes]
        answered = pl.any_horizontal([pl.col(f"{q.id}/{o.code}").is_not_null() for o in q.options])
        hit = pl.any_horizontal([f == 1 for f in flags])
    else:
        answered = _valid(responses, question)
        hit = pl.col(question).is_in(list(found.codes))
    w = _weight(responses)
    row = responses.data.select(
        num=(w * (answered & hit).cast(pl.Float64)).sum(),
        den=(w * answered.cast(pl.Float64)).sum(),
        n=answered.sum(),
    ).row(0, named=True)
    return (row["num"] / row["den"] if row["den"] else None), int(row["n"])


def option_shares(responses: Responses, question: str) -> pl.DataFrame:
    """Share choosing each option of a multiple-choice question, of those who answered it."""
    q = responses.instrument.question(question)
    if not isinstance(q, MultipleQuestion):
        raise TypeError(f"{question!r} is not a multiple-choice question")
    cols = [f"{q.id}/{o.code}" for o in q.options]
    answered = pl.any_horizontal([pl.col(c).is_not_null() for c in cols])
    w = _weight(responses)
    frame = responses.data.filter(answered)
    den = frame.select(w.sum()).item() if frame.height else 0.0
    sums = frame.select([(w * pl.col(c).fill_null(0).cast(pl.Float64)).sum().alias(c) for c in cols]).row(0)
    return pl.DataFrame(
        {
            "option": [o.code for o in q.options],
            "label": [o.label for o in q.options],
            "share": [s / den if den else None for s in sums],
            "n": [frame.height] * len(cols),
        }
    )


def scale_mean(responses: Responses, column: str, score_map: dict[int, float] | None = None) -> tuple[float | None, int]:
    """Mean score of a scale or matrix row over valid answers, and the base."""
    col = responses.instrument.column(column)
    if col is None:
        raise KeyError(f"instrument {responses.instrument.id!r} has no column {column!r}")
    scores = score_map or {c.code: c.score for c in col.choices if c.score is not None and not c.excluded}
    score = pl.col(column).replace_strict(scores, default=None, return_dtype=pl.Float64)
    w = _weight(responses)
    valid = _valid(responses, column) & score.is_not_null()
    row = responses.data.select(
        num=(w * score.fill_null(0.0)).filter(valid).sum(),
        den=w.filter(valid).sum(),
        n=valid.sum(),
    ).row(0, named=True)
    return (row["num"] / row["den"] if row["den"] else None), int(row["n"])


def index_scores(responses: Responses, index_id: str | None = None) -> pl.DataFrame:
    """Each factor's mean per dimension, then the index (mean of the in-index factor means) and
    the mean over all factors, as the 2018 report scores the Collaboration Readiness Index."""
    index = responses.instrument.index(index_id)
    rows = []
    for dimension in index.dimensions:
        means = []
        for factor in index.factors:
            mean, n = scale_mean(responses, index.item(factor, dimension), index.score_map)
            means.append((factor, mean))
            rows.append({"dimension": dimension.id, "factor": factor.id, "in_index": factor.in_index, "mean": mean, "n": n})
        for scope, keep in (("index", lambda f: f.in_index), ("all_factors", lambda f: True)):
            values = [m for f, m in means if keep(f) and m is not None]
            complete = len(values) == sum(1 for f, _ in means if keep(f))
            rows.append(
                {
                    "dimension": dimension.id,
                    "factor": scope,
                    "in_index": scope == "index",
                    "mean": sum(values) / len(values) if values and complete else None,
                    "n": None,
                }
            )
    return pl.DataFrame(rows, schema={"dimension": pl.String, "factor": pl.String, "in_index": pl.Boolean, "mean": pl.Float64, "n": pl.Int64})
