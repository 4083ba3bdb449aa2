"""Key drivers and the importance–performance grid (``collabstate drivers``).

**Drivers**: which predictors share most in explaining an outcome, by Johnson's relative weights
(:func:`collabstate.stats.relweights.relative_weights`: raw weights summing to R², importance =
raw / R², jackknife intervals over the design's PSUs within strata). Outcome and predictors are
named as for ``collabstate model`` (:func:`.models.model_matrix`); a single-choice predictor's
dummies share one weight. The **sign** is that of the predictor's coefficient in the full linear
model (``positive`` or ``negative``); a single-choice predictor (its codes compared with its first)
has none, and no place on the grid.

**The grid** (Martilla and James's importance–performance analysis) places each predictor by its
importance and its performance: the weighted mean of its score among the respondents used (a
scale's score, a number, the share who ticked an option). The lines are at the mean importance
and the mean performance of the predictors placed (the data-centred grid: a fixed cut, such as a
scale's midpoint, leaves every point in one quadrant when all rate high). The four quadrants:

- high importance, low performance: **Concentrate here**;
- high importance, high performance: **Keep up the good work**;
- low importance, low performance: **Low priority**;
- low importance, high performance: **Possible overkill**.

:func:`importance_performance` places any items so, e.g. a readiness factor's stated importance
(its ``imp_`` item) against its prevalence (its ``prev_`` item): :func:`stated_grid`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..dataset import Responses
from ..instrument.model import IndexDefinition
from ..stats import Design, item_scores
from ..stats.glm import svyglm
from ..stats.relweights import relative_weights
from .models import model_matrix

__all__ = ["QUADRANTS", "Driver", "Drivers", "GridPoint", "importance_performance", "key_drivers", "stated_grid"]

QUADRANTS = {
    (True, False): "Concentrate here",
    (True, True): "Keep up the good work",
    (False, False): "Low priority",
    (False, True): "Possible overkill",
}


@dataclass(frozen=True)
class GridPoint:
    """An item on the importance–performance grid and its quadrant."""

    name: str
    label: str
    importance: float
    performance: float
    quadrant: str


@dataclass(frozen=True)
class Driver:
    predictor: str
    label: str
    raw: float
    importance: float
    ci_low: float
    ci_high: float
    sign: str | None
    performance: float | None
    quadrant: str | None

    def record(self) -> dict[str, object]:
        """The row of ``collabstate drivers``' JSON and CSV."""
        return {"predictor": self.predictor, "raw": self.raw, "importance": self.importance, "ci_low": self.ci_low,
                "ci_high": self.ci_high, "sign": self.sign, "performance": self.performance, "quadrant": self.quadrant}  # fmt: skip


@dataclass(frozen=True)
class Drivers:
    """The drivers of an outcome, most important first, with the model's R² (and its jackknife
    SE), the respondents used, the jackknife's replicates and notes."""

    outcome: str
    outcome_label: str
    drivers: tuple[Driver, ...]
    r2: float
    r2_se: float
    n: int
    replicates: int
    notes: tuple[str, ...]


def importance_performance(items: list[tuple[str, str, float, float]]) -> list[GridPoint]:
    """Place ``(name, label, importance, performance)`` items in the grid's quadrants, the lines
    at the items' mean importance and mean performance (an item on a line counts as high)."""
    if not items:
        return []
    mid_i = float(np.mean([i for _, _, i, _ in items]))
    mid_p = float(np.mean([p for _, _, _, p in items]))
    return [GridPoint(name, label, i, p, QUADRANTS[(i >= mid_i, p >= mid_p)]) for name, label, i, p in items]


def key_drivers(
    responses: Responses,
    outcome: str,
    predictors: list[str],
    *,
    design: Design | None = None,
    filter: str | None = None,
    level: float = 0.95,
) -> Drivers:
    """The relative weights of ``predictors`` for ``outcome`` (see the module's docstring)."""
    design = design or Design.from_responses(responses)
    matrix = model_matrix(responses, outcome, predictors, design, filter)
    weights = relative_weights(design, matrix.x, matrix.y, list(matrix.predictors), list(matrix.groups))
    low, high = weights.intervals(level)
    fit = svyglm(design, matrix.x, matrix.y, [t.name for t in matrix.terms], "linear")
    used = np.isfinite(matrix.y) & np.isfinite(matrix.x).all(axis=1) & (design.weights > 0)
    w = design.weights[used]
    placed: list[tuple[str, str, float, float]] = []
    rows = []
    for g, name in enumerate(matrix.predictors):
        columns = [j for j, group in enumerate(matrix.groups) if group == g]
        column = responses.instrument.column(name)
        single = not (column is not None and column.single_choice)  # not a set of dummies
        sign = ("positive" if fit.coef[1 + columns[0]] >= 0 else "negative") if single else None
        label = matrix.terms[columns[0]].label if single else column.label  # type: ignore[union-attr]
        performance = float(np.average(matrix.x[used, columns[0]], weights=w)) if single else None
        if performance is not None:
            placed.append((name, label, float(weights.importance[g]), performance))
        rows.append((g, name, label, sign, performance))
    quadrant = {p.name: p.quadrant for p in importance_performance(placed)}
    drivers = [Driver(name, label, float(weights.raw[g]), float(weights.importance[g]), float(low[g]), float(high[g]), sign,
                      performance, quadrant.get(name)) for g, name, label, sign, performance in rows]  # fmt: skip
    drivers.sort(key=lambda d: -d.importance)
    notes = list(matrix.notes)
    if matrix.family == "logistic":
        notes.append("the outcome is 0 or 1: its relative weights share the R² of a linear probability model (Johnson's method is "
                     "defined on correlations); collabstate model gives the logistic odds ratios")  # fmt: skip
    if weights.replicates < 2:
        notes.append("the design has too few clusters within its strata for a jackknife: no intervals")
    return Drivers(outcome, matrix.outcome_label, tuple(drivers), weights.r2, weights.r2_se, weights.n, weights.replicates, tuple(notes))


def stated_grid(
    responses: Responses, index: IndexDefinition, importance: str, performance: str, *, design: Design | None = None
) -> list[GridPoint]:
    """Each of ``index``'s factors placed by the weighted mean score of its ``importance``
    dimension's item (stated importance) and of its ``performance`` dimension's (e.g. prevalence),
    over the respondents who answered each (weighted by ``design``, by default the responses')."""
    dims = {d.id: d for d in index.dimensions}
    weights = (design or Design.from_responses(responses)).weights
    items = []
    for factor in index.factors:
        if not factor.in_index:
            continue
        means = []
        for dim in (importance, performance):
            scores = item_scores(responses, index, index.item(factor, dims[dim]))
            ok = np.isfinite(scores) & (weights > 0)
            means.append(float(np.average(scores[ok], weights=weights[ok])) if ok.any() else float("nan"))
        items.append((factor.id, factor.label, means[0], means[1]))
    return importance_performance([item for item in items if np.isfinite(item[2]) and np.isfinite(item[3])])
