"""One organisation's readiness profile against its sector and all respondents, with percentile
ranks, in the report's three formats (``benchmark.html``, ``benchmark.pdf``,
``benchmark-tables.xlsx``) and two estimate tables (``estimates.json`` for the comparison survey by
sector, ``organisation-estimates.json`` for the organisation).

The organisation's sector is the most common sector among its respondents. Percentile ranks
(:mod:`collabstate.analysis.percentiles`) place the organisation's mean score among the
organisations of the comparison survey when its data say which organisation each respondent
belongs to (the ``org_id`` design column, else an ``organisation`` question, else the ``cluster``
design column; ``organisations=`` chooses), each organisation's respondents averaged; otherwise among individual respondents'
scores, labelled as such. Wherever a rank points another way than the means beside it (above the
mean yet below the middle), the report says why, in the headlines and under the table.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from ..analysis.percentiles import Comparators, Standing, main_group, ordinal, organisation_column
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


def _sector(org: Responses, by: str | None) -> str | None:
    if by is None or by not in org.data.columns:
        return None
    return main_group(org.data[by])


class _Profile:
    """Cells of the organisation, its sector and everyone, and where the organisation stands."""

    def __init__(
        self,
        org: Responses,
        ev: Evidence,
        index: IndexDefinition,
        sector: str | None,
        sector_name: str | None,
        organisations: str | None = "auto",
    ):
        self.org_table = estimate(org, ci=ev.ci, level=ev.level, min_base=ev.min_base, low_base=ev.low_base)
        self._org = {(r["question"], r["option"], r["statistic"]): r for r in self.org_table.iter_rows(named=True)}
        self.ev, self.index, self.sector, self.org = ev, index, sector, org
        column = organisation_column(ev.responses, organisations)
        ours = org.data[column].drop_nulls().cast(pl.String).unique().to_list() if column and column in org.data.columns else []
        self.comparators = Comparators(ev.responses, index, organisation=column, by=ev.by if sector else None, exclude=tuple(ours))
        self.by_organisation = self.comparators.unit == "organisation"
        # a group code with no label (an excluded choice, a code the comparison data lack) is named by its code
        self.sector_people = f"{sector_name.lower()} respondents" if sector_name else f"respondents of group {sector}"

    def org_cell(self, question: str, option: str | None, statistic: str, kind) -> Cell:
        return Cell.from_row(self._org.get((question, option, statistic)), kind, self.ev.reading)

    def cells(self, dim, option: str) -> list[Cell]:
        q = f"{self.index.id}/{dim.id}"
        out = [self.org_cell(q, option, "index", "mean")]
        if self.sector:
            out.append(self.ev.cell(q, option, "index", "mean", self.sector))
        out.append(self.ev.cell(q, option, "index", "mean"))
        return out

    def standings(self, dim, factor, cells: list[Cell]) -> list[Standing | None]:
        """Among all, then (with a sector) among the sector; None when the organisation's own
        score is not shown. Each is read beside the mean in the same row of the table."""
        value = cells[0].estimate
        if not cells[0].shown or value is None:  # a shown cell has a finite estimate: the second test only narrows the type
            return [None] * (2 if self.sector else 1)
        means = [c.estimate if c.shown else None for c in cells]  # the organisation, (the sector,) all respondents
        rank = self.comparators.standing
        out: list[Standing | None] = [rank(value, means[-1], dim, factor, mean_label="all respondents", min_units=self.ev.min_base)]
        if self.sector:
            out.append(rank(value, means[1], dim, factor, group=self.sector, mean_label=self.sector_people, min_units=self.ev.min_base))
        return out

    def rank_columns(self) -> list[str]:
        if self.by_organisation:
            return ["Percentile among all organisations"] + (["Percentile among the sector's organisations"] if self.sector else [])
        return ["Respondents scoring below it"] + (["Sector's respondents scoring below it"] if self.sector else [])

    def rank_note(self) -> str:
        if self.by_organisation:
            return (
                f"Percentile among organisations: each organisation of the comparison survey (the column "
                f"'{self.comparators.column}' says which organisation a respondent belongs to) is the mean of its respondents, "
                "computed as this organisation's own score; the rank is the share of those organisations scoring below this "
                "organisation, plus half of those level with it. An organisation's sector is its respondents' most common answer."
            )
        return (
            "Respondents scoring below it: the share of individual respondents whose score is below the organisation's mean, "
            "plus half of those level with it. The comparison data do not say which organisation each respondent belongs to, "
            "so the organisation's mean is set against individual scores, which are more spread out than means: a mean can "
            "sit above the mean of all respondents yet below the middle of the individual scores."
        )


def _rank_cells(standings: list[Standing | None]) -> list[Cell]:
    return [Cell.of_text(s.cell() if s is not None else "not shown") for s in standings]


def _profile_section(p: _Profile, dim, series: list[str]) -> Section:
    index = p.index
    section = Section(f"profile-{dim.id}", f"{dim.label}: the organisation against its comparators")
    rows, records, explained = [], [], []
    for factor in [*index.factors, None]:
        option = factor.id if factor else "index"
        cells = p.cells(dim, option)
        label = factor.label if factor else f"Index ({sum(f.in_index for f in index.factors)} factors)"
        standings = p.standings(dim, factor, cells)
        rows.append(Row(label, [*cells, *_rank_cells(standings)]))
        explained += [s.sentence(label) for s in standings if s is not None and s.conflicts()]
        if factor:
            for name, cell in zip(series, cells):
                rec = record(cell, label=label, series=name)
                if rec:
                    records.append(rec)
    caption = f"{dim.label}: mean score (0–3) and " + (
        "the organisation's percentile rank" if p.by_organisation else "the share of respondents below it"
    )
    table = Table(
        f"t-bench-{dim.id}",
        caption,
        "Factor",
        [*(Column(s) for s in series), *(Column(c) for c in p.rank_columns())],
        rows,
        show_intervals=True,
    )
    table.notes.append(p.rank_note())
    table.notes.extend(explained)
    if records:
        alt = f"Dot chart with {p.ev.reading.percent} intervals: mean {dim.label.lower()} of each factor for {', '.join(series)}."
        spec = charts.dot_intervals(
            records, title=f"{dim.label} of each factor", x_title="Mean score (0–3)", domain=(0, 3), series_order=series, description=alt
        )
        section.blocks.append(Chart(f"c-bench-{dim.id}", f"{dim.label} of each factor", alt, spec, table))
        radar_alt = f"Radar chart of the mean {dim.label.lower()} of the factors for {', '.join(series)}; the figures are in the table."
        spec = charts.radar(
            records,
            title=f"{dim.label}: profile",
            axes=[f.label for f in index.factors],
            maximum=3,
            series_order=series,
            description=radar_alt,
        )
        section.blocks.append(Chart(f"c-bench-{dim.id}-radar", f"{dim.label}: profile", radar_alt, spec, table))
    else:
        section.blocks.append(table)
    return section


def _headlines(p: _Profile, name: str, everyone: Responses, sector_name: str | None) -> Section:
    index, c = p.index, p.comparators
    head = Section("headlines", "Headline figures")
    among = f" from {c.n:,} organisations" if p.by_organisation else ""
    head.intro.append(
        f"{name}: {p.org.n:,} respondents"
        + (f", in the {sector_name.lower()}" if sector_name else "")
        + f", compared with {everyone.n:,} respondents{among} of {everyone.instrument.title}."
    )
    for dim in index.dimensions:
        cells = p.cells(dim, "index")
        org_cell = cells[0]
        head.figures.append(Figure(f"{name}: {dim.label.lower()}, index (0–3)", org_cell, org_cell.tooltip(with_value=False)))
        standing = p.standings(dim, None, cells)[0]
        if p.by_organisation:
            label = f"{dim.label} index: percentile among {standing.n if standing else c.n:,} organisations"
            detail = "Organisations of the comparison survey, each the mean of its respondents"
        else:
            label = f"{dim.label} index: share of individual respondents scoring below the organisation's mean"
            detail = "Counting half of those level with it; individual scores, not organisations' means"
        head.figures.append(Figure(label, Cell.of_text(standing.headline() if standing else "not shown"), detail))
        if standing is not None:
            head.findings.append(standing.sentence(f"{dim.label} index"))
    return head


def build_benchmark(
    org: Responses,
    everyone: Responses,
    out_dir: str | Path,
    *,
    name: str | None = None,
    by: str | None = "",
    organisations: str | None = "auto",
    formats=FORMATS,
    progress: Callable[[str], None] | None = None,
) -> ReportPaths:
    """Write the organisation's benchmark report to ``out_dir``.

    ``organisations``: the column of the comparison data that says which organisation each
    respondent belongs to (``"auto"``: the ``org_id`` design column, else an ``organisation``
    question, else the ``cluster`` design column, when present); the organisation is then ranked
    among organisations. ``None``: rank it among individual respondents."""
    if org.instrument.id != everyone.instrument.id:
        raise ValueError(f"the organisation's data are of instrument {org.instrument.id!r}, the comparison's of {everyone.instrument.id!r}")
    if not everyone.instrument.indices:
        raise ValueError(f"instrument {everyone.instrument.id!r} defines no index to benchmark")
    organisation_column(everyone, organisations)  # an unusable column fails before the long work
    say = progress or (lambda message: None)
    say("Estimating the comparison survey and the organisation")
    ev = gather(everyone, by=default_by(everyone) if by == "" else by)
    index = everyone.instrument.indices[0]
    sector = _sector(org, ev.by)
    sector_label = next((g.label for g in ev.groups() if g.code == sector), None)
    name = name or "The organisation"
    sector_name = (sector_label if "sector" in sector_label.lower() else f"{sector_label} sector") if sector_label else None
    p = _Profile(org, ev, index, sector, sector_name, organisations)
    series = [name, *([sector_name] if sector_name else []), "All respondents"]
    say("Laying out the sections")
    sections = [
        _headlines(p, name, everyone, sector_name),
        *(_profile_section(p, d, series) for d in index.dimensions),
        methods_section(ev),
    ]
    if p.by_organisation:
        ranked = (
            f"Percentile ranks place the organisation among the {p.comparators.n:,} organisations of the comparison survey, "
            f"taking its column '{p.comparators.column}' to say which organisation each respondent belongs to; an "
            "organisation's score is the mean of its respondents, as for this organisation, and each organisation counts once."
        )
    else:
        ranked = (
            "The comparison data do not say which organisation each respondent belongs to, so the ranks are shares of "
            "individual respondents scoring below the organisation's mean (a respondent's index score is the mean of their "
            "valid answers over the index factors); a mean can sit above the mean of all respondents yet below the middle "
            "of individual scores."
        )
    sections[-1].lists.insert(
        0,
        (
            "The organisation",
            [
                f"{org.n:,} respondents from the organisation"
                + (f"; its sector is {sector_label} (the most common answer)." if sector_label else "."),
                ranked,
            ],
        ),
    )
    report = Report(
        f"{name}: readiness benchmark", f"{index.label} of {name} against its sector and all respondents", sections, reading=ev.reading
    )
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
        pl.when(pl.col("prev_behaviours") < 3)
        .then(pl.col("prev_behaviours") + 1)
        .otherwise(pl.col("prev_behaviours"))
        .alias("prev_behaviours")
    )
    if "respondent_id" in org.columns:
        org = org.with_columns(pl.format("org-{}", pl.int_range(pl.len())).alias("respondent_id"))
    return org
