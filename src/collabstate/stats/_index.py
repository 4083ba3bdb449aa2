"""Index scores: factor means per dimension, the index, its 0–100 version, and the gap.

For index ``readiness`` with dimensions ``importance`` and ``prevalence``:

- ``question="readiness/importance"``, ``option=<factor>``: the factor's mean score (valid answers);
- ``option="index"``: the mean of the in-index factor means; ``"index_100"`` the same on 0–100
  (``100 (x − lowest score) / (highest − lowest)``); ``"all_factors"``: the mean over every factor;
- ``question="readiness/gap"``: first dimension minus second, per factor and for the three
  composites, a paired difference on the same respondents.

Composites are linear in the factor means, so their linearised variable is the same combination of
the factors' (the mean of means linearises to the average of the factor z's; the gap to
``z_imp − z_prev``), evaluated over the full design. A composite's base ``n`` (and its ``n_eff``,
``deff``) is that of its thinnest component; its degrees of freedom are those of the union of the
components' domains. A composite with a component that has no valid answers is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

import numpy as np
import polars as pl

from ..dataset import Responses
from ..errors import UnknownNameError
from ..instrument.model import Column, IndexDefinition
from ._blocks import Block, Domain

if TYPE_CHECKING:
    from ._engine import Engine  # the engine calls index_blocks; only its type is needed here

__all__ = ["index_blocks", "item_scores"]


def _combine(engine: Engine, parts: list[Domain]) -> Domain:
    ns = np.stack([d.n for d in parts])
    pick = np.argmin(ns, axis=0)
    cols = np.arange(ns.shape[1])
    present = np.logical_or.reduce([d.present for d in parts])
    degf = engine.kernel.degf(present)
    take: Callable[[str], np.ndarray] = lambda attr: np.stack([getattr(d, attr) for d in parts])[pick, cols]  # noqa: E731
    return Domain(take("n"), take("nrow"), take("n_eff"), take("deff"), degf, present)


@dataclass
class _Sums:
    """What one composite (a scope, on one dimension) adds up over its factors."""

    est: np.ndarray | float = 0.0  # sum of the factors' estimates (an array from the first factor on)
    t: np.ndarray | float = 0.0  # sum of their linearised vectors (likewise)
    domains: list[Domain] = field(default_factory=list)
    count: int = 0


def _item_column(responses: Responses, index: IndexDefinition, item: str) -> Column:
    column = responses.instrument.column(item)
    if column is None or column.kind != "code":
        raise UnknownNameError(
            name=item,
            kind=f"a coded column of instrument {responses.instrument.id!r} (an item of index {index.id!r})",
            known=[c.name for c in responses.instrument.columns if c.kind == "code"],
        )
    return column


def item_scores(responses: Responses, index: IndexDefinition, item: str) -> np.ndarray:
    """Each respondent's score on an item of ``index``: the index's ``score_map`` of the answer's
    code when the index has one, else the choice's own score (a scale's defaults to its code); NaN
    for an excluded answer ("not applicable"), a code without a score and no answer.

    The one mapping of answers to scores: the index rows of :func:`~collabstate.stats.estimate` and
    the percentile ranks of :mod:`collabstate.analysis.percentiles` both read it.

    >>> from collabstate import Responses, load_instrument
    >>> ins = load_instrument("readiness-2018")
    >>> item_scores(Responses(ins, pl.DataFrame({"imp_behaviours": [3, 0, 9, None]})), ins.indices[0], "imp_behaviours").tolist()
    [3.0, 0.0, nan, nan]
    """
    column = _item_column(responses, index, item)
    if index.score_map is not None:
        scores = {c.code: float(index.score_map[c.code]) for c in column.choices if not c.excluded and c.code in index.score_map}
    else:
        scores = {c.code: float(c.score) for c in column.choices if not c.excluded and c.score is not None}
    return responses.data[item].replace_strict(scores, default=None, return_dtype=pl.Float64).fill_null(float("nan")).to_numpy()


def _scores(responses: Responses, index: IndexDefinition, item: str) -> tuple[np.ndarray, np.ndarray]:
    """Which respondents have a score on ``item``, and their scores (0 for the others)."""
    y = item_scores(responses, index, item)
    valid = ~np.isnan(y)
    return valid, np.where(valid, y, 0.0)


def _score_range(responses: Responses, index: IndexDefinition) -> tuple[float, float]:
    if index.score_map:
        values = list(index.score_map.values())
    else:
        values = [
            c.score
            for f in index.factors
            for d in index.dimensions
            for c in _item_column(responses, index, index.item(f, d)).choices
            if not c.excluded and c.score is not None
        ]
    return float(min(values)), float(max(values))


def index_blocks(engine: Engine, responses: Responses, index: IndexDefinition) -> list[Block]:
    dims = index.dimensions
    gap_q = f"{index.id}/gap"
    out: list[Block] = []

    def block(question: str, option: str, statistic: str, est: np.ndarray, t: np.ndarray, dom: Domain) -> Block:
        return Block(question, option, statistic, "mean", est, engine.vcov(t), dom)

    # scope -> dimension -> sums over the scope's factors
    scopes = {"index": [f for f in index.factors if f.in_index], "all_factors": list(index.factors)}
    acc = {s: {d.id: _Sums() for d in dims} for s in scopes}
    for factor in index.factors:
        parts = {}
        for d in dims:
            valid, y = _scores(responses, index, index.item(factor, d))
            est, t, dom = engine.ratio_t(valid, y)
            parts[d.id] = (est, t, dom)
            out.append(block(f"{index.id}/{d.id}", factor.id, "index", est, t, dom))
            for scope, members in scopes.items():
                if factor in members:
                    a = acc[scope][d.id]
                    a.est = a.est + est
                    a.t = a.t + t
                    a.domains.append(dom)
                    a.count += 1
        if len(dims) >= 2:
            (e0, t0, d0), (e1, t1, d1) = parts[dims[0].id], parts[dims[1].id]
            out.append(block(gap_q, factor.id, "gap", e0 - e1, t0 - t1, _combine(engine, [d0, d1])))
    lo, hi = _score_range(responses, index)
    span = (hi - lo) or 1.0
    composite: dict[tuple[str, str], tuple[np.ndarray, np.ndarray, Domain]] = {}
    for scope in scopes:
        for d in dims:
            sums = acc[scope][d.id]
            if not sums.count:
                continue
            # count > 0: the sums are arrays (0.0 plus at least one factor's array)
            est, t = cast(np.ndarray, sums.est / sums.count), cast(np.ndarray, sums.t / sums.count)
            dom = _combine(engine, sums.domains)
            composite[(scope, d.id)] = (est, t, dom)
            out.append(block(f"{index.id}/{d.id}", scope, "index", est, t, dom))
            if scope == "index":
                scaled = Block(
                    f"{index.id}/{d.id}", "index_100", "index", "mean", (est - lo) * 100 / span, engine.vcov(t) * (100 / span) ** 2, dom
                )
                out.append(scaled)
    if len(dims) >= 2:
        for scope in scopes:
            if (scope, dims[0].id) in composite and (scope, dims[1].id) in composite:
                (e0, t0, d0), (e1, t1, d1) = composite[(scope, dims[0].id)], composite[(scope, dims[1].id)]
                out.append(block(gap_q, scope, "gap", e0 - e1, t0 - t1, _combine(engine, [d0, d1])))
    # keep the rows of one question together: each dimension's factors and composites, then the gaps
    order = {f"{index.id}/{d.id}": i for i, d in enumerate(dims)} | {gap_q: len(dims)}
    return sorted(out, key=lambda b: order[b.question])
