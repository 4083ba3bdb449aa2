"""Quotes in respondents' own words: drawn at random, with a fixed seed, from the open-text
answers, a few per group (sector), so the same data always give the same quotes
(:func:`sample_quotes`); or, for a coded question, per theme and group (:func:`theme_quotes`): the
analyst's chosen quotes first, else the most typical answers given that theme.

Groups whose number of respondents is under ``min_base`` give no quotes (a small group's quote
can identify its author). Texts are stripped and deduplicated before the draw.

>>> import polars as pl
>>> from collabstate.dataset import Responses
>>> from collabstate.instrument import load_instrument
>>> frame = pl.DataFrame({"sector": [1] * 12, "enablers_text": [f"Answer {i}" for i in range(12)]})
>>> r = Responses(load_instrument("leaders"), frame)
>>> q = sample_quotes(r, "enablers_text", by="sector", per_group=2)
>>> [(x["group"], len(x["texts"])) for x in q]
[('1', 2)]
>>> q == sample_quotes(r, "enablers_text", by="sector", per_group=2)
True
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from typing import TypedDict

import numpy as np
import polars as pl

from ..dataset import Responses
from .themes import typicality

__all__ = ["ThemeQuote", "sample_quotes", "theme_quotes"]


class GroupQuotes(TypedDict):
    """The quotes drawn from one group: its code as text (None without a breakdown) and the texts."""

    group: str | None
    texts: list[str]


def sample_quotes(
    responses: Responses,
    question: str,
    *,
    by: str | None = None,
    per_group: int = 3,
    seed: int = 2018,
    min_base: int = 10,
    max_chars: int = 400,
) -> list[GroupQuotes]:
    """``[{"group": code or None, "texts": [...]}, …]`` in the order of the groups' codes."""
    data = responses.data
    if question not in data.columns:
        return []
    text = pl.col(question).str.strip_chars()
    frame = data.select((pl.col(by).cast(pl.String) if by else pl.lit(None, pl.String)).alias("group"), text.alias("text"))
    sizes = frame.group_by("group").len()
    answered = frame.filter(pl.col("text").is_not_null() & (pl.col("text").str.len_chars() > 0))
    answered = answered.filter(pl.col("text").str.len_chars() <= max_chars)
    out: list[GroupQuotes] = []
    for group in sorted(answered["group"].unique().to_list(), key=lambda g: (g is None, _sort_key(g))):
        if by is not None and group is None:
            continue
        size = sizes.filter(pl.col("group").eq_missing(group))["len"].sum()
        if size < min_base:
            continue
        texts = answered.filter(pl.col("group").eq_missing(group))["text"].unique(maintain_order=True).to_list()
        rng = np.random.default_rng([seed, zlib.crc32(f"{question}|{group}".encode())])
        picks: np.ndarray | list[int] = rng.choice(len(texts), size=min(per_group, len(texts)), replace=False) if texts else []
        out.append({"group": group, "texts": [texts[i] for i in sorted(picks)]})
    return out


def _sort_key(code: str | None) -> tuple[int, float | str]:
    if code is not None:
        try:
            return (0, float(code))
        except (TypeError, ValueError):
            pass
    return (1, str(code))


#: The most chosen quotes one theme shows in one group.
MAX_CHOSEN = 3


class ThemeQuote(TypedDict):
    """One quote of a theme in a group: the code, the group's code as text (None without a
    breakdown), the answer, whether the analyst chose it, and whose it is (None without ids)."""

    code: str
    group: str | None
    text: str
    chosen: bool
    respondent_id: str | None


def theme_quotes(
    responses: Responses,
    question: str,
    themes: str,
    codes: Sequence[str] | Mapping[str, Sequence[str]],
    *,
    by: str | None = None,
    chosen: frozenset[tuple[str, str]] = frozenset(),
    per_group: int = 1,
    min_base: int = 10,
    max_chars: int = 400,
) -> list[ThemeQuote]:
    """Up to ``per_group`` quotes of each code (columns ``<themes>/<code>``: 1 where the answer to
    ``question`` was given the code) in each group of ``by``, by group (in the order of their
    codes), then by code. ``codes`` is the codes every group is quoted for, or, by group (a code of
    ``by`` as text; ``""`` without ``by``), each group's own (as a report quotes each sector's own
    top themes); a group it does not name is not quoted. ``chosen`` holds (respondent_id, code): the
    analyst's chosen quotes, shown first (up to :data:`MAX_CHOSEN` a group, even beyond
    ``per_group``); the rest are the answers most typical of the code (nearest its centroid,
    :func:`~collabstate.analysis.themes.typicality`, over all groups), ties in the data's order.

    A group in which fewer than ``min_base`` respondents answered ``question`` gives no quote (a
    small group's quote can identify its author), chosen or not; nor does a respondent without a
    group. Answers over ``max_chars`` are not quoted, a text is quoted once per code, and a text
    already quoted for an earlier code in the group is not taken again as a typical one (an answer
    with three themes would otherwise speak for all three)."""
    data = responses.data
    wanted = list(dict.fromkeys(c for cs in codes.values() for c in cs)) if isinstance(codes, Mapping) else list(codes)
    if question not in data.columns or any(f"{themes}/{c}" not in data.columns for c in wanted):
        return []
    frame = data.select(
        pl.col(question).str.strip_chars().alias("text"),
        (pl.col(by).cast(pl.String) if by else pl.lit("", pl.String)).alias("group"),
        (pl.col("respondent_id").cast(pl.String) if "respondent_id" in data.columns else pl.lit(None, pl.String)).alias("id"),
        *(pl.col(f"{themes}/{c}").fill_null(0).alias(c) for c in wanted),
    ).filter(pl.col("text").is_not_null() & (pl.col("text").str.len_chars() > 0))
    if frame.is_empty():
        return []
    bases = dict(frame.group_by("group").len().iter_rows())
    texts, groups, ids = frame["text"].to_list(), frame["group"].to_list(), frame["id"].to_list()
    members = [np.flatnonzero(frame[c].to_numpy() == 1) for c in wanted]
    # each code's members, most typical first (a stable sort: ties keep the data's order); one fit for every group
    ranked = {
        c: [rows[j] for j in np.argsort(-score, kind="stable")]
        for c, rows, score in zip(wanted, members, typicality(texts, members), strict=True)
    }
    out: list[ThemeQuote] = []
    for g in sorted((g for g in bases if g is not None and bases[g] >= min_base), key=_sort_key):
        used: set[str] = set()  # a text quoted for one theme is not the next's typical one
        for code in codes.get(g, ()) if isinstance(codes, Mapping) else codes:
            pick = [i for i in ranked[code] if groups[i] == g and len(texts[i]) <= max_chars]
            first = [i for i in pick if ids[i] is not None and (ids[i], code) in chosen]
            room = max(per_group, min(len(first), MAX_CHOSEN))
            seen: set[str] = set()
            for i in [*first, *(i for i in pick if i not in first and texts[i] not in used)]:
                if len(seen) == room:
                    break
                if texts[i] in seen:
                    continue
                seen.add(texts[i])
                used.add(texts[i])
                out.append({"code": code, "group": g if by else None, "text": texts[i], "chosen": i in first, "respondent_id": ids[i]})
    return out
