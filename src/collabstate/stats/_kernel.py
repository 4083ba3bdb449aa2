"""The grouped variance kernel: ratios and their covariances for all groups of a breakdown at once.

Respondents are reduced to *cells*: the distinct (PSU, group slot) pairs present in the data (slot
``G`` holds respondents in no group). Every respondent-level sum becomes one ``np.bincount`` over
the cells, so the work grows with the number of respondents, never with PSUs × groups.

A statistic's linearised variable is carried as one vector ``t`` of length ``cells + PSUs``:
first the group PSU totals (one per cell; 0 on the no-group cells), then the total column's PSU
totals (one per PSU). Composites (index, gap) are linear combinations of these vectors.

Covariances follow :func:`~collabstate.stats.variance.vcov_totals` exactly (with-replacement,
within-stratum centring, n_h/(n_h−1), R's ``onestrat()`` lonely-PSU rules), without materialising
the (PSU × group) matrix: the variances are summed in centred form (present cells deviate from their
stratum mean; absent ones contribute the mean squared), the covariances as
``Σ_c s_c t_ca t_cb − Σ_h s_h n_h m_ha m_hb`` with the cross products over PSUs that hold both.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from .design import Design, unique_inverse
from .variance import vcov_totals

if TYPE_CHECKING:
    from ._calibration import Calibration

__all__ = ["CalibratedKernel", "Kernel", "SingletonKernel", "make_kernel"]


class Kernel:
    def __init__(self, design: Design, codes: np.ndarray, n_groups: int) -> None:
        self.design = design
        g = self.g = n_groups
        s = self.slots = g + 1
        self.cols = g + 1
        ukey, self.inv = unique_inverse(design.psu * s + codes, design.n_psu * s)
        self.k = len(ukey)
        self.k_psu = ukey // s
        self.k_slot = ukey % s
        self.k_stratum = design.psu_stratum[self.k_psu] if self.k else np.zeros(0, np.int64)
        psu_scale = design.psu_scale()
        self.psu_scale = psu_scale
        self.h = design.n_strata
        self.nh = design.psu_per_stratum.astype(np.float64)
        self.sh = np.where(self.nh > 1, self.nh / np.maximum(self.nh - 1, 1), 1.0)
        self.uncentred = design.lonely & (design.lonely_psu == "adjust")
        # group cells (slot < G), ordered by PSU
        gi = self.gi = np.flatnonzero(self.k_slot < g)
        self.g_psu, self.g_slot, self.g_stratum = self.k_psu[gi], self.k_slot[gi], self.k_stratum[gi]
        self.g_scale = psu_scale[self.g_psu]
        self.g_hs = self.g_stratum * g + self.g_slot
        self.nnz = np.bincount(self.g_hs, minlength=self.h * g).reshape(self.h, g).astype(np.float64)

    @cached_property
    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Pairs of group cells of different groups in the same PSU (for the group covariances):
        first cell, second cell, their (group, group) code, the PSU's scale. Built on first use:
        the dense path (:mod:`~collabstate.stats._fast`) never needs them."""
        g = self.g
        per_psu = np.bincount(self.g_psu, minlength=self.design.n_psu)
        starts = np.cumsum(per_psu) - per_psu
        reps = per_psu[self.g_psu]
        a = np.repeat(np.arange(len(self.gi)), reps)
        within = np.arange(len(a)) - np.repeat(np.cumsum(reps) - reps, reps)
        b = starts[self.g_psu[a]] + within
        keep = a != b
        pa, pb = a[keep], b[keep]
        return pa, pb, self.g_slot[pa] * g + self.g_slot[pb], self.g_scale[pa]

    # ------------------------------------------------------------------ sums
    def cell_sums(self, v: np.ndarray) -> np.ndarray:
        return np.bincount(self.inv, weights=v, minlength=self.k)

    def code_sums(self, valid: np.ndarray, code: np.ndarray, c: int, w: np.ndarray) -> np.ndarray:
        """Sums of ``w`` per (cell, code) over the valid respondents, (cells × c)."""
        return np.bincount(self.inv[valid] * c + code[valid], weights=w[valid], minlength=self.k * c).reshape(self.k, c)

    def columns(self, cells: np.ndarray) -> np.ndarray:
        """Cell values -> per column (groups…, total)."""
        slots = np.bincount(self.k_slot, weights=cells[: self.k], minlength=self.slots)
        return np.concatenate([slots[: self.g], [slots.sum()]])

    def degf(self, present: np.ndarray) -> np.ndarray:
        """R's degf() per column, from the cells holding an in-domain respondent of non-zero weight."""
        p = present.astype(np.float64)
        psus = np.bincount(self.k_slot, weights=p, minlength=self.slots)[: self.g]
        strata = np.bincount(self.k_stratum * self.slots + self.k_slot, weights=p, minlength=self.h * self.slots)
        strata = (strata.reshape(self.h, self.slots)[:, : self.g] > 0).sum(axis=0)
        psu_any = np.bincount(self.k_psu, weights=p, minlength=self.design.n_psu) > 0
        total = psu_any.sum() - (np.bincount(self.design.psu_stratum, weights=psu_any, minlength=self.h) > 0).sum()
        return np.concatenate([psus - strata, [total]]).astype(np.int64)

    # ------------------------------------------------------------------ ratios
    def linearise(self, base: np.ndarray, num: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Estimates per column and the linearised vector ``t`` from cell sums of w·d and w·d·y."""
        w_cols = self.columns(base)
        e_cols = self.columns(num)
        ok = w_cols > 0
        safe = np.where(ok, w_cols, 1.0)
        est = np.where(ok, e_cols / safe, 0.0)
        e_slot = np.concatenate([est[: self.g], [0.0]])[self.k_slot]
        w_slot = np.concatenate([safe[: self.g], [1.0]])[self.k_slot]
        tg = np.where(self.k_slot < self.g, (num - e_slot * base) / w_slot, 0.0)
        tt = np.bincount(self.k_psu, weights=(num - est[-1] * base) / safe[-1], minlength=self.design.n_psu)
        return np.where(ok, est, np.nan), np.concatenate([tg, tt])

    def vcov(self, t: np.ndarray) -> np.ndarray:
        """(columns × columns) covariance of a linearised vector from :meth:`linearise`."""
        g, h, cols, design = self.g, self.h, self.cols, self.design
        tg, tt = t[self.gi], t[self.k :]
        m = np.empty((h, cols))
        m[:, :g] = np.bincount(self.g_hs, weights=tg, minlength=h * g).reshape(h, g) / self.nh[:, None]
        m[:, g] = np.bincount(design.psu_stratum, weights=tt, minlength=h) / self.nh
        m[self.uncentred] = 0.0
        out = np.zeros((cols, cols))
        pa, pb, p_code, p_scale = self.pairs
        if len(pa):
            out[:g, :g] = np.bincount(p_code, weights=p_scale * tg[pa] * tg[pb], minlength=g * g).reshape(g, g)
        cross = np.bincount(self.g_slot, weights=self.g_scale * tt[self.g_psu] * tg, minlength=g)
        out[:g, g] = out[g, :g] = cross
        out -= (m * (self.sh * self.nh)[:, None]).T @ m
        # variances in centred form (no cancellation)
        dev = tg - m[self.g_stratum, self.g_slot]
        var_g = np.bincount(self.g_slot, weights=self.g_scale * dev * dev, minlength=g).astype(np.float64)
        var_g += ((self.sh[:, None] * (self.nh[:, None] - self.nnz)) * m[:, :g] ** 2).sum(axis=0)
        dev_t = tt - m[design.psu_stratum, g]
        var_t = np.sum(self.psu_scale * dev_t * dev_t)
        idx = np.arange(cols)
        out[idx, idx] = np.concatenate([var_g, [var_t]])
        return out


class SingletonKernel(Kernel):
    """A design whose PSUs are single respondents (no clusters): coded statistics in closed form.

    Every statistic of a coded column is a function of the answer, ``y = f(code)`` (shares, NETs,
    score means), and a respondent is alone in its PSU, so all the sums the variance needs are
    sums over respondents of ``w`` and ``w²`` per (stratum, group, code): one pass over the
    respondents serves every statistic of the column. The formulas are those of :class:`Kernel`:
    ``Σ_h s_h (Σ_i z_ia z_ib − n_h m_ha m_hb)`` with ``z_i = w_i (f(code_i) − ŷ) / Σ w``.
    """

    def __init__(self, design: Design, codes: np.ndarray, n_groups: int) -> None:
        super().__init__(design, codes, n_groups)
        self.hs = design.stratum * self.slots + codes

    def coded(self, valid: np.ndarray, code: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Estimates (K × columns) and covariances (K × columns × columns) of the K statistics
        ``values[code, k]`` over the valid answers (``code`` in 0..C-1 where valid)."""
        h, g, s = self.h, self.g, self.slots
        c, k = values.shape
        w = self.design.weights[valid]
        idx = self.hs[valid] * c + code[valid]
        a = np.bincount(idx, weights=w, minlength=h * s * c).reshape(h, s, c)
        q = np.bincount(idx, weights=w * w, minlength=h * s * c).reshape(h, s, c)
        a = np.concatenate([a[:, :g], a.sum(axis=1, keepdims=True)], axis=1)  # (H, cols, C)
        q = np.concatenate([q[:, :g], q.sum(axis=1, keepdims=True)], axis=1)
        w_cols = a.sum(axis=(0, 2))
        ok = w_cols > 0
        safe = np.where(ok, w_cols, 1.0)
        est = np.einsum("hgc,ck->gk", a, values) / safe[:, None]
        est[~ok] = 0.0
        dev = values[None, :, :] - est[:, None, :]  # (cols, C, K): f(code) − ŷ
        m = np.einsum("hgc,gck->hgk", a, dev) / safe[None, :, None]  # stratum sums of z
        m[self.uncentred] = 0.0
        sh = self.sh[:, None]
        cov = np.zeros((k, self.cols, self.cols))
        idx_cols = np.arange(self.cols)
        cov[:, idx_cols, idx_cols] = (np.einsum("hgc,gck->gk", q * sh[:, :, None], dev * dev) / safe[:, None] ** 2).T
        cross = np.einsum("hgc,gck,ck->gk", q[:, :g] * sh[:, :, None], dev[:g], dev[g]) / (safe[:g, None] * safe[g])
        cov[:, :g, g] += cross.T
        cov[:, g, :g] += cross.T
        cov -= np.einsum("h,hak,hbk->kab", self.sh / self.nh, m, m)
        est = np.where(ok[:, None], est, np.nan)
        return est.T, cov


class CalibratedKernel(Kernel):
    """The general kernel on a calibrated design (:mod:`~collabstate.stats._calibration`).

    The residual of a linearised variable ``z`` is ``z − Σ_k psw_k c_k[g_k]``, with coefficients
    ``c`` from ``a = Σ λ z`` per (column, calibration cell). So the cell sums carry, after the
    cells, the sums of ``λ·v`` per (group slot, calibration cell); :meth:`linearise` appends ``a``
    to the vector ``t``; and :meth:`vcov` expands the variance of ``T − P c`` (``P``: PSU totals
    of ``psw`` per calibration cell) with the design's bilinear form ``B``:
    ``B(T,T) − B(T,P)c − (B(T,P)c)ᵀ + cᵀB(P,P)c``. All of it is linear in ``t``, so composites
    (index, gap) stay linear combinations of these vectors.

    That expansion loses relative precision when the residual is much smaller than ``z`` (an
    estimate the margins almost determine), so while the (PSU × column) residual totals fit in
    :attr:`DENSE_LIMIT` elements they are formed and their variance taken in centred form.
    """

    #: Largest (PSUs × columns) for which the residual totals are formed densely.
    DENSE_LIMIT = 4_000_000

    def __init__(self, design: Design, codes: np.ndarray, n_groups: int) -> None:
        import scipy.sparse as sp  # only a calibrated design needs it: imported here, not with the statistics

        super().__init__(design, codes, n_groups)
        if design.calibration is None:  # make_kernel picks this kernel only for a calibrated design
            raise AssertionError("a calibrated kernel needs a calibrated design")
        cal: Calibration = design.calibration
        self.cal = cal
        size = self.size = cal.size
        self.aux_idx, self.aux_lam = cal.aux_index(np.asarray(codes, dtype=np.int64))
        self.n_margins = len(cal.margins)
        rows = np.concatenate([design.psu for _ in cal.margins])
        cols = np.concatenate([o + m.codes for m, o in zip(cal.margins, cal.offsets)])
        vals = np.concatenate([m.weights for m in cal.margins])
        p = sp.csr_matrix((vals, (rows, cols)), shape=(design.n_psu, size))  # PSU totals of psw per cell
        self.p = p
        self.pg_t = p[self.g_psu].T.tocsr()  # (cells of the calibration × group cells)
        strata = sp.csr_matrix((np.ones(design.n_psu), (design.psu_stratum, np.arange(design.n_psu))), shape=(self.h, design.n_psu))
        mp = (strata @ p).toarray() / self.nh[:, None]
        mp[self.uncentred] = 0.0
        self.mp = mp
        scaled = sp.diags(self.psu_scale) @ p
        self.bpp = (p.T @ scaled).toarray() - (mp * (self.sh * self.nh)[:, None]).T @ mp

    def _aux(self, v: np.ndarray) -> np.ndarray:
        return np.bincount(self.aux_idx, weights=self.aux_lam * np.tile(v, self.n_margins), minlength=self.slots * self.size)

    def cell_sums(self, v: np.ndarray) -> np.ndarray:
        return np.concatenate([super().cell_sums(v), self._aux(v)])

    def code_sums(self, valid: np.ndarray, code: np.ndarray, c: int, w: np.ndarray) -> np.ndarray:
        cells = super().code_sums(valid, code, c, w)
        keep = np.tile(valid, self.n_margins)
        idx = self.aux_idx[keep] * c + np.tile(code, self.n_margins)[keep]
        aux = np.bincount(idx, weights=(self.aux_lam * np.tile(w, self.n_margins))[keep], minlength=self.slots * self.size * c)
        return np.concatenate([cells, aux.reshape(self.slots * self.size, c)])

    def linearise(self, base: np.ndarray, num: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k, g = self.k, self.g
        est, t = super().linearise(base[:k], num[:k])
        w_cols = self.columns(base)
        ok = w_cols > 0
        safe = np.where(ok, w_cols, 1.0)
        e = np.where(ok, est, 0.0)
        ab = base[k:].reshape(self.slots, self.size)
        an = num[k:].reshape(self.slots, self.size)
        a = np.empty((self.cols, self.size))
        a[:g] = (an[:g] - e[:g, None] * ab[:g]) / safe[:g, None]
        a[g] = (an.sum(axis=0) - e[g] * ab.sum(axis=0)) / safe[g]
        return est, np.concatenate([t, a.ravel()])

    def vcov(self, t: np.ndarray) -> npt.NDArray[np.float64]:
        g, h, cols, design = self.g, self.h, self.cols, self.design
        n_t = self.k + design.n_psu
        tc = t[:n_t]
        c = self.cal.coefficients(t[n_t:].reshape(cols, self.size).T)  # (cells of the calibration × columns)
        tg, tt = tc[self.gi], tc[self.k :]
        if design.n_psu * cols <= self.DENSE_LIMIT:
            totals = np.zeros((design.n_psu, cols))
            totals[self.g_psu, self.g_slot] = tg
            totals[:, g] = tt
            return vcov_totals(design, totals - self.p @ c)
        m = np.empty((h, cols))
        m[:, :g] = np.bincount(self.g_hs, weights=tg, minlength=h * g).reshape(h, g) / self.nh[:, None]
        m[:, g] = np.bincount(design.psu_stratum, weights=tt, minlength=h) / self.nh
        m[self.uncentred] = 0.0
        btp = np.empty((cols, self.size))
        if g:
            import scipy.sparse as sp

            y = sp.csr_matrix((self.g_scale * tg, (np.arange(len(tg)), self.g_slot)), shape=(len(tg), g))
            btp[:g] = (self.pg_t @ y).toarray().T
        btp[g] = self.p.T @ (self.psu_scale * tt)
        btp -= (m * (self.sh * self.nh)[:, None]).T @ self.mp
        x = btp @ c
        vcov: npt.NDArray[np.float64] = super().vcov(tc) - x - x.T + c.T @ self.bpp @ c
        return vcov


def make_kernel(design: Design, codes: np.ndarray, n_groups: int) -> Kernel:
    """The calibrated kernel on a calibrated design; the closed-form kernel when every PSU is a
    single respondent; else the general one."""
    if design.calibration is not None:
        return CalibratedKernel(design, codes, n_groups)
    if design.n_psu == design.n:
        return SingletonKernel(design, codes, n_groups)
    return Kernel(design, codes, n_groups)
