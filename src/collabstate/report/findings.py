"""Findings as sentences, each carrying its numbers: which findings a report states is chosen by
:func:`collabstate.analysis.findings.choose_findings`; this says each one (:func:`finding_sentence`).

The rule (design.md, statistics contract): a difference between waves is called a change only when
it is significant at the chosen level; otherwise the sentence says "no significant change" and
still gives both numbers and both bases. The verdict comes from the wave-change table
(:func:`collabstate.stats.wave_change`); nothing here tests anything itself.

>>> change_sentence("Belief in a supportive regulatory environment", {"estimate_from": 0.3,
...     "estimate_to": 0.25, "change": -0.05, "wave_from": "2024", "wave_to": "2025",
...     "verdict": "no significant change", "n_from": 274, "n_to": 300, "flags": []})
'Belief in a supportive regulatory environment: 30% in 2024, 25% in 2025; no significant change (n = 274 and 300).'
"""

from __future__ import annotations

from collections.abc import Sequence

from ..analysis.findings import Finding
from .evidence import Evidence, Group
from .model import DEFAULT_READING, Cell, Kind, Reading, as_shown, fmt_count, fmt_number, fmt_pct

__all__ = [
    "CHANGE_WORDS",
    "change_sentence",
    "change_words",
    "compared",
    "finding_sentence",
    "group_sentence",
    "level_sentence",
    "verdict_text",
]

#: Words that say something moved; a sentence uses them only for a significant change.
CHANGE_WORDS = (
    "rose",
    "fell",
    "up",
    "down",
    "increase",
    "increased",
    "decrease",
    "decreased",
    "rise",
    "fall",
    "risen",
    "fallen",
    "grew",
    "declined",
)


def _fmt(x: float | None, share: bool) -> str:
    return fmt_pct(x) if share else fmt_number(x)


def verdict_text(row: dict | None, reading: Reading = DEFAULT_READING) -> str:
    """How a change table cell reads its verdict."""
    if row is None:
        return "not compared"
    verdict = row.get("verdict")
    if verdict == "up":
        return "significant rise"
    if verdict == "down":
        return "significant fall"
    if verdict == "no significant change":
        return "no significant change"
    return f"not compared (base {reading.suppressed_base})" if "suppressed" in (row.get("flags") or []) else "not compared"


def change_sentence(label: str, row: dict, *, share: bool = True, reading: Reading = DEFAULT_READING) -> str:
    """'Label: 30% in 2024, 25% in 2025; no significant change (n = 274 and 300).'

    A significant change adds its size and direction: '…; down 11 points, a significant fall …',
    the size being the difference of the two figures as shown, so the sentence adds up.
    A comparison with a suppressed base gives no numbers at all."""
    w_from, w_to = row["wave_from"], row["wave_to"]
    words = change_words(row, share=share, reading=reading)
    if not compared(row):
        return f"{label}: not compared between {w_from} and {w_to}; {words}"
    a, b = _fmt(row["estimate_from"], share), _fmt(row["estimate_to"], share)
    return f"{label}: {a} in {w_from}, {b} in {w_to}; {words} (n = {fmt_count(row.get('n_from'))} and {fmt_count(row.get('n_to'))})."


def compared(row: dict) -> bool:
    """The change has a verdict and both figures (no base was suppressed)."""
    return row.get("verdict") is not None and row.get("estimate_from") is not None and row.get("estimate_to") is not None


def change_words(row: dict, *, share: bool = True, reading: Reading = DEFAULT_READING) -> str:
    """What a change's sentence says of it: 'no significant change', 'down 11 points, a
    significant fall', or (a base suppressed) 'a base is under 10.'."""
    verdict = row.get("verdict")
    if not compared(row):
        return f"a base is {reading.suppressed_base}."
    if verdict == "no significant change":
        return "no significant change"
    size = abs(as_shown(row["estimate_to"], "share" if share else "mean") - as_shown(row["estimate_from"], "share" if share else "mean"))
    amount = f"{round(size * 100)} points" if share else fmt_number(size)
    return f"{verdict} {amount}, {'a significant rise' if verdict == 'up' else 'a significant fall'}"


def level_sentence(label: str, cell: Cell, *, wave: str | None = None) -> str:
    """'Label: 93% (95% interval 87–96%; n = 115).' (the level and bases are the cell's report's)"""
    if not cell.shown:
        return f"{label}: not shown; the base is {cell.reading.suppressed_base}." if cell.suppressed else f"{label}: no valid answers."
    when = f" in {wave}" if wave else ""
    bits = [f"{cell.reading.percent} interval {cell.interval}"] if cell.interval else []
    bits.append(f"n = {cell.base}")
    low = " (a low base: read with care)" if cell.low_base else ""
    return f"{label}: {cell.value}{when} ({'; '.join(bits)}){low}."


def group_sentence(label: str, cells: Sequence[Cell], groups: Sequence[Group], *, by_label: str = "sector") -> str | None:
    """How groups differ, from the pairwise letters: only significant differences are called
    differences. None when fewer than two groups have a number to show."""
    shown = [(g, c) for g, c in zip(groups, cells) if c.shown]
    if len(shown) < 2:
        return None
    values = ", ".join(f"{g.label} {c.value}" for g, c in shown)
    by_letter = {g.letter: (g, c) for g, c in shown}
    pairs = []
    for g, c in shown:
        for letter in c.letters:
            if letter in by_letter:
                lower, lower_cell = by_letter[letter]
                pairs.append(f"{g.label} ({c.value}) is significantly higher than {lower.label} ({lower_cell.value})")
    if not pairs:
        return f"{label}, by {by_label}: {values}; no significant difference between them."
    return f"{label}, by {by_label}: {'; '.join(pairs)}."


def finding_sentence(ev: Evidence, finding: Finding) -> str:
    """The sentence of one finding of the report built from ``ev``: its level, its change (of a
    group, or since the first wave) or how the groups of the breakdown differ."""
    kind: Kind = "share" if finding.share else "mean"
    measure = finding.measure
    if finding.kind == "change" and finding.change is not None:
        if finding.since is not None:
            measure = f"{measure}, since {finding.since}"
        elif finding.group is not None:
            measure = f"{measure}, {next(g.label for g in ev.groups() if g.code == finding.group)}"
        return change_sentence(measure, dict(finding.change), share=finding.share, reading=ev.reading)
    if finding.kind == "difference":
        groups = ev.groups()
        cells = [ev.cell(finding.question, finding.option, finding.statistic, kind, g.code or None) for g in groups]
        by_label = ev.instrument.question(ev.by).label.lower() if ev.by else ""
        sentence = group_sentence(measure, cells, groups, by_label=by_label)
        if sentence is None:  # a difference is chosen only between two groups with a figure: never None
            raise AssertionError(f"no groups to compare for {measure!r}")
        return sentence
    return level_sentence(measure, ev.cell(finding.question, finding.option, finding.statistic, kind), wave=ev.wave)
