"""The numbers behind a report, computed once: the estimate table, the wave changes and the bases.

:func:`gather` calls the statistics core and nothing else computes a number: sections read cells
from :class:`Evidence` (the house rule: one estimate table feeds everything). The estimate table is
``estimate(current, by=by)`` followed by a few cross-breakdowns the sections need (the public
involvement ladder by reported success), told apart by their ``by`` column; it is what
``estimates.json`` holds. With a previous wave, ``wave_change`` of the two waves together gives
every change, its test and its verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from ..dataset import Responses
from ..instrument.model import SingleQuestion, ScaleQuestion
from ..stats import estimate, wave_change
from ..stats.bases import answer_counts
from ..stats.compare import GROUP_LETTERS
from .model import Cell, Kind

__all__ = ["CROSSES", "Evidence", "Group", "combine_waves", "default_by", "gather"]

#: Cross-breakdowns a section reads when both questions exist: (question, by).
CROSSES: tuple[tuple[str, str], ...] = (
    ("q10_involvement", "q6_success"),
    ("q11_incentivise", "q15_role"),
    ("q12_tools", "q15_role"),
)


@dataclass(frozen=True)
class Group:
    code: str
    label: str
    letter: str


def default_by(responses: Responses) -> str | None:
    """The sector question when the instrument has one (``sector``, ``q16_sector``)."""
    for q in responses.instrument.questions:
        if isinstance(q, (SingleQuestion, ScaleQuestion)) and (q.id == "sector" or q.id.endswith("_sector")):
            return q.id
    return None


def combine_waves(previous: Responses, current: Responses) -> tuple[Responses, tuple[str, str]]:
    """One Responses holding both waves, with a ``wave`` column; waves named by the data's own
    ``wave`` values when each file holds one distinct wave, else ``previous`` and ``current``."""

    def wave_of(r: Responses) -> str | None:
        if "wave" not in r.data.columns:
            return None
        waves = r.data["wave"].drop_nulls().unique()
        return str(waves[0]) if waves.len() == 1 else None

    w_prev, w_cur = wave_of(previous), wave_of(current)
    if w_prev is None or w_cur is None or w_prev == w_cur:
        w_prev, w_cur = "previous", "current"
    frames = [r.data.with_columns(pl.lit(w, pl.String).alias("wave")) for r, w in ((previous, w_prev), (current, w_cur))]
    columns = [c for c in current.data.columns if c in previous.data.columns and c != "wave"] + ["wave"]  # added when neither has it
    data = pl.concat([f.select([c for c in columns if c in f.columns]) for f in frames], how="diagonal_relaxed")
    return Responses(current.instrument, data, weight=current.weight, strata=current.strata, cluster=current.cluster), (w_prev, w_cur)


@dataclass
class Evidence:
    responses: Responses
    table: pl.DataFrame
    changes: pl.DataFrame | None = None
    waves: tuple[str, str] | None = None
    previous_n: int | None = None
    by: str | None = None
    counts: pl.DataFrame | None = None
    ci: str = "wilson"
    level: float = 0.95
    min_base: int = 10
    low_base: int = 30
    invited: int | None = None
    weighting: list[str] = field(default_factory=list)
    previous_table: pl.DataFrame | None = None
    _rows: dict[tuple, dict[str, Any]] = field(default_factory=dict, repr=False)
    _changes: dict[tuple, dict[str, Any]] = field(default_factory=dict, repr=False)
    _previous: dict[tuple, dict[str, Any]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for row in self.table.iter_rows(named=True):
            self._rows[(row["question"], row["option"], row["statistic"], row["by"], row["group"])] = row
        if self.changes is not None:
            for row in self.changes.iter_rows(named=True):
                self._changes[(row["question"], row["option"], row["statistic"], row["group"])] = row
        if self.previous_table is not None:
            for row in self.previous_table.iter_rows(named=True):
                self._previous[(row["question"], row["option"], row["statistic"])] = row

    @property
    def instrument(self):
        return self.responses.instrument

    @property
    def wave(self) -> str | None:
        """The current wave's name, when known."""
        if self.waves:
            return self.waves[1]
        waves = self.table["wave"].drop_nulls().unique()
        return str(waves[0]) if waves.len() == 1 else None

    def row(self, question: str, option: str | None, statistic: str, group: str | None = None, by: str | None = "") -> dict | None:
        """A row of the estimate table; ``by`` defaults to the report's breakdown."""
        by = self.by if by == "" else by
        return self._rows.get((question, option, statistic, by, group))

    def cell(self, question: str, option: str | None, statistic: str, kind: Kind, group: str | None = None, by: str | None = "") -> Cell:
        return Cell.from_row(self.row(question, option, statistic, group, by), kind)

    def change(self, question: str, option: str | None, statistic: str, group: str | None = None) -> dict | None:
        return self._changes.get((question, option, statistic, group))

    def previous_cell(self, question: str, option: str | None, statistic: str, kind: Kind) -> Cell:
        """A total of the previous wave, from its own estimate table."""
        return Cell.from_row(self._previous.get((question, option, statistic)), kind)

    def groups(self, by: str | None = "") -> list[Group]:
        """The groups of a breakdown, in order, with their labels and significance letters."""
        by = self.by if by == "" else by
        if by is None:
            return []
        column = self.instrument.column(by)
        if column is not None and column.kind == "code":
            choices = [c for c in column.choices if not c.excluded]
            return [Group(str(c.code), c.label, GROUP_LETTERS[i] if i < len(GROUP_LETTERS) else "") for i, c in enumerate(choices)]
        codes = self.table.filter(pl.col("by") == by)["group"].drop_nulls().unique(maintain_order=True).to_list()
        return [Group(c, c, GROUP_LETTERS[i] if i < len(GROUP_LETTERS) else "") for i, c in enumerate(codes)]

    def has(self, question_id: str) -> bool:
        try:
            self.instrument.question(question_id)
        except KeyError:
            return False
        return True


def gather(
    responses: Responses,
    *,
    previous: Responses | None = None,
    by: str | None = "",
    ci: str = "wilson",
    level: float = 0.95,
    min_base: int = 10,
    low_base: int = 30,
    invited: int | None = None,
    weighting: list[str] | None = None,
) -> Evidence:
    """Every estimate, change and base a report needs, in one pass over the statistics core."""
    by = default_by(responses) if by == "" else by
    options = dict(ci=ci, level=level, min_base=min_base, low_base=low_base)
    tables = [estimate(responses, by=by, **options)]
    for question, cross in CROSSES:
        if responses.instrument.column(question) is not None and responses.instrument.column(cross) is not None and cross != by:
            tables.append(estimate(responses, [question], by=cross, **options))
    table = pl.concat(tables, how="vertical")
    changes = waves = previous_n = previous_table = None
    if previous is not None:
        both, waves = combine_waves(previous, responses)
        changes = wave_change(both, by=by, level=level, min_base=min_base, low_base=low_base)
        previous_n = previous.n
        previous_table = estimate(previous, **options)
    counts = answer_counts(responses, None, None)
    return Evidence(
        responses, table, changes, waves, previous_n, by, counts, ci, level, min_base, low_base, invited,
        list(weighting or []), previous_table,
    )
