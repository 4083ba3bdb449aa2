"""One organisation's readiness profile against its sector and all respondents, with percentile
ranks, in the report's three formats (``benchmark.html``, ``benchmark.pdf``,
``benchmark-tables.xlsx``) and two estimate tables (``estimates.json`` for the comparison survey by
sector, ``organisation-estimates.json`` for the organisation).

The organisation's sector is the most common sector among its respondents. Percentile ranks
(:mod:`collabstate.analysis.percentiles`) place the organisation's mean score among the scores of
the comparison survey's respondents, overall and within the sector.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from ..analysis.percentiles import index_scores, item_scores, percentile_rank
from ..dataset import Responses
from ..instrument.model import IndexDefinition
from ..stats import estimate
from . import charts
from .blocks import record
from .build import FORMATS, ReportPaths, finish_report
from .evidence import Evidence, default_by, gather
from .methods import methods_section
from .model import Cell, Chart, Column, Figure, Report, Row, Section, Table

__all__ = ["build_benchmark", "ordinal"]


def ordinal(p: float | None) -> str:
    """62.4 -> '62nd percentile'."""
    if p is None:
        return "not shown"
    k = int(round(p))
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix} percentile"


def _sector(org: Responses, by: str | None) -> str | None:
    if by is None or by not in org.data.columns:
        return None
    counts = org.data[by].drop_nulls().value_counts(sort=True)
    return str(counts[by][0]) if counts.height else None


class _Profile:
    """Cells of the organisation, its sector and everyone, and the percentile ranks."""

    def __init__(self, org: Responses, ev: Evidence, index: IndexDefinition, sector: str | None):
        self.org_table = estimate(org, ci=ev.ci, level=ev.level, min_base=ev.min_base, low_base=ev.low_base)
        self._org = {(r["question"], r["option"], r["statistic"]): r for r in self.org_table.iter_rows(named=True)}
        self.ev, self.index, self.sector, self.org = ev, index, sector, org
        everyone = ev.responses
        self.weights = everyone.weights().to_numpy()
        in_sector = everyone.data[ev.by].cast(pl.String).to_numpy() == sector if sector and ev.by else None
        self.in_sector = in_sector

    def org_cell(self, question: str, option: str | None, statistic: str, kind) -> Cell:
        return Cell.from_row(self._org.get((question, option, statistic)), kind)

    def cells(self, dim, option: str) -> list[Cell]:
        q = f"{self.index.id}/{dim.id}"
        out = [self.org_cell(q, option, "index", "mean")]
        if self.sector:
            out.append(self.ev.cell(q, option, "index", "mean", self.sector))
        out.append(self.ev.cell(q, option, "index", "mean"))
        return out

    def ranks(self, dim, factor, org_cell: Cell) -> list[Cell]:
        if not org_cell.shown:
            return [Cell.of_text("not shown")] * (2 if self.sector else 1)
        everyone = self.ev.responses
        scores = index_scores(everyone, self.index, dim) if factor is None else item_scores(everyone, self.index, self.index.item(factor, dim))
        out = [Cell.of_text(ordinal(percentile_rank(scores, self.weights, org_cell.estimate)))]
        if self.sector:
            mask = self.in_sector
            out.append(Cell.of_text(ordinal(percentile_rank(scores[mask], self.weights[mask], org_cell.estimate))))
        return out


def _profile_section(p: _Profile, dim, series: list[str]) -> Section:
    index = p.index
    section = Section(f"profile-{dim.id}", f"{dim.label}: the organisation against its comparators")
    rank_cols = ["Percentile among all"] + (["Percentile in sector"] if p.sector else [])
    rows, records = [], []
    for factor in [*index.factors, None]:
        option = factor.id if factor else "index"
        cells = p.cells(dim, option)
        label = factor.label if factor else f"Index ({sum(f.in_index for f in index.factors)} factors)"
        rows.append(Row(label, [*cells, *p.ranks(dim, factor, cells[0])]))
        if factor:
            for name, cell in zip(series, cells):
                rec = record(cell, label=label, series=name)
                if rec:
                    records.append(rec)
    table = Table(f"t-bench-{dim.id}", f"{dim.label}: mean score (0–3) and the organisation's percentile rank", "Factor",
                  [*(Column(s) for s in series), *(Column(c) for c in rank_cols)], rows, show_intervals=True)
    table.notes.append("Percentile rank: the share of respondents whose score is below the organisation's mean, plus half of those equal to it.")
    if records:
        alt = f"Dot chart with 95% intervals: mean {dim.label.lower()} of each factor for {', '.join(series)}."
        spec = charts.dot_intervals(records, title=f"{dim.label} of each factor", x_title="Mean score (0–3)", domain=(0, 3), series_order=series, description=alt)
        section.blocks.append(Chart(f"c-bench-{dim.id}", f"{dim.label} of each factor", alt, spec, table))
        radar_alt = f"Radar chart of the mean {dim.label.lower()} of the factors for {', '.join(series)}; the figures are in the table."
        spec = charts.radar(records, title=f"{dim.label}: profile", axes=[f.label for f in index.factors], maximum=3, series_order=series, description=radar_alt)
        section.blocks.append(Chart(f"c-bench-{dim.id}-radar", f"{dim.label}: profile", radar_alt, spec, table))
    else:
        section.blocks.append(table)
    return section


def build_benchmark(org: Responses, everyone: Responses, out_dir: str | Path, *, name: str | None = None, by: str | None = "",
                    formats=FORMATS, progress: Callable[[str], None] | None = None) -> ReportPaths:
    """Write the organisation's benchmark report to ``out_dir``."""
    if org.instrument.id != everyone.instrument.id:
        raise ValueError(f"the organisation's data are of instrument {org.instrument.id!r}, the comparison's of {everyone.instrument.id!r}")
    if not everyone.instrument.indices:
        raise ValueError(f"instrument {everyone.instrument.id!r} defines no index to benchmark")
    say = progress or (lambda message: None)
    say("Estimating the comparison survey and the organisation")
    ev = gather(everyone, by=default_by(everyone) if by == "" else by)
    index = everyone.instrument.indices[0]
    sector = _sector(org, ev.by)
    p = _Profile(org, ev, index, sector)
    sector_label = next((g.label for g in ev.groups() if g.code == sector), None)
    name = name or "The organisation"
    sector_name = (sector_label if "sector" in sector_label.lower() else f"{sector_label} sector") if sector_label else None
    series = [name, *([sector_name] if sector_name else []), "All respondents"]
    say("Laying out the sections")
    head = Section("headlines", "Headline figures")
    head.intro.append(f"{name}: {org.n:,} respondents" + (f", in the {sector_name.lower()}" if sector_name else "")
                      + f", compared with {everyone.n:,} respondents of {everyone.instrument.title}.")
    for dim in index.dimensions:
        org_cell = p.org_cell(f"{index.id}/{dim.id}", "index", "index", "mean")
        head.figures.append(Figure(f"{name}: {dim.label.lower()}, index (0–3)", org_cell, org_cell.tooltip(with_value=False)))
        ranks = p.ranks(dim, None, org_cell)
        head.figures.append(Figure(f"{dim.label} index: rank among all respondents", ranks[0], "Percentile rank of the organisation's index score"))
    sections = [head, *(_profile_section(p, d, series) for d in index.dimensions), methods_section(ev)]
    sections[-1].lists.insert(0, ("The organisation", [
        f"{org.n:,} respondents from the organisation" + (f"; its sector is {sector_label} (the most common answer)." if sector_label else "."),
        "Percentile ranks compare the organisation's mean score with individual respondents' scores in the comparison survey "
        "(a respondent's index score is the mean of their valid answers over the index factors).",
    ]))
    report = Report(f"{name}: readiness benchmark", f"{index.label} of {name} against its sector and all respondents", sections)
    paths = finish_report(report, ev, Path(out_dir), formats=formats, progress=progress, stem="benchmark")
    if "json" in formats:
        path = Path(out_dir) / "organisation-estimates.json"
        p.org_table.write_json(path)
    return paths


def demo_organisation(everyone_frame: pl.DataFrame, *, size: int = 24, seed: int = 7) -> pl.DataFrame:
    """A synthetic organisation for the demo: ``size`` third-sector respondents drawn with
    replacement from the 2018 demo wave, with collaborative behaviours more prevalent (+1 point,
    at most 'a great deal')."""
    third = everyone_frame.filter(pl.col("q16_sector") == 3)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, third.height, size)
    org = third[picks.tolist()].with_columns(
        pl.when(pl.col("prev_behaviours") < 3).then(pl.col("prev_behaviours") + 1).otherwise(pl.col("prev_behaviours")).alias("prev_behaviours")
    )
    if "respondent_id" in org.columns:
        org = org.with_columns(pl.format("org-{}", pl.int_range(pl.len())).alias("respondent_id"))
    return org
