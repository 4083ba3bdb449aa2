"""Breakdowns: respondents coded into the groups of one or two variables.

A group is a domain of the full design. Group codes run ``0 .. G-1`` in order; code ``G`` is the
slot of respondents in no group (a missing or excluded answer to the breakdown variable): they count
in the total, never in a group.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ..dataset import Responses
from ..errors import UnknownNameError, UsageError

__all__ = ["Breakdown", "code_index", "codes_or", "make_breakdown"]


@dataclass(frozen=True)
class Breakdown:
    by: str | None  # "sector", or "sector|wave" for two levels
    codes: np.ndarray  # (n,) group code per respondent, G for "no group"
    labels: list[str]  # G labels, "1" or "1|2024"
    waves: list[str | None]  # the wave of each group when the breakdown includes the wave
    sizes: np.ndarray  # rows per group (G,)

    @property
    def n_groups(self) -> int:
        return len(self.labels)


def codes_or(series: pl.Series, missing: int) -> np.ndarray:
    """The whole numbers of an integer column, ``missing`` where unanswered, as int64: numpy's
    own conversion (a null arrives as NaN), without a polars query per column (each one a trip
    through its thread pool, which a table of a few hundred columns felt on a busy machine)."""
    if not series.dtype.is_integer():
        return series.fill_null(missing).to_numpy().astype(np.int64, copy=False)
    raw = series.to_numpy()
    if raw.dtype.kind == "f":  # nulls, as NaN in a float array: every other value a whole number
        return np.where(np.isnan(raw), missing, raw).astype(np.int64)
    return raw.astype(np.int64, copy=False)


def code_index(series: pl.Series, codes: list[int]) -> np.ndarray:
    """Position of each answer in ``codes``; -1 for not answered or a code outside ``codes``."""
    if codes and min(codes) >= 0 and max(codes) < 1024:  # the usual small codes: a lookup table
        lut = np.full(max(codes) + 2, -1, dtype=np.int64)
        lut[codes] = np.arange(len(codes))
        x = codes_or(series, -1)
        return np.where((x >= 0) & (x <= max(codes)), lut[np.clip(x, 0, max(codes) + 1)], -1)
    mapping = {c: i for i, c in enumerate(codes)}
    return series.replace_strict(mapping, default=None, return_dtype=pl.Int64).fill_null(-1).to_numpy()


def _levels(responses: Responses, name: str) -> tuple[np.ndarray, list[str]]:
    """Code per respondent (-1 for none) and the labels of one breakdown variable."""
    data = responses.data
    if name not in data.columns:
        raise UnknownNameError(name=name, kind="a question or design column of the data to break down by", known=data.columns)
    column = responses.instrument.column(name)
    series = data[name]
    if column is not None and column.kind == "code":
        values = [c.code for c in column.choices if not c.excluded]
    elif column is not None and column.kind == "text":
        raise UsageError(f"cannot break down by the free-text question {name!r}")
    else:
        values = series.drop_nulls().unique().sort().to_list()
    labels = [str(v) for v in values]
    if column is not None and column.kind == "code" and series.dtype.is_integer():
        return code_index(series, values).astype(np.int64), labels  # numpy's lookup, without a polars query
    mapping = {v: i for i, v in enumerate(values)}
    codes = series.replace_strict(mapping, default=None, return_dtype=pl.Int64).fill_null(-1).to_numpy()
    return codes.astype(np.int64), labels


def make_breakdown(responses: Responses, by: str | list[str] | tuple[str, ...] | None, within: np.ndarray | None = None) -> Breakdown:
    """Group codes for ``by``: ``None``, one variable, or two (groups are their combinations).
    Respondents outside ``within`` (a filter's domain, when given) are in no group."""
    n = responses.n
    if by is None:
        return Breakdown(None, np.zeros(n, dtype=np.int64), [], [], np.zeros(0, dtype=np.int64))
    names = [by] if isinstance(by, str) else list(by)
    if not 1 <= len(names) <= 2 or len(set(names)) != len(names):
        raise UsageError(argument="by", value=by, expected="one variable or two different ones")
    parts = [_levels(responses, name) for name in names]
    if len(parts) == 1:
        codes, labels = parts[0]
        combos: list[tuple[str, ...]] = [(label,) for label in labels]
    else:
        (c1, l1), (c2, l2) = parts
        codes = np.where((c1 >= 0) & (c2 >= 0), c1 * len(l2) + c2, -1)
        combos = [(a, b) for a in l1 for b in l2]
        labels = [f"{a}|{b}" for a, b in combos]
    g = len(labels)
    codes = np.where(codes >= 0, codes, g)
    if within is not None:
        codes = np.where(within, codes, g)
    waves: list[str | None] = [None] * g
    if "wave" in names:
        at = names.index("wave")
        waves = [combo[at] for combo in combos]
    sizes = np.bincount(codes, minlength=g + 1)[:g]
    return Breakdown("|".join(names), codes, labels, waves, sizes)
