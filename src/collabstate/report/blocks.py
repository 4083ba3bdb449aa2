"""Charts and tables for one question, by its type: a distribution for single and scale questions,
a ranking for multiple choice, a statement table for a matrix. Each reads cells from the
:class:`~collabstate.report.evidence.Evidence` and never computes an estimate.
"""

from __future__ import annotations

from typing import cast

from ..analysis.rankings import rank_options
from ..instrument.model import Choice, MatrixQuestion, MultipleQuestion, Net, ScaleQuestion
from . import charts
from .evidence import Evidence, Group
from .findings import verdict_text
from .model import Cell, Chart, Column, Kind, Reading, Row, Table, shown_estimates
from .trends import answers_over_waves, change_cell, change_columns, earlier_columns, wave_cells

__all__ = ["columns_for", "distribution", "group_cells", "positive_net", "ranking", "record", "statements"]

ALL = Group("", "All", "")


def record(cell: Cell, **extra) -> dict | None:
    """A chart datum from a cell; None when the cell may not be shown (suppressed, empty)."""
    if not cell.shown:
        return None
    return {"estimate": cell.estimate, "ci_low": cell.ci_low if cell.interval else cell.estimate,
            "ci_high": cell.ci_high if cell.interval else cell.estimate, "value_text": cell.value,
            "interval_text": f"{cell.interval} ({cell.reading.percent})" if cell.interval else "none", "base_text": cell.base, **extra}  # fmt: skip


def positive_net(ev: Evidence, question) -> Net | None:
    """The NET of the top answers: it holds the highest valid code and, of those, the most codes
    ('agree', 'somewhat or a great deal', 'good or excellent')."""
    nets = ev.instrument.nets(question)
    codes = [c.code for c in ev.instrument.choices(question) if not c.excluded]
    if not nets or not codes:
        return nets[0] if nets else None
    top = max(codes)
    holding = [n for n in nets if top in n.codes]
    return max(holding, key=lambda n: len(n.codes)) if holding else nets[0]


def columns_for(ev: Evidence, by: str | None = "", only_total: bool = False) -> tuple[list[Group], list[Column]]:
    groups = [ALL] if only_total else [ALL, *ev.groups(by)]
    return groups, [Column(g.label, f"({g.letter})" if g.letter else "") for g in groups]


def group_cells(
    ev: Evidence, question: str, option: str | None, statistic: str, kind, groups: list[Group], by: str | None = ""
) -> list[Cell]:
    return [ev.cell(question, option, statistic, kind, g.code or None, by) for g in groups]


def _valid_choices(ev: Evidence, question) -> list[Choice]:
    return [c for c in ev.instrument.choices(question) if not c.excluded]


def distribution(
    ev: Evidence,
    question,
    *,
    by: str | None = "",
    title: str | None = None,
    by_label: str | None = None,
    only_total: bool = False,
    chart: bool = True,
) -> list[Chart | Table]:
    """The answers to a single or scale question, overall and by group: a stacked (nominal) or
    diverging (ordered scale) bar chart, and a table of every answer, NET and the mean, with
    significance letters between groups."""
    qid = question.id
    groups, columns = columns_for(ev, by, only_total)
    choices = _valid_choices(ev, question)
    nets = ev.instrument.nets(question)
    by_id = ev.by if by == "" else by
    by_name = "" if only_total else (by_label or (ev.instrument.question(by_id).label.lower() if by_id else ""))
    title = title or question.label
    ordered = isinstance(question, ScaleQuestion) and len(choices) >= 3
    rows = [Row(c.label, group_cells(ev, qid, str(c.code), "proportion", "share", groups, by)) for c in choices]
    rows += [Row(f"NET: {n.label}", group_cells(ev, qid, n.id, "net", "share", groups, by)) for n in nets]
    if isinstance(question, ScaleQuestion):
        scores = ", ".join(f"{c.label} = {c.score:g}" for c in choices if c.score is not None)
        rows.append(Row("Mean score", group_cells(ev, qid, None, "mean", "mean", groups, by), note=scores))
    for i, c in enumerate(columns):
        firsts = [r.cells[i] for r in rows if r.cells[i].n is not None]
        c.base = max((x.n for x in firsts if x.n is not None), default=None) if not any(x.suppressed for x in firsts) else None
    table = Table(
        f"t-{qid}-{by or ev.by or 'all'}", f"{title}{f', by {by_name}' if by_name else ''}: share of valid answers", "Answer", columns, rows
    )
    table.notes.append(_letters_note(groups, ev.reading))
    records: list[dict] = []
    neutral = len(choices) // 2 if ordered and len(choices) % 2 else None
    for g_index, g in enumerate(groups):
        cells = [rows[k].cells[g_index] for k in range(len(choices))]
        values = shown_estimates(cells)
        if values is None:  # not every answer of the group is shown
            continue
        if ordered:
            lower = len(choices) // 2
            mid = values[neutral] if neutral is not None else 0.0
            edges = []
            x = -mid / 2
            for k in range(lower - 1, -1, -1):  # negative answers leftwards from the middle
                edges.append((k, x - values[k], x))
                x -= values[k]
            if neutral is not None:
                edges.append((neutral, -mid / 2, mid / 2))
            x = mid / 2
            for k in range(lower + (1 if neutral is not None else 0), len(choices)):
                edges.append((k, x, x + values[k]))
                x += values[k]
        else:
            edges, x = [], 0.0
            for k, v in enumerate(values):
                edges.append((k, x, x + v))
                x += v
        for k, x0, x1 in edges:
            if rec := record(cells[k], row=title, group=g.label, choice=choices[k].label, x0=x0, x1=x1):  # always: every cell is shown
                records.append(rec)
    blocks: list[Chart | Table] = []
    if records and chart:
        labels = [c.label for c in choices]
        if ordered:
            colours = charts.ordered_colours(len(choices), neutral)
            spec = charts.diverging_bars(
                records,
                title=title,
                choices=labels,
                colours=colours,
                facet=False,
                description=f"Diverging stacked bars of the answers to '{title}'",
            )
        else:
            colours = (charts.OKABE_ITO * 3)[: len(choices)]
            spec = charts.stacked_bars(
                records, title=title, choices=labels, colours=colours, description=f"Stacked bars of the answers to '{title}'"
            )
        alt = _distribution_alt(title, rows, groups, nets, choices)
        blocks.append(Chart(f"c-{qid}-{by or ev.by or 'all'}", title, alt, spec, table))
    else:
        blocks.append(table)
    if ev.waves and by in ("", ev.by):
        answers = [(c.label, str(c.code), "proportion", "share") for c in choices] + [
            (f"NET: {n.label}", n.id, "net", "share") for n in nets
        ]
        if isinstance(question, ScaleQuestion):
            answers.append(("Mean score", None, "mean", "mean"))
        over_waves = answers_over_waves(ev, qid, answers, title)
        if over_waves:
            blocks.append(over_waves)
        net = positive_net(ev, question)
        change = change_by_group(ev, qid, net.id, "net", f"{title}: {net.label.lower()}") if net is not None and not only_total else None
        if change:
            blocks.append(change)
    return blocks


def _own_flags(n: int | None, ev: Evidence) -> tuple[str, ...]:
    if n is None:
        return ("no_valid_answers",)
    return tuple(f for f, hit in (("suppressed", n < ev.min_base), ("low_base", n < ev.low_base)) if hit)


def change_by_group(ev: Evidence, qid: str, option: str, statistic: str, label: str, kind: Kind = "share") -> Table | None:
    """The change of one figure since the previous wave, overall and in each group, with its
    significance (from the wave-change table). Each row gives its own bases: the rows are groups,
    so no one base serves a column."""
    if not ev.waves:
        return None
    w_from, w_to = ev.previous_wave, ev.wave
    rows = []
    for g in [ALL, *ev.groups()]:
        change = ev.change(qid, option, statistic, g.code or None)
        if change is None:
            continue
        before = Cell(kind, change.get("estimate_from"), None, None, change["n_from"], _own_flags(change["n_from"], ev), reading=ev.reading)
        after = Cell(kind, change.get("estimate_to"), None, None, change["n_to"], _own_flags(change["n_to"], ev), reading=ev.reading)
        before, after = (c if c.shown or c.suppressed else Cell.of_text("not compared") for c in (before, after))
        bases = Cell.of_text(" and ".join(c.base or "none" for c in (before, after)))
        rows.append(
            Row(g.label, [before, after, change_cell(change, kind, ev.reading), Cell.of_text(verdict_text(change, ev.reading)), bases])
        )
    if not rows:
        return None
    columns = [Column(str(w_from)), Column(str(w_to)), Column("Change (points)" if kind == "share" else "Change"), Column("Significance"),
               Column(f"Bases (n, {w_from} and {w_to})")]  # fmt: skip
    table = Table(f"t-{qid}-{option}-change", f"{label}: {w_from} and {w_to}, overall and by group", "Group", columns, rows,
                  show_intervals=True, show_bases=False)  # fmt: skip
    table.notes.append(
        f"A change is called a rise or a fall only when significant at the {ev.reading.percent} level; a group with a base {ev.reading.suppressed_base} in either wave is not "
        "compared. The change is the difference of the figures shown; its interval is that of the unrounded change."
    )
    return table


def _wave_records(ev: Evidence, cells: list[Cell], **extra) -> list[dict]:
    """Chart data of a figure's total in the reported wave and each earlier wave (nearest first)."""
    waves = [ev.wave or "this wave", *reversed(ev.waves[:-1])] if ev.waves else [ev.wave or "this wave"]
    return [rec for cell, w in zip(cells, waves) if (rec := record(cell, series=w, **extra))]


def _letters_note(groups: list[Group], reading: Reading) -> str:
    lettered = [g for g in groups if g.letter]
    if not lettered:
        return ""
    names = ", ".join(f"{g.letter} {g.label}" for g in lettered)
    return f"Letters ({names}): the group is significantly higher than the groups named, at the {reading.percent} level."


def _overall(row: Row) -> float:
    """The overall (first) estimate of a row, to find the highest of rows whose overall cell is shown."""
    return cast(float, row.cells[0].estimate)  # only given rows whose first cell is shown: a finite estimate


def _distribution_alt(title: str, rows: list[Row], groups: list[Group], nets, choices) -> str:
    total = {r.label: r.cells[0] for r in rows}
    if nets:
        key = f"NET: {nets[0].label}"
        cell = total.get(key)
        lead = f"Overall, {cell.value} {nets[0].label.lower()}" if cell and cell.shown else "Overall share not shown"
    else:
        best = max((r for r in rows[: len(choices)] if r.cells[0].shown), key=_overall, default=None)
        lead = f"Most common answer overall: {best.label} ({best.cells[0].value})" if best else "No overall figures"
    shown = sum(1 for i in range(1, len(groups)) if rows[0].cells[i].shown)
    return (
        f"Bar chart of '{title}'. {lead}. {shown} of {len(groups) - 1} groups shown; the table below gives every figure."
        if len(groups) > 1
        else f"Bar chart of '{title}'. {lead}."
    )


def ranking(
    ev: Evidence, question: MultipleQuestion, *, title: str | None = None, only_total: bool = False, chart: bool = True
) -> list[Chart | Table]:
    """A multiple-choice question's options ranked by share, with their change against the
    previous wave and its significance, and the share by group with letters."""
    qid = question.id
    title = title or question.label
    order = rank_options(ev.table, qid, by=ev.by)
    labels = {o.code: o.label for o in question.options}
    groups, columns = columns_for(ev, only_total=only_total)
    wave = ev.wave or "this wave"
    columns[0].label = f"All ({wave})" if ev.waves else "All"
    extra = [*earlier_columns(ev), *change_columns(ev)]
    rows, records = [], []
    for code in order:
        cells = group_cells(ev, qid, code, "proportion", "share", groups)
        earlier, changes = wave_cells(ev, qid, code, "proportion", "share")
        records += _wave_records(ev, [cells[0], *earlier], label=labels[code])
        rows.append(Row(labels[code], [cells[0], *earlier, *changes, *cells[1:]]))
    table_columns = [columns[0], *extra, *columns[1:]]
    table = Table(f"t-{qid}", f"{title}: share choosing each option, highest first", "Option", table_columns, rows, show_intervals=True)
    table.notes.append(_letters_note(groups, ev.reading))
    if ev.waves:
        table.notes.append(
            f"Change: {wave} minus the earlier wave, in percentage points (the difference of the figures shown), with the {ev.reading.percent} "
            f"interval of the unrounded change; called a rise or fall only when significant at the {ev.reading.percent} level."
        )
    blocks: list[Chart | Table] = []
    if records and chart:
        series = list(ev.waves) if ev.waves else [wave]
        top = rows[0]
        alt = f"Bar chart of '{title}', options ranked by share. Highest: {top.label} ({top.cells[0].value})."
        spec = charts.ranked_bars(records, title=title, series_order=series, description=alt)
        blocks.append(Chart(f"c-{qid}", title, alt, spec, table))
    else:
        blocks.append(table)
    return blocks


def statements(ev: Evidence, question: MatrixQuestion, *, title: str | None = None, net: Net | None = None) -> list[Chart | Table]:
    """Statements of a matrix: the share in the positive NET (e.g. agree or strongly agree) by
    group, in the manner of the 2025 leaders' report, with letters; the change since the previous
    wave when there is one; a dot chart with intervals."""
    net = net or positive_net(ev, question)
    if net is None:
        return []
    title = title or question.label
    groups, columns = columns_for(ev)
    extra = [*earlier_columns(ev), *change_columns(ev)]
    rows, records = [], []
    wave = ev.wave or "this wave"
    for r in question.rows:
        cells = group_cells(ev, r.id, net.id, "net", "share", groups)
        earlier, changes = wave_cells(ev, r.id, net.id, "net", "share")
        records += _wave_records(ev, [cells[0], *earlier], label=r.label)
        rows.append(Row(r.label, [cells[0], *earlier, *changes, *cells[1:]], note=r.text))
    if ev.waves:
        columns[0].label = f"All ({wave})"
    caption = f"{title}: share answering '{net.label.lower()}'"
    table = Table(f"t-{question.id}-{net.id}", caption, "Statement", [columns[0], *extra, *columns[1:]], rows)
    table.notes.append(_letters_note(groups, ev.reading))
    blocks: list[Chart | Table] = []
    if records:
        series = list(ev.waves) if ev.waves else [wave]
        best = max((r for r in rows if r.cells[0].shown), key=_overall, default=None)
        alt = f"Dot chart with {ev.reading.percent} intervals: share answering '{net.label.lower()}' to each of {len(rows)} statements."
        if best:
            alt += f" Highest: {best.label} ({best.cells[0].value})."
        spec = charts.dot_intervals(
            records,
            title=caption,
            x_title=f"{net.label} (share of valid answers)",
            domain=(0, 1),
            share=True,
            series_order=series,
            description=alt,
        )
        blocks.append(Chart(f"c-{question.id}-{net.id}", caption, alt, spec, table))
    else:
        blocks.append(table)
    return blocks
