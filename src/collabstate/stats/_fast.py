"""A faster path for the general kernel: all statistics of a question at once, on dense PSU totals.

:class:`~collabstate.stats._kernel.Kernel` works on the (PSU, group) *cells* present in the data
and reduces one statistic at a time (``linearise`` then ``vcov``: about ten passes over the cells
each). With clusters, the PSUs are far fewer than the respondents (a survey of 1,000,000 in
clusters of 20 has 50,000 PSUs), so the dense array of PSU totals, PSUs × columns (groups and the
total) × statistics, is small, and every statistic of a question comes from:

1. one ``np.bincount`` over the respondents: the sums of ``w`` per (PSU, group, answer code);
2. a matrix product with the statistics' values per code (shares, NETs, scores), giving the
   numerators per (PSU, group, statistic), and the estimates ``ŷ = Σ num / Σ base`` per column;
3. the PSU totals of the linearised variables, ``(num − ŷ · base) / Σ base`` per column (the
   total column sums the groups and the no-group slot);
4. :func:`~collabstate.stats.variance.vcov_totals` of that stack, which is the engine's variance
   (with-replacement, within-stratum centring, n_h/(n_h−1), R's lonely-PSU rules).

The numbers equal the kernel's to rounding (tested to 1e-10 relative). :func:`usable` says when
this path applies: a plain design (no calibration) whose PSUs × group slots stay within
``DENSE_FACTOR`` × respondents; otherwise the kernel's sparse cells are the right tool.

The engine (:mod:`~collabstate.stats._engine`) routes coded columns and multiple-choice questions
here when its kernel is the general one and :func:`usable` holds; at 1,000,000 respondents in
50,000 clusters this is about 1.5× faster than the kernel (docs/benchmarks.md, issue 3).

>>> import numpy as np
>>> from collabstate.stats import Design
>>> d = Design.from_arrays(weights=[1, 2, 1, 2, 1, 1], clusters=[1, 1, 2, 2, 3, 3])
>>> dense = Dense(d, np.array([0, 1, 0, 1, 0, 1]), 2)        # two groups
>>> code = np.array([0, 1, 1, 0, 1, 1])                      # answers coded 0, 1 (-1: no answer)
>>> est, cov = dense.coded(code, np.eye(2))                  # both shares, groups and total
>>> est[1].round(4).tolist()
[0.6667, 0.6, 0.625]
>>> cov.shape
(2, 3, 3)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from .design import Design
from .variance import vcov_totals

__all__ = ["DENSE_FACTOR", "Dense", "usable"]

#: The dense path is used while PSUs × group slots ≤ DENSE_FACTOR × respondents.
DENSE_FACTOR = 2
#: Statistics reduced together (bounds the temporaries to CHUNK × PSUs × columns).
CHUNK = 4


def usable(design: Design, n_groups: int) -> bool:
    """Whether :class:`Dense` applies: no calibration, and a dense (PSU × slot) array that is
    not larger than ``DENSE_FACTOR`` × the respondents."""
    if design.calibration is not None:
        return False
    return design.n_psu * (n_groups + 1) <= DENSE_FACTOR * max(design.n, 1)


class Dense:
    """Estimates and covariances of coded statistics for one design and one breakdown.

    ``codes`` is the group code per respondent, ``0 .. n_groups-1``, and ``n_groups`` for
    respondents in no group (they count in the total only).
    """

    def __init__(self, design: Design, codes: np.ndarray, n_groups: int) -> None:
        self.design = design
        self.g = n_groups
        self.slots = n_groups + 1
        self.cell = design.psu * self.slots + np.asarray(codes, dtype=np.int64)  # (PSU, slot) per respondent

    def _columns(self, slots: np.ndarray) -> np.ndarray:
        """(PSUs × slots × …) -> (PSUs × columns × …), contiguous: the groups, then the total over
        every slot (the no-group slot counts in the total only)."""
        g = self.g
        out = np.empty((slots.shape[0], g + 1, *slots.shape[2:]))
        out[:, :g] = slots[:, :g]
        out[:, g] = slots.sum(axis=1)
        return out

    def ratios(self, base: np.ndarray, numerators: Callable[[int, int], npt.NDArray[np.float64]], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Ratio estimates (K × cols) and covariances (K × cols × cols) from the sums of ``w``
        (PSUs × cols) and of ``w·y``: ``numerators(a, b)`` gives statistics a..b-1 as
        (b−a × PSUs × cols), a few at a time so that the temporaries stay small."""
        w_cols = base.sum(axis=0)
        ok = w_cols > 0
        safe = np.where(ok, w_cols, 1.0)
        est = np.empty((k, self.g + 1))
        cov = np.empty((k, self.g + 1, self.g + 1))
        for a in range(0, k, CHUNK):
            totals = numerators(a, min(a + CHUNK, k))
            e = totals.sum(axis=1) / safe
            e[:, ~ok] = 0.0
            totals -= e[:, None, :] * base[None]  # the linearised variables' PSU totals
            totals /= safe
            est[a : a + CHUNK] = e
            cov[a : a + CHUNK] = vcov_totals(self.design, totals)
        est[:, ~ok] = np.nan
        return est, cov

    def coded(self, code: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The statistics ``values[code, k]`` (C × K) over the valid answers (``code`` 0..C-1;
        -1 is no valid answer): estimates (K × cols) and covariances (K × cols × cols)."""
        values = np.asarray(values, dtype=np.float64)
        c, k = values.shape
        idx = self.cell * (c + 1) + (np.asarray(code, dtype=np.int64) + 1)  # code -1 falls in slot 0, left out
        sums = np.bincount(idx, weights=self.design.weights, minlength=self.design.n_psu * self.slots * (c + 1))
        per_code = self._columns(sums.reshape(self.design.n_psu, self.slots, c + 1)[:, :, 1:])  # (P × cols × C)
        flat = per_code.reshape(-1, c)
        shape = per_code.shape[:2]
        return self.ratios(per_code.sum(axis=2), lambda a, b: (values[:, a:b].T @ flat.T).reshape(b - a, *shape), k)

    def shares(self, valid: np.ndarray, hits: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Shares with a common base: ``valid`` the respondents in the base, ``hits`` one boolean
        array per share (e.g. each option of a multiple-choice question ticked)."""
        n_cells = self.design.n_psu * self.slots
        w = self.design.weights * valid

        def sums(v: np.ndarray) -> np.ndarray:
            return self._columns(np.bincount(self.cell, weights=v, minlength=n_cells).reshape(self.design.n_psu, self.slots))

        return self.ratios(sums(w), lambda a, b: np.stack([sums(w * hit) for hit in hits[a:b]]), len(hits))
