"""Taylor-linearised variance, with replacement at the first stage (R ``survey``'s default).

For a linearised variable ``z`` (one column per estimate), the variance is

    V = Σ_h n_h/(n_h−1) Σ_{c∈h} (z_hc − z̄_h)(z_hc − z̄_h)ᵀ

where ``z_hc`` are PSU totals (``np.bincount``), ``n_h`` the PSUs of stratum ``h`` in the full
design and ``z̄_h`` their mean. A stratum with a single PSU follows the design's ``lonely_psu``
rule (R's ``onestrat()``).

Domains (breakdown groups, valid answers only) are estimated as domains: ``z`` is set to 0 outside
the domain over the full design, which equals R's subset-based ``svyby`` (it pads missing PSUs
with zeros). The ratio (mean, share) ``ŷ = Σ w d y / Σ w d`` linearises to
``z_i = w_i d_i (y_i − ŷ) / Σ w d``.

On a calibrated design (post-stratified or raked weights) ``z`` is first replaced by its residual
from the calibration (:mod:`~collabstate.stats._calibration`), as R's ``svyrecvar`` does.

>>> import numpy as np
>>> from collabstate.stats import Design
>>> d = Design.from_arrays(n=4)
>>> m = domain_mean(d, np.array([1.0, 2.0, 3.0, 4.0]))
>>> float(m.estimate[0]), round(float(m.se[0]) ** 2, 6)   # s² / n = (5/3) / 4
(2.5, 0.416667)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..errors import UsageError
from .design import Design

__all__ = ["DomainMean", "domain_mean", "linearise_ratio", "psu_totals", "vcov_totals"]

#: Elements of a (stats × PSUs × columns) block handled at once by the chunked kernels.
CHUNK_ELEMENTS = 4_000_000


def _as_matrix(x: np.ndarray, n: int, name: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] != n:
        raise UsageError(argument=name, value=x.shape, expected=f"one row per respondent ({n})")
    return x


def psu_totals(design: Design, z: np.ndarray) -> np.ndarray:
    """PSU totals of ``z`` (n × k) as an (n_psu × k) array, by ``np.bincount`` per column; on a
    calibrated design, of ``z``'s residual from the calibration (R's ``svyrecvar``)."""
    z = _as_matrix(z, design.n, "z").astype(np.float64, copy=False)
    if design.calibration is not None:
        z = design.calibration.residualise(z)
    out = np.empty((design.n_psu, z.shape[1]), dtype=np.float64)
    for j in range(z.shape[1]):
        out[:, j] = np.bincount(design.psu, weights=z[:, j], minlength=design.n_psu)
    return out


def vcov_totals(design: Design, totals: np.ndarray) -> np.ndarray:
    """Variance–covariance matrix from PSU totals.

    ``totals`` is (n_psu × m) or a stack (k × n_psu × m); the result is (m × m) or (k × m × m):
    within-stratum centred cross-products scaled by n_h/(n_h−1), summed over strata.
    """
    t = np.asarray(totals, dtype=np.float64)
    flat = t.ndim == 2
    if flat:
        t = t[None]
    k, p, m = t.shape
    if p != design.n_psu:
        raise UsageError(f"totals have {p} rows for {design.n_psu} PSUs")
    out = np.empty((k, m, m), dtype=np.float64)
    if p == 0:
        out[:] = 0.0
        return out[0] if flat else out
    nh = design.psu_per_stratum.astype(np.float64)
    centre = np.ones(design.n_strata, dtype=bool)
    if design.lonely_psu == "adjust":
        centre = nh > 1  # a lonely PSU's total is not centred: it contributes total²
    scale = design.psu_scale()[:, None]
    step = max(1, CHUNK_ELEMENTS // max(1, p * m))
    for a in range(0, k, step):
        block = t[a : a + step]
        means = np.add.reduceat(block, design.stratum_starts, axis=1) / nh[None, :, None]
        means[:, ~centre, :] = 0.0
        centred = _centre(block, means, design)
        out[a : a + step] = np.matmul(np.swapaxes(centred * scale[None], 1, 2), centred)
    return out[0] if flat else out


def _centre(block: np.ndarray, means: np.ndarray, design: Design) -> npt.NDArray[np.float64]:
    """``block`` (k × PSUs × m) less its stratum's mean (k × strata × m). A stratum's PSUs are
    contiguous: with few strata, one slice each (8× faster than gathering the means per PSU)."""
    if design.n_strata > 256:
        gathered: npt.NDArray[np.float64] = block - means[:, design.psu_stratum, :]
        return gathered
    centred = np.array(block, dtype=np.float64, copy=True)
    for h, (start, count) in enumerate(zip(design.stratum_starts.tolist(), design.psu_per_stratum.tolist())):
        centred[:, start : start + count, :] -= means[:, h : h + 1, :]
    return centred


def linearise_ratio(design: Design, y: np.ndarray, domain: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ratio (domain mean) estimates and their linearised variables, vectorised over columns.

    ``y`` is (n × k); NaN means "no valid answer" and takes the respondent out of that column's
    domain (R's ``na.rm=TRUE``). ``domain`` is an optional (n,) or (n × k) boolean mask.
    Returns ``(estimate (k,), z (n × k), in_domain (n × k))``; an empty domain gives NaN and z = 0.
    """
    y = _as_matrix(y, design.n, "y").astype(np.float64, copy=False)
    d = ~np.isnan(y)
    if domain is not None:
        d = d & _as_matrix(domain, design.n, "domain").astype(bool)
    wd = design.weights[:, None] * d
    total_w = wd.sum(axis=0)
    y0 = np.where(d, y, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        est = (wd * y0).sum(axis=0) / total_w
        z = wd * (y0 - np.where(np.isfinite(est), est, 0.0)) / np.where(total_w > 0, total_w, 1.0)
    return est, z, d


@dataclass(frozen=True)
class DomainMean:
    """Domain means (or shares, for 0/1 variables) with their design-based uncertainty."""

    estimate: np.ndarray
    vcov: np.ndarray
    n: np.ndarray
    n_eff: np.ndarray
    deff: np.ndarray
    degf: np.ndarray
    nrow: np.ndarray

    @property
    def se(self) -> npt.NDArray[np.float64]:
        se: npt.NDArray[np.float64] = np.sqrt(np.clip(np.diag(self.vcov), 0.0, None))
        return se


def domain_mean(design: Design, y: np.ndarray, domain: np.ndarray | None = None) -> DomainMean:
    """``svymean``/``svyby(..., svymean)`` for each column of ``y`` over its domain.

    ``n`` counts respondents in the domain with a valid answer and non-zero weight; ``nrow``
    counts all rows of the domain subset with a valid answer (R's ``nrow(design)``; on a calibrated
    design R's subset keeps every row, so it is the whole sample); ``n_eff``
    and ``deff`` are Kish's, on the domain's valid base; ``degf`` is R's ``degf()`` of the subset.
    """
    est, z, d = linearise_ratio(design, y, domain)
    vcov = vcov_totals(design, psu_totals(design, z))
    w = design.weights[:, None]
    positive = d & (w > 0)
    n = positive.sum(axis=0)
    sw = (w * d).sum(axis=0)
    sw2 = (w * w * d).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = sw * sw / sw2
        deff = n / n_eff
    present = np.stack([np.bincount(design.psu[positive[:, j]], minlength=design.n_psu) > 0 for j in range(d.shape[1])], axis=1)
    degf = present.sum(axis=0) - design.strata_present(present)
    nrow = d.sum(axis=0) if design.calibration is None else np.full(d.shape[1], design.n)
    return DomainMean(est, vcov, n, n_eff, deff, degf, nrow)
