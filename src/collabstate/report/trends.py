"""How a figure reads across waves: the earlier waves' figures, the change since the previous wave
and since the first, each with its verdict; the cells every table with waves shares.

A change is always the reported wave minus an earlier one (:func:`collabstate.stats.trend_changes`).
The change a reader sees is the difference of the two figures *as shown*, so "21% and 20%" reads
"+1", never "±0"; its interval and its test are those of the unrounded change. A verdict follows
the test, never the rounding: a significant change is called a rise or a fall by its sign.
"""

from __future__ import annotations

import math

from .evidence import Evidence
from .findings import verdict_text
from .model import DEFAULT_READING, Cell, Column, Kind, Reading, Row, Table, as_shown

__all__ = ["answers_over_waves", "change_cell", "change_columns", "comparisons", "earlier_columns", "wave_cells", "waves_table"]


def change_cell(row: dict | None, kind: Kind, reading: Reading = DEFAULT_READING) -> Cell:
    """The change of one figure, as read: the difference of the shown figures, with the interval
    of the unrounded change."""
    change_kind: Kind = "change" if kind == "share" else "gap"
    if row is None:
        return Cell(change_kind, flags=("no_valid_answers",), reading=reading)
    a, b = row.get("estimate_from"), row.get("estimate_to")
    shown = None
    if a is not None and b is not None and math.isfinite(a) and math.isfinite(b) and row.get("verdict") is not None:
        shown = as_shown(b, kind) - as_shown(a, kind)
    return Cell(change_kind, shown, row.get("ci_low"), row.get("ci_high"), None, tuple(row.get("flags") or ()), reading=reading)


def comparisons(ev: Evidence) -> list[str]:
    """The earlier waves the reported wave is compared with: the previous, then the first."""
    return [w for w in (ev.previous_wave, ev.first_wave) if w]


def earlier_columns(ev: Evidence) -> list[Column]:
    """'All (2025)', 'All (2024)': the earlier waves' totals, nearest first."""
    return [Column(f"All ({w})") for w in reversed(ev.waves[:-1])] if ev.waves else []


def change_columns(ev: Evidence, kind: Kind = "share") -> list[Column]:
    """'Change since 2025 (points)', 'Significance', and the same since the first wave."""
    unit = " (points)" if kind == "share" else ""
    out: list[Column] = []
    for w in comparisons(ev):
        out += [Column(f"Change since {w}{unit}"), Column(f"Significance since {w}" if ev.first_wave else "Significance")]
    return out


def wave_cells(ev: Evidence, question: str, option: str | None, statistic: str, kind: Kind) -> tuple[list[Cell], list[Cell]]:
    """The earlier waves' totals (nearest first) and the change cells (change, verdict for each
    comparison) of one figure."""
    if not ev.waves:
        return [], []
    earlier = [ev.wave_cell(question, option, statistic, kind, w) for w in reversed(ev.waves[:-1])]
    changes: list[Cell] = []
    for w in comparisons(ev):
        row = ev.change(question, option, statistic, since=w)
        changes += [change_cell(row, kind, ev.reading), Cell.of_text(verdict_text(row, ev.reading))]
    return earlier, changes


def waves_table(ev: Evidence, table_id: str, caption: str, row_header: str, items: list[tuple[str, str, str | None, str, Kind]]) -> Table:
    """A row per figure (``items``: label, question, option, statistic, kind): its total in every
    wave, in time order, then the changes of the reported wave and their verdicts."""
    assert ev.waves
    kinds = {item[-1] for item in items}
    columns = [Column(w) for w in ev.waves] + change_columns(ev, "share" if kinds == {"share"} else "mean")
    rows = []
    for label, question, option, statistic, kind in items:
        figures = [ev.wave_cell(question, option, statistic, kind, w) for w in ev.waves]
        _, changes = wave_cells(ev, question, option, statistic, kind)
        rows.append(Row(label, [*figures, *changes]))
    table = Table(table_id, caption, row_header, columns, rows, show_intervals=True)
    since = " and ".join(comparisons(ev))
    table.notes.append(
        f"Each wave's figure is its own estimate with its base. Changes are {ev.wave} minus {since}: the difference of the figures shown, "
        f"with the {ev.level:.0%} interval of the unrounded change, called a rise or a fall only when significant"
        + (". Changes of shares are in percentage points, of mean scores in points of the score." if len(kinds) > 1 else ".")
    )
    return table


def answers_over_waves(ev: Evidence, question, rows: list[tuple[str, str | None, str, Kind]], title: str) -> Table | None:
    """Every answer of a question (``rows``: label, option, statistic, kind) in every wave, with the
    changes of the reported wave: every question asked in two waves is compared. None when no wave
    has a figure to show."""
    if not ev.waves:
        return None
    table = waves_table(ev, f"t-{question}-waves", f"{title}: every answer in each wave", "Answer",
                        [(label, question, option, statistic, kind) for label, option, statistic, kind in rows])  # fmt: skip
    shown = any(c.shown for r in table.rows for c in r.cells[: len(ev.waves)])
    return table if shown else None
