"""Is the answer to one question associated with another? The Rao–Scott chi-square test.

:func:`rao_scott` tests independence in the two-way table of two single-choice questions (or
design columns such as ``stratum`` and ``wave``), as R ``survey``'s ``svychisq(~row + col, design)``:

1. ``p`` are the weighted shares of the ``R × C`` cells among respondents who answered both
   (R's ``svymean`` of the cell indicators with ``na.rm=TRUE``: a domain of the full design), and
   ``V`` their Taylor-linearised covariance over the full design
   (:func:`~collabstate.stats.variance.vcov_totals` of the cells' PSU totals);
2. Pearson's ``X²`` of the weighted table scaled to ``N`` respondents (R's
   ``svytable(..., Ntotal = N)`` with ``N`` the rows of the design, answered or not);
3. the generalised design effects: ``Δ = (Cᵀ D⁻¹ C / N)⁻¹ Cᵀ D⁻¹ V D⁻¹ C`` with ``D = diag(p)``
   and ``C`` the interaction contrasts of the ``R × C`` table, orthogonal to its main effects;
4. ``statistic="F"`` (default, R's default): the second-order Rao–Scott correction, the
   Satterthwaite-type ``F = X² / tr(Δ)`` on ``d₀ = tr(Δ)² / tr(Δ²)`` and ``d₀ ν`` degrees of
   freedom, where ``ν`` = PSUs − strata of the full design;
   ``statistic="Chisq"``: the first-order correction, ``X² / mean(diag Δ)`` against χ² on
   ``(R−1)(C−1)`` degrees of freedom (``statistic`` is then ``X²`` itself, as R reports it).

Levels are the valid (not excluded) codes of a question, or the distinct values of a data
column, that hold weight among respondents who answered both. A table with fewer than two such
levels on either side has no test: the statistic and p-value are NaN (never an exception).

>>> import polars as pl
>>> from collabstate.dataset import Responses
>>> from collabstate.instrument import load_instrument
>>> data = pl.DataFrame({"sector": [1, 2, 1, 2, 1, 2, 1, 1] * 5, "trained": [1, 2, 1, 2, 1, 1, 2, 1] * 5})
>>> result = rao_scott(Responses(load_instrument("leaders"), data), "sector", "trained")
>>> round(result.statistic, 4), round(result.ndf, 4), round(result.ddf, 4), round(result.p_value, 4)
(8.4933, 1.0, 39.0, 0.0059)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from ..dataset import Responses
from ..errors import UnknownNameError, UsageError
from ._breakdown import _levels
from ._dist import chi2_sf, f_sf
from .design import Design, LonelyPSU
from .variance import psu_totals, vcov_totals

__all__ = ["ChisqResult", "rao_scott"]

Statistic = Literal["F", "Chisq"]
STATISTICS: tuple[str, ...] = ("F", "Chisq")


@dataclass(frozen=True)
class ChisqResult:
    """The outcome of :func:`rao_scott`.

    ``statistic`` is the Rao–Scott ``F`` (``method="F"``) or Pearson's ``X²`` (``method="Chisq"``);
    ``ndf``, ``ddf`` its degrees of freedom (``ddf`` is ``inf`` for the χ² reference); ``pearson``
    the uncorrected ``X²`` (R's scaling, see the module docstring); ``deffs`` the generalised
    design effects (eigenvalues of ``Δ`` on the table's own base ``n``) and ``deff_mean`` their
    mean; ``proportions`` the weighted cell shares (rows × columns, summing to 1).
    """

    method: str
    statistic: float
    ndf: float
    ddf: float
    p_value: float
    pearson: float
    deffs: np.ndarray
    deff_mean: float
    n: int
    row: str
    col: str
    rows: list[str]
    cols: list[str]
    proportions: np.ndarray

    def __str__(self) -> str:
        name = "F" if self.method == "F" else "X-squared"
        df = f"ndf = {self.ndf:.4f}, ddf = {self.ddf:.4f}" if self.method == "F" else f"df = {self.ndf:g}"
        return (
            f"Rao-Scott test of {self.row} by {self.col} ({len(self.rows)} x {len(self.cols)}, n = {self.n}): "
            f"{name} = {self.statistic:.4f}, {df}, p-value = {self.p_value:.4g}"
        )


def _codes(responses: Responses, name: str) -> tuple[np.ndarray, list[str]]:
    column = responses.instrument.column(name)
    if column is not None and column.kind != "code":
        raise UsageError(f"{name!r} is not a single-choice question or a design column: a chi-square test needs categories")
    if column is None and name not in responses.data.columns:
        raise UnknownNameError(name=name, kind="a single-choice question or a column of the data", known=responses.data.columns)
    return _levels(responses, name)


def _keep_levels(codes: np.ndarray, labels: list[str], weight: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Drop the levels with no weight in the table; renumber the others 0..k-1 (-1 stays -1)."""
    held = np.bincount(codes[codes >= 0], weights=weight[codes >= 0], minlength=len(labels)) > 0
    new = np.where(held, np.cumsum(held) - 1, -1)
    return np.where(codes >= 0, new[np.clip(codes, 0, None)], -1), [x for x, h in zip(labels, held) if h]


def _contrasts(nr: int, nc: int) -> npt.NDArray[np.float64]:
    """Interaction contrasts of an nr × nc table (cells with the row index varying fastest),
    the residuals of the interaction columns on the main effects (R's ``qr.resid(qr(X1), X12)``)."""
    i = np.tile(np.arange(nr), nc)
    j = np.repeat(np.arange(nc), nr)
    ri = (i[:, None] == np.arange(1, nr)[None, :]).astype(np.float64)
    cj = (j[:, None] == np.arange(1, nc)[None, :]).astype(np.float64)
    x1 = np.column_stack([np.ones(nr * nc), ri, cj])
    inter = (ri[:, :, None] * cj[:, None, :]).reshape(nr * nc, -1)
    coef, *_ = np.linalg.lstsq(x1, inter, rcond=None)
    residuals: npt.NDArray[np.float64] = inter - x1 @ coef
    return residuals


def _cell_totals(design: Design, cell: np.ndarray, wb: np.ndarray, p: np.ndarray, total_w: float) -> npt.NDArray[np.float64]:
    """PSU totals (PSUs × cells) of the cells' linearised shares ``z_k = w d (1[cell = k] − p_k) / Σ w d``:
    two ``bincount`` over the respondents; on a calibrated design, through
    :func:`~collabstate.stats.variance.psu_totals`, which takes the residual from the calibration."""
    k = len(p)
    if getattr(design, "calibration", None) is not None:
        z = (wb[:, None] * ((cell[:, None] == np.arange(k)[None, :]) - p[None, :])) / total_w
        return psu_totals(design, z)
    cells_psu = np.bincount(design.psu * k + cell, weights=wb, minlength=design.n_psu * k).reshape(design.n_psu, k)
    base_psu = np.bincount(design.psu, weights=wb, minlength=design.n_psu)
    totals: npt.NDArray[np.float64] = (cells_psu - base_psu[:, None] * p[None, :]) / total_w
    return totals


def rao_scott(
    responses: Responses,
    row: str,
    col: str,
    *,
    statistic: Statistic = "F",
    lonely_psu: LonelyPSU = "adjust",
    design: Design | None = None,
) -> ChisqResult:
    """Rao–Scott test of independence of ``row`` and ``col`` (R ``svychisq(~row + col, design)``).

    ``statistic`` is ``"F"`` (default) or ``"Chisq"``; ``design`` overrides the design built from
    ``responses`` (``lonely_psu`` is then ignored).
    """
    if statistic not in STATISTICS:
        raise UsageError(argument="statistic", value=statistic, expected=f"one of {', '.join(STATISTICS)}")
    if row == col:
        raise UsageError(f"a chi-square test needs two different variables, not {row!r} twice")
    design = design or Design.from_responses(responses, lonely_psu=lonely_psu)
    if design.n != responses.n:
        raise UsageError("the design and the responses must describe the same respondents")
    w = design.weights
    r, row_labels = _codes(responses, row)
    c, col_labels = _codes(responses, col)
    both = (r >= 0) & (c >= 0)
    wb = np.where(both, w, 0.0)
    r, row_labels = _keep_levels(np.where(both, r, -1), row_labels, wb)
    c, col_labels = _keep_levels(np.where(both, c, -1), col_labels, wb)
    nr, nc = len(row_labels), len(col_labels)
    both = (r >= 0) & (c >= 0)
    n = int(np.count_nonzero(both & (w > 0)))
    big_n = design.n  # R: nrow(model.matrix(...)), every row of the design
    k = nr * nc
    nan = float("nan")
    ndf_plain = float((nr - 1) * (nc - 1))

    def empty() -> ChisqResult:
        return ChisqResult(statistic, nan, ndf_plain if statistic == "Chisq" else nan, nan if statistic == "F" else float("inf"),
                           nan, nan, np.full(max(int(ndf_plain), 0), nan), nan, n, row, col, row_labels, col_labels,
                           np.full((nr, nc), nan))  # fmt: skip

    if nr < 2 or nc < 2:
        return empty()
    cell = np.where(both, r + nr * c, 0)
    total_w = wb.sum()
    p = np.bincount(cell, weights=wb, minlength=k) / total_w
    v = vcov_totals(design, _cell_totals(design, cell, wb, p, total_w))

    # Pearson's X² of the table scaled to N rows (chisq.test(svytable(..., Ntotal = N)))
    table = (p * big_n).reshape(nc, nr).T
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / big_n
    with np.errstate(invalid="ignore", divide="ignore"):
        pearson = float(np.sum((table - expected) ** 2 / expected))
        inv_p = np.where(p == 0, 0.0, 1.0 / p)
    contrasts = _contrasts(nr, nc)
    scaled = contrasts * inv_p[:, None]  # D⁻¹ C
    denom = contrasts.T @ scaled / big_n
    numer = scaled.T @ v @ scaled
    try:  # a table with empty cells makes denom singular, or nearly so by rounding: the pseudo-inverse
        # then gives the same Δ however the weights are scaled (solve would fail or not by a rounding)
        delta = np.linalg.solve(denom, numer) if np.linalg.cond(denom) < 1e10 else np.linalg.pinv(denom, rcond=1e-10) @ numer
    except np.linalg.LinAlgError:
        return empty()
    trace = float(np.trace(delta))
    trace2 = float(np.sum(delta * delta.T))  # tr(Δ Δ)
    deffs = np.sort(np.linalg.eigvals(delta).real)[::-1] * n / big_n
    nu = float(design.n_psu - design.n_strata)  # R: unique clusters − unique strata, every row
    with np.errstate(invalid="ignore", divide="ignore"):
        if statistic == "F":
            d0 = trace * trace / trace2
            value = pearson / trace
            ndf, ddf = d0, d0 * nu
            p_value = float(f_sf(value, ndf, ddf)) if ddf > 0 and np.isfinite(value) else nan
        else:
            value, ndf, ddf = pearson, ndf_plain, float("inf")
            p_value = float(chi2_sf(pearson / (trace / delta.shape[0]), ndf))
    return ChisqResult(statistic, float(value), float(ndf), float(ddf), p_value, pearson, deffs, float(deffs.mean()), n,
                       row, col, row_labels, col_labels, p.reshape(nc, nr).T)  # fmt: skip
