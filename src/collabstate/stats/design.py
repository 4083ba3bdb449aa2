"""The survey design: weights, strata and primary sampling units (PSUs), described once.

A :class:`Design` holds what the variance needs, as integer codes, precomputed once from the
full sample (R ``survey``'s ``svydesign(ids=~cluster, strata=~stratum, weights=~weight, nest=TRUE)``):

- ``weights``: one per respondent (1 when the data carry none);
- ``stratum``: stratum code per respondent, ``0 .. n_strata-1`` (one stratum when there are none);
- ``psu``: PSU code per respondent, ``0 .. n_psu-1``. Cluster ids are unique *within* a stratum
  (``nest=TRUE``): the PSU is the pair (stratum, cluster). Without clusters each respondent is a
  PSU. PSU codes are ordered by stratum, so the PSUs of a stratum are contiguous
  (``stratum_starts``), which lets the variance reduce per stratum without a loop.
- ``lonely_psu``: what a stratum with a single PSU contributes, exactly as R's ``onestrat()``:
  ``"adjust"`` (default) does not centre that PSU's total (it contributes total²), ``"remove"``
  and ``"certainty"`` contribute 0, ``"fail"`` raises :class:`ValueError` when the design is built.
- ``calibration``: the post-strata of a post-stratification or raking
  (:mod:`~collabstate.stats.weighting`), or ``None``. The variance then works on the residual of
  each linearised variable from the calibration, as R's ``svyrecvar``; a domain of a calibrated
  design keeps every row (R gives them zero weight), so ``nrow`` is the whole sample.

>>> import numpy as np
>>> d = Design.from_arrays(weights=[1, 2, 2, 1], strata=["a", "a", "b", "b"], clusters=[1, 2, 1, 1])
>>> d.n_strata, d.n_psu, d.psu_per_stratum.tolist(), d.degf()
(2, 3, [2, 1], 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from ..errors import InputError, UsageError

if TYPE_CHECKING:
    from ..dataset import Responses
    from ._calibration import Calibration

__all__ = ["LONELY_PSU", "Design"]

LonelyPSU = Literal["adjust", "remove", "certainty", "fail"]
LONELY_PSU: tuple[str, ...] = ("adjust", "remove", "certainty", "fail")


def _codes(values: Sequence[object] | np.ndarray | pl.Series | None, n: int, what: str) -> tuple[npt.NDArray[np.int64], list[object]]:
    """Dense integer codes 0..k-1 in sorted order of the values, and the sorted distinct values."""
    if values is None:
        return np.zeros(n, dtype=np.int64), [None]
    series = values if isinstance(values, pl.Series) else pl.Series(what, list(values) if not isinstance(values, np.ndarray) else values)
    if series.len() != n:
        raise UsageError(argument=what, detail=f"{what} has {series.len()} values for {n} respondents")
    if series.null_count():
        raise InputError(column=what, problem=f"has {series.null_count()} missing values", expected="a value for every respondent")
    if series.dtype == pl.Float64 and series.is_nan().any():
        raise InputError(column=what, problem="has missing (NaN) values", expected="a value for every respondent")
    levels = series.unique(maintain_order=False).sort()
    if series.dtype == pl.String:  # an Enum of the sorted levels: a hash look-up, 4x faster than ranking text
        codes = series.cast(pl.Enum(levels)).to_physical().cast(pl.Int64).to_numpy()
    else:
        codes = (series.rank("dense") - 1).cast(pl.Int64).to_numpy()
    return codes, levels.to_list()


def unique_inverse(keys: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_inverse=True)`` for integer keys in ``0 .. bound-1``: by counting
    (no sort, no copies of ``keys``) when ``bound`` is small against the number of keys."""
    if bound > 2 * len(keys) + 1024:
        uniq, inverse = np.unique(keys, return_inverse=True)
        return uniq, inverse.reshape(-1).astype(np.int64, copy=False)
    present = np.bincount(keys, minlength=bound) > 0
    position = np.cumsum(present) - 1
    return np.flatnonzero(present), position[keys]


@dataclass(frozen=True, eq=False)
class Design:
    """Weights, strata and PSUs as integer codes; see the module docstring.

    Build one with :meth:`from_responses` or :meth:`from_arrays`.
    """

    weights: np.ndarray
    stratum: np.ndarray
    psu: np.ndarray
    psu_stratum: np.ndarray
    psu_per_stratum: np.ndarray
    stratum_starts: np.ndarray
    lonely_psu: LonelyPSU = "adjust"
    strata_levels: list[object] = field(default_factory=list)
    calibration: Calibration | None = None

    # ------------------------------------------------------------------ building
    @classmethod
    def from_arrays(
        cls,
        weights: Sequence[float] | np.ndarray | None = None,
        strata: Sequence[object] | np.ndarray | pl.Series | None = None,
        clusters: Sequence[object] | np.ndarray | pl.Series | None = None,
        *,
        n: int | None = None,
        lonely_psu: LonelyPSU = "adjust",
        calibration: Calibration | None = None,
    ) -> Design:
        """A design from plain arrays (any dtype for strata and clusters; ``None`` when absent)."""
        if lonely_psu not in LONELY_PSU:
            raise UsageError(argument="lonely_psu", value=lonely_psu, expected=f"one of {', '.join(LONELY_PSU)}")
        lengths = {len(x) for x in (weights, strata, clusters) if x is not None}
        if n is None:
            if not lengths:
                raise UsageError("give n, or at least one of weights, strata, clusters")
            n = lengths.pop()
        if lengths - {n}:
            raise UsageError("weights, strata and clusters must have one value per respondent")
        if weights is None:
            w = np.ones(n, dtype=np.float64)
        else:
            w = (
                pl.Series("weight", weights).cast(pl.Float64).to_numpy()
                if not isinstance(weights, np.ndarray)
                else np.asarray(weights, dtype=np.float64)
            )
            if not np.all(np.isfinite(w)):
                raise InputError(
                    column="weights", problem="holds missing or infinite values", expected="a finite number for every respondent"
                )
            if np.any(w < 0):
                raise InputError(column="weights", problem="holds negative values", expected="weights of 0 or more")
        h, strata_levels = _codes(strata, n, "strata")
        if clusters is None:
            key = np.arange(n, dtype=np.int64)
        else:
            k, _ = _codes(clusters, n, "clusters")
            key = k
        # PSU = (stratum, cluster); sorting by the pair makes a stratum's PSUs contiguous.
        n_clusters = int(key.max()) + 1 if n else 1
        pair = h * n_clusters + key
        uniq, psu = unique_inverse(pair, max(len(strata_levels), 1) * n_clusters)
        psu_stratum = (uniq // n_clusters).astype(np.int64)
        n_strata = len(strata_levels)
        psu_per_stratum = np.bincount(psu_stratum, minlength=n_strata).astype(np.int64)
        starts = np.concatenate([[0], np.cumsum(psu_per_stratum)[:-1]]).astype(np.int64)
        if lonely_psu == "fail" and np.any(psu_per_stratum == 1):
            lonely = [strata_levels[i] for i in np.flatnonzero(psu_per_stratum == 1)]
            raise InputError(
                column="strata",
                value=lonely[0],
                problem="has only one PSU (lonely_psu='fail')",
                expected="two PSUs or more in every stratum",
            )
        if calibration is not None and calibration.n != n:
            raise UsageError(f"the calibration describes {calibration.n} respondents, the design {n}")
        return cls(
            weights=w,
            stratum=h,
            psu=psu,
            psu_stratum=psu_stratum,
            psu_per_stratum=psu_per_stratum,
            stratum_starts=starts,
            lonely_psu=lonely_psu,
            strata_levels=strata_levels,
            calibration=calibration,
        )

    @classmethod
    def from_responses(cls, responses: Responses, *, lonely_psu: LonelyPSU = "adjust") -> Design:
        """The design a :class:`~collabstate.dataset.Responses` carries (its weight, strata and cluster
        columns, and the calibration of weighted responses from :mod:`~collabstate.stats.weighting`)."""
        data = responses.data
        return cls.from_arrays(
            weights=data[responses.weight].to_numpy() if responses.weight else None,
            strata=data[responses.strata] if responses.strata else None,
            clusters=data[responses.cluster] if responses.cluster else None,
            n=data.height,
            lonely_psu=lonely_psu,
            calibration=getattr(responses, "calibration", None),
        )

    # ------------------------------------------------------------------ facts
    @property
    def n(self) -> int:
        """Number of respondents."""
        return len(self.weights)

    @property
    def n_strata(self) -> int:
        return len(self.psu_per_stratum)

    @property
    def n_psu(self) -> int:
        return len(self.psu_stratum)

    @property
    def lonely(self) -> npt.NDArray[np.bool_]:
        """Boolean per stratum: the stratum has a single PSU in the full design."""
        lonely: npt.NDArray[np.bool_] = self.psu_per_stratum == 1
        return lonely

    def psu_scale(self) -> npt.NDArray[np.float64]:
        """Per PSU, its stratum's factor n_h/(n_h-1) (1 for a lonely stratum, as R)."""
        nh = self.psu_per_stratum.astype(np.float64)
        scale = np.where(nh > 1, nh / np.maximum(nh - 1, 1), 1.0)
        per_psu: npt.NDArray[np.float64] = scale[self.psu_stratum]
        return per_psu

    def degf(self, domain: np.ndarray | None = None) -> int:
        """Design degrees of freedom as R's ``degf()``: #PSUs − #strata among respondents with
        non-zero weight, in the domain when one is given (R's ``svyby`` passes the subset)."""
        inset = self.weights != 0
        if domain is not None:
            inset = inset & np.asarray(domain, dtype=bool)
        present = np.bincount(self.psu[inset], minlength=self.n_psu) > 0
        return int(present.sum() - self.strata_present(present[:, None])[0])

    def strata_present(self, psu_present: np.ndarray) -> npt.NDArray[np.int64]:
        """Number of strata with at least one present PSU, per column of a (n_psu, m) boolean array."""
        if self.n_psu == 0:
            return np.zeros(psu_present.shape[1], dtype=np.int64)
        any_in_stratum = np.add.reduceat(psu_present.astype(np.int64), self.stratum_starts, axis=0) > 0
        counts: npt.NDArray[np.int64] = any_in_stratum.sum(axis=0)
        return counts

    def __repr__(self) -> str:
        cal = f", calibrated: {self.calibration.describe()}" if self.calibration is not None else ""
        return f"<Design: {self.n} respondents, {self.n_strata} strata, {self.n_psu} PSUs, lonely_psu={self.lonely_psu!r}{cal}>"
