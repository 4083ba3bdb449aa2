"""Is a difference real? Pairwise letters within a breakdown, and the change between two waves.

Both use the difference's own linearised variance over the full design,
``Var(a − b) = V_aa + V_bb − 2 V_ab``, so the covariance of groups that share strata or PSUs
(or of waves that share them) is accounted for; the test is a two-sided z test.

Letters: the groups of a breakdown are labelled A, B, C… in order (then a, b, c…; beyond 52 groups
no letters are given). A cell carries the letters of the groups it is significantly higher than.
Suppressed groups, groups without an estimate and groups with no variation (a share of 0% or 100%,
zero variance) take no part: a difference from a cell that cannot vary is not tested. With ``adjust="bh"`` the p-values of
one statistic's pairwise comparisons (one row of a banner table) are Benjamini–Hochberg adjusted.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from functools import lru_cache
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from ..dataset import Responses
from ..dataset.waves import labels_in_time
from ..errors import InputError, UnknownNameError, UsageError
from ._breakdown import Breakdown, make_breakdown
from ._dist import norm_ppf, norm_sf
from ._engine import Engine
from .bases import check_bases
from .design import Design, LonelyPSU

__all__ = ["GROUP_LETTERS", "benjamini_hochberg", "pairwise_letters", "trend_changes", "wave_change"]

GROUP_LETTERS = string.ascii_uppercase + string.ascii_lowercase


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (R ``p.adjust(p, "BH")``)."""
    p = np.asarray(p, dtype=np.float64)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p)[::-1]
    ranked = p[order] * m / np.arange(m, 0, -1)
    adjusted = np.minimum(1.0, np.minimum.accumulate(ranked))
    out = np.empty(m)
    out[order] = adjusted
    return out


def _z_test(diff: np.ndarray, var: np.ndarray) -> npt.NDArray[np.float64]:
    """Two-sided p-values; a zero variance makes any non-zero difference significant.
    ``ndtr(-|z|)`` is the normal's upper tail, exactly what ``scipy.stats.norm.sf`` computes,
    without its argument checks (a crosstab tests a few hundred rows of pairs)."""
    se = np.sqrt(np.clip(var, 0.0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(se > 0, diff / se, np.where(diff == 0, 0.0, np.inf))
    p: npt.NDArray[np.float64] = 2 * norm_sf(np.abs(z))
    return p


@lru_cache(maxsize=64)
def _pairs(g: int) -> tuple[np.ndarray, np.ndarray]:
    """The pairs (i < j) of ``g`` groups (``numpy.triu_indices``, made once per size)."""
    i, j = np.triu_indices(g, 1)
    i.setflags(write=False)
    j.setflags(write=False)
    return i, j


def pairwise_letters(
    est: np.ndarray,
    cov: np.ndarray,
    usable: np.ndarray | None = None,
    *,
    level: float = 0.95,
    adjust: Literal["bh"] | None = None,
) -> list[str | None]:
    """Letters of the groups each group is significantly higher than ('' when none, None when unusable).

    >>> est = np.array([0.5, 0.3, 0.52]); cov = np.diag([1e-4, 1e-4, 1e-4])
    >>> pairwise_letters(est, cov)
    ['B', '', 'B']
    """
    if adjust not in (None, "bh"):
        raise UsageError(argument="adjust", value=adjust, expected="None or 'bh'")
    est = np.asarray(est, dtype=np.float64)
    g = len(est)
    cov = np.asarray(cov, dtype=np.float64).reshape(g, g)
    var = cov.diagonal()
    ok = np.isfinite(est) & np.isfinite(var) & (var > 0)  # no variation, no letters
    if usable is not None:
        ok &= np.asarray(usable, dtype=bool)
    if g > len(GROUP_LETTERS):
        return [None] * g
    i, j = _pairs(g)
    keep = ok[i] & ok[j]
    i, j = i[keep], j[keep]
    diff = est[i] - est[j]
    p = _z_test(diff, cov[i, i] + cov[j, j] - 2 * cov[i, j])
    if adjust == "bh":
        p = benjamini_hochberg(p)
    sig = p < 1 - level
    wins: list[list[int]] = [[] for _ in range(g)]
    for a, b, d in zip(i[sig], j[sig], diff[sig]):
        (wins[a] if d > 0 else wins[b]).append(b if d > 0 else a)
    return ["".join(GROUP_LETTERS[k] for k in sorted(w)) if ok[x] else None for x, w in enumerate(wins)]


CHANGE_SCHEMA: dict[str, pl.DataType] = {
    "question": pl.String(), "option": pl.String(), "statistic": pl.String(), "by": pl.String(), "group": pl.String(),
    "wave_from": pl.String(), "wave_to": pl.String(), "estimate_from": pl.Float64(), "estimate_to": pl.Float64(),
    "change": pl.Float64(), "se": pl.Float64(), "ci_low": pl.Float64(), "ci_high": pl.Float64(), "p_value": pl.Float64(),
    "verdict": pl.String(), "n_from": pl.Int64(), "n_to": pl.Int64(), "flags": pl.List(pl.String()),
}  # fmt: skip


def wave_change(
    responses: Responses,
    questions: list[str] | str | None = None,
    waves: tuple[object, object] | None = None,
    by: str | None = None,
    *,
    level: float = 0.95,
    min_base: int = 10,
    low_base: int = 30,
    lonely_psu: LonelyPSU = "adjust",
    design: Design | None = None,
) -> pl.DataFrame:
    """The change of every estimate between two waves: ``estimate_to − estimate_from``, its
    standard error, normal interval and p-value, and a verdict: ``"up"``, ``"down"`` or
    ``"no significant change"`` at ``level``; null when either wave's base is suppressed.

    ``waves`` is ``(earlier, later)``; it defaults to the last two waves in time order, told by
    the dates, years or wave numbers of the labels (:func:`collabstate.dataset.waves.labels_in_time`),
    and is required when the labels do not say it. With ``by``, the change is also given within
    each group (rows with ``group`` set), after the total rows (``group`` null).
    """

    check_bases(min_base, low_base)
    if "wave" not in responses.data.columns:
        raise InputError(
            column="wave", problem="is not in the responses", expected="a wave column saying which wave each respondent answered"
        )
    design = design or Design.from_responses(responses, lonely_psu=lonely_psu)
    by_wave = make_breakdown(responses, "wave")
    chosen: Sequence[object]
    if waves is None:
        if by_wave.n_groups < 2:
            raise InputError(column="wave", problem=f"holds {by_wave.n_groups} wave(s)", expected="two waves or more to compare")
        chosen = labels_in_time(by_wave.labels)[-2:]
    else:
        chosen = waves
    w_from, w_to = (str(w) for w in chosen)
    for w in (w_from, w_to):
        if w not in by_wave.labels:
            raise UnknownNameError(name=w, kind=f"a wave of the data (waves: {', '.join(by_wave.labels)})", known=by_wave.labels)
    runs: list[tuple[Breakdown, str | None]] = [(by_wave, None)]
    if by is not None:
        runs.append((make_breakdown(responses, [by, "wave"]), by))
    alpha = 1 - level
    zq = norm_ppf(1 - alpha / 2)
    rows: list[dict[str, object]] = []
    for breakdown, by_name in runs:
        labels = breakdown.labels
        pairs: list[tuple[str | None, int, int]]
        if by_name is None:
            pairs = [(None, labels.index(w_from), labels.index(w_to))]
        else:
            groups = list(dict.fromkeys(label.split("|")[0] for label in labels))
            pairs = [(g, labels.index(f"{g}|{w_from}"), labels.index(f"{g}|{w_to}")) for g in groups]
        for block in Engine(design, breakdown).blocks(responses, questions):
            for group, a, b in pairs:
                n_a, n_b = int(block.domain.n[a]), int(block.domain.n[b])
                flags = []
                if min(n_a, n_b) == 0:
                    flags.append("no_valid_answers")
                if min(n_a, n_b) < min_base:
                    flags.append("suppressed")
                if min(n_a, n_b) < low_base:
                    flags.append("low_base")
                row: dict[str, object] = {"question": block.question, "option": block.option, "statistic": block.statistic,
                       "by": by_name, "group": group, "wave_from": w_from, "wave_to": w_to,
                       "n_from": n_a, "n_to": n_b, "flags": flags}  # fmt: skip
                ea, eb = block.est[a], block.est[b]
                if "suppressed" not in flags and np.isfinite(ea) and np.isfinite(eb):
                    c = block.cov
                    var = c[a, a] + c[b, b] - 2 * c[a, b]
                    se = float(np.sqrt(max(var, 0.0)))
                    change = float(eb - ea)
                    p = float(_z_test(np.array([change]), np.array([var]))[0])
                    verdict = ("up" if change > 0 else "down") if p < alpha else "no significant change"
                    row |= {"estimate_from": float(ea), "estimate_to": float(eb), "change": change, "se": se,
                            "ci_low": change - zq * se, "ci_high": change + zq * se, "p_value": p, "verdict": verdict}  # fmt: skip
                rows.append(row)
    return pl.DataFrame(rows, schema=CHANGE_SCHEMA)


def trend_changes(
    responses: Responses,
    labels: list[str],
    questions: list[str] | str | None = None,
    by: str | None = None,
    *,
    level: float = 0.95,
    min_base: int = 10,
    low_base: int = 30,
    lonely_psu: LonelyPSU = "adjust",
) -> pl.DataFrame:
    """The latest wave against the one before it and, with three waves or more, against the
    first: :func:`wave_change` rows for each pair, ``labels`` being the waves in time order
    (earliest first; the data's ``wave`` column holds them)."""
    if len(labels) < 2:
        raise UsageError(argument="labels", value=list(labels), expected="two waves or more")
    pairs = [(labels[-2], labels[-1])] + ([(labels[0], labels[-1])] if len(labels) > 2 else [])
    design = Design.from_responses(responses, lonely_psu=lonely_psu)
    return pl.concat(
        [wave_change(responses, questions, pair, by, level=level, min_base=min_base, low_base=low_base, design=design) for pair in pairs],
        how="vertical",
    )
