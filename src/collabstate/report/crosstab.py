"""A crosstab as people read it: one layout, shown as a terminal table, an HTML table (the
workspace's Tables page) and a workbook, so each says the same thing.

The columns are Total, then each banner's groups, lettered A, B, C… within the banner. Each
question has a heading row, then per option (every choice's share, each NET, the mean score) a
row per statistic asked for: ``estimate`` (a share as a percentage, a mean), ``interval`` (its
interval at the table's level) and ``letters`` (the groups of the same banner this group is
significantly higher than); then the question's base (respondents with a valid answer). A
suppressed cell says so, never a number.

>>> import polars as pl
>>> from collabstate.dataset import Responses
>>> from collabstate.instrument import load_instrument
>>> from collabstate.stats import crosstab
>>> leaders = load_instrument("leaders")
>>> r = Responses(leaders, pl.DataFrame({"sector": [1, 2] * 20, "trained": [1, 1, 2, 2] * 10}))
>>> t = crosstab_layout(crosstab(r, ["trained"], ["sector"]), leaders, statistics=("estimate",))
>>> [c.label for c in t.columns][:3], [row.label for row in t.rows]
(['Total', 'Public', 'Private'], ['Trained for cross-sector collaboration', '1 Yes', '2 No', 'Base (n)'])
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl

from ..instrument import Instrument
from .labels import Labels
from .model import Cell, Column, Row, Section, Table

__all__ = [
    "STATISTICS", "CrosstabCell", "CrosstabColumn", "CrosstabLayout", "CrosstabRow", "crosstab_layout", "crosstab_section",
    "write_crosstab_xlsx",
]  # fmt: skip

#: The statistics a crosstab can show under each option, in the order shown.
STATISTICS = ("estimate", "interval", "letters")
SHARES = ("proportion", "net")


@dataclass(frozen=True)
class CrosstabColumn:
    """Total, or one group of a banner (``by`` the banner's id, ``letter`` its letter in it)."""

    by: str | None
    group: str | None
    label: str
    banner: str
    letter: str = ""


@dataclass(frozen=True)
class CrosstabCell:
    """What one cell shows (``text``) and, for a workbook, the number behind it (``value``,
    with ``kind`` share, mean or count), or None where the cell holds words."""

    text: str
    value: float | None = None
    kind: str = ""
    note: str = ""


@dataclass(frozen=True)
class CrosstabRow:
    """A heading (``kind`` question), a statistic of an option (estimate, interval, letters) or a base."""

    kind: str
    label: str
    question: str
    cells: list[CrosstabCell] = field(default_factory=list)


@dataclass(frozen=True)
class CrosstabLayout:
    title: str
    columns: list[CrosstabColumn]
    rows: list[CrosstabRow]
    level: float
    min_base: int
    filter: str | None = None

    @property
    def banners(self) -> list[tuple[str, int]]:
        """Each banner's label and how many columns it spans, Total first."""
        out: list[tuple[str, int]] = []
        for column in self.columns:
            if out and out[-1][0] == column.banner:
                out[-1] = (column.banner, out[-1][1] + 1)
            else:
                out.append((column.banner, 1))
        return out


def crosstab_layout(
    table: pl.DataFrame,
    instrument: Instrument,
    *,
    statistics: Sequence[str] = STATISTICS,
    level: float = 0.95,
    min_base: int = 10,
    title: str = "",
    filter: str | None = None,
) -> CrosstabLayout:
    """The layout of a crosstab table (:func:`collabstate.stats.crosstab`)."""
    from ..stats.compare import GROUP_LETTERS

    labels = Labels(instrument)
    columns = [CrosstabColumn(None, None, "Total", "Total")]
    for by, group in table.filter(pl.col("group").is_not_null()).select("by", "group").unique(maintain_order=True).iter_rows():
        position = sum(1 for c in columns if c.by == by)
        letter = GROUP_LETTERS[position] if position < len(GROUP_LETTERS) else ""
        columns.append(CrosstabColumn(by, group, labels.group(by, group), labels.question(by), letter))
    where = {(c.by, c.group): i for i, c in enumerate(columns)}
    percent = f"{level:.0%}"
    # the table's columns as lists, its rows grouped by question, then by (option, statistic), in
    # the order they first appear (what group_by(maintain_order=True) gives, in one pass)
    fields = ("question", "option", "statistic", "by", "group", "estimate", "ci_low", "ci_high", "n", "flags", "letters")
    data = {name: table[name].to_list() for name in fields}
    grouped: dict[str, dict[tuple[str | None, str], list[int]]] = {}
    for i, (question, option, statistic) in enumerate(zip(data["question"], data["option"], data["statistic"])):
        grouped.setdefault(question, {}).setdefault((option, statistic), []).append(i)
    rows: list[CrosstabRow] = []
    for question, statistics_of in grouped.items():
        rows.append(CrosstabRow("question", labels.question(str(question)), str(question)))
        bases: list[CrosstabCell] = [CrosstabCell("")] * len(columns)
        for (option, statistic), found in statistics_of.items():
            cells = {kind: [CrosstabCell("")] * len(columns) for kind in statistics}
            for r in found:
                row = {name: data[name][r] for name in fields}
                i = where[(row["by"], row["group"])]
                for kind in statistics:
                    cells[kind][i] = _cell(kind, row, min_base)
                if bases[i].value is None:
                    bases[i] = CrosstabCell(f"{row['n']:,}", row["n"], "count")
            shown = labels.option(str(question), option, statistic)
            names = {"estimate": shown, "interval": f"{percent} interval", "letters": "Higher than"}
            rows.extend(CrosstabRow(kind, names[kind], str(question), cells[kind]) for kind in statistics)
        rows.append(CrosstabRow("base", "Base (n)", str(question), bases))
    return CrosstabLayout(title, columns, rows, level, min_base, filter)


def _cell(kind: str, row: dict[str, Any], min_base: int) -> CrosstabCell:
    flags = row["flags"] or []
    share = row["statistic"] in SHARES
    if "suppressed" in flags:
        return CrosstabCell("suppressed" if kind == "estimate" else "", note=f"base under {min_base}")
    if row["estimate"] is None:
        return CrosstabCell("–" if kind == "estimate" else "")
    note = "low base" if "low_base" in flags else ""
    if kind == "estimate":
        text = f"{100 * row['estimate']:.0f}%" if share else f"{row['estimate']:.2f}"
        return CrosstabCell(text, row["estimate"], "share" if share else "mean", note)
    if kind == "interval":
        low, high = row["ci_low"], row["ci_high"]
        if low is None or high is None:
            return CrosstabCell("")
        return CrosstabCell(f"{100 * low:.0f}–{100 * high:.0f}%" if share else f"{low:.2f}–{high:.2f}")
    return CrosstabCell(row["letters"] or "")


# ------------------------------------------------------------------------------- renderings
def write_crosstab_xlsx(layout: CrosstabLayout, target: str | Path | BinaryIO | None = None) -> bytes | None:
    """The crosstab as a one-sheet workbook (numbers as numbers); into ``target``, or returned as
    bytes when no target is given."""
    import xlsxwriter

    buffer = io.BytesIO() if target is None else None
    book = xlsxwriter.Workbook(buffer if buffer is not None else target, {"in_memory": True})
    sheet = book.add_worksheet("Table")
    bold = book.add_format({"bold": True})
    head = book.add_format({"bold": True, "bg_color": "#E8ECF0", "text_wrap": True, "valign": "top", "align": "center"})
    muted = book.add_format({"italic": True, "font_color": "#555555"})
    number = {"share": book.add_format({"num_format": "0%"}), "mean": book.add_format({"num_format": "0.00"}),
              "count": book.add_format({"num_format": "#,##0"})}  # fmt: skip
    row = 0
    if layout.title:
        sheet.write_string(row, 0, layout.title, bold)
        row += 1
    if layout.filter:
        sheet.write_string(row, 0, f"Respondents for whom {layout.filter} (a domain of the full design)", muted)
        row += 1
    col = 1
    for banner, span in layout.banners:
        if span > 1:
            sheet.merge_range(row, col, row, col + span - 1, banner, head)
        else:
            sheet.write_string(row, col, banner, head)
        col += span
    row += 1
    for i, column in enumerate(layout.columns, start=1):
        sheet.write_string(row, i, column.label if column.by is None else f"{column.label} ({column.letter})", head)
    row += 1
    for line in layout.rows:
        sheet.write_string(row, 0, line.label, bold if line.kind == "question" else muted if line.kind != "estimate" else None)
        for i, cell in enumerate(line.cells, start=1):
            if cell.value is not None:
                sheet.write_number(row, i, cell.value, number[cell.kind])
            elif cell.text:
                sheet.write_string(row, i, cell.text)
        row += 1
    sheet.write_string(row + 1, 0, f"Intervals at {layout.level:.0%}; letters: the groups of the same banner this group is significantly "
                                    f"higher than; estimates on bases under {layout.min_base} are suppressed.", muted)  # fmt: skip
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, len(layout.columns), 12)
    sheet.freeze_panes(row - len(layout.rows), 1)
    book.close()
    return buffer.getvalue() if buffer is not None else None


def crosstab_section(tables: Sequence[CrosstabLayout | str], section_id: str = "tables", title: str = "Tables") -> Section:
    """A report's section of crosstabs (the tables saved in the workspace for its report): each
    layout as a table of the report, its title the caption, every cell the text the Tables page
    shows (so the HTML, the PDF and the workbook of the report say the same), but for a base
    under the suppression base, which the report never gives exactly ('under 10'); a sentence (a
    table that could not be made, and why) is said in the section's introduction."""
    section = Section(section_id, title)
    section.intro.append(
        "Crosstabs chosen in the workspace: each question's answers in total and by each banner side by side, laid out as on the "
        "Tables page and by collabstate table. Letters: the groups of the same banner a group is significantly higher than."
    )
    for i, item in enumerate(tables, start=1):
        if isinstance(item, str):
            section.intro.append(item)
            continue
        columns = [Column(c.label) if c.by is None else Column(f"{c.banner}: {c.label}", c.letter) for c in item.columns]
        blank = [Cell.of_text("") for _ in columns]
        rows = [Row(line.label, blank if line.kind == "question" else [_report_cell(line.kind, c, item.min_base) for c in line.cells])
                for line in item.rows]  # fmt: skip
        notes = [f"Respondents for whom {item.filter} (a domain of the full design)." if item.filter else "",
                 f"Intervals at {item.level:.0%}; estimates on bases under {item.min_base} are suppressed; * marks a low base."]  # fmt: skip
        section.blocks.append(
            Table(f"{section_id}-{i}", item.title or f"Table {i}", "Question and answer", columns, rows, notes, show_bases=False)
        )
    return section


def _report_cell(kind: str, cell: CrosstabCell, min_base: int) -> Cell:
    """A cell of a crosstab as the report words it: the layout's text, a low base marked *, a
    base under ``min_base`` as 'under 10' (the report's rule for suppressed bases)."""
    if kind == "base" and cell.value is not None and cell.value < min_base:
        return Cell.of_text(f"under {min_base}")
    return Cell.of_text(cell.text + ("*" if cell.note == "low base" else ""))
