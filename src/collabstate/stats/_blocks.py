"""What the estimate engine returns: a :class:`Block` (one statistic for every group of a breakdown
and the total, with its covariance) over a :class:`Domain` (the valid bases). A module of its own,
so that the engine (:mod:`~collabstate.stats._engine`) and the composites built from its blocks
(:mod:`~collabstate.stats._index`) both depend on it and not on each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Block", "Domain"]


@dataclass
class Domain:
    """Per column (groups…, total): the valid base of a statistic's domain."""

    n: np.ndarray  # respondents with a valid answer and non-zero weight
    nrow: np.ndarray  # rows with a valid answer (R's nrow of the subset)
    n_eff: np.ndarray
    deff: np.ndarray
    degf: np.ndarray
    present: np.ndarray  # per (PSU, group) cell: holds an in-domain respondent of non-zero weight


@dataclass
class Block:
    """One statistic for every group of the breakdown and the total (last column)."""

    question: str
    option: str | None
    statistic: str  # proportion | net | mean | index | gap
    kind: str  # "share" (interval for shares) or "mean" (t interval)
    est: np.ndarray  # (G+1,)
    cov: np.ndarray  # (G+1, G+1)
    domain: Domain

    @property
    def se(self) -> npt.NDArray[np.float64]:
        se: npt.NDArray[np.float64] = np.sqrt(np.clip(np.diag(self.cov), 0.0, None))
        return se
