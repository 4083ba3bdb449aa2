"""The trends section: every headline measure and statement in every wave, as small-multiple line
charts with intervals and a table with each wave's figure, the change of the reported wave since
the previous and the first wave, and the verdicts."""

from __future__ import annotations

from typing import Literal

from ..analysis.headlines import headline_measures
from ..instrument.model import MatrixQuestion
from . import charts
from .blocks import positive_net, record
from .evidence import Evidence
from .model import Chart, Kind, Section, Table
from .trends import waves_table

__all__ = ["trend_section"]


def _trend(ev: Evidence, table_id: str, caption: str, items: list[tuple[str, str, str | None, str, Kind]]) -> list[Chart | Table]:
    """A table (a row per item: each wave's figure, the changes) and a line chart per kind of figure.
    ``items``: (label, question, option, statistic, kind)."""
    assert ev.waves
    waves = list(ev.waves)
    table = waves_table(ev, table_id, caption, "Measure", items)
    records: dict[Literal["share", "mean"], list[dict]] = {"share": [], "mean": []}
    for row, (label, *_, kind) in zip(table.rows, items):
        figures = row.cells[: len(waves)]
        records["share" if kind == "share" else "mean"] += [
            rec for c, w in zip(figures, waves) if (rec := record(c, label=label, series=w))
        ]
    blocks: list[Chart | Table] = []
    for kind, recs in records.items():
        if not recs:
            continue
        measures = list(dict.fromkeys(r["label"] for r in recs))
        alt = (f"Line charts, one per measure, of {len(measures)} {'shares' if kind == 'share' else 'mean scores'} in each of the waves "
               f"{', '.join(waves)}, with {ev.reading.percent} intervals; the table below gives every figure and change.")  # fmt: skip
        spec = charts.trend_lines(recs, title=caption, waves=waves, share=kind == "share", description=alt)
        blocks.append(Chart(f"c-{table_id}-{kind}", caption, alt, spec, table, wide=True, over_waves=True, kind=kind))
    return blocks if blocks else [table]


def trend_section(ev: Evidence) -> Section | None:
    """Headline measures and statements across every wave; None without earlier waves."""
    if not ev.waves:
        return None
    section = Section("trends", "Trends across waves")
    sizes = ", ".join(f"{w} ({ev.sizes[w]:,} respondents)" if w in ev.sizes else w for w in ev.waves)
    section.intro.append(f"{len(ev.waves)} waves in time order: {sizes}.")
    measures = headline_measures(ev.instrument)
    items: list[tuple[str, str, str | None, str, Kind]] = [
        (m, q, o, s, "mean" if s in ("index", "mean") else "share") for m, q, o, s in measures.iter_rows()
    ]
    if items:
        section.blocks += _trend(ev, "t-trend-headlines", "Headline figures in each wave", items)
    headlines = {(q, o) for _, q, o, _, _ in items}
    for q in ev.instrument.questions:
        if isinstance(q, MatrixQuestion):
            net = positive_net(ev, q)
            if net is None:
                continue
            rows: list[tuple[str, str, str | None, str, Kind]] = [
                (r.label, r.id, net.id, "net", "share") for r in q.rows if (r.id, net.id) not in headlines
            ]
            if rows:
                section.blocks += _trend(ev, f"t-trend-{q.id}", f"{q.label}: share answering '{net.label.lower()}' in each wave", rows)
    return section
