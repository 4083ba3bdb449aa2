"""The few distribution functions the statistics use, from :mod:`scipy.special`, with the rules of
:mod:`scipy.stats` around them, so that every number is the one ``scipy.stats`` gives, to the bit.

``scipy.stats`` takes most of a second to import (it loads every distribution and test it has);
``scipy.special``, where its t, normal, beta, F and chi-squared functions are computed, a fifth of
that, and it is imported here only when a quantile or a p-value is first asked for. What
``scipy.stats`` adds around the special function is kept: arguments out of range give NaN, a
quantile at 0 or 1 the edge of the support, a survival function below the support 1 and above
it 0 (``tests/stats/test_dist.py`` compares every function with ``scipy.stats`` on random and
edge inputs).

>>> float(t_ppf(0.975, 10.0)), float(norm_ppf(0.975))
(2.228138851986274, 1.959963984540054)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["beta_ppf", "chi2_sf", "f_sf", "norm_ppf", "norm_sf", "t_ppf", "t_sf"]

_Float = npt.NDArray[np.float64]


def _arrays(*values: npt.ArrayLike) -> list[_Float]:
    return [np.asarray(v, dtype=np.float64) for v in np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in values))]


def _shape_ok(args: list[_Float], shape: tuple[int, ...]) -> npt.NDArray[np.bool_]:
    """scipy.stats' default argument check: every shape parameter > 0 (NaN fails)."""
    ok = np.ones(shape, dtype=bool)
    for a in args:
        ok &= a > 0
    return ok


def _out(values: _Float) -> Any:
    return values[()] if values.ndim == 0 else values


def _ppf(special: Callable[..., Any], q: npt.ArrayLike, *args: npt.ArrayLike, low: float, high: float) -> Any:
    """``rv_continuous.ppf``: NaN where an argument is out of range, the support's edges at q = 0
    and 1, else the special function."""
    qq, *shapes = _arrays(q, *args)
    ok = _shape_ok(shapes, qq.shape)
    out = np.full(qq.shape, np.nan)
    out[ok & (qq == 0)] = low
    out[ok & (qq == 1)] = high
    inside = ok & (qq > 0) & (qq < 1)
    if inside.any():
        out[inside] = special(qq[inside], *(s[inside] for s in shapes)) * 1.0 + 0.0  # as scipy.stats: x * scale + loc
    return _out(out)


def _sf(special: Callable[..., Any], x: npt.ArrayLike, *args: npt.ArrayLike, low: float, high: float) -> Any:
    """``rv_continuous.sf``: NaN where an argument is out of range or x is NaN, 1 at or below the
    support, 0 at or above its top, else the special function."""
    xx, *shapes = _arrays(x, *args)
    ok = _shape_ok(shapes, xx.shape)
    out = np.zeros(xx.shape)
    out[~ok | np.isnan(xx)] = np.nan
    out[ok & (xx <= low)] = 1.0
    inside = ok & (xx > low) & (xx < high)
    if inside.any():
        out[inside] = special(xx[inside], *(s[inside] for s in shapes))
    return _out(out)


def t_ppf(q: npt.ArrayLike, df: npt.ArrayLike) -> Any:
    """``scipy.stats.t.ppf(q, df)``: R's ``qt``."""
    from scipy.special import stdtrit

    return _ppf(lambda p, d: stdtrit(d, p), q, df, low=-np.inf, high=np.inf)


def t_sf(x: npt.ArrayLike, df: npt.ArrayLike) -> Any:
    """``scipy.stats.t.sf(x, df)``: R's ``pt(x, df, lower.tail = FALSE)``."""
    from scipy.special import stdtr

    return _sf(lambda v, d: stdtr(d, -v), x, df, low=-np.inf, high=np.inf)


def norm_ppf(q: npt.ArrayLike) -> Any:
    """``scipy.stats.norm.ppf(q)``: R's ``qnorm``."""
    from scipy.special import ndtri

    return _ppf(ndtri, q, low=-np.inf, high=np.inf)


def norm_sf(x: npt.ArrayLike) -> Any:
    """``scipy.stats.norm.sf(x)``: R's ``pnorm(x, lower.tail = FALSE)``."""
    from scipy.special import ndtr

    return _sf(lambda v: ndtr(-v), x, low=-np.inf, high=np.inf)


def beta_ppf(q: npt.ArrayLike, a: npt.ArrayLike, b: npt.ArrayLike) -> Any:
    """``scipy.stats.beta.ppf(q, a, b)``: R's ``qbeta``."""
    try:  # what scipy.stats.beta.ppf calls (boost's beta quantile); betaincinv differs only at q near 1e-300
        from scipy.special._ufuncs import _beta_ppf as special
    except ImportError:  # pragma: no cover - a SciPy without it
        from scipy.special import betaincinv

        def special(p: Any, x: Any, y: Any) -> Any:
            return betaincinv(x, y, p)

    return _ppf(special, q, a, b, low=0.0, high=1.0)


def f_sf(x: npt.ArrayLike, dfn: npt.ArrayLike, dfd: npt.ArrayLike) -> Any:
    """``scipy.stats.f.sf(x, dfn, dfd)``: R's ``pf(x, dfn, dfd, lower.tail = FALSE)``."""
    from scipy.special import fdtrc

    return _sf(lambda v, m, n: fdtrc(m, n, v), x, dfn, dfd, low=0.0, high=np.inf)


def chi2_sf(x: npt.ArrayLike, df: npt.ArrayLike) -> Any:
    """``scipy.stats.chi2.sf(x, df)``: R's ``pchisq(x, df, lower.tail = FALSE)``."""
    from scipy.special import chdtrc

    return _sf(lambda v, d: chdtrc(d, v), x, df, low=0.0, high=np.inf)
