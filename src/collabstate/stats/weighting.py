"""Weighting: raking to target margins and post-stratification, as R ``survey``'s ``rake`` and
``postStratify``, with a report of convergence, efficiency and range of the weights.

- :func:`rake` adjusts the weights to each margin in turn (iterative proportional fitting) until a
  whole pass changes no cell of the weighted cross-table of the raking variables by ``epsilon`` or
  more (``epsilon < 1``: a fraction of the sum of the input weights; ``≥ 1``: in weight units; R's
  ``control$epsilon`` rule). ``trim=(low, high)`` bounds every weight to ``low``–``high`` times the
  mean weight; as in common practice (e.g. Stata's ``ipfraking``, ``anesrake``), the bounds are
  applied after every pass and the raking continues, so the result meets both margins and bounds
  when it converges. The trimmed part of a weight is not spread over the others: the next pass
  restores the margins. Bounds that the targets cannot meet leave the raking unconverged.
- :func:`poststratify` adjusts the weights in one step to a joint table of one variable or a cross
  of variables (``sector*region``).

Targets (:class:`~collabstate.stats._targets.Targets`, :func:`load_targets`) are shares or
population totals; shares are scaled to the population total (see there). Blank answers to a
raking variable are never placed silently: ``missing=None`` (default) raises
:class:`WeightingDataError` naming the data rows and the column, unless the targets give the
blank answers a target (the code ``missing``); ``missing="own-cell"`` rakes them as a cell of
their own to that target; ``missing="unweighted"`` leaves those respondents out of the raking at
their input weight, and the result says so (:mod:`~collabstate.stats._missing`). Why no default
choice: R's ``rake()`` refuses missing values, and a cell of their own needs a target only the
user knows, while leaving them unweighted moves every other margin a little. The result's
:attr:`WeightingResult.responses` carry the new weights in ``weight`` and the calibration, so that
:func:`~collabstate.stats.estimate` on them gives R's standard errors for a calibrated design
(:mod:`~collabstate.stats._calibration`). Raking or post-stratifying calibrated responses again
adds a stage, as R does.

>>> import polars as pl
>>> from collabstate.dataset import Responses
>>> from collabstate.instrument import load_instrument
>>> from collabstate.stats import estimate
>>> r = Responses(load_instrument("leaders"), pl.DataFrame({"sector": [1, 1, 1, 2, 2, 3] * 5}))
>>> result = rake(r, Targets({"sector": {1: 0.4, 2: 0.35, 3: 0.25}}))
>>> result.converged, result.iterations, round(result.weight_max / result.weight_min, 4)
(True, 2, 1.875)
>>> t = estimate(result.responses, "sector").select("option", pl.col("estimate").round(6), pl.col("se").round(4))
>>> t.head(3).rows()
[('1', 0.4, 0.0), ('2', 0.35, 0.0), ('3', 0.25, 0.0)]
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TypedDict, Unpack

import numpy as np
import polars as pl

from ..dataset import Responses
from ..errors import UnknownNameError, UsageError
from ._calibration import CalibratedResponses, Calibration, Margin, Stage
from ._missing import MissingMode, WeightingDataError, check_missing, respondents
from ._targets import Cell, Key, ResolvedMargin, Targets, TargetsError, load_targets

__all__ = ["MissingMode", "Targets", "TargetsError", "WeightingDataError", "WeightingResult", "load_targets", "poststratify", "rake"]


@dataclass(frozen=True, eq=False)
class WeightingResult:
    """Weighted responses and the report of how the weights were made."""

    responses: CalibratedResponses
    method: str  # "rake" | "poststratify"
    converged: bool
    iterations: int  # passes over the margins (1 for a post-stratification)
    history: tuple[float, ...]  # per pass: the largest change of a cell of the cross-table, in weight units
    max_margin_error: float  # largest |achieved − target| of a margin cell, as a share of the total
    tolerance: float  # the convergence threshold, in weight units
    trim: tuple[float, float] | None
    n_trimmed: int  # weights at a trimming bound after the last pass
    base_weights: np.ndarray
    table: pl.DataFrame
    n_unweighted: int = 0  # respondents left out of the raking at their input weight (missing="unweighted")
    notes: tuple[str, ...] = ()  # what was done with blank answers, in words

    @property
    def weights(self) -> np.ndarray:
        return self.responses.data["weight"].to_numpy()

    @property
    def _positive(self) -> np.ndarray:
        w = self.weights
        return w[w > 0]

    @property
    def efficiency(self) -> float:
        """Kish's weighting efficiency (Σw)² / (n Σw²) over the respondents with a positive weight."""
        w = self._positive
        return float(w.sum() ** 2 / (len(w) * (w * w).sum()))

    @property
    def design_effect(self) -> float:
        """Kish's design effect of the weights, 1 / efficiency = 1 + CV²."""
        return 1.0 / self.efficiency

    @property
    def n_eff(self) -> float:
        """Kish's effective base (Σw)² / Σw²."""
        w = self._positive
        return float(w.sum() ** 2 / (w * w).sum())

    @property
    def weight_min(self) -> float:
        return float(self._positive.min())

    @property
    def weight_max(self) -> float:
        return float(self._positive.max())

    @property
    def ratio(self) -> float:
        """Largest over smallest positive weight."""
        return self.weight_max / self.weight_min

    def report(self) -> pl.DataFrame:
        """One row per margin cell: respondents ``n``, the input-weighted ``base``, ``target`` and
        ``achieved`` totals, their ``error``, and ``target_share``/``achieved_share``."""
        return self.table

    def summary(self) -> dict[str, object]:
        return {
            "method": self.method, "converged": self.converged, "iterations": self.iterations,
            "max_margin_error": self.max_margin_error, "efficiency": self.efficiency,
            "design_effect": self.design_effect, "n_eff": self.n_eff, "weight_min": self.weight_min,
            "weight_max": self.weight_max, "ratio": self.ratio, "n_trimmed": self.n_trimmed,
            "n_unweighted": self.n_unweighted, "notes": list(self.notes),
        }  # fmt: skip

    def __str__(self) -> str:
        margins = ", ".join(dict.fromkeys(self.table["margin"].to_list()))
        if self.method == "rake":
            state = "converged" if self.converged else "did NOT converge"
            head = f"Raking on {margins}: {state} after {self.iterations} iterations (last change {self.history[-1]:.3g}, tolerance {self.tolerance:.3g})"
        else:
            head = f"Post-stratification on {margins}"
        lines = [
            head,
            f"Weights: {len(self._positive)} respondents, min {self.weight_min:.4g}, max {self.weight_max:.4g}, ratio {self.ratio:.3g}",
            f"Efficiency {100 * self.efficiency:.1f}% (design effect {self.design_effect:.3f}, effective base {self.n_eff:.1f})",
        ]
        lines.extend(self.notes)
        if self.trim is not None:
            lines.append(f"Trimmed to {self.trim[0]:g}–{self.trim[1]:g} × the mean weight: {self.n_trimmed} weights at a bound")
        lines.append(f"Largest margin error: {self.max_margin_error:.2g} of the total")
        rows = [("margin", "code", "n", "target %", "before %", "after %")]
        total_base = float(self.table["base"].sum()) / max(1, self.table["margin"].n_unique())
        for r in self.table.iter_rows(named=True):
            before = 100 * r["base"] / total_base if total_base else float("nan")
            rows.append(
                (r["margin"], r["code"], str(r["n"]), f"{100 * r['target_share']:.2f}", f"{before:.2f}", f"{100 * r['achieved_share']:.2f}")
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            lines.append("  ".join(c.ljust(wd) if i < 2 else c.rjust(wd) for i, (c, wd) in enumerate(zip(row, widths))))
        return "\n".join(lines)


# ---------------------------------------------------------------------------------- helpers
def _base(responses: Responses, base_weights: str | None) -> tuple[np.ndarray, Calibration | None]:
    if base_weights is None:
        w = responses.weights().cast(pl.Float64)
        prior = getattr(responses, "calibration", None)
        what = f"the weights ({responses.weight})" if responses.weight else "the weights"
    else:
        if base_weights not in responses.data.columns:
            raise UnknownNameError(name=base_weights, kind="a column of the responses (base_weights)", known=responses.data.columns)
        w, prior, what = responses.data[base_weights].cast(pl.Float64), None, f"the base weights {base_weights!r}"
    column = base_weights or responses.weight or "weight"
    x = w.to_numpy().astype(np.float64, copy=True)  # a blank weight is NaN here
    for bad, problem in (
        (np.isnan(x), "no weight"),
        (~np.isnan(x) & (~np.isfinite(x) | (x < 0)), "a weight that is not a finite number, 0 or more"),
    ):
        if bad.any():
            rows = np.flatnonzero(bad)
            raise WeightingDataError(f"{respondents(len(rows), 'have')} {problem} in the column {column!r}: {responses.describe_rows(rows)}; "
                                     "give each a weight (0 leaves a respondent out)", source=responses.source, column=column,
                                     rows=responses.row_numbers(rows))  # fmt: skip
    if not np.any(x > 0):
        raise WeightingDataError(f"{what} are all zero (column {column!r})", source=responses.source, column=column, rows=[])
    return x, prior


def _goals(targets: Targets, margins: list[ResolvedMargin], base: np.ndarray) -> list[np.ndarray]:
    """Target totals per cell (0 for the cell of zero-weight respondents without one), checked
    against the sample: a positive target needs respondents, respondents need a positive target."""
    total = targets.total(base.sum())
    goals = []
    for m in margins:
        goal = np.append(m.targets * (total if m.share else 1.0), 0.0)
        have = np.bincount(m.codes, weights=base, minlength=m.levels)
        raws = list(targets.margins[m.key])
        for i in np.flatnonzero((goal > 0) & (have == 0)):
            raise TargetsError(
                f"{targets.where(m.key, raws[i])}code {_show(m.cells[i])} of {m.label!r} has a target of "
                f"{m.targets[i]:g} but no respondents with a weight: drop the target or merge the cell with another"
            )
        for i in np.flatnonzero((goal == 0) & (have > 0))[:1]:
            n = int(np.sum((m.codes == i) & (base > 0)))
            raise TargetsError(
                f"{targets.where(m.key, raws[i])}code {_show(m.cells[i])} of {m.label!r} has a target of 0 but "
                f"{n} respondents with a weight: give it a target or leave those respondents out"
            )
        goals.append(goal)
    return goals


def _show(cell: Cell) -> str:
    parts = cell if isinstance(cell, tuple) else (cell,)
    return "*".join("missing" if c is None else str(c) for c in parts)


def _factors(codes: np.ndarray, w: np.ndarray, goal: np.ndarray) -> np.ndarray:
    have = np.bincount(codes, weights=w, minlength=len(goal))
    return np.where(have > 0, goal / np.where(have > 0, have, 1.0), 1.0)


def _margins_met(margins: list[ResolvedMargin], goals: list[np.ndarray], w: np.ndarray, tolerance: float) -> bool:
    """Every margin cell within ``tolerance`` of its target (with trimming, a pass can stop
    changing the weights without meeting the margins: the bounds then cannot be met)."""
    return all(np.max(np.abs(np.bincount(m.codes, weights=w, minlength=m.levels) - g)) < tolerance for m, g in zip(margins, goals))


def _trim(w: np.ndarray, trim: tuple[float, float]) -> tuple[np.ndarray, int]:
    mean = w[w > 0].mean()
    low, high = trim[0] * mean, trim[1] * mean
    out = np.where(w > 0, np.clip(w, low, high), 0.0)
    return out, int(np.sum((w > 0) & ((w <= low) | (w >= high))))


def _check_trim(trim: tuple[float, float] | None) -> tuple[float, float] | None:
    if trim is None:
        return None
    try:
        low, high = (float(x) for x in trim)
    except (TypeError, ValueError):
        raise UsageError(argument="trim", value=trim, expected="(low, high) multiples of the mean weight") from None
    if not (0 <= low <= 1 <= high) or low == high:
        raise UsageError(argument="trim", value=trim, expected="bounds with 0 ≤ low ≤ 1 ≤ high (multiples of the mean weight)")
    return low, high


def _table(margins: list[ResolvedMargin], goals: list[np.ndarray], base: np.ndarray, w: np.ndarray) -> tuple[pl.DataFrame, float]:
    """The report of the margins, over the respondents in the raking (``base`` > 0 or zero weights)."""
    rows, error = [], 0.0
    total = goals[0].sum()
    for m, goal in zip(margins, goals):
        s = len(m.cells)
        achieved = np.bincount(m.codes, weights=w, minlength=m.levels)[:s]
        before = np.bincount(m.codes, weights=base, minlength=m.levels)[:s]
        n = np.bincount(m.codes, weights=(base > 0).astype(float), minlength=m.levels)[:s]
        error = max(error, float(np.max(np.abs(achieved - goal[:s])) / total))
        for i in range(s):
            rows.append((m.label, _show(m.cells[i]), int(n[i]), float(before[i]), float(goal[i]), float(achieved[i]),
                         float(achieved[i] - goal[i]), float(goal[i] / total), float(achieved[i] / w.sum())))  # fmt: skip
    schema = {"margin": pl.String, "code": pl.String, "n": pl.Int64, "base": pl.Float64, "target": pl.Float64,
              "achieved": pl.Float64, "error": pl.Float64, "target_share": pl.Float64, "achieved_share": pl.Float64}  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row"), error


def _left_out(responses: Responses, margins: list[ResolvedMargin], base: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    """Respondents left out of the raking (a blank answer, ``missing="unweighted"``), and what was
    done with blank answers, in words."""
    out = np.logical_or.reduce([m.blank for m in margins]) & (base > 0)
    notes = []
    for m in margins:
        own = [i for i, c in enumerate(m.cells) if c is None or (isinstance(c, tuple) and None in c)]
        if own:
            n = int(np.isin(m.codes, own).sum())
            notes.append(f"Blank answers to {m.label} raked as a cell of their own ({respondents(n)}), to the target of `missing`")
    if out.any():
        names = ", ".join(m.label for m in margins if m.blank.any())
        notes.append(
            f"{respondents(int(out.sum()))} with no answer to {names} ({responses.describe_rows(np.flatnonzero(out))}) were left out "
            "of the raking at their input weight"
        )
    return out, tuple(notes)


class _Report(TypedDict):
    """How the fitting went: the fields of :class:`WeightingResult` that :func:`_result` passes on as given."""

    converged: bool
    iterations: int
    history: tuple[float, ...]
    tolerance: float
    trim: tuple[float, float] | None
    n_trimmed: int


def _result(
    responses: Responses,
    w: np.ndarray,
    stage: Stage,
    prior: Calibration | None,
    method: str,
    margins: list[ResolvedMargin],
    goals: list[np.ndarray],
    base: np.ndarray,
    out: np.ndarray,
    notes: tuple[str, ...],
    **report: Unpack[_Report],
) -> WeightingResult:
    """``base``: the input weights; ``out``: respondents left out of the fitting, who keep them."""
    calibration = prior.then(stage) if prior is not None else Calibration((stage,))
    w = np.where(out, base, w)
    data = responses.data.with_columns(pl.Series("weight", w, dtype=pl.Float64))
    weighted = CalibratedResponses(responses.instrument, data, source=responses.source, weight="weight",
                                   strata=responses.strata, cluster=responses.cluster, calibration=calibration, rows=responses.rows)  # fmt: skip
    table, error = _table(margins, goals, np.where(out, 0.0, base), np.where(out, 0.0, w))
    return WeightingResult(weighted, method, max_margin_error=error, base_weights=base, table=table,
                           n_unweighted=int(out.sum()), notes=notes, **report)  # fmt: skip


# ---------------------------------------------------------------------------------- weighting
def rake(
    responses: Responses,
    targets: Targets,
    *,
    max_iter: int = 50,
    epsilon: float = 1e-10,
    trim: tuple[float, float] | None = None,
    base_weights: str | None = None,
    missing: MissingMode = None,
) -> WeightingResult:
    """Rake the weights to every margin of ``targets`` (iterative proportional fitting; R's
    ``rake``), starting from the responses' weights or the column ``base_weights``.

    ``max_iter`` passes at most; convergence when a pass changes no cell of the weighted
    cross-table of the raking variables by ``epsilon`` or more (a fraction of the sum of the
    input weights when below 1, as R). ``trim=(low, high)``: multiples of the mean weight, applied
    after every pass (see the module docstring); with trimming, convergence also needs every margin
    cell within that tolerance of its target. Warns (``RuntimeWarning``) when not converged.

    ``missing``: what to do with blank answers to a raking variable (``None``: an error naming the
    rows, unless the targets give ``missing`` a target; ``"own-cell"``; ``"unweighted"``; see the
    module docstring).
    """
    missing = check_missing(missing)
    if max_iter < 1:
        raise UsageError(argument="max_iter", value=max_iter, expected="at least 1")
    if not epsilon > 0:
        raise UsageError(argument="epsilon", value=epsilon, expected="a positive number")
    bounds = _check_trim(trim)
    inputs, prior = _base(responses, base_weights)
    margins = targets.resolve(responses, inputs, missing=missing)
    out, notes = _left_out(responses, margins, inputs)
    base = np.where(out, 0.0, inputs)  # those left out take no part in the fitting
    goals = _goals(targets, margins, base)
    joint = np.unique(np.stack([m.codes for m in margins], axis=1), axis=0, return_inverse=True)[1].reshape(-1)
    tolerance = epsilon * base.sum() if epsilon < 1 else epsilon
    w = base.copy()
    old = np.bincount(joint, weights=w)
    history: list[float] = []
    converged, n_trimmed = False, 0
    steps: list[np.ndarray] = []
    for _ in range(max_iter):
        steps = []
        for m, goal in zip(margins, goals):
            w = w * _factors(m.codes, w, goal)[m.codes]
            steps.append(w)
        if bounds is not None:
            w, n_trimmed = _trim(w, bounds)
        new = np.bincount(joint, weights=w)
        history.append(float(np.max(np.abs(new - old))))
        old = new
        if history[-1] < tolerance and (bounds is None or _margins_met(margins, goals, w, tolerance)):
            converged = True
            break
    if not converged:
        hint = ": the trimming bounds may be too tight for the targets" if bounds is not None else ""
        warnings.warn(
            f"raking did not converge after {max_iter} iterations (last change {history[-1]:.3g}, tolerance {tolerance:.3g}){hint}",
            RuntimeWarning,
            stacklevel=2,
        )
    stage = Stage("rake", tuple(Margin(m.label, m.codes, m.levels, psw, (psw > 0).astype(np.float64)) for m, psw in zip(margins, steps)))
    return _result(responses, w, stage, prior, "rake", margins, goals, inputs, out, notes, converged=converged, iterations=len(history),
                   history=tuple(history), tolerance=tolerance, trim=bounds, n_trimmed=n_trimmed)  # fmt: skip


def poststratify(
    responses: Responses, targets: Targets, variable: Key | None = None, *, base_weights: str | None = None, missing: MissingMode = None
) -> WeightingResult:
    """Post-stratify the weights to one margin of ``targets`` (R's ``postStratify``): one
    variable, or a cross of variables given as a joint table (``sector*region``). ``variable``
    picks the margin when ``targets`` holds several; ``missing`` as for :func:`rake`."""
    missing = check_missing(missing)
    if variable is None:
        if len(targets.keys) != 1:
            raise UsageError(f"poststratify uses one margin, and the targets hold {len(targets.keys)}: give variable=, or use rake")
        key = targets.keys[0]
    else:
        key = _pick(targets, variable)
    inputs, prior = _base(responses, base_weights)
    (margin,) = targets.resolve(responses, inputs, [key], missing=missing)
    out, notes = _left_out(responses, [margin], inputs)
    base = np.where(out, 0.0, inputs)
    (goal,) = _goals(targets, [margin], base)
    have = np.bincount(margin.codes, weights=base, minlength=margin.levels)
    w = base * _factors(margin.codes, base, goal)[margin.codes]
    stage = Stage("poststratify", (Margin(margin.label, margin.codes, margin.levels, w, base.copy()),))
    return _result(responses, w, stage, prior, "poststratify", [margin], [goal], inputs, out, notes, converged=True, iterations=1,
                   history=(float(np.max(np.abs(goal - have))),), tolerance=0.0, trim=None, n_trimmed=0)  # fmt: skip


def _pick(targets: Targets, variable: Key) -> Key:
    names = tuple(variable) if isinstance(variable, (tuple, list)) else tuple(p.strip() for p in str(variable).split("*"))
    key = names[0] if len(names) == 1 else names
    if key not in targets.margins:
        shown = ", ".join("*".join(k) if isinstance(k, tuple) else k for k in targets.keys)
        raise UnknownNameError(name=str(variable), kind=f"a margin of the targets (they have: {shown})", known=shown.split(", "))
    return key
