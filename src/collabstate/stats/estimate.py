"""Every estimate of a survey in one tidy table, with honest uncertainty.

:func:`estimate` takes a :class:`~collabstate.dataset.Responses` (answers + instrument + design)
and returns one row per statistic, group and option:

========== ================================================================================
question   data column (``sector``, ``st_effective``), multiple-choice question (``domains``),
           or ``<index>/<dimension>`` / ``<index>/gap`` for index scores
option     choice code as a string, option code, NET id, factor id or ``index``/``index_100``/
           ``all_factors``; null for means
statistic  ``proportion`` | ``net`` (shares on 0–1) | ``mean`` | ``index`` | ``gap``
by, group  the breakdown (``"sector"``, ``"sector|wave"``) and the group code (``"1"``, ``"1|2024"``);
           group is null on the total row, both are null without a breakdown
wave       the wave of the row's group, or of the data when they hold a single wave
estimate   the estimate; se its Taylor-linearised standard error; ci_low, ci_high its interval
n          unweighted valid base (respondents with a valid answer and non-zero weight)
n_eff      Kish effective base (Σw)²/Σw² and deff = n Σw²/(Σw)², on the same valid base
flags      ``suppressed`` (n < min_base: estimate, se and interval withheld), ``low_base``
           (n < low_base), ``no_valid_answers`` (n = 0), ``empty_group`` (no respondent in the
           group at all), ``no_interval`` (an estimate whose interval cannot be computed, e.g. a
           domain with zero design degrees of freedom)
letters    groups (A, B, C… in order) this group is significantly higher than; null on total rows
========== ================================================================================

Percentages are of valid answers: not answered (null) and excluded codes (9 "Not applicable")
are out of the base. Multiple choice: the base is those who ticked or un-ticked any option.
Rows come in questionnaire order, then the indices; within a statistic, the total row first.

>>> import polars as pl
>>> from collabstate.dataset import Responses
>>> from collabstate.instrument import load_instrument
>>> r = Responses(load_instrument("leaders"), pl.DataFrame({"sector": [1, 1, 2, 3] * 5}))
>>> t = estimate(r, ["sector"])
>>> t.select("option", "estimate", "n").head(2).rows()
[('1', 0.5, 20), ('2', 0.25, 20)]
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from ..dataset import Responses
from ..dataset.derived import blank_outside, filter_condition, within_mask
from ..instrument.logic import Condition
from ._blocks import Block
from ._breakdown import Breakdown, make_breakdown
from ._engine import Engine
from .bases import check_bases
from .compare import pairwise_letters
from .design import Design, LonelyPSU
from .intervals import CIMethod, check_level, check_method, proportion_interval, t_interval

__all__ = ["ESTIMATE_SCHEMA", "check_bases", "estimate"]

ESTIMATE_SCHEMA: dict[str, pl.DataType] = {
    "question": pl.String(), "option": pl.String(), "statistic": pl.String(), "by": pl.String(),
    "group": pl.String(), "wave": pl.String(), "estimate": pl.Float64(), "se": pl.Float64(),
    "ci_low": pl.Float64(), "ci_high": pl.Float64(), "n": pl.Int64(), "n_eff": pl.Float64(),
    "deff": pl.Float64(), "flags": pl.List(pl.String()), "letters": pl.String(),
}  # fmt: skip


def _single_wave(responses: Responses) -> str | None:
    if "wave" not in responses.data.columns:
        return None
    waves = responses.data["wave"].drop_nulls().unique()
    return str(waves[0]) if waves.len() == 1 else None


def estimate(
    responses: Responses,
    questions: list[str] | str | None = None,
    by: str | list[str] | None = None,
    ci: CIMethod = "wilson",
    level: float = 0.95,
    min_base: int = 10,
    low_base: int = 30,
    *,
    lonely_psu: LonelyPSU = "adjust",
    letters_level: float | None = None,
    adjust: Literal["bh"] | None = None,
    design: Design | None = None,
    filter: str | Condition | None = None,
) -> pl.DataFrame:
    """Estimates of ``questions`` (default: every question and index) by ``by`` (one or two
    variables: a single-choice question or a data column such as ``wave``).

    ``ci`` is the interval for shares (``wilson``, ``logit``, ``beta``, ``wald``); means use t on
    the domain's design degrees of freedom. ``letters_level`` (default ``level``) and ``adjust``
    (``"bh"`` for Benjamini–Hochberg) govern the pairwise letters. ``design`` overrides the
    design built from ``responses`` (``lonely_psu`` is then ignored). ``filter`` (a condition in
    the grammar of ``relevant``) estimates within the respondents for whom it holds, as a domain
    of the full design (R: ``svyby(..., subset(design, filter))``; :func:`collabstate.dataset.within`).
    """
    check_bases(min_base, low_base)
    check_method(ci)
    check_level(level)
    design = design or Design.from_responses(responses, lonely_psu=lonely_psu)
    mask = None
    if filter is not None:
        condition = filter_condition(filter)
        inside = within_mask(responses, condition)
        responses, mask = blank_outside(responses, inside), inside.to_numpy()
    breakdown = make_breakdown(responses, by, within=mask)
    blocks = Engine(design, breakdown).blocks(responses, questions)
    return _table(blocks, breakdown, responses, ci, level, min_base, low_base, letters_level or level, adjust)


def _table(
    blocks: list[Block],
    breakdown: Breakdown,
    responses: Responses,
    ci: CIMethod,
    level: float,
    min_base: int,
    low_base: int,
    letters_level: float,
    adjust: Literal["bh"] | None,
) -> pl.DataFrame:
    g = breakdown.n_groups
    cols = g + 1
    order = np.r_[g, np.arange(g)]  # the total row first, then the groups
    k = len(blocks)
    if k == 0:
        return pl.DataFrame(schema=ESTIMATE_SCHEMA)

    def stack(get: Callable[[Block], npt.ArrayLike]) -> npt.NDArray[np.float64]:
        return np.stack([np.asarray(get(b), dtype=np.float64)[order] for b in blocks]).ravel()

    est, se = stack(lambda b: b.est), stack(lambda b: b.se)
    n = stack(lambda b: b.domain.n).astype(np.int64)
    nrow, n_eff, deff, degf = (stack(attrgetter(f"domain.{a}")) for a in ("nrow", "n_eff", "deff", "degf"))
    share = np.repeat([b.kind == "share" for b in blocks], cols)
    low, high = np.full(k * cols, np.nan), np.full(k * cols, np.nan)
    if share.any():
        s = share
        low[s], high[s] = proportion_interval(ci, est[s], se[s], n_eff=n_eff[s], nrow=nrow[s], df=degf[s], level=level)
    if (~share).any():
        m = ~share
        low[m], high[m] = t_interval(est[m], se[m], degf[m], level=level)
    suppressed = n < min_base
    for x in (est, se, low, high):
        x[suppressed] = np.nan

    is_group = np.tile(np.r_[False, np.ones(g, dtype=bool)], k)
    group_index = np.tile(np.r_[-1, np.arange(g)], k)
    empty = np.zeros(k * cols, dtype=bool)
    if g:
        empty[is_group] = breakdown.sizes[group_index[is_group]] == 0
    no_interval = np.isfinite(est) & ~(np.isfinite(low) & np.isfinite(high))
    flag_sets = [
        ("suppressed", suppressed), ("low_base", n < low_base), ("no_valid_answers", n == 0),
        ("empty_group", empty), ("no_interval", no_interval),
    ]  # fmt: skip
    flags: list[list[str]] = [[] for _ in range(k * cols)]
    for name, mask in flag_sets:
        for i in np.flatnonzero(mask):
            flags[i].append(name)

    letters: list[str | None] = []
    for b in blocks:
        letters.append(None)
        if g:
            usable = (b.domain.n[:g] >= min_base) & np.isfinite(b.est[:g])
            letters.extend(pairwise_letters(b.est[:g], b.cov[:g, :g], usable, level=letters_level, adjust=adjust))
    wave = _single_wave(responses)
    group_labels = [None, *breakdown.labels]
    group_waves = [wave, *[w if w is not None else wave for w in breakdown.waves]]

    def nan_to_null(x: np.ndarray, name: str) -> pl.Series:
        return pl.Series(name, np.asarray(x, dtype=np.float64), dtype=pl.Float64, nan_to_null=True)  # as fill_nan(None), without a query

    return pl.DataFrame(
        [
            pl.Series("question", np.repeat([b.question for b in blocks], cols), dtype=pl.String),
            pl.Series("option", [b.option for b in blocks for _ in range(cols)], dtype=pl.String),
            pl.Series("statistic", np.repeat([b.statistic for b in blocks], cols), dtype=pl.String),
            pl.Series("by", [breakdown.by] * (k * cols), dtype=pl.String),
            pl.Series("group", group_labels * k, dtype=pl.String),
            pl.Series("wave", group_waves * k, dtype=pl.String),
            nan_to_null(est, "estimate"),
            nan_to_null(se, "se"),
            nan_to_null(low, "ci_low"),
            nan_to_null(high, "ci_high"),
            pl.Series("n", n, dtype=pl.Int64),
            nan_to_null(n_eff, "n_eff"),
            nan_to_null(deff, "deff"),
            _flag_lists(flags),
            pl.Series("letters", letters, dtype=pl.String),
        ]
    )


def _flag_lists(flags: list[list[str]]) -> pl.Series:
    """The ``flags`` column: each row's list, built once per distinct list and gathered (a few
    distinct lists, where a list per row made of Python lists took a tenth of a crosstab's time)."""
    keys = [tuple(f) for f in flags]
    distinct = list(dict.fromkeys(keys))
    where = {key: i for i, key in enumerate(distinct)}
    lists = pl.Series("flags", [list(key) for key in distinct], dtype=pl.List(pl.String))
    return lists[np.array([where[key] for key in keys], dtype=np.int64)] if keys else lists
