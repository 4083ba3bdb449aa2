"""The estimate engine: every statistic of every question, for every group at once.

Each statistic is a ratio ``Σ w d y / Σ w d`` over a domain ``d`` (the question's valid base within
a group of the breakdown, or the whole sample for the total), linearised as
``z = w d (y − ŷ) / Σ w d`` over the full design. The sums run in
:mod:`~collabstate.stats._kernel`: one pass over the respondents per coded column serves all its
statistics (every option's share, every NET, the mean score) for every group and the total, with
their (group × group) covariance, which :mod:`~collabstate.stats.compare` needs. Composites (index,
gap) are linear in the factor means, so their linearised vector is the same combination of the
factors' (:mod:`~collabstate.stats._index`).

The engine returns :class:`Block` objects (one statistic, all groups and the total) that
:mod:`~collabstate.stats.estimate` and :mod:`~collabstate.stats.compare` turn into tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import polars as pl

from ..dataset import Responses
from ..errors import UnknownNameError, UsageError
from ..instrument.model import Column, IndexDefinition, Instrument, MultipleQuestion, TextQuestion
from ._blocks import Block, Domain
from ._breakdown import Breakdown, code_index, codes_or
from ._fast import Dense, usable
from ._kernel import Kernel, SingletonKernel, make_kernel
from .design import Design

if TYPE_CHECKING:
    from ..instrument.model import Question

__all__ = ["Block", "Engine", "resolve"]


#: What to estimate: ("column", Column), ("multiple", question) or ("index", IndexDefinition).
Resolved = tuple[Literal["column"], Column] | tuple[Literal["multiple"], MultipleQuestion] | tuple[Literal["index"], IndexDefinition]


def resolve(instrument: Instrument, questions: Sequence[str] | str | None) -> list[Resolved]:
    """What to estimate of ``instrument``: ("column", Column), ("multiple", question) and ("index",
    IndexDefinition); ``None`` for everything. The one check of the names asked for: an unknown name
    is an :class:`UnknownNameError` (with the closest known name), a free-text question a
    :class:`UsageError`; an empty list asks for nothing. The command line calls it before it reads any data."""
    out: list[Resolved] = []

    def expand(question: Question, explicit: bool) -> None:
        if isinstance(question, MultipleQuestion):
            out.append(("multiple", question))
        elif isinstance(question, TextQuestion):
            if explicit:
                raise UsageError(f"{question.id!r} is a free-text question: it has no estimates")
        else:
            out.extend(("column", c) for c in instrument.columns if c.question is question)

    if questions is None:
        for q in instrument.questions:
            expand(q, False)
        out.extend(("index", ix) for ix in instrument.indices)
        return out
    names = [questions] if isinstance(questions, str) else list(questions)
    for qid in names:
        column = instrument.column(qid)
        try:
            question = instrument.question(qid)
        except KeyError:
            question = None
        if column is not None and column.kind in ("code", "number"):
            out.append(("column", column))
        elif column is not None and column.kind == "flag":
            raise UsageError(f"{qid!r} is an option of the multiple-choice question {column.question.id!r}: "
                             f"ask for {column.question.id!r}, which gives every option's share")  # fmt: skip
        elif question is not None:
            expand(question, True)
        elif any(ix.id == qid for ix in instrument.indices):
            out.append(("index", instrument.index(qid)))
        else:
            raise UnknownNameError(name=qid, kind=f"a question, column or index of {instrument.id}", known=_names(instrument))
    return out


def _names(instrument: Instrument) -> list[str]:
    """Every name :func:`resolve` accepts, for the suggestion in its error."""
    return (
        [q.id for q in instrument.questions]
        + [c.name for c in instrument.columns if c.kind in ("code", "number")]
        + [ix.id for ix in instrument.indices]
    )


class Engine:
    """Estimates and covariances of every statistic for one design and one breakdown."""

    def __init__(self, design: Design, breakdown: Breakdown) -> None:
        if len(breakdown.codes) != design.n:
            raise UsageError("the breakdown and the design must describe the same respondents")
        self.design = design
        self.breakdown = breakdown
        self.g = breakdown.n_groups
        self.w = design.weights
        self.kernel = make_kernel(design, breakdown.codes, self.g)
        # Clustered designs: every statistic of a question at once on dense PSU totals (same numbers).
        self.dense = Dense(design, breakdown.codes, self.g) if type(self.kernel) is Kernel and usable(design, self.g) else None

    def group_sums(self, v: np.ndarray) -> np.ndarray:
        """Respondent-level vector -> sums per column (groups…, total)."""
        slots = np.bincount(self.breakdown.codes, weights=v, minlength=self.g + 1)
        return np.concatenate([slots[: self.g], [slots.sum()]])

    def domain(self, valid: np.ndarray, base: np.ndarray) -> Domain:
        w = self.w
        validf = valid.astype(np.float64)
        sw = self.kernel.columns(base)
        sw2 = self.group_sums(w * w * validf)
        n = self.group_sums((valid & (w > 0)).astype(np.float64)).round().astype(np.int64)
        nrow = self.group_sums(validf).round().astype(np.int64)
        if self.design.calibration is not None:  # R's subset of a calibrated design keeps every row
            nrow = np.full(self.g + 1, self.design.n, dtype=np.int64)
        present = base[: self.kernel.k] > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            n_eff = sw * sw / sw2
            deff = n / n_eff
        return Domain(n, nrow, n_eff, deff, self.kernel.degf(present), present)

    def vcov(self, t: np.ndarray) -> np.ndarray:
        return self.kernel.vcov(t)

    def ratio_t(self, valid: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, Domain]:
        """One ratio: estimates per column, its linearised vector, its domain."""
        est, ts, dom = self.ratios(valid, [y])
        return est[0], ts[0], dom

    def ratios(self, valid: np.ndarray, values: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray], Domain]:
        """Ratios sharing one domain: estimates (K × columns), linearised vectors, the domain."""
        kernel = self.kernel
        wd = self.w * valid
        base = kernel.cell_sums(wd)
        dom = self.domain(valid, base)
        est, ts = [], []
        for y in values:
            e, t = kernel.linearise(base, kernel.cell_sums(wd * np.where(valid, y, 0.0)))
            est.append(e)
            ts.append(t)
        return np.array(est).reshape(len(values), self.g + 1), ts, dom

    def ratio(self, valid: np.ndarray, values: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, Domain]:
        """Estimates (K × columns) and covariances (K × columns × columns) of ratios sharing one domain."""
        est, ts, dom = self.ratios(valid, values)
        cov = np.array([self.kernel.vcov(t) for t in ts]).reshape(len(values), self.g + 1, self.g + 1)
        return est, cov, dom

    def coded(
        self, valid: np.ndarray, code: np.ndarray, values: np.ndarray, dom: Domain | None = None
    ) -> tuple[np.ndarray, np.ndarray, Domain]:
        """Statistics ``values[code, k]`` (C × K) of a coded answer over its valid base, as
        :meth:`ratio`: one pass over the respondents for all K statistics (closed form when every
        PSU is a single respondent, dense PSU totals for clustered designs of few PSUs, per-cell
        code sums otherwise)."""
        kernel = self.kernel
        c, k = values.shape
        if isinstance(kernel, SingletonKernel):
            dom = dom or self.domain(valid, kernel.cell_sums(self.w * valid))
            est, cov = kernel.coded(valid, code, values)
            return est, cov, dom
        if self.dense is not None:
            dom = dom or self.domain(valid, kernel.cell_sums(self.w * valid))
            est, cov = self.dense.coded(np.where(valid, code, -1), values)
            return est, cov, dom
        sums = kernel.code_sums(valid, code, c, self.w)
        base = sums.sum(axis=1)
        dom = dom or self.domain(valid, base)
        num = sums @ values
        est = np.empty((k, self.g + 1))
        cov = np.empty((k, self.g + 1, self.g + 1))
        for j in range(k):
            est[j], t = kernel.linearise(base, num[:, j])
            cov[j] = kernel.vcov(t)
        return est, cov, dom

    # ------------------------------------------------------------------ questions
    def column_blocks(self, responses: Responses, column: Column) -> list[Block]:
        series = responses.data[column.name]
        if column.kind == "number":
            x = series.cast(pl.Float64).to_numpy()
            valid = np.isfinite(x)
            est, cov, dom = self.ratio(valid, [x])
            return [Block(column.name, None, "mean", "mean", est[0], cov[0], dom)]
        choices = [c for c in column.choices if not c.excluded]
        if not choices:
            return []
        codes = [c.code for c in choices]
        ci = code_index(series, codes)
        eye = np.eye(len(codes))
        stats: list[tuple[str | None, str, str, np.ndarray]] = []  # option, statistic, kind, value per code
        for j, c in enumerate(choices):
            stats.append((str(c.code), "proportion", "share", eye[j]))
        for net in responses.instrument.nets(column.question):
            stats.append((net.id, "net", "share", np.isin(codes, net.codes).astype(np.float64)))
        scores = [c.score for c in choices]
        if column.question.type in ("scale", "matrix") and all(x is not None for x in scores):
            stats.append((None, "mean", "mean", np.asarray(scores, dtype=np.float64)))
        values = np.stack([x[3] for x in stats], axis=1)
        est, cov, dom = self.coded(ci >= 0, ci, values)
        return [Block(column.name, o, st, kind, est[i], cov[i], dom) for i, (o, st, kind, _) in enumerate(stats)]

    def multiple_blocks(self, responses: Responses, question: MultipleQuestion) -> list[Block]:
        names = [f"{question.id}/{o.code}" for o in question.options]
        flags = np.column_stack([codes_or(responses.data.get_column(name), -1) for name in names])  # -1: unanswered
        valid: np.ndarray = np.asarray((flags >= 0).any(axis=1))
        ticked = {o.code: flags[:, j] == 1 for j, o in enumerate(question.options)}
        stats = [(code, "proportion", hit) for code, hit in ticked.items()]
        for net in responses.instrument.nets(question):
            hits = [ticked[code] for code in net.codes if code in ticked]
            stats.append((net.id, "net", np.logical_or.reduce(hits) if hits else np.zeros(responses.n, dtype=bool)))
        dom = self.domain(valid, self.kernel.cell_sums(self.w * valid))  # one base for every option
        if self.dense is not None:  # every option at once
            est, cov = self.dense.shares(valid, [hit for _, _, hit in stats])
            return [Block(question.id, o, st, "share", est[i], cov[i], dom) for i, (o, st, _) in enumerate(stats)]
        binary = np.array([[0.0], [1.0]])
        out = []
        for option, statistic, hit in stats:  # a loop over options, each one pass over respondents
            est, cov, _ = self.coded(valid, hit.astype(np.int64), binary, dom)
            out.append(Block(question.id, option, statistic, "share", est[0], cov[0], dom))
        return out

    def index_blocks(self, responses: Responses, index: IndexDefinition) -> list[Block]:
        from ._index import index_blocks

        return index_blocks(self, responses, index)

    def blocks(self, responses: Responses, questions: list[str] | str | None) -> list[Block]:
        out: list[Block] = []
        for resolved in resolve(responses.instrument, questions):
            if resolved[0] == "column":
                out.extend(self.column_blocks(responses, resolved[1]))
            elif resolved[0] == "multiple":
                out.extend(self.multiple_blocks(responses, resolved[1]))
            else:
                out.extend(self.index_blocks(responses, resolved[1]))
        return out
