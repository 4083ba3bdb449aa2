"""Does the index hang together? ``collabstate reliability``: alpha, item statistics, omega and
the one-factor model of a set of items, in total or by group (:mod:`collabstate.stats.reliability`).

Items are scale questions, grid rows or number questions, each read as its score (excluded answers
missing); a grid question's id stands for all its rows. Only respondents who answered every item
are used (complete cases), **unweighted** by default as ``psych`` and ``lavaan`` are; ``weighted``
uses the design's weights in the covariance matrix (the estimates are then the weighted
population's; the test statistics keep their unweighted form, so read them as descriptive).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..dataset import Responses
from ..errors import UsageError
from ..instrument.model import Column, MatrixQuestion
from ..stats import Design
from ..stats.reliability import Alpha, FactorModel, InvarianceLevel, ReliabilityError, covariance, cronbach_alpha, invariance, one_factor
from .models import column_values

__all__ = ["Reliability", "group_invariance", "item_columns", "reliability"]


@dataclass(frozen=True)
class Reliability:
    """The items' alpha and one-factor model for one group (``group`` None for everyone)."""

    group: str | None
    items: tuple[str, ...]
    alpha: Alpha
    model: FactorModel | None

    def record(self, fit: bool) -> dict[str, object]:
        """``collabstate reliability``'s JSON object; ``fit`` (the model's fit measures) when asked."""
        a = self.alpha
        return {
            **({"group": self.group} if self.group is not None else {}),
            "alpha": a.alpha, "alpha_ci_low": a.ci_low, "alpha_ci_high": a.ci_high,
            "omega": self.model.omega if self.model is not None else None, "n": a.n,
            "items": [{"item": item, "item_rest_r": float(a.item_rest_r[j]), "alpha_if_dropped": float(a.alpha_if_dropped[j])}
                      for j, item in enumerate(self.items)],
            "fit": self.model.fit() if fit and self.model is not None else None,
        }  # fmt: skip


def item_columns(responses: Responses, items: list[str]) -> list[str]:
    """The data columns of ``items``: a grid question's rows, or the item itself (a scale or number
    question, a grid row); anything else is refused by name."""
    out: list[str] = []
    ins = responses.instrument
    for name in items:
        question = next((q for q in ins.questions if q.id == name), None)
        if isinstance(question, MatrixQuestion):
            out += [row.id for row in question.rows]
            continue
        column = ins.column(name)
        if column is None:
            ins.question(name)  # unknown: "did you mean"
            raise UsageError(argument="items", value=name, expected="scale or number questions, or grid rows")
        if column.kind not in ("code", "number") or column.single_choice:
            raise UsageError(argument="items", value=name, expected="scale or number questions, or grid rows (an item has a score)")
        out.append(name)
    if len(set(out)) != len(out):
        raise UsageError(argument="items", value=",".join(items), expected="each item once")
    return out


def _item_values(responses: Responses, items: list[str]) -> tuple[list[str], np.ndarray]:
    """The items' data columns and their scores (respondents × items, NaN where missing)."""
    columns = item_columns(responses, items)
    return columns, np.column_stack([column_values(responses, c) for c in columns])


def _group_column(responses: Responses, by: str) -> Column:
    column = responses.instrument.column(by)
    if column is None or not column.single_choice:
        raise UsageError(argument="by", value=by, expected="a single-choice question, its groups its codes")
    return column


def reliability(
    responses: Responses, items: list[str], *, by: str | None = None, weighted: bool = False, level: float = 0.95
) -> tuple[list[Reliability], list[str]]:
    """Alpha and (with three items or more) the one-factor model of ``items``, for everyone, or for
    each group of the single-choice question ``by`` (one per code answered); and notes on the
    groups left out (too few respondents answered every item)."""
    columns, x = _item_values(responses, items)
    weights = Design.from_responses(responses).weights if weighted else np.ones(responses.n)
    complete = np.isfinite(x).all(axis=1) & (weights > 0)
    groups: list[tuple[str | None, np.ndarray]] = [(None, complete)]
    if by is not None:
        column = _group_column(responses, by)
        codes = column_values(responses, by)
        groups = [(c.label, complete & (codes == c.code)) for c in column.choices if not c.excluded]
    out: list[Reliability] = []
    notes: list[str] = []
    for group, rows in groups:
        n = int(rows.sum())
        if group is not None and n == 0:
            continue  # a code nobody who answered every item has
        try:
            alpha = cronbach_alpha(x[rows], weights[rows] if weighted else None, level)
            model = one_factor(covariance(x[rows], weights[rows] if weighted else None)[1], n) if len(columns) >= 3 else None
        except ReliabilityError as exc:
            if group is None:
                raise
            notes.append(f"{group}: left out ({n} answered every item): {exc}")
            continue
        where = f"{group}: " if group is not None else ""
        if model is not None and model.heywood:
            notes.append(f"{where}an item's residual variance is at zero in the one-factor model (a Heywood case): "
                         "the items do not measure one thing; omega and the fit are not to be trusted")  # fmt: skip
        elif model is not None and not model.converged:
            notes.append(f"{where}the one-factor model did not converge: omega and the fit are not to be trusted")
        out.append(Reliability(group, tuple(columns), alpha, model))
    return out, notes


def group_invariance(responses: Responses, items: list[str], by: str) -> list[InvarianceLevel]:
    """Configural, metric and scalar invariance of the one-factor model of ``items`` across the
    groups of ``by`` (complete cases, unweighted; groups with fewer respondents than items are
    left out, as :func:`reliability` leaves them out)."""
    columns, x = _item_values(responses, items)
    column = _group_column(responses, by)
    codes = column_values(responses, by)
    complete = np.isfinite(x).all(axis=1)
    groups = [
        (x[rows], int(rows.sum())) for c in column.choices if not c.excluded and (rows := complete & (codes == c.code)).sum() > len(columns)
    ]
    return invariance(groups)
