"""Survey-weighted regression: R ``survey``'s ``svyglm``, on the one :class:`~.design.Design`.

**The fit** is the model's maximum-likelihood fit with the design's weights as prior weights
(R's ``glm(weights = )``; their scale does not change the fit): weighted least squares for the
linear model, iteratively reweighted least squares for the logistic one (to a relative change of
the deviance under 1e-12, tighter than R's default 1e-8).

**The variance** is the sandwich R's ``svy.varcoef`` computes: each respondent's estimating
function ``u_i = w_i x_i (y_i − μ_i)`` (the canonical links' score), times ``A⁻¹ = (Xᵀ W X)⁻¹``
with W the working weights, is a linearised variable of the coefficients, and its design-based
variance is that of every other estimate (:func:`~.variance.psu_totals`,
:func:`~.variance.vcov_totals`: strata, clusters, a lonely PSU and a calibration as there).

**Rows with a missing outcome or predictor** are left out as R's ``na.omit`` leaves them: out of
the fit, and a domain of the full design for the variance (their ``u`` is 0; each stratum keeps
its number of PSUs, as R's ``design[-nas, ]`` pads the missing PSUs with zeros).

**Degrees of freedom** are R's ``df.residual`` of a ``svyglm``: the design degrees of freedom of
the rows used (PSUs − strata, :meth:`.Design.degf`) + 1 − the number of coefficients. p-values
are two-sided t tests on them (``summary.svyglm``) and intervals are Wald intervals with the t
quantile (``confint.svyglm``'s default).

Written here, not taken from statsmodels: statsmodels' GLM weights the data but its robust
covariances know clusters only, not strata within which PSUs are centred, nor calibration; the
fit itself is a few lines of linear algebra, and the variance is the one every estimate uses.

>>> d = Design.from_arrays(n=6)
>>> fit = svyglm(d, np.array([[1.0], [2.0], [3.0], [4.0], [5.0], [6.0]]), np.array([1.0, 3.0, 2.0, 5.0, 4.0, 6.0]), ["x"])
>>> fit.terms, [round(float(b), 4) for b in fit.coef], fit.df
(('(Intercept)', 'x'), [0.4, 0.8857], 4)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from ..errors import RefusedError, UsageError
from ._dist import t_ppf, t_sf
from .design import Design
from .variance import psu_totals, vcov_totals

__all__ = ["FAMILIES", "INTERCEPT", "Family", "GLMFit", "ModelError", "svyglm"]

Family = Literal["linear", "logistic"]
FAMILIES: tuple[str, ...] = ("linear", "logistic")
INTERCEPT = "(Intercept)"
#: A column whose part not explained by the columns before it is under this share of its own
#: size is aliased (R's ``lm``/``glm`` QR tolerance, 1e-7).
ALIAS_TOLERANCE = 1e-7
#: Fitted probabilities this close to 0 or 1 mean that the predictors separate the outcome.
SEPARATION = 1e-8


class ModelError(RefusedError):
    """The model cannot be fitted on these data: a predictor is aliased with the others, the
    outcome has one value only, or no respondent has every value the model needs."""


@dataclass(frozen=True)
class GLMFit:
    """A fitted model: a coefficient per term (the intercept first), their design-based
    variance–covariance matrix, the residual degrees of freedom and the respondents used."""

    terms: tuple[str, ...]
    coef: npt.NDArray[np.float64]
    vcov: npt.NDArray[np.float64]
    df: int
    n: int
    family: str
    iterations: int
    converged: bool
    separated: bool

    @property
    def se(self) -> npt.NDArray[np.float64]:
        se: npt.NDArray[np.float64] = np.sqrt(np.clip(np.diag(self.vcov), 0.0, None))
        return se

    def rows(self, level: float = 0.95) -> list[dict[str, object]]:
        """One record per term: ``term, estimate, se, ci_low, ci_high, p_value, df, n`` and, for
        the logistic model, ``odds_ratio, or_low, or_high`` (the exponentials). With no degrees
        of freedom left, p-values and intervals are NaN (R gives NaN too)."""
        se = self.se
        with np.errstate(divide="ignore", invalid="ignore"):
            t = self.coef / se
        if self.df > 0:
            p = 2.0 * np.asarray(t_sf(np.abs(t), float(self.df)))
            half = float(t_ppf(1.0 - (1.0 - level) / 2.0, float(self.df))) * se
        else:
            p = half = np.full(len(self.terms), np.nan)
        out: list[dict[str, object]] = []
        for j, term in enumerate(self.terms):
            row: dict[str, object] = {"term": term, "estimate": float(self.coef[j]), "se": float(se[j]),
                                      "ci_low": float(self.coef[j] - half[j]), "ci_high": float(self.coef[j] + half[j]),
                                      "p_value": float(p[j]), "df": self.df, "n": self.n}  # fmt: skip
            if self.family == "logistic":
                row |= {"odds_ratio": float(np.exp(self.coef[j])), "or_low": float(np.exp(self.coef[j] - half[j])),
                        "or_high": float(np.exp(self.coef[j] + half[j]))}  # fmt: skip
            out.append(row)
        return out


def svyglm(
    design: Design,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    names: Sequence[str],
    family: Family = "linear",
    *,
    max_iterations: int = 100,
    tolerance: float = 1e-12,
) -> GLMFit:
    """Fit ``y`` on an intercept and the columns of ``x`` (n × p, named ``names``) over ``design``.
    NaN in ``y`` or a row of ``x`` leaves that respondent out (see the module's docstring);
    ``family`` is ``linear`` (identity link) or ``logistic`` (logit link; ``y`` is 0 or 1)."""
    if family not in FAMILIES:
        raise UsageError(argument="family", value=family, expected=" or ".join(FAMILIES))
    xs = np.asarray(x, dtype=np.float64).reshape(design.n, -1)
    ys = np.asarray(y, dtype=np.float64).reshape(-1)
    if ys.shape[0] != design.n or xs.shape[1] != len(names):
        raise UsageError(f"the model has {ys.shape[0]} outcomes and {xs.shape[1]} predictor columns named {list(names)} "
                         f"for {design.n} respondents")  # fmt: skip
    used = np.isfinite(ys) & np.isfinite(xs).all(axis=1)
    w = np.where(used, design.weights, 0.0)
    fit_rows = used & (w > 0)
    n = int(fit_rows.sum())
    terms = (INTERCEPT, *names)
    if n == 0:
        raise ModelError("no respondent has an answer to the outcome and to every predictor")
    big = np.column_stack([np.ones(int(fit_rows.sum())), xs[fit_rows]])
    yy, ww = ys[fit_rows], w[fit_rows] / design.weights.mean()  # R's svyglm(rescale = TRUE): the same fit, R's path to it
    if family == "logistic" and not np.isin(yy, (0.0, 1.0)).all():
        raise UsageError(argument="outcome", value=sorted(set(np.unique(yy).tolist()))[:5], expected="0 or 1 for a logistic model")
    if np.unique(yy).size < 2:
        raise ModelError(f"the outcome is {yy[0]:g} for every respondent used ({n}): there is nothing to explain")
    _check_aliases(big, ww, terms)
    if family == "linear":
        coef, work, resid, iterations, converged = _linear(big, yy, ww)
    else:
        coef, work, resid, iterations, converged = _logistic(big, yy, ww, max_iterations, tolerance)
    a_inv = np.linalg.inv((big * work[:, None]).T @ big)
    z = np.zeros((design.n, len(terms)))
    z[fit_rows] = (big * (work * resid)[:, None]) @ a_inv  # R's estfun: x × working residual × working weight
    vcov = vcov_totals(design, psu_totals(design, z))
    df = design.degf(domain=used) + 1 - len(terms)
    fitted = big @ coef
    separated = family == "logistic" and bool(np.any(np.abs(fitted) > np.log((1 - SEPARATION) / SEPARATION)))
    return GLMFit(terms, coef, vcov, df, n, family, iterations, converged, separated)


def _check_aliases(x: np.ndarray, w: np.ndarray, terms: Sequence[str]) -> None:
    """Refuse a column that the ones before it explain (R would give it the coefficient NA),
    naming it: sequential Gram–Schmidt on the weighted columns, R's order of aliasing."""
    q = x * np.sqrt(w)[:, None]
    basis: list[np.ndarray] = []
    for j in range(q.shape[1]):
        v = q[:, j].copy()
        size = np.linalg.norm(v)
        for b in basis:
            v -= (b @ v) * b
        left = np.linalg.norm(v)
        if size == 0 or left <= ALIAS_TOLERANCE * size:
            what = "is the same for every respondent used" if j and np.ptp(x[:, j]) == 0 else "is explained by the terms before it"
            raise ModelError(f"the predictor {terms[j]} {what} (R would give it no coefficient): leave it out, "
                             f"or merge its answers with another")  # fmt: skip
        basis.append(v / left)


def _linear(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, bool]:
    root = np.sqrt(w)
    coef = np.linalg.lstsq(x * root[:, None], y * root, rcond=None)[0]
    return coef, w, y - x @ coef, 1, True


def _logistic(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, max_iterations: int, tolerance: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, bool]:
    """Iteratively reweighted least squares from R's starting values, as R's ``glm.fit``; returns
    the coefficients, the working weights ``w μ(1−μ)`` of the last iteration (those of the fit's
    last solve, which R's ``summary.glm`` inverts and ``svy.varcoef`` multiplies by), the working
    residuals ``(y − μ) / μ(1−μ)`` at the coefficients returned, the iterations and whether the
    deviance converged."""
    from scipy.special import expit, xlogy

    mu = (w * y + 0.5) / (w + 1.0)
    eta = np.log(mu / (1.0 - mu))
    deviance = -2.0 * float(np.sum(w * (xlogy(y, mu) + xlogy(1.0 - y, 1.0 - mu))))
    coef = np.zeros(x.shape[1])
    work = w * mu * (1.0 - mu)
    converged = False
    iteration = 0
    for iteration in range(1, max_iterations + 1):  # noqa: B007 - the count is returned
        var = np.clip(mu * (1.0 - mu), 1e-300, None)
        work = w * var
        z = eta + (y - mu) / var
        coef = np.linalg.solve((x * work[:, None]).T @ x, (x * work[:, None]).T @ z)
        eta = x @ coef
        mu = expit(eta)
        new = -2.0 * float(np.sum(w * (xlogy(y, mu) + xlogy(1.0 - y, 1.0 - mu))))
        if abs(new - deviance) / (abs(new) + 0.1) < tolerance:
            converged = True
            break
        deviance = new
    return coef, work, (y - mu) / np.clip(mu * (1.0 - mu), 1e-300, None), iteration, converged
