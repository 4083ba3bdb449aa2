"""Key drivers: Johnson's relative weights, with design-based intervals from the jackknife.

**Relative weights** (Johnson 2000) share a linear model's R² among correlated predictors. From
the weighted correlations of the predictors ``Rxx`` and with the outcome ``rxy``: with
``Rxx = V Λ Vᵀ``, ``Λ* = V Λ^½ Vᵀ`` relates the predictors to their closest orthogonal
counterparts, ``β = Λ*⁻¹ rxy`` regresses the outcome on those, and predictor j's raw weight is
``Σ_k Λ*_jk² β_k²``. The raw weights sum to the model's R²; importance is raw / R². A
single-choice predictor enters as its dummies, and its raw weight is the sum of theirs (the
share of R² the question carries). A 0/1 outcome is treated as an amount (a linear probability
model), as Johnson's method is defined on correlations; the coefficients of ``collabstate model``
give the logistic view.

**Intervals** come from the delete-one-PSU jackknife with the design's structure (R's
``as.svrepdesign(type = "JKn")``): each replicate drops one PSU and multiplies the weights of the
other PSUs of its stratum by n_h / (n_h − 1); the variance is
``Σ_h (n_h − 1)/n_h Σ_c (θ_hc − θ̄)²``, θ̄ the mean of every replicate (R's default). A stratum of a single PSU has no replicate and adds
nothing. Why the jackknife and not the bootstrap: the same numbers on every run (no seed), one
replicate per PSU, and R computes the very same replicates, which the tests use. Each replicate
costs one p × p eigen-decomposition: the weighted cross-products of each PSU are summed once, and a
replicate's are the total less its PSU's plus its stratum's rescaling. The interval is the estimate
± t on the design's degrees of freedom × the jackknife SE, kept within [0, R²] for raw weights and
[0, 1] for importance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..errors import UsageError
from ._dist import t_ppf
from .design import Design
from .glm import ModelError

__all__ = ["RelativeWeights", "jackknife_moments", "relative_weights", "weights_from_moments"]


@dataclass(frozen=True)
class RelativeWeights:
    """Per predictor: ``raw`` (its share of R², summing to ``r2``), ``importance`` (raw / R²),
    their jackknife standard errors and intervals; ``n`` respondents used."""

    predictors: tuple[str, ...]
    raw: npt.NDArray[np.float64]
    importance: npt.NDArray[np.float64]
    raw_se: npt.NDArray[np.float64]
    importance_se: npt.NDArray[np.float64]
    r2: float
    r2_se: float
    df: int
    n: int
    replicates: int

    def intervals(self, level: float = 0.95) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """``(low, high)`` of importance: estimate ± t(df) × SE, within [0, 1]."""
        t = float(t_ppf(1.0 - (1.0 - level) / 2.0, float(self.df))) if self.df > 0 else np.nan
        return np.clip(self.importance - t * self.importance_se, 0.0, 1.0), np.clip(self.importance + t * self.importance_se, 0.0, 1.0)


def weights_from_moments(m: npt.NDArray[np.float64], groups: Sequence[int]) -> tuple[npt.NDArray[np.float64], float]:
    """Raw relative weights per group and R² from weighted moments ``m`` = Σ w u uᵀ with
    ``u = (1, x_1 … x_p, y)``: (groups' raw weights, R²)."""
    total = m[0, 0]
    mean = m[0] / total
    cov = m[1:, 1:] / total - np.outer(mean[1:], mean[1:])
    sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    corr = cov / np.outer(sd, sd)
    rxx, rxy = corr[:-1, :-1], corr[:-1, -1]
    values, vectors = np.linalg.eigh(rxx)
    lam = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
    beta = np.linalg.solve(lam, rxy)
    raw = (lam**2) @ (beta**2)
    shares: npt.NDArray[np.float64] = np.bincount(np.asarray(groups), weights=raw).astype(np.float64)
    return shares, float(beta @ beta)


def jackknife_moments(
    design: Design, u: npt.NDArray[np.float64], weights: npt.NDArray[np.float64]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The replicates' moments Σ w_r u uᵀ of the JKn jackknife (one per PSU of a stratum with two
    or more), with each replicate's stratum and factor (n_h − 1)/n_h: ``(moments (R × k × k),
    stratum (R,), factor (R,))``."""
    k = u.shape[1]
    per = np.empty((design.n_psu, k, k))
    for a in range(k):  # k(k+1)/2 passes of bincount: no n × k × k array
        wa = weights * u[:, a]
        for b in range(a, k):
            per[:, a, b] = per[:, b, a] = np.bincount(design.psu, weights=wa * u[:, b], minlength=design.n_psu)
    total = per.sum(axis=0)
    stratum_of = design.psu_stratum
    nh = design.psu_per_stratum[stratum_of].astype(np.float64)
    strata_sums = np.zeros((design.n_strata, k, k))
    np.add.at(strata_sums, stratum_of, per)
    keep = nh > 1
    scale = (nh / np.maximum(nh - 1.0, 1.0))[:, None, None]
    moments = total[None] - strata_sums[stratum_of] + scale * (strata_sums[stratum_of] - per)
    return moments[keep], stratum_of[keep], ((nh - 1.0) / nh)[keep]


def _jk_se(replicates: np.ndarray, factor: np.ndarray) -> npt.NDArray[np.float64]:
    """The jackknife SE per column of ``replicates`` (R × m): √(Σ_r f_r (θ_r − θ̄)²), with θ̄
    the replicates' mean, as R's ``svrVar`` with ``survey.replicates.mse = FALSE`` (its default)."""
    centred = replicates - replicates.mean(axis=0)
    se: npt.NDArray[np.float64] = np.sqrt((factor[:, None] * centred**2).sum(axis=0))
    return se


def relative_weights(
    design: Design, x: npt.ArrayLike, y: npt.ArrayLike, names: Sequence[str], groups: Sequence[int] | None = None
) -> RelativeWeights:
    """Relative weights of the columns of ``x`` (n × p) for ``y`` over ``design``; ``groups``
    gives each column's predictor (0 … g−1, e.g. a question's dummies share one) and ``names``
    the predictors. Rows with a NaN are left out (their weight is 0 in every replicate)."""
    xs = np.asarray(x, dtype=np.float64).reshape(design.n, -1)
    ys = np.asarray(y, dtype=np.float64).reshape(-1)
    group_of = list(range(xs.shape[1])) if groups is None else list(groups)
    if len(group_of) != xs.shape[1] or len(names) != max(group_of, default=-1) + 1:
        raise UsageError(f"{xs.shape[1]} predictor columns in {len(names)} predictors: expected a group per column")
    used = np.isfinite(ys) & np.isfinite(xs).all(axis=1)
    weights = np.where(used, design.weights, 0.0)
    n = int((weights > 0).sum())
    if n <= xs.shape[1] + 1:
        raise ModelError(f"{n} respondents have the outcome and every predictor: too few for {xs.shape[1]} predictor columns")
    u = np.column_stack([np.ones(design.n), np.where(used[:, None], xs, 0.0), np.where(used, ys, 0.0)])
    full = (weights[:, None] * u).T @ u
    sd = np.sqrt(np.clip(np.diag(full)[1:] / full[0, 0] - (full[0, 1:] / full[0, 0]) ** 2, 0.0, None))
    if (flat := [j for j in range(xs.shape[1]) if sd[j] == 0]) or sd[-1] == 0:
        what = f"predictor column {flat[0] + 1} ({names[group_of[flat[0]]]})" if flat else "the outcome"
        raise ModelError(f"{what} is the same for every respondent used: it cannot share in explaining anything")
    raw, r2 = weights_from_moments(full, group_of)
    moments, _stratum, factor = jackknife_moments(design, u, weights)
    reps = np.array([np.append(*weights_from_moments(m, group_of)) for m in moments]) if len(moments) else np.empty((0, len(raw) + 1))
    importance_reps = reps[:, :-1] / reps[:, -1:]
    se = _jk_se(reps, factor) if len(reps) else np.full(len(raw) + 1, np.nan)
    importance_se = _jk_se(importance_reps, factor) if len(reps) else np.full(len(raw), np.nan)
    return RelativeWeights(tuple(names), raw, raw / r2, se[:-1], importance_se, r2, float(se[-1]), design.degf(domain=used), n, len(reps))
