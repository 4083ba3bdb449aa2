"""Calibrated designs: what a post-stratification or a raking leaves in the design, and the
variance it implies, exactly as R ``survey`` computes it.

R's ``postStratify`` and ``rake`` store, with the new weights, the post-strata they used; its
``svyrecvar`` then replaces a statistic's linearised variable ``x`` (one value per respondent) by a
residual before the Taylor formula. For one post-stratum variable ``g`` with weights ``psw`` after
the adjustment and ``v`` for the mean,

    x ← x − psw · m[g],   m[s] = Σ_{g=s} v·x/psw / Σ_{g=s} v

- ``postStratify``: one such step; ``v`` is the weight before the adjustment (a weighted mean);
- ``rake``: one step per margin, with the margin's ``psw`` from the last raking iteration and
  ``v = 1`` (R's ``ave()``, an unweighted mean), repeated for 10 sweeps over the margins in order
  (backfitting towards the projection on all margins at once).

Stages apply in the order they were made (raking a post-stratified design adds a second stage).

Two ways to the same residual:

- :meth:`Calibration.residualise` follows R literally on respondent-level vectors;
- the grouped kernel works on sums: the residual is ``x − Σ_k psw_k · c_k[g_k]``, and the
  coefficients ``c`` depend on ``x`` only through ``a_k[s] = Σ_{g_k=s} λ_k x`` (``λ = v/psw``), so
  :meth:`Calibration.coefficients` runs the same sweeps on those small vectors.

One deliberate difference, with zero weights only: a respondent whose weight is 0 takes no part in
the residual (``λ = 0``, ``psw = 0``), so the standard errors are those of the data without such
respondents, as for an uncalibrated design. R's ``postStratify`` gives such a row weight 1 in the
subtraction (it contributes ``−m[g]``), and R's ``rake`` divides 0 by 0 (NaN standard errors).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np

from ..dataset import Responses
from ..errors import UsageError

__all__ = ["RAKE_SWEEPS", "CalibratedResponses", "Calibration", "Margin", "Stage"]

#: Sweeps over the margins of a raking in R's ``svyrecvar`` (``for (iterations in 1:10)``).
RAKE_SWEEPS = 10


@dataclass(frozen=True, eq=False)
class Margin:
    """One post-stratum variable of a calibration, per respondent.

    ``codes``: the respondent's cell, ``0 .. levels-1``; ``weights``: the weights just after the
    adjustment to this margin (R's ``attr(, "weights")``); ``mean_weights``: the weights of the
    post-stratum mean (``v`` in the module docstring).
    """

    name: str
    codes: np.ndarray
    levels: int
    weights: np.ndarray
    mean_weights: np.ndarray

    @cached_property
    def lam(self) -> np.ndarray:
        """``λ = v / psw`` (0 where ``psw`` is 0: such a respondent carries no ``x``)."""
        psw = self.weights
        return np.where(psw > 0, self.mean_weights / np.where(psw > 0, psw, 1.0), 0.0)

    @cached_property
    def size(self) -> np.ndarray:
        """``Σ v`` per cell: the divisor of the post-stratum means."""
        return np.bincount(self.codes, weights=self.mean_weights, minlength=self.levels)


@dataclass(frozen=True, eq=False)
class Stage:
    """One post-stratification (one margin) or one raking (one margin per variable)."""

    kind: Literal["poststratify", "rake"]
    margins: tuple[Margin, ...]

    @property
    def sweeps(self) -> int:
        return 1 if self.kind == "poststratify" else RAKE_SWEEPS


@dataclass(frozen=True, eq=False)
class Calibration:
    """The calibration stages of a design, in order; see the module docstring."""

    stages: tuple[Stage, ...]

    def __post_init__(self) -> None:
        sizes = {len(m.codes) for m in self.margins} | {len(m.weights) for m in self.margins}
        if len(sizes) > 1:
            raise UsageError("every margin of a calibration must describe the same respondents")

    @property
    def n(self) -> int:
        return len(self.margins[0].codes) if self.margins else 0

    @property
    def margins(self) -> list[Margin]:
        return [m for stage in self.stages for m in stage.margins]

    @cached_property
    def offsets(self) -> np.ndarray:
        """Where each margin's cells start among all the calibration's cells."""
        levels = [m.levels for m in self.margins]
        return np.concatenate([[0], np.cumsum(levels)[:-1]]).astype(np.int64) if levels else np.zeros(0, np.int64)

    @property
    def size(self) -> int:
        """Number of cells over all margins."""
        return int(sum(m.levels for m in self.margins))

    def then(self, stage: Stage) -> Calibration:
        """This calibration followed by one more stage (R appends to ``design$postStrata``)."""
        return Calibration((*self.stages, stage))

    # ------------------------------------------------------------------ the residual, as R
    def residualise(self, x: np.ndarray) -> np.ndarray:
        """R's ``svyrecvar`` step on respondent-level columns ``x`` (n × k or n,)."""
        x = np.array(x, dtype=np.float64, copy=True)
        flat = x.ndim == 1
        if flat:
            x = x[:, None]
        for stage in self.stages:
            for _ in range(stage.sweeps):
                for m in stage.margins:
                    u = x * m.lam[:, None]
                    sums = np.stack([np.bincount(m.codes, weights=u[:, j], minlength=m.levels) for j in range(x.shape[1])], axis=1)
                    means = sums / np.where(m.size > 0, m.size, 1.0)[:, None]
                    x -= m.weights[:, None] * means[m.codes]
        return x[:, 0] if flat else x

    # ------------------------------------------------------------------ the residual, from sums
    @cached_property
    def system(self) -> np.ndarray:
        """``Q[(k,s), (j,s')] = Σ λ_k psw_j`` over respondents in cell s of margin k and s' of j."""
        margins, offsets = self.margins, self.offsets
        q = np.zeros((self.size, self.size))
        for mk, ok in zip(margins, offsets):
            for mj, oj in zip(margins, offsets):
                block = np.bincount(mk.codes * mj.levels + mj.codes, weights=mk.lam * mj.weights, minlength=mk.levels * mj.levels)
                q[ok : ok + mk.levels, oj : oj + mj.levels] = block.reshape(mk.levels, mj.levels)
        return q

    def coefficients(self, a: np.ndarray) -> np.ndarray:
        """Coefficients ``c`` (cells × k) of the residual ``x − Σ_k psw_k c_k[g_k]`` from
        ``a = Σ λ x`` per cell (cells × k): the sweeps of :meth:`residualise` on small vectors."""
        q = self.system
        c = np.zeros_like(a, dtype=np.float64)
        margins, offsets = self.margins, self.offsets
        i = 0
        for stage in self.stages:
            block = list(zip(margins[i : i + len(stage.margins)], offsets[i : i + len(stage.margins)]))
            i += len(stage.margins)
            for _ in range(stage.sweeps):
                for m, o in block:
                    rows = slice(o, o + m.levels)
                    size = np.where(m.size > 0, m.size, 1.0)[:, None]
                    c[rows] += (a[rows] - q[rows] @ c) / size
        return c

    def aux_index(self, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per (margin, respondent): the index ``slot · cells + offset + code`` and ``λ``, stacked
        over margins; a bincount of ``λ·v`` over it gives ``a`` per (group slot, cell)."""
        size = self.size
        index = np.concatenate([slots * size + o + m.codes for m, o in zip(self.margins, self.offsets)])
        lam = np.concatenate([m.lam for m in self.margins])
        return index.astype(np.int64), lam

    def describe(self) -> str:
        return "; ".join(f"{s.kind} on {', '.join(m.name for m in s.margins)}" for s in self.stages)


@dataclass(repr=False)
class CalibratedResponses(Responses):
    """Responses whose weights come from a calibration; the design built from them
    (:meth:`~collabstate.stats.Design.from_responses`) carries it, so the variance is R's."""

    calibration: Calibration | None = field(default=None)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.calibration is not None and self.calibration.n != self.n:
            raise UsageError(f"the calibration describes {self.calibration.n} respondents, the data hold {self.n}")

    def __repr__(self) -> str:
        what = self.calibration.describe() if self.calibration else "no calibration"
        return super().__repr__()[:-1] + f"; calibrated: {what}>"
