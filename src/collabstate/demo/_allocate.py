"""Exact-count allocation helpers shared by the demo instruments.

The demo waves are built cell by cell: for every question we decide how many respondents in each
reporting cell (a sector, a sub-group, the whole sample) give each code, and then place exactly that
many codes on the rows of the cell. Placement can follow a latent score so that answers correlate
the way the published reports describe, but the counts themselves never move: the published
percentages are a property of the counts, the realism is a property of the placement.

Everything is driven by ``numpy.random.default_rng`` seeded from a fixed base seed and the stable
name of the column being built, so a column does not change when another column is added or
re-ordered.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl
from polars.datatypes import DataTypeClass

NA = -1
"""Sentinel for 'not asked / not answered' inside the integer work arrays."""

Counts = Mapping[int | None, int]


def rng_for(seed: int, name: str) -> np.random.Generator:
    """A generator for one named column: the same on every call and every machine."""
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])


def round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    w = np.asarray(weights, dtype=float)
    if total == 0 or w.sum() == 0:
        return [0] * len(w)
    raw = total * w / w.sum()
    base = np.floor(raw).astype(int)
    rest = total - int(base.sum())
    order = np.lexsort((np.arange(len(w)), -(raw - base)))
    for i in order[:rest]:
        base[i] += 1
    return [int(v) for v in base]


def agree5(
    base: int,
    agree: int,
    *,
    disagree: int | None = None,
    strong: float = 0.3,
    nulls: int = 0,
) -> dict[int | None, int]:
    """Counts for an agree5 item from its NET figures.

    ``agree`` respondents answer 4 or 5 (``strong`` of them 5), ``disagree`` answer 1 or 2 (by default
    a share of the non-agreeing that grows as agreement falls), the rest 3. ``base`` counts valid
    answers only; ``nulls`` are added on top.
    """
    rest = base - agree
    if rest < 0:
        raise ValueError("agree exceeds base")
    if disagree is None:
        disagree = round_half_up(rest * (0.45 + 0.3 * (1 - agree / base if base else 0)))
    neutral = rest - disagree
    if neutral < 0:
        raise ValueError("agree + disagree exceeds base")
    c5 = round_half_up(agree * strong)
    c1 = round_half_up(disagree * 0.3)
    out: dict[int | None, int] = {1: c1, 2: disagree - c1, 3: neutral, 4: agree - c5, 5: c5}
    if nulls:
        out[None] = nulls
    return out


def _noisy_order(rng: np.random.Generator, score: np.ndarray, noise: float) -> np.ndarray:
    jitter = rng.normal(0.0, noise, size=len(score)) if noise > 0 else np.zeros(len(score))
    key = score + jitter
    tie = rng.random(len(score))
    return np.lexsort((tie, key))


def _weighted_pick(rng: np.random.Generator, idx: np.ndarray, k: int, weight: np.ndarray | None) -> np.ndarray:
    if k == 0:
        return idx[:0]
    if k > len(idx):
        raise ValueError(f"cannot pick {k} rows out of {len(idx)}")
    if weight is None:
        return rng.choice(idx, size=k, replace=False)
    w = np.asarray(weight, dtype=float)[idx] + 1e-9
    return rng.choice(idx, size=k, replace=False, p=w / w.sum())


def place(
    rng: np.random.Generator,
    out: np.ndarray,
    rows: np.ndarray,
    counts: Counts,
    *,
    score: np.ndarray | None = None,
    noise: float = 1.0,
    side: Sequence[int | None] = (None, 9),
    side_weight: np.ndarray | None = None,
) -> None:
    """Write exactly ``counts[code]`` copies of each code on ``rows`` of ``out``.

    Codes listed in ``side`` (null = ``None`` and 'not applicable' 9 by default) are placed first on
    rows drawn at random (weighted by ``side_weight``). The remaining codes are ordinal: they are
    sorted and laid on the remaining rows ordered by ``score`` plus Gaussian ``noise``, so that a
    higher score makes a higher code more likely without ever changing the totals. Without a score
    the order is random.
    """
    rows = np.asarray(rows)
    total = sum(counts.values())
    if total != len(rows):
        raise ValueError(f"counts add up to {total} but the cell has {len(rows)} rows")
    free = rows.copy()
    for code in side:
        k = counts.get(code, 0)
        if not k:
            continue
        picked = _weighted_pick(rng, free, k, side_weight)
        out[picked] = NA if code is None else code
        free = np.setdiff1d(free, picked)
    ordinal = sorted(c for c in counts if c not in side and c is not None)
    codes = np.concatenate([np.full(counts[c], c, dtype=np.int64) for c in ordinal] or [np.zeros(0, np.int64)])
    if score is None:
        order = rng.permutation(len(free))
    else:
        order = _noisy_order(rng, np.asarray(score, dtype=float)[free], noise)
    out[free[order]] = codes


def place_cells(
    seed: int,
    name: str,
    n: int,
    cells: Mapping[str, np.ndarray],
    counts: Mapping[str, Counts],
    *,
    score: np.ndarray | None = None,
    noise: float = 1.0,
    side: Sequence[int | None] = (None, 9),
    side_weight: np.ndarray | None = None,
    base: np.ndarray | None = None,
) -> np.ndarray:
    """Build one single-choice column from per-cell counts (cells must partition the rows used).

    Rows not covered by any cell keep the value of ``base`` (default: not asked).
    """
    rng = rng_for(seed, name)
    out = np.full(n, NA, dtype=np.int64) if base is None else base.copy()
    for cell, rows in cells.items():
        if cell not in counts:
            raise KeyError(f"{name}: no counts for cell {cell!r}")
        place(rng, out, rows, counts[cell], score=score, noise=noise, side=side, side_weight=side_weight)
    return out


def multi_select(
    seed: int,
    name: str,
    n: int,
    rows: np.ndarray,
    counts: Sequence[int],
    *,
    unanswered: int = 0,
    exclusive: int | None = None,
    option_weight: np.ndarray | None = None,
    row_weight: np.ndarray | None = None,
) -> np.ndarray:
    """A 0/1 matrix (``n`` x options) with exactly ``counts[k]`` ticks of option ``k``.

    Only ``rows`` are asked; ``unanswered`` of them leave every box empty (``NA``). Every answering
    row ticks at least one option. ``exclusive`` is the index of an option such as 'none' that
    excludes all others. ``option_weight`` (n x options) tilts which rows pick which option (e.g. by
    sector); ``row_weight`` (n) makes some rows tick more boxes than others.
    """
    rng = rng_for(seed, name)
    k = len(counts)
    out = np.full((n, k), NA, dtype=np.int64)
    rows = np.asarray(rows)
    gone = _weighted_pick(rng, rows, unanswered, None)
    answering = np.setdiff1d(rows, gone)
    out[answering] = 0
    ow = np.ones((n, k)) if option_weight is None else np.asarray(option_weight, dtype=float)
    rw = np.ones(n) if row_weight is None else np.asarray(row_weight, dtype=float)
    pool = answering
    if exclusive is not None:
        picked = _weighted_pick(rng, pool, counts[exclusive], 1.0 / (rw * ow[:, exclusive] + 1e-9))
        out[picked, exclusive] = 1
        pool = np.setdiff1d(pool, picked)
    opts = [j for j in range(k) if j != exclusive]
    need = [counts[j] for j in opts]
    if sum(need) < len(pool):
        raise ValueError(f"{name}: {sum(need)} ticks cannot cover {len(pool)} respondents")
    # First make sure everyone ticks something: one 'first choice' per row. Proportional shares of
    # len(pool) <= sum(need) never exceed an option's own count.
    first = apportion(len(pool), need)
    unassigned = pool.copy()
    for j in np.argsort(need)[::-1]:
        col = opts[j]
        picked = _weighted_pick(rng, unassigned, first[j], ow[:, col])
        out[picked, col] = 1
        unassigned = np.setdiff1d(unassigned, picked)
    # Then the remaining ticks, on rows that do not have the option yet.
    for j, col in enumerate(opts):
        extra = need[j] - first[j]
        free = pool[out[pool, col] == 0]
        picked = _weighted_pick(rng, free, extra, ow[:, col] * rw)
        out[picked, col] = 1
    return out


def int_series(name: str, values: np.ndarray, dtype: DataTypeClass | pl.DataType = pl.Int64) -> pl.Series:
    return pl.Series(name, [None if v == NA else int(v) for v in values], dtype=dtype)


def multi_series(question: str, options: Sequence[str], matrix: np.ndarray) -> list[pl.Series]:
    return [int_series(f"{question}/{opt}", matrix[:, j], pl.Int8) for j, opt in enumerate(options)]


def text_series(name: str, values: Sequence[str | None]) -> pl.Series:
    return pl.Series(name, list(values), dtype=pl.String)


def row_order(seed: int, n: int) -> np.ndarray:
    """The order ``finish`` puts the rows in: position ``i`` of the frame is built row ``order[i]``."""
    return rng_for(seed, "row-order").permutation(n)


def respondent_ids(seed: int, n: int, prefix: str, given: Sequence[str | None] | None = None) -> list[str]:
    """The ``respondent_id`` of every built row (in build order, before the shuffle).

    A row keeps its ``given`` id (a panel member carrying the id of an earlier wave); the others are
    ``<prefix>-0001``, ``<prefix>-0002``, ... in the order ``finish`` shows them.
    """
    order = row_order(seed, n)
    out: list[str | None] = [None] * n if given is None else list(given)
    number = 0
    for row in order:
        if out[row] is None:
            number += 1
            out[row] = f"{prefix}-{number:04d}"
    return [str(v) for v in out]


def finish(
    columns: list[pl.Series],
    *,
    seed: int,
    prefix: str,
    wave: int,
    given_ids: Sequence[str | None] | None = None,
) -> pl.DataFrame:
    """Shuffle the rows with a fixed generator and add ``respondent_id`` and ``wave`` in front.

    ``given_ids`` (build order, ``None`` for a new respondent) are kept; see ``respondent_ids``.
    """
    frame = pl.DataFrame(columns)
    order = row_order(seed, frame.height)
    ids = respondent_ids(seed, frame.height, prefix, given_ids)
    frame = frame[order.tolist()]
    id_column = pl.Series("respondent_id", [ids[row] for row in order], dtype=pl.String)
    waves = pl.Series("wave", [wave] * frame.height, dtype=pl.Int64)
    return frame.insert_column(0, waves).insert_column(0, id_column)
