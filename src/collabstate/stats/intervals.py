"""Confidence intervals for shares and means, vectorised over estimates.

Shares (``p`` on 0–1):

``wilson``  (default) Wilson score interval on the effective base ``n_eff`` (Kish), normal quantile.
``logit``   as R ``svyciprop(method="logit")``: ``expit(logit p ± t·se/(p(1−p)))``, t on the
            domain's design degrees of freedom.
``beta``    Korn–Graubard, as R ``svyciprop(method="beta")``: effective n = p(1−p)/var, scaled by
            (qt(α/2, nrow−1)/qt(α/2, degf))², then Clopper–Pearson beta quantiles.
``wald``    p ± z·se, clipped to [0, 1].

Means: ``t_interval`` (estimate ± t·se with the domain's design degrees of freedom).

Shares of exactly 0 or 1 (every answer the same): ``wilson`` and ``beta`` stay informative
(``beta`` then uses the Kish effective base, since the design variance is 0 and R would give
NaN); ``logit`` and ``wald`` have a zero standard error there and give the degenerate interval
[p, p] (R's ``svyciprop`` logit gives roughly [0, 1] from a diverging fit); prefer ``wilson``
or ``beta`` for small shares. An interval that cannot be computed (degrees of freedom < 1, no
base) is NaN, never an exception.

>>> import numpy as np
>>> lo, hi = wilson(np.array([0.5]), np.array([100.0]))
>>> round(float(lo[0]), 4), round(float(hi[0]), 4)
(0.4038, 0.5962)
"""

from __future__ import annotations

from typing import Literal, cast

import numpy as np
import numpy.typing as npt

from ..errors import UsageError
from ._dist import beta_ppf, norm_ppf, t_ppf

__all__ = [
    "CI_METHODS",
    "check_level",
    "check_method",
    "korn_graubard",
    "logit_interval",
    "proportion_interval",
    "t_interval",
    "wald",
    "wilson",
]

CIMethod = Literal["wilson", "logit", "beta", "wald"]
CI_METHODS: tuple[str, ...] = ("wilson", "logit", "beta", "wald")


def check_level(level: float) -> float:
    """``level`` if it is a confidence level (strictly between 0 and 1), else a :class:`UsageError`."""
    if not 0 < level < 1:
        raise UsageError(argument="level", value=level, expected="a confidence level between 0 and 1, such as 0.95")
    return level


def check_method(method: str) -> CIMethod:
    """``method`` if it is one of :data:`CI_METHODS`, else a :class:`UsageError`."""
    if method not in CI_METHODS:
        raise UsageError(argument="ci", value=method, expected=f"one of {', '.join(CI_METHODS)}")
    return cast("CIMethod", method)


def _check_level(level: float) -> float:
    return 1.0 - check_level(level)


def _f(x: npt.ArrayLike | None) -> npt.NDArray[np.float64]:
    """As a float array of at least one dimension; None (a base or degrees of freedom not given) is NaN: no interval."""
    return np.atleast_1d(np.asarray(x, dtype=np.float64))


def _t_quantile(q: float, df: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """qt(q, df) with NaN for df < 1 (R gives NaN for df = 0)."""
    df = _f(df)
    out = np.full(df.shape, np.nan)
    ok = df >= 1
    out[ok] = t_ppf(q, df[ok])
    return out


def wilson(p: npt.ArrayLike, n_eff: npt.ArrayLike | None, level: float = 0.95) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Wilson score interval with the effective base in place of n."""
    alpha = _check_level(level)
    p, n = _f(p), _f(n_eff)
    z = norm_ppf(1 - alpha / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        z2n = z * z / n
        centre = (p + z2n / 2) / (1 + z2n)
        half = z / (1 + z2n) * np.sqrt(p * (1 - p) / n + z2n / (4 * n))
        low, high = centre - half, centre + half
    bad = ~(n > 0) | np.isnan(p)
    low = np.where(p <= 0, 0.0, np.clip(low, 0, 1))  # exact at the edges, whatever the rounding
    high = np.where(p >= 1, 1.0, np.clip(high, 0, 1))
    low[bad] = high[bad] = np.nan
    return low, high


def wald(p: npt.ArrayLike, se: npt.ArrayLike, level: float = 0.95) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """p ± z·se, clipped to [0, 1]; [p, p] when se = 0."""
    alpha = _check_level(level)
    p, se = _f(p), _f(se)
    z = norm_ppf(1 - alpha / 2)
    return np.clip(p - z * se, 0, 1), np.clip(p + z * se, 0, 1)


def logit_interval(
    p: npt.ArrayLike, se: npt.ArrayLike, df: npt.ArrayLike | None, level: float = 0.95
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """R ``svyciprop(method="logit")``: Wald interval on the logit scale, t with ``df``."""
    alpha = _check_level(level)
    p, se = _f(p), _f(se)
    t = _t_quantile(1 - alpha / 2, np.broadcast_to(_f(df), p.shape))
    inside = (p > 0) & (p < 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        lg = np.log(p / (1 - p))
        half = t * se / (p * (1 - p))
        low = 1 / (1 + np.exp(-(lg - half)))
        high = 1 / (1 + np.exp(-(lg + half)))
    low = np.where(inside, low, p)
    high = np.where(inside, high, p)
    nodf = np.isnan(t)
    low[nodf] = high[nodf] = np.nan
    return low, high


def korn_graubard(
    p: npt.ArrayLike,
    se: npt.ArrayLike,
    nrow: npt.ArrayLike | None,
    df: npt.ArrayLike | None,
    level: float = 0.95,
    n_eff: npt.ArrayLike | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """R ``svyciprop(method="beta")`` (Korn–Graubard).

    ``nrow`` is the number of rows of the domain subset, ``df`` its design degrees of freedom.
    Where the design variance is 0 (p = 0 or 1) the effective n falls back to ``n_eff`` (Kish;
    ``nrow`` when not given) before the degrees-of-freedom scaling.
    """
    alpha = _check_level(level)
    p, se = _f(p), _f(se)
    nrow = np.broadcast_to(_f(nrow), p.shape)
    df = np.broadcast_to(_f(df), p.shape)
    fallback = nrow if n_eff is None else np.broadcast_to(_f(n_eff), p.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        neff = p * (1 - p) / (se * se)
        neff = np.where(np.isfinite(neff) & (neff > 0), neff, fallback)
        neff = neff * (_t_quantile(alpha / 2, nrow - 1) / _t_quantile(alpha / 2, df)) ** 2
        low = beta_ppf(alpha / 2, neff * p, neff * (1 - p) + 1)
        high = beta_ppf(1 - alpha / 2, neff * p + 1, neff * (1 - p))
    ok = np.isfinite(neff) & (neff > 0) & ~np.isnan(p)
    low = np.where(ok & (p <= 0), 0.0, low)
    high = np.where(ok & (p >= 1), 1.0, high)
    low[~ok] = high[~ok] = np.nan
    return low, high


def t_interval(
    estimate: npt.ArrayLike, se: npt.ArrayLike, df: npt.ArrayLike, level: float = 0.95
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """estimate ± qt(1−α/2, df)·se (R ``confint(svymean(...), df=degf(design))``)."""
    alpha = _check_level(level)
    est, se = _f(estimate), _f(se)
    t = _t_quantile(1 - alpha / 2, np.broadcast_to(_f(df), est.shape))
    return est - t * se, est + t * se


def proportion_interval(
    method: CIMethod,
    p: npt.ArrayLike,
    se: npt.ArrayLike,
    *,
    n_eff: npt.ArrayLike | None = None,
    nrow: npt.ArrayLike | None = None,
    df: npt.ArrayLike | None = None,
    level: float = 0.95,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Dispatch to the share interval ``method`` (one of :data:`CI_METHODS`)."""
    if method == "wilson":
        return wilson(p, n_eff, level)
    if method == "logit":
        return logit_interval(p, se, df, level)
    if method == "beta":
        return korn_graubard(p, se, nrow, df, level, n_eff=n_eff)
    if method == "wald":
        return wald(p, se, level)
    check_method(method)
    raise AssertionError(method)  # every method is handled above
