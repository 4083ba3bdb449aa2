"""Panel members: respondents of an earlier demo wave who answer a later one again.

A member keeps their ``respondent_id``, sector, civil-service status and role. The counts of the
later wave stay the specification (see ``_allocate``); the panel only decides who gets them:

- ``split`` divides each cell's counts between its members and its new respondents. The members'
  share is what their earlier answers become when the cell's distribution moves from the earlier
  to the later one (each earlier answer's band of the distribution mapped onto the later bands),
  so the members change as the cell changes and a paired comparison sees the designed movement.
- ``keys`` orders the members within their part by a normal score of their earlier answer's rank,
  correlated ``rho`` with the key: most keep their answer, a few move up or down past each other.
- ``split_ticks`` and ``sticky`` do the same for multiple choice: the members' ticks move with the
  wave, and an option a member ticked before is likelier to be ticked again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from ._allocate import NA, apportion, rng_for


@dataclass(frozen=True)
class Panel:
    """Which rows of the later wave are members, and who they were in the earlier wave.

    ``rows[k]`` (a row of the later wave, in build order) is ``earlier_rows[k]`` of the earlier
    wave, whose respondent_id was ``ids[k]``.
    """

    rows: np.ndarray
    earlier_rows: np.ndarray
    ids: list[str]


def choose(
    seed: int,
    earlier_groups: Mapping[str, np.ndarray],
    later_groups: Mapping[str, np.ndarray],
    members: Mapping[str, int],
    earlier_ids: list[str],
) -> Panel:
    """Draw ``members[group]`` respondents of each earlier group at random; they take the first
    rows of the same group in the later wave."""
    rng = rng_for(seed, "panel")
    rows, earlier = [], []
    for group, k in members.items():
        if k > min(len(earlier_groups[group]), len(later_groups[group])):
            raise ValueError(f"panel: {k} members do not fit group {group!r}")
        earlier.append(np.sort(rng.choice(earlier_groups[group], size=k, replace=False)))
        rows.append(later_groups[group][:k])
    earlier_rows = np.concatenate(earlier)
    return Panel(np.concatenate(rows), earlier_rows, [earlier_ids[r] for r in earlier_rows])


def carry(fresh: np.ndarray, before: np.ndarray, r: float) -> np.ndarray:
    """A standard-normal trait that correlates ``r`` with ``before`` (``fresh`` is new noise)."""
    return r * before + np.sqrt(1 - r * r) * fresh


def band_scores(rng: np.random.Generator, before: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Normal scores of earlier answers ``before`` within the earlier answers of their cell.

    A code holding the band ``(F(c-1), F(c))`` of the valid answers of ``population`` maps to a
    uniform draw inside the band, then to the normal quantile. Unanswered is NaN.
    """
    codes = sorted(set(population.tolist()) - {NA})
    lo, hi = _bands(population, codes)
    u = rng.random(len(before))
    out = np.full(len(before), np.nan)
    for k, code in enumerate(codes):
        hit = before == code
        out[hit] = ndtri(lo[k] + (hi[k] - lo[k]) * np.clip(u[hit], 1e-6, 1 - 1e-6))
    return out


def keys(
    seed: int,
    name: str,
    fresh_score: np.ndarray,
    noise: float,
    panel: Panel,
    cells: Mapping[str, np.ndarray],
    earlier_cells: Mapping[str, np.ndarray],
    earlier_column: np.ndarray,
    rho: float,
) -> np.ndarray:
    """The ordering key of every row of a later column (place it with ``noise=0``).

    New respondents: their latent ``fresh_score`` plus Gaussian ``noise``, standardised. Members:
    the normal score of their earlier answer within its cell, correlated ``rho`` with the key
    (``carry``); a member who left the question unanswered before gets a new respondent's key.
    Members are placed among themselves (``split``), so their key orders only them.
    """
    rng = rng_for(seed, f"{name}/panel-key")
    key = np.asarray(fresh_score, dtype=float) + rng.normal(0.0, noise, size=len(fresh_score))
    key = (key - key.mean()) / key.std()
    before = earlier_column[panel.earlier_rows]
    scores = np.full(len(panel.rows), np.nan)
    for cell, later_rows in cells.items():
        members = np.isin(panel.rows, later_rows)
        scores[members] = band_scores(rng, before[members], earlier_column[earlier_cells[cell]])
    scores = carry(rng.normal(size=len(scores)), scores, rho)
    known = ~np.isnan(scores)
    key[panel.rows[known]] = scores[known]
    return key


def _bands(population: np.ndarray, codes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper cumulative shares of each of ``codes`` among the valid ``population``."""
    valid = population[population != NA]
    if valid.size == 0:
        return np.zeros(len(codes)), np.zeros(len(codes))
    lo = np.array([np.mean(valid < c) for c in codes])
    hi = np.array([np.mean(valid <= c) for c in codes])
    return lo, hi


def split(
    panel: Panel,
    cells: Mapping[str, np.ndarray],
    counts: Mapping[str, Mapping[int | None, int]],
    earlier_cells: Mapping[str, np.ndarray],
    earlier_column: np.ndarray,
    side: tuple[int | None, ...] = (None, 9),
) -> tuple[dict[str, np.ndarray], dict[str, dict[int | None, int]]]:
    """Each cell as two cells, ``<cell>/panel`` (its members) and ``<cell>/new``, with counts.

    Unanswered and 'not applicable' (``side``) go to new respondents. The members' counts of the
    other codes are the expected ones: a member whose earlier answer held the band ``(lo, hi)`` of
    the earlier cell's valid answers spreads over the later codes in proportion to the overlap of
    that band with each later code's band (a member who did not answer before, in proportion to
    the later counts); rounded by largest remainder, never above a code's count.
    """
    earlier_of = dict(zip(panel.rows.tolist(), panel.earlier_rows.tolist()))
    out_cells: dict[str, np.ndarray] = {}
    out_counts: dict[str, dict[int | None, int]] = {}
    for cell, rows in cells.items():
        cell_counts = counts[cell]
        is_member = np.isin(rows, panel.rows)
        members, new = rows[is_member], rows[~is_member]
        codes = sorted(c for c in cell_counts if c not in side and c is not None)
        total = np.array([cell_counts[c] for c in codes], dtype=float)
        if members.size > total.sum():
            raise ValueError(f"cell {cell!r}: {members.size} members, {int(total.sum())} answers")
        later_hi = np.cumsum(total) / total.sum()
        later_lo = later_hi - total / total.sum()
        before = earlier_column[[earlier_of[r] for r in members.tolist()]]
        earlier_codes = sorted(set(earlier_column[earlier_cells[cell]].tolist()) - {NA})
        lo, hi = _bands(earlier_column[earlier_cells[cell]], earlier_codes)
        unanswered = int(np.sum(~np.isin(before, earlier_codes)))
        expected = unanswered * total / total.sum()
        for k, code in enumerate(earlier_codes):
            a, b = lo[k], hi[k]
            overlap = np.clip(np.minimum(b, later_hi) - np.maximum(a, later_lo), 0.0, None)
            expected = expected + np.sum(before == code) * overlap / (b - a)
        mine = apportion(members.size, expected.tolist()) if members.size else [0] * len(codes)
        for k in range(len(codes)):  # a member too many on a code moves to the nearest with room
            while mine[k] > total[k]:
                room = [j for j in range(len(codes)) if mine[j] < total[j]]
                mine[k] -= 1
                mine[min(room, key=lambda j: abs(j - k))] += 1
        out_cells[f"{cell}/panel"] = members
        out_counts[f"{cell}/panel"] = dict(zip(codes, mine))
        out_cells[f"{cell}/new"] = new
        out_counts[f"{cell}/new"] = {c: cell_counts[c] - (mine[codes.index(c)] if c in codes else 0) for c in cell_counts}
    return out_cells, out_counts


def split_ticks(
    panel: Panel,
    earlier_ticks: np.ndarray,
    counts: list[int],
    base: int,
    earlier_counts: list[int],
    earlier_base: int,
) -> list[int]:
    """How many of each option the members tick: their own earlier share of the option moved by
    the wave's change in it (``counts / base`` against ``earlier_counts / earlier_base``); a member
    who left the question blank before counts at the later share."""
    before = earlier_ticks[panel.earlier_rows]
    answered = before[:, 0] != NA
    later = np.asarray(counts, dtype=float) / base
    change = later - np.asarray(earlier_counts, dtype=float) / earlier_base
    own = before[answered].mean(axis=0) if answered.any() else later
    share = np.clip(own + change, 0.0, 1.0) * answered.sum() + later * (~answered).sum()
    n = len(panel.rows)
    return [int(min(round(float(v)), c, n)) for v, c in zip(share, counts)]


def sticky(
    option_weight: np.ndarray,
    panel: Panel,
    earlier_ticks: np.ndarray,
    factor: float,
    exclusive: int | None,
) -> np.ndarray:
    """Option weights with the options a member ticked before ``factor`` times as likely.

    ``multi_select`` picks the rows of an exclusive option ('none') with the inverse of the weight,
    so for that option the weight is divided instead.
    """
    out = np.array(option_weight, dtype=float)
    ticked = earlier_ticks[panel.earlier_rows] == 1
    boost = np.where(ticked, factor, 1.0)
    if exclusive is not None:
        boost[:, exclusive] = np.where(ticked[:, exclusive], 1.0 / factor, 1.0)
    out[panel.rows] *= boost
    return out
