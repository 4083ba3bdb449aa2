"""Which findings a report states, chosen by the statistics contract (design.md) from the estimate
table and the wave-change table; the report words each one (:mod:`collabstate.report.findings`).

For each headline measure (:func:`~collabstate.analysis.headlines.headline_measures`), in order:

- its change since the previous wave when there is one, whatever the verdict ("no significant
  change" is a finding too), else its level in the reported wave;
- its change since the first wave (three waves or more), only when significant;
- each group's change since the previous wave, only when significant;
- how the groups of the breakdown differ, only when the pairwise letters say that a group with a
  figure to show is significantly higher than another (not for index scores);

then, with a previous wave, every option of a multiple-choice question that is not a headline
measure whose share changed significantly.

Nothing here tests anything: a change's verdict is the wave-change table's
(:func:`collabstate.stats.wave_change`), a difference between groups the letters'
(:func:`collabstate.stats.pairwise_letters`).

>>> significant({"verdict": "down"}), significant({"verdict": "no significant change"}), significant(None)
(True, False, False)
>>> groups_differ({"A": {"estimate": 0.7, "letters": "B"}, "B": {"estimate": 0.4, "letters": ""}})
True
>>> groups_differ({"A": {"estimate": 0.7, "letters": "B"}, "B": {"estimate": 0.4, "flags": ["suppressed"]}})
False
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from ..instrument import Instrument
from ..instrument.model import MultipleQuestion
from .headlines import headline_measures

__all__ = ["Finding", "FindingSource", "choose_findings", "groups_differ", "is_shown", "significant"]

Row = Mapping[str, Any]
FindingKind = Literal["level", "change", "difference"]


class GroupOfBreakdown(Protocol):
    """A group of the breakdown: its code in the estimate table and its significance letter."""

    @property
    def code(self) -> str: ...
    @property
    def letter(self) -> str: ...


class FindingSource(Protocol):
    """What findings are chosen from: the estimate table's rows and the wave-change table's, looked
    up by measure (the report's :class:`~collabstate.report.evidence.Evidence` is one)."""

    @property
    def instrument(self) -> Instrument: ...
    @property
    def waves(self) -> tuple[str, ...] | None: ...
    @property
    def first_wave(self) -> str | None: ...
    def row(self, question: str, option: str | None, statistic: str, group: str | None = None) -> Row | None: ...
    def change(
        self, question: str, option: str | None, statistic: str, group: str | None = None, *, since: str | None = None
    ) -> Row | None: ...
    def groups(self) -> Sequence[GroupOfBreakdown]: ...


@dataclass(frozen=True)
class Finding:
    """One thing the numbers say about a measure (a row of the estimate table).

    ``kind``: ``"level"`` (the figure of the reported wave), ``"change"`` (read from ``change``,
    the wave-change row: since ``since``, else the previous wave; of ``group``, else of everyone)
    or ``"difference"`` (the groups of the breakdown differ significantly)."""

    kind: FindingKind
    measure: str
    question: str
    option: str | None
    statistic: str
    change: Row | None = None
    since: str | None = None
    group: str | None = None

    @property
    def share(self) -> bool:
        """A share of valid answers; otherwise a mean or an index score."""
        return self.statistic not in ("index", "mean")


def significant(change: Row | None) -> bool:
    """The wave-change row says the measure rose or fell significantly."""
    return change is not None and change.get("verdict") in ("up", "down")


def is_shown(row: Row | None) -> bool:
    """A figure a reader may be shown: a row with a finite estimate that is not suppressed."""
    if row is None or "suppressed" in (row.get("flags") or ()):
        return False
    value = row.get("estimate")
    return isinstance(value, (int, float)) and math.isfinite(value)


def groups_differ(rows: Mapping[str, Row | None]) -> bool:
    """Some group with a figure to show is significantly higher than another such group, by the
    pairwise letters of its row (``rows``: each group's row of the measure, by the group's letter)."""
    shown = {letter: row for letter, row in rows.items() if letter and row is not None and is_shown(row)}
    return any(other in shown for row in shown.values() for other in (row.get("letters") or ""))


def choose_findings(source: FindingSource) -> list[Finding]:
    """The findings of a report, in the order it states them (see the module's docstring)."""
    groups = list(source.groups())
    measures = headline_measures(source.instrument)
    out: list[Finding] = []
    for measure, question, option, statistic in measures.iter_rows():
        key = (measure, question, option, statistic)
        change = source.change(question, option, statistic) if source.waves else None
        out.append(Finding("change", *key, change=change) if change else Finding("level", *key))
        first = source.first_wave
        since_first = source.change(question, option, statistic, since=first) if first else None
        if significant(since_first):
            out.append(Finding("change", *key, change=since_first, since=first))
        if source.waves:
            for g in groups:
                row = source.change(question, option, statistic, g.code)
                if significant(row):
                    out.append(Finding("change", *key, change=row, group=g.code))
        if groups and statistic != "index":
            rows = {g.letter: source.row(question, option, statistic, g.code or None) for g in groups}
            if groups_differ(rows):
                out.append(Finding("difference", *key))
    if source.waves:
        claimed = set(measures["question"].to_list())
        for q in source.instrument.questions:
            if isinstance(q, MultipleQuestion) and q.id not in claimed:
                for o in q.options:
                    row = source.change(q.id, o.code, "proportion")
                    if significant(row):
                        out.append(Finding("change", f"{q.label}: {o.label}", q.id, o.code, "proportion", change=row))
    return out
