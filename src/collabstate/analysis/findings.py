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

The report opens with the **key findings** (:func:`key_findings`): of the significant findings
(changes whose verdict is a rise or a fall, differences between groups that the letters mark),
the :data:`KEY_FINDINGS` largest measures, each said by one finding (everyone's change since the
previous wave when it is significant, else since the first wave, else a group's change, else the
difference between groups). Their size is in points for a share (the
change, or the gap between a group and the lowest group it is significantly higher than) and in
percent of the lower figure for a mean or an index score, so that a 12-point fall and a 0.3 rise
on a 1–5 mean (a tenth of 3) are weighed on one ruler. Without any significant finding, the key
findings are the levels of the first headline measures.

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

__all__ = ["KEY_FINDINGS", "Finding", "FindingSource", "choose_findings", "groups_differ", "is_shown", "key_findings", "significant"]

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
    #: How large a significant finding is (see the module's docstring); None for the others.
    size: float | None = None

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


#: How many key findings a report opens with.
KEY_FINDINGS = 5


def _gap(high: float, low: float, share: bool) -> float:
    """The size of a difference: points for shares, percent of the lower figure otherwise."""
    if share:
        return abs(high - low) * 100
    floor = min(abs(high), abs(low))
    return abs(high - low) / floor * 100 if floor > 0 else math.inf


def _change_size(row: Row, share: bool) -> float | None:
    a, b = row.get("estimate_from"), row.get("estimate_to")
    return _gap(b, a, share) if significant(row) and a is not None and b is not None else None


def _difference_size(rows: Mapping[str, Row | None], share: bool) -> float:
    """The largest gap between a shown group and a shown group it is significantly higher than."""
    shown = {letter: row for letter, row in rows.items() if letter and row is not None and is_shown(row)}
    gaps = [
        _gap(row["estimate"], shown[other]["estimate"], share)
        for row in shown.values()
        for other in (row.get("letters") or "")
        if other in shown
    ]
    return max(gaps, default=0.0)


def _priority(f: Finding) -> int:
    """Which significant finding speaks for its measure: everyone's change since the previous wave,
    then since the first, then a group's change, then a difference between groups."""
    if f.kind == "difference":
        return 3
    return 2 if f.group is not None else 1 if f.since is not None else 0


def key_findings(findings: Sequence[Finding], limit: int = KEY_FINDINGS) -> list[Finding]:
    """The findings a report opens with (see the module's docstring), largest first.

    >>> f = [Finding("change", "A", "a", "1", "proportion", size=4.0), Finding("change", "B", "b", "1", "proportion", size=12.0),
    ...      Finding("difference", "A", "a", "1", "proportion", size=20.0), Finding("level", "C", "c", "1", "proportion")]
    >>> [(k.measure, k.kind) for k in key_findings(f)]
    [('B', 'change'), ('A', 'change')]
    """
    best: dict[tuple[str, str | None, str], Finding] = {}
    for f in findings:
        if f.size is None:
            continue
        key = (f.question, f.option, f.statistic)
        if key not in best or _priority(f) < _priority(best[key]):
            best[key] = f
    chosen = sorted(best.values(), key=lambda f: -(f.size or 0.0))[:limit]
    if not chosen:
        chosen = [f for f in findings if f.kind == "level"][: min(limit, 3)]
    return chosen


def choose_findings(source: FindingSource) -> list[Finding]:
    """The findings of a report, in the order it states them (see the module's docstring)."""
    groups = list(source.groups())
    measures = headline_measures(source.instrument)
    out: list[Finding] = []
    for measure, question, option, statistic in measures.iter_rows():
        key = (measure, question, option, statistic)
        share = statistic not in ("index", "mean")
        change = source.change(question, option, statistic) if source.waves else None
        out.append(Finding("change", *key, change=change, size=_change_size(change, share)) if change else Finding("level", *key))
        first = source.first_wave
        since_first = source.change(question, option, statistic, since=first) if first else None
        if since_first is not None and significant(since_first):
            out.append(Finding("change", *key, change=since_first, since=first, size=_change_size(since_first, share)))
        if source.waves:
            for g in groups:
                row = source.change(question, option, statistic, g.code)
                if row is not None and significant(row):
                    out.append(Finding("change", *key, change=row, group=g.code, size=_change_size(row, share)))
        if groups and statistic != "index":
            rows = {g.letter: source.row(question, option, statistic, g.code or None) for g in groups}
            if groups_differ(rows):
                out.append(Finding("difference", *key, size=_difference_size(rows, share)))
    if source.waves:
        claimed = set(measures["question"].to_list())
        for q in source.instrument.questions:
            if isinstance(q, MultipleQuestion) and q.id not in claimed:
                for o in q.options:
                    row = source.change(q.id, o.code, "proportion")
                    if row is not None and significant(row):
                        out.append(Finding("change", f"{q.label}: {o.label}", q.id, o.code, "proportion", change=row,
                                           size=_change_size(row, True)))  # fmt: skip
    return out
