"""The numbers behind a report, computed once: the estimate table, the wave changes and the bases.

:func:`gather` calls the statistics core and nothing else computes a number: sections read cells
from :class:`Evidence` (the house rule: one estimate table feeds everything). The estimate table is
``estimate(current, by=by)`` followed by a few cross-breakdowns the sections need (the public
involvement ladder by reported success), told apart by their ``by`` column; it is what
``estimates.json`` holds. With earlier waves, the waves are put in time order
(:func:`arrange_waves`), stacked into one design (:func:`~collabstate.dataset.waves.stack_waves`:
a respondent or organisation seen in several waves is a panel unit, its answers paired) and
:func:`~collabstate.stats.trend_changes` gives every change of the reported wave since the previous
and the first wave, its test and its verdict: always later minus earlier. Each earlier wave is also
estimated on its own, for the trend tables (``trends.json``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from ..dataset import Responses
from ..dataset.waves import Panel, Wave, how_ordered, order_waves, stack_waves, waves_in
from ..instrument.model import Instrument, ScaleQuestion, SingleQuestion
from ..stats import estimate, trend_changes
from ..stats.bases import answer_counts
from ..stats.compare import GROUP_LETTERS
from ..stats.intervals import CIMethod
from .model import Cell, Kind, Reading

__all__ = ["CROSSES", "Evidence", "Group", "arrange_waves", "default_by", "gather", "sector_question_id"]

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
    """The sector question when the instrument has one (:func:`sector_question_id`)."""
    return sector_question_id(responses.instrument)


def sector_question_id(instrument: Instrument) -> str | None:
    """The instrument's sector question (``sector``, ``q16_sector``), if it has one: the default
    breakdown of reports, tables and the workspace's pages."""
    for q in instrument.questions:
        if isinstance(q, (SingleQuestion, ScaleQuestion)) and (q.id == "sector" or q.id.endswith("_sector")):
            return q.id
    return None


Earlier = Sequence[Responses | Wave]


def arrange_waves(responses: Responses | Wave, earlier: Earlier) -> list[Wave]:
    """The reported wave and the earlier ones in time order, the reported wave last (see
    :mod:`collabstate.dataset.waves`: labels from the ``wave`` column or the file name; order from
    the dates, years or numbers in the labels, else as given, nearest first)."""

    def of(r: Responses | Wave) -> list[Wave]:
        return [r] if isinstance(r, Wave) else waves_in(r)

    return order_waves(of(responses), [of(e) for e in earlier])


@dataclass
class Evidence:
    responses: Responses
    table: pl.DataFrame
    #: The latest wave against the previous and, with three or more waves, against the first.
    changes: pl.DataFrame | None = None
    #: Every wave's label in time order, the reported wave last; None without a comparison.
    waves: tuple[str, ...] | None = None
    #: Respondents of each wave, by label.
    sizes: dict[str, int] = field(default_factory=dict)
    by: str | None = None
    counts: pl.DataFrame | None = None
    ci: CIMethod = "wilson"
    level: float = 0.95
    min_base: int = 10
    low_base: int = 30
    invited: int | None = None
    weighting: list[str] = field(default_factory=list)
    #: Each wave's own estimate table (totals), by label: the figures of the trend tables.
    wave_tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    panel: Panel | None = None
    #: Where each wave's label came from ("its file name", "its wave column", "given"), and how
    #: the waves were put in order: for the methods section.
    origins: dict[str, str] = field(default_factory=dict)
    ordered: str = ""
    #: Completed responses from invitees (the response rate's numerator), when known.
    invited_completed: int | None = None
    #: Responses imported from files: analysed, never part of the response rate.
    imported: int | None = None
    _rows: dict[tuple, dict[str, Any]] = field(default_factory=dict, repr=False)
    _changes: dict[tuple, dict[str, Any]] = field(default_factory=dict, repr=False)
    _by_wave: dict[tuple, dict[str, Any]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for row in self.table.iter_rows(named=True):
            self._rows[(row["question"], row["option"], row["statistic"], row["by"], row["group"])] = row
        if self.changes is not None:
            for row in self.changes.iter_rows(named=True):
                self._changes[(row["question"], row["option"], row["statistic"], row["group"], row["wave_from"])] = row
        for label, table in self.wave_tables.items():
            for row in table.filter(pl.col("group").is_null()).iter_rows(named=True):
                self._by_wave[(row["question"], row["option"], row["statistic"], label)] = row

    @property
    def reading(self) -> Reading:
        """The level and bases every sentence, cell and note of the report states."""
        return Reading(self.level, self.min_base, self.low_base)

    @property
    def previous_wave(self) -> str | None:
        """The wave before the reported one."""
        return self.waves[-2] if self.waves else None

    @property
    def first_wave(self) -> str | None:
        """The earliest wave, when there are three or more (the second comparison)."""
        return self.waves[0] if self.waves and len(self.waves) > 2 else None

    @property
    def previous_n(self) -> int | None:
        return self.sizes.get(self.previous_wave) if self.previous_wave else None

    @property
    def instrument(self):
        return self.responses.instrument

    @property
    def wave(self) -> str | None:
        """The current wave's name, when known."""
        if self.waves:
            return self.waves[-1]
        waves = self.table["wave"].drop_nulls().unique()
        return str(waves[0]) if waves.len() == 1 else None

    def row(self, question: str, option: str | None, statistic: str, group: str | None = None, by: str | None = "") -> dict | None:
        """A row of the estimate table; ``by`` defaults to the report's breakdown."""
        by = self.by if by == "" else by
        return self._rows.get((question, option, statistic, by, group))

    def cell(self, question: str, option: str | None, statistic: str, kind: Kind, group: str | None = None, by: str | None = "") -> Cell:
        return Cell.from_row(self.row(question, option, statistic, group, by), kind, self.reading)

    def change(
        self, question: str, option: str | None, statistic: str, group: str | None = None, *, since: str | None = None
    ) -> dict | None:
        """The change of the reported wave since ``since`` (default: the previous wave)."""
        return self._changes.get((question, option, statistic, group, since or self.previous_wave))

    def wave_cell(self, question: str, option: str | None, statistic: str, kind: Kind, wave: str | None = None) -> Cell:
        """A total of one wave (default: the previous), from that wave's own estimate table."""
        return Cell.from_row(self._by_wave.get((question, option, statistic, wave or self.previous_wave)), kind, self.reading)

    def previous_cell(self, question: str, option: str | None, statistic: str, kind: Kind) -> Cell:
        """A total of the previous wave, from its own estimate table."""
        return self.wave_cell(question, option, statistic, kind)

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
    responses: Responses | Wave,
    *,
    earlier: Earlier = (),
    by: str | None = "",
    ci: CIMethod = "wilson",
    level: float = 0.95,
    min_base: int = 10,
    low_base: int = 30,
    invited: int | None = None,
    invited_completed: int | None = None,
    imported: int | None = None,
    weighting: list[str] | None = None,
) -> Evidence:
    """Every estimate, change and base a report needs, in one pass over the statistics core.

    ``earlier`` are the waves to compare with (Responses, labelled by their ``wave`` column or file
    name, or :class:`~collabstate.dataset.waves.Wave`), nearest first when their labels do not
    date them. Data holding several waves (a ``wave`` column) report the latest against the rest. With them the reported wave is compared with the previous and the first, and every
    wave is estimated on its own for the trend tables.

    ``invited`` is the number invited; ``invited_completed`` how many of them completed (the
    response rate is that over ``invited``; without it, the respondents analysed over
    ``invited``); ``imported`` how many responses came from files (reported beside the rate,
    never in it)."""
    several = isinstance(responses, Responses) and "wave" in responses.data.columns and responses.data["wave"].n_unique() > 1
    waves = arrange_waves(responses, earlier) if earlier or several else None
    if waves is not None:
        responses = waves[-1].responses
    elif isinstance(responses, Wave):
        responses = responses.responses
    by = default_by(responses) if by == "" else by

    def estimate_of(r: Responses, questions: list[str] | None = None, by: str | None = None) -> pl.DataFrame:
        return estimate(r, questions, by=by, ci=ci, level=level, min_base=min_base, low_base=low_base)

    tables = [estimate_of(responses, by=by)]
    for question, cross in CROSSES:
        if responses.instrument.column(question) is not None and responses.instrument.column(cross) is not None and cross != by:
            tables.append(estimate_of(responses, [question], by=cross))
    table = pl.concat(tables, how="vertical")
    changes = labels = panel = None
    wave_tables: dict[str, pl.DataFrame] = {}
    sizes: dict[str, int] = {}
    origins: dict[str, str] = {}
    ordered = ""
    if waves is not None:
        stacked = stack_waves(waves)
        labels, panel, sizes = tuple(stacked.labels), stacked.panel, stacked.sizes
        changes = trend_changes(stacked.responses, list(labels), by=by, level=level, min_base=min_base, low_base=low_base)
        wave_tables = {w.label: estimate_of(w.responses) for w in waves[:-1]}
        wave_tables[waves[-1].label] = tables[0]
        origins, ordered = {w.label: w.origin for w in waves}, how_ordered(waves)
    counts = answer_counts(responses, None, None)
    return Evidence(
        responses,
        table,
        changes,
        labels,
        sizes,
        by,
        counts,
        ci,
        level,
        min_base,
        low_base,
        invited,
        list(weighting or []),
        wave_tables,
        panel,
        origins,
        ordered,
        invited_completed=invited_completed,
        imported=imported,
    )
