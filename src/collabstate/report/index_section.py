"""The section of an index (the Collaboration Readiness Index): the index scores, each factor's
importance and prevalence with intervals, a radar of both, an importance–prevalence scatter, the
gap per factor and its significance, the answer distributions by group, and the share in the top
answers by group with significance letters. All of it read from the index rows of the estimate
table (``<index>/<dimension>``, ``<index>/gap``) and the items' rows.
"""

from __future__ import annotations

from ..instrument.model import IndexDefinition, MatrixQuestion
from . import charts
from .blocks import _letters_note, columns_for, positive_net, record, statements
from .evidence import Evidence
from .findings import level_sentence
from .model import Cell, Chart, Column, Figure, Row, Section, Table, shown_estimates

__all__ = ["index_section"]


def _gap_significance(cell: Cell) -> str:
    # A shown interval has two finite ends: the `is None` checks never hold and only narrow the type.
    if not cell.shown or not cell.interval or cell.ci_low is None or cell.ci_high is None:
        return "not tested"
    return "significant" if cell.ci_low > 0 or cell.ci_high < 0 else "not significant"


def index_section(ev: Evidence, index: IndexDefinition) -> Section:
    ins = ev.instrument
    dims = index.dimensions
    factors = index.factors
    in_index = [f for f in factors if f.in_index]
    scale_max = max(index.score_map.values()) if index.score_map else 3.0
    section = Section(f"index-{index.id}", index.label)
    section.intro.append(
        f"Each of {len(factors)} factors was rated for {' and '.join(d.label.lower() for d in dims)} on a scale from 0 "
        f"(not at all) to {scale_max:g} (a great deal). The index is the mean over the {len(in_index)} index factors; "
        + (
            f"{', '.join(f.label for f in factors if not f.in_index)} are reported beside it, never inside it."
            if len(in_index) < len(factors)
            else ""
        )
    )
    for d in dims:
        for option, what in (("index", f"the {len(in_index)} index factors"), ("all_factors", f"all {len(factors)} factors")):
            cell = ev.cell(f"{index.id}/{d.id}", option, "index", "mean")
            section.figures.append(Figure(f"{d.label}: mean over {what} (0–{scale_max:g})", cell, cell.tooltip(with_value=False)))
    gap_all = ev.cell(f"{index.id}/gap", "index", "gap", "gap")
    if len(dims) == 2:
        section.findings.append(
            level_sentence(f"Gap between {dims[0].label.lower()} and {dims[1].label.lower()} over the index factors", gap_all)
            + f" The gap is {_gap_significance(gap_all)} at the {ev.reading.percent} level."
        )

    # Means per factor and dimension: dots with intervals, radar, scatter.
    series = [d.label for d in dims]
    records, rows = [], []
    for f in factors:
        cells = [ev.cell(f"{index.id}/{d.id}", f.id, "index", "mean") for d in dims]
        rows.append(Row(f.label + ("" if f.in_index else " (beside the index)"), cells, note=f.description or ""))
        for d, c in zip(dims, cells):
            rec = record(c, label=f.label, series=d.label)
            if rec:
                records.append(rec)
    means = Table(
        f"t-{index.id}-means",
        f"{index.label}: mean score per factor (0–{scale_max:g})",
        "Factor",
        [Column(d.label) for d in dims],
        rows,
        show_intervals=True,
    )
    if records:
        extremes = []
        for label in dict.fromkeys(d.label for d in dims):
            mine = [r for r in records if r["series"] == label]
            if mine:
                top, low = max(mine, key=lambda r: r["estimate"]), min(mine, key=lambda r: r["estimate"])
                extremes.append(f"{label}: highest {top['label']} ({top['value_text']}), lowest {low['label']} ({low['value_text']}).")
        alt = f"Dot chart of the mean score of each factor with {ev.reading.percent} intervals. " + " ".join(extremes)
        spec = charts.dot_intervals(
            records,
            title=f"{' and '.join(series)} of each factor",
            x_title=f"Mean score (0–{scale_max:g})",
            domain=(0, scale_max),
            series_order=series,
            description=alt,
        )
        section.blocks.append(Chart(f"c-{index.id}-dots", f"{' and '.join(series)} of each factor", alt, spec, means))
        axes = [f.label for f in factors]
        radar_alt = f"Radar chart of the mean {' and '.join(s.lower() for s in series)} of the {len(factors)} factors on a 0–{scale_max:g} scale; the figures are in the table."
        spec = charts.radar(
            records,
            title=f"{' and '.join(series)}: the readiness profile",
            axes=axes,
            maximum=scale_max,
            series_order=series,
            description=radar_alt,
        )
        section.blocks.append(Chart(f"c-{index.id}-radar", f"{' and '.join(series)}: radar", radar_alt, spec, means, form="radar"))
    if len(dims) == 2 and records:
        points = []
        for f, row in zip(factors, rows):
            a, b = row.cells
            if a.shown and b.shown:
                points.append(
                    {
                        "label": f.label,
                        "x": a.estimate,
                        "y": b.estimate,
                        "x_low": a.ci_low,
                        "x_high": a.ci_high,
                        "y_low": b.ci_low,
                        "y_high": b.ci_high,
                        "x_text": a.tooltip(),
                        "y_text": b.tooltip(),
                    }
                )
        if points:
            alt = (
                f"Scatter plot: each factor placed by its mean {dims[0].label.lower()} (across) and {dims[1].label.lower()} (up), "
                f"with {ev.reading.percent} intervals; points below the dashed line are rated less prevalent than important."
            )
            spec = charts.scatter(
                points,
                title=f"{dims[0].label} against {dims[1].label.lower()}",
                x_title=dims[0].label,
                y_title=dims[1].label,
                description=alt,
            )
            section.blocks.append(
                Chart(f"c-{index.id}-scatter", f"{dims[0].label} against {dims[1].label.lower()}", alt, spec, means, form="scatter")
            )

    # The gap per factor and its significance.
    if len(dims) == 2:
        gap_rows, gap_records = [], []
        for f in factors:
            cell = ev.cell(f"{index.id}/gap", f.id, "gap", "gap")
            sig = _gap_significance(cell)
            gap_rows.append(Row(f.label, [cell, Cell.of_text(sig)]))
            rec = record(cell, label=f.label, series="gap", significance=sig)
            if rec:
                gap_records.append(rec)
        gap_rows.append(Row(f"Index ({len(in_index)} factors)", [gap_all, Cell.of_text(_gap_significance(gap_all))]))
        gap_table = Table(
            f"t-{index.id}-gap",
            f"Gap: mean {dims[0].label.lower()} minus mean {dims[1].label.lower()}, per factor",
            "Factor",
            [Column("Gap"), Column(f"Significance ({ev.reading.percent})")],
            gap_rows,
            show_intervals=True,
        )
        gap_table.notes.append(f"The gap is significant when its {ev.reading.percent} interval excludes zero (paired within respondents).")
        if gap_records:
            n_sig = sum(1 for r in gap_records if r["significance"] == "significant")
            big = max(gap_records, key=lambda r: r["estimate"])
            alt = f"Bar chart of the gap per factor with {ev.reading.percent} intervals: {n_sig} of {len(gap_records)} gaps are significant; the largest is {big['label']} ({big['value_text']})."
            spec = charts.gap_bars(gap_records, title="The importance–prevalence gap per factor", description=alt)
            section.blocks.append(Chart(f"c-{index.id}-gap", "The importance–prevalence gap per factor", alt, spec, gap_table))
        else:
            section.blocks.append(gap_table)
        section.blocks.append(_top_box_table(ev, index))

    # Answer distributions by group, and the positive NET by group with letters.
    for d in dims:
        section.blocks.extend(_distributions(ev, index, d))
    matrices = {ins.question(index.item(f, d)).id: ins.question(index.item(f, d)) for d in dims for f in factors}
    for q in matrices.values():
        if isinstance(q, MatrixQuestion):
            net = positive_net(ev, q)
            section.blocks.extend(statements(ev, q, net=net))
    return section


def _top_box_table(ev: Evidence, index: IndexDefinition) -> Table:
    """Share in the top answer ('a great deal') per factor and dimension, and their difference in
    points (the seed's 'gap in a great deal')."""
    ins = ev.instrument
    dims = index.dimensions
    first = ins.question(index.item(index.factors[0], dims[0]))
    top = next((n for n in ins.nets(first) if sorted(n.codes) == sorted(index.top_codes)), None)
    rows = []
    for f in index.factors:
        cells = [ev.cell(index.item(f, d), top.id, "net", "share") if top else Cell("share") for d in dims]
        values = shown_estimates(cells)
        diff = Cell.of_text(f"{round(values[0] * 100) - round(values[1] * 100):+d} points" if values is not None else "")
        rows.append(Row(f.label, [*cells, diff]))
    label = top.label if top else "top answer"
    table = Table(
        f"t-{index.id}-top",
        f"Share answering '{label.lower()}', per factor",
        "Factor",
        [*(Column(d.label) for d in dims), Column("Difference")],
        rows,
        show_intervals=True,
    )
    table.notes.append("Difference: the two rounded shares' difference in points, as the 2018 report compares them; not a test.")
    return table


def _distributions(ev: Evidence, index: IndexDefinition, dim) -> list[Chart | Table]:
    ins = ev.instrument
    groups, _ = columns_for(ev)
    first = ins.question(index.item(index.factors[0], dim))
    choices = [c for c in ins.choices(first) if not c.excluded]
    lower = len(choices) // 2
    records: list[dict] = []
    rows = []
    for f in index.factors:
        item = index.item(f, dim)
        for g in groups:
            cells = [ev.cell(item, str(c.code), "proportion", "share", g.code or None) for c in choices]
            rows.append(Row(f"{f.label}: {g.label}", cells))
            values = shown_estimates(cells)
            if values is None:  # not every answer of the group is shown
                continue
            x = 0.0
            for k in range(lower - 1, -1, -1):  # every cell is shown, so record always gives a datum
                if rec := record(cells[k], row=f.label, group=g.label, choice=choices[k].label, x0=x - values[k], x1=x):
                    records.append(rec)
                x -= values[k]
            x = 0.0
            for k in range(lower, len(choices)):
                if rec := record(cells[k], row=f.label, group=g.label, choice=choices[k].label, x0=x, x1=x + values[k]):
                    records.append(rec)
                x += values[k]
    title = f"{dim.label}: answers per factor, by group"
    table = Table(
        f"t-{index.id}-{dim.id}-dist",
        f"{dim.label}: share of valid answers per factor and group",
        "Factor and group",
        [Column(c.label) for c in choices],
        rows,
    )
    table.notes.append(_letters_note(groups, ev.reading))
    if not records:
        return [table]
    alt = (
        f"Diverging stacked bars: for each factor, the share answering each point of the {dim.label.lower()} scale, overall and by group; "
        f"answers below the middle of the scale extend left of the line. Groups with a base {ev.reading.suppressed_base} are left out."
    )
    spec = charts.diverging_bars(
        records, title=title, choices=[c.label for c in choices], colours=charts.ordered_colours(len(choices)), description=alt
    )
    return [Chart(f"c-{index.id}-{dim.id}-dist", title, alt, spec, table, wide=True)]
