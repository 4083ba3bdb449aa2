"""Does a set of items hang together? Cronbach's alpha and the one-factor model, as R's ``psych``
and ``lavaan`` compute them.

**Alpha** (``psych::alpha``): ``α = k/(k−1) (1 − Σ s_ii / Σ s_ij)`` from the items' covariance
matrix S; its interval is Feldt's (``psych::alpha.ci``): ``1 − (1 − α) F`` at the F quantiles of
(N − 1, (N − 1)(k − 1)) degrees of freedom; each item's correlation with the sum of the others
(``r.drop``) and alpha without it.

**The one-factor model** (``lavaan::cfa(…, std.lv = TRUE)``): Σ = λλᵀ + Θ (the factor's variance
fixed at 1, Θ diagonal), fitted by maximum likelihood to S with divisor N (lavaan's default,
``likelihood = "normal"``): F = log|Σ| + tr(SΣ⁻¹) − log|S| − k. Then

- χ² = N F on k(k+1)/2 − 2k degrees of freedom;
- the baseline (independence) model's χ²_b = N (Σ log s_ii − log|S|) on k(k−1)/2;
- CFI = 1 − max(χ² − df, 0) / max(χ² − df, χ²_b − df_b, 0); TLI = (χ²_b/df_b − χ²/df) / (χ²_b/df_b − 1);
- RMSEA = √(max(χ² − df, 0) / (df N)); SRMR = the root mean square of the residual correlations
  (s_ij − σ_ij)/√(s_ii s_jj) over the k(k+1)/2 distinct elements (lavaan's ``srmr``, Bentler's);
- McDonald's ω = (Σλ)² / ((Σλ)² + Σθ).

The fit is a minimisation of F with its analytic gradient (``∂F/∂λ = 2Gλ``, ``∂F/∂θ = diag G``,
``G = Σ⁻¹ − Σ⁻¹SΣ⁻¹``) by SciPy's L-BFGS-B from the principal-axis start, each residual variance
kept above 1e-6 of its item's variance (lavaan's ``bounds = "pos.var"``; unbounded, items of mere
noise drove a loading to 39 and ω to 133, a Heywood case, which is then flagged instead): a
model of 2k parameters, written here rather than taken from semopy (whose default objective and fit
indices differ from lavaan's in their divisors) and checked against lavaan in the tests.

Weights, when given, make S the weighted covariance (weights scaled to sum to N): the estimates are
then those of the weighted population; the χ² and its indices keep their usual form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..errors import RefusedError
from ._dist import chi2_sf

__all__ = ["Alpha", "FactorModel", "ReliabilityError", "covariance", "cronbach_alpha", "one_factor"]

_Float = npt.NDArray[np.float64]


class ReliabilityError(RefusedError):
    """The items cannot be assessed as they are: fewer than two (three for a factor model), too
    few respondents, or an item with no variation."""


def covariance(x: _Float, weights: _Float | None = None) -> tuple[_Float, _Float]:
    """The items' means and covariance matrix with divisor N − 1 (weights scaled to sum to N)."""
    n = x.shape[0]
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64) * n / np.sum(weights)
    mean = w @ x / n
    centred = x - mean
    cov: _Float = (centred * w[:, None]).T @ centred / (n - 1)
    return mean, cov


@dataclass(frozen=True)
class Alpha:
    alpha: float
    ci_low: float
    ci_high: float
    item_rest_r: _Float
    alpha_if_dropped: _Float
    n: int


def _alpha_of(cov: _Float) -> float:
    k = cov.shape[0]
    return float(k / (k - 1) * (1 - np.trace(cov) / cov.sum()))


def cronbach_alpha(x: _Float, weights: _Float | None = None, level: float = 0.95) -> Alpha:
    """Alpha, its Feldt interval, each item's correlation with the rest and alpha without it,
    for complete answers ``x`` (n × k)."""
    n, k = x.shape
    if k < 2:
        raise ReliabilityError(f"alpha needs two items or more; there {'is' if k == 1 else 'are'} {k}")
    if n < 3:
        raise ReliabilityError(f"{n} respondents answered every item: too few for alpha")
    _, cov = covariance(x, weights)
    flat = np.flatnonzero(np.diag(cov) == 0)
    if flat.size:
        raise ReliabilityError(f"item {flat[0] + 1} has the same answer from every respondent used: it cannot correlate with the others")
    alpha = _alpha_of(cov)
    rest_r = np.empty(k)
    dropped = np.empty(k)
    for j in range(k):
        others = [i for i in range(k) if i != j]
        rest_var = cov[np.ix_(others, others)].sum()
        rest_r[j] = cov[j, others].sum() / np.sqrt(cov[j, j] * rest_var)
        dropped[j] = _alpha_of(cov[np.ix_(others, others)]) if k > 2 else np.nan
    from scipy.special import fdtri

    df1, df2 = n - 1.0, (n - 1.0) * (k - 1.0)
    tail = (1.0 - level) / 2.0
    low = 1.0 - (1.0 - alpha) * float(fdtri(df1, df2, 1.0 - tail))
    high = 1.0 - (1.0 - alpha) * float(fdtri(df1, df2, tail))
    return Alpha(alpha, low, high, rest_r, dropped, n)


@dataclass(frozen=True)
class FactorModel:
    """A one-factor model's estimates (standardised latent variable) and fit."""

    loadings: _Float
    residuals: _Float
    chisq: float
    df: int
    p_value: float
    cfi: float
    tli: float
    rmsea: float
    srmr: float
    omega: float
    n: int
    converged: bool
    #: A residual variance reached its floor (near 0): one item is all factor, the model does not fit as a
    #: measurement model, and ω is not to be trusted (lavaan, unbounded, would give a negative variance).
    heywood: bool = False

    def fit(self) -> dict[str, float]:
        return {"chisq": float(self.chisq), "df": self.df, "cfi": float(self.cfi), "tli": float(self.tli), "rmsea": float(self.rmsea),
                "srmr": float(self.srmr)}  # fmt: skip


def _ml_discrepancy(params: _Float, s: _Float, k: int) -> tuple[float, _Float]:
    lam, theta = params[:k], params[k:]
    sigma = np.outer(lam, lam) + np.diag(theta)
    sign, logdet = np.linalg.slogdet(sigma)
    if sign <= 0:
        return np.inf, np.zeros_like(params)
    inv = np.linalg.inv(sigma)
    value = logdet + float(np.trace(s @ inv))
    g = inv - inv @ s @ inv
    return value, np.concatenate([2.0 * g @ lam, np.diag(g)])


def one_factor(cov: _Float, n: int) -> FactorModel:
    """The one-factor model fitted to the covariance matrix ``cov`` (divisor N − 1, as
    :func:`covariance` gives it) of ``n`` respondents."""
    from scipy.optimize import minimize

    k = cov.shape[0]
    if k < 3:
        raise ReliabilityError(f"a one-factor model needs three items or more (it has {k * (k + 1) // 2} variances and covariances "
                               f"for {2 * k} parameters); there are {k}")  # fmt: skip
    if n <= k:
        raise ReliabilityError(f"{n} respondents answered every item: too few for a factor model of {k} items")
    s = cov * (n - 1) / n  # lavaan's likelihood = "normal": the sample covariance with divisor N
    values, vectors = np.linalg.eigh(s)
    start_lam = vectors[:, -1] * np.sqrt(max(values[-1], 1e-6))
    start_lam *= np.sign(start_lam.sum()) or 1.0
    start = np.concatenate([start_lam, np.clip(np.diag(s) - start_lam**2, 0.05 * np.diag(s), None)])
    floor = 1e-6 * np.diag(s)  # residual variances stay positive (lavaan's bounds = "pos.var"): no Heywood case
    bounds = [(None, None)] * k + [(f, None) for f in floor]
    found = minimize(_ml_discrepancy, start, args=(s, k), jac=True, method="L-BFGS-B", bounds=bounds,
                     options={"ftol": 1e-15, "gtol": 1e-11, "maxiter": 10_000, "maxcor": 30})  # fmt: skip
    params = found.x
    heywood = bool(np.any(params[k:] <= floor * (1 + 1e-9)))
    lam, theta = params[:k], params[k:]
    if lam.sum() < 0:
        lam = -lam  # the factor's direction is arbitrary: the items' own
    _, logdet_s = np.linalg.slogdet(s)
    f_min = float(found.fun) - logdet_s - k
    chisq = max(n * f_min, 0.0)
    df = k * (k + 1) // 2 - 2 * k
    base = n * (float(np.sum(np.log(np.diag(s)))) - logdet_s)
    base_df = k * (k - 1) // 2
    cfi = 1.0 - max(chisq - df, 0.0) / max(chisq - df, base - base_df, 0.0) if max(chisq - df, base - base_df, 0.0) > 0 else 1.0
    tli = (base / base_df - chisq / df) / (base / base_df - 1.0) if df > 0 else np.nan
    rmsea = float(np.sqrt(max(chisq - df, 0.0) / (df * n))) if df > 0 else np.nan
    sigma = np.outer(lam, lam) + np.diag(theta)
    sd = np.sqrt(np.diag(s))
    resid = (s - sigma) / np.outer(sd, sd)
    srmr = float(np.sqrt(np.mean(resid[np.tril_indices(k)] ** 2)))
    omega = float(lam.sum() ** 2 / (lam.sum() ** 2 + theta.sum()))
    p_value = float(chi2_sf(chisq, df)) if df > 0 else np.nan
    gradient = _ml_discrepancy(params, s, k)[1]
    gradient[k:][params[k:] <= floor * (1 + 1e-9)] = 0.0  # at its bound, a residual's gradient may point outwards
    converged = bool(np.max(np.abs(gradient)) < 1e-6)
    return FactorModel(lam, theta, chisq, df, p_value, float(cfi), float(tli), rmsea, srmr, omega, n, converged, heywood)


# ------------------------------------------------------------------ measurement invariance
#: Chen (2007): a level of invariance holds when, against the level before it, CFI falls by no
#: more than 0.010 and RMSEA rises by no more than 0.015.
DELTA_CFI, DELTA_RMSEA = -0.010, 0.015
LEVELS = ("configural", "metric", "scalar")


@dataclass(frozen=True)
class InvarianceLevel:
    """One level of the multi-group one-factor model and its fit; ``holds`` against the level
    before it by Chen's ΔCFI and ΔRMSEA (None for configural)."""

    level: str
    chisq: float
    df: int
    cfi: float
    tli: float
    rmsea: float
    srmr: float
    delta_cfi: float | None
    delta_rmsea: float | None
    holds: bool | None
    converged: bool

    def record(self) -> dict[str, object]:
        return {"level": self.level, "chisq": self.chisq, "df": self.df, "cfi": self.cfi, "tli": self.tli, "rmsea": self.rmsea,
                "srmr": self.srmr, "delta_cfi": self.delta_cfi, "delta_rmsea": self.delta_rmsea, "holds": self.holds}  # fmt: skip


class _Groups:
    """The multi-group model of one level: which parameters are shared, the map from the parameter
    vector to each group's (λ, θ, ν, ψ, κ), and the ML discrepancy Σ_g (N_g/N) F_g with its gradient.
    With ``std.lv``: the first group's factor has variance 1 and mean 0; metric frees the others'
    variances, scalar also their means (lavaan's ``group.equal``)."""

    def __init__(self, level: str, stats: list[tuple[_Float, _Float, int]]) -> None:
        self.level, self.stats = level, stats
        self.g, self.k = len(stats), stats[0][0].shape[0]
        self.n = sum(n for _, _, n in stats)
        k, g = self.k, self.g
        shared_lam, shared_nu = level != "configural", level == "scalar"
        self.slices: list[dict[str, slice | None]] = []
        at = 0

        def take(size: int) -> slice:
            nonlocal at
            at += size
            return slice(at - size, at)

        lam0 = take(k) if shared_lam else None
        nu0 = take(k) if shared_nu else None
        for j in range(g):
            self.slices.append({
                "lam": lam0 if shared_lam else take(k), "theta": take(k), "nu": nu0 if shared_nu else take(k),
                "psi": take(1) if (level != "configural" and j > 0) else None, "kappa": take(1) if (level == "scalar" and j > 0) else None,
            })  # fmt: skip
        self.size = at
        self.free = {"configural": g * 3 * k, "metric": k + g * 2 * k + (g - 1), "scalar": 2 * k + g * k + 2 * (g - 1)}[level]
        self.moments = g * (k * (k + 1) // 2 + k)

    def parts(self, p: _Float, j: int) -> tuple[_Float, _Float, _Float, float, float]:
        sl = self.slices[j]
        psi = float(p[sl["psi"]][0]) if sl["psi"] is not None else 1.0
        kappa = float(p[sl["kappa"]][0]) if sl["kappa"] is not None else 0.0
        return p[sl["lam"]], p[sl["theta"]], p[sl["nu"]], psi, kappa

    def value(self, p: _Float) -> tuple[float, _Float]:
        total, grad = 0.0, np.zeros_like(p)
        for j, (mean, s, n) in enumerate(self.stats):
            lam, theta, nu, psi, kappa = self.parts(p, j)
            sigma = psi * np.outer(lam, lam) + np.diag(theta)
            sign, logdet = np.linalg.slogdet(sigma)
            if sign <= 0:
                return np.inf, grad
            inv = np.linalg.inv(sigma)
            d = mean - (nu + lam * kappa)
            w = n / self.n
            total += w * (logdet + float(np.trace(s @ inv)) + float(d @ inv @ d))
            gs = w * (inv - inv @ (s + np.outer(d, d)) @ inv)
            h = -2.0 * w * (inv @ d)
            sl = self.slices[j]
            grad[sl["lam"]] += 2.0 * psi * gs @ lam + kappa * h
            grad[sl["theta"]] += np.diag(gs)
            grad[sl["nu"]] += h
            if sl["psi"] is not None:
                grad[sl["psi"]] += lam @ gs @ lam
            if sl["kappa"] is not None:
                grad[sl["kappa"]] += lam @ h
        return total, grad

    def start(self) -> _Float:
        p = np.zeros(self.size)
        for j, (mean, s, _) in enumerate(self.stats):
            values, vectors = np.linalg.eigh(s)
            lam = vectors[:, -1] * np.sqrt(max(values[-1], 1e-6))
            lam *= np.sign(lam.sum()) or 1.0
            sl = self.slices[j]
            p[sl["lam"]] = lam
            p[sl["theta"]] = np.clip(np.diag(s) - lam**2, 0.05 * np.diag(s), None)
            p[sl["nu"]] = mean
            if sl["psi"] is not None:
                p[sl["psi"]] = 1.0
        return p

    def bounds(self) -> list[tuple[float | None, float | None]]:
        out: list[tuple[float | None, float | None]] = [(None, None)] * self.size
        for j, (_, s, _) in enumerate(self.stats):
            sl = self.slices[j]
            for i, at in enumerate(range(*sl["theta"].indices(self.size))):  # type: ignore[union-attr]
                out[at] = (1e-6 * s[i, i], None)
            if sl["psi"] is not None:
                out[sl["psi"].start] = (1e-6, None)
        return out


def invariance(groups: list[tuple[_Float, int]]) -> list[InvarianceLevel]:
    """Configural, metric and scalar one-factor models of the items ``x`` (n_g × k, complete
    answers) of each group, by maximum likelihood with lavaan's conventions (``std.lv = TRUE``,
    the likelihood's N_g, a mean structure; χ² = Σ_g N_g F_g; RMSEA × √G; the baseline the
    independence model in each group), each level judged against the one before by Chen's
    criteria (:data:`DELTA_CFI`, :data:`DELTA_RMSEA`)."""
    from scipy.optimize import minimize

    stats = []
    for x, n in groups:
        mean = x.mean(axis=0)
        stats.append((mean, (x - mean).T @ (x - mean) / n, n))
    g, k = len(stats), stats[0][0].shape[0]
    if g < 2:
        raise ReliabilityError("invariance compares two groups or more")
    if k < 3:
        raise ReliabilityError(f"invariance needs three items or more; there are {k}")
    n_total = sum(n for _, _, n in stats)
    base = sum(n * (float(np.sum(np.log(np.diag(s)))) - np.linalg.slogdet(s)[1]) for _, s, n in stats)
    base_df = g * k * (k - 1) // 2
    out: list[InvarianceLevel] = []
    for level in LEVELS:
        model = _Groups(level, stats)
        found = minimize(model.value, model.start(), jac=True, method="L-BFGS-B", bounds=model.bounds(),
                         options={"ftol": 1e-15, "gtol": 1e-11, "maxiter": 20_000, "maxcor": 30})  # fmt: skip
        p = found.x
        chisq = max(n_total * (float(found.fun) - sum(n / n_total * (np.linalg.slogdet(s)[1] + k) for _, s, n in stats)), 0.0)
        df = model.moments - model.free
        denominator = max(chisq - df, base - base_df, 0.0)
        cfi = 1.0 - max(chisq - df, 0.0) / denominator if denominator > 0 else 1.0
        tli = (base / base_df - chisq / df) / (base / base_df - 1.0)
        rmsea = float(np.sqrt(max(chisq - df, 0.0) / (df * n_total)) * np.sqrt(g))
        srmr = 0.0
        for j, (mean, s, n) in enumerate(stats):
            lam, theta, nu, psi, kappa = model.parts(p, j)
            sigma = psi * np.outer(lam, lam) + np.diag(theta)
            sd = np.sqrt(np.diag(s))
            resid = ((s - sigma) / np.outer(sd, sd))[np.tril_indices(k)]
            mresid = (mean - nu - lam * kappa) / sd
            srmr += n / n_total * float(np.sqrt((np.sum(resid**2) + np.sum(mresid**2)) / (resid.size + k)))
        gradient = model.value(p)[1]
        previous = out[-1] if out else None
        delta_cfi = cfi - previous.cfi if previous else None
        delta_rmsea = rmsea - previous.rmsea if previous else None
        holds = None if previous is None else bool(delta_cfi >= DELTA_CFI and delta_rmsea <= DELTA_RMSEA)  # type: ignore[operator]
        out.append(InvarianceLevel(level, chisq, df, float(cfi), float(tli), rmsea, srmr, delta_cfi, delta_rmsea, holds,
                                   bool(np.max(np.abs(gradient)) < 1e-5)))  # fmt: skip
    return out
