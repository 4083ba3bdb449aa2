"""Quotes in respondents' own words: drawn at random, with a fixed seed, from the open-text
answers, a few per group (sector), so the same data always give the same quotes.

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
from typing import TypedDict

import numpy as np
import polars as pl

from ..dataset import Responses

__all__ = ["sample_quotes"]


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
