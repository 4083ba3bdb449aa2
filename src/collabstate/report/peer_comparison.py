"""The peer comparison report (what ``collabstate benchmark`` writes): one organisation's readiness
profile against its sector and all respondents, with percentile ranks, in the report's four
formats (``benchmark.html``, ``benchmark.pdf``, ``benchmark-tables.xlsx``, ``benchmark.pptx``) and two estimate tables
(``estimates.json`` for the comparison survey by sector, ``organisation-estimates.json`` for the
organisation). The files keep the command's name: "benchmark" here is the readiness benchmark, not
the speed benchmarks of ``make bench``.

The profile, the organisation's sector and its standings are computed by
:class:`collabstate.analysis.profiles.PeerComparison`: percentile ranks place the organisation's
mean score among the organisations of the comparison survey when its data say which organisation
each respondent belongs to (the ``org_id`` design column, else an ``organisation`` question, else
the ``cluster`` design column; ``organisations=`` chooses), each organisation's respondents
averaged; otherwise among individual respondents' scores, labelled as such. Wherever a rank points
another way than the means beside it (above the mean yet below the middle), the report says why, in
the headlines and under the table.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..analysis.percentiles import Standing, organisation_column
from ..analysis.profiles import PeerComparison
from ..dataset import Responses
from ..errors import InputError, UsageError
from ..instrument.model import Dimension, Factor
from . import charts
from .blocks import record
from .build import FORMATS, ReportPaths, finish_report
from .evidence import Evidence, default_by, gather
from .methods import methods_section
from .model import Cell, Chart, Column, Figure, Report, Row, Section, Table

__all__ = ["build_peer_comparison"]


class _Shown:
    """The comparison as the report shows it: cells, the rank columns and their note."""

    def __init__(self, p: PeerComparison, ev: Evidence, sector_name: str | None):
        self.p, self.ev, self.index = p, ev, p.index
        # a group code with no label (an excluded choice, a code the comparison data lack) is named by its code
        self.sector_people = f"{sector_name.lower()} respondents" if sector_name else f"respondents of group {p.sector}"

    def cells(self, dim: Dimension, option: str) -> list[Cell]:
        """The organisation's, (its sector's) and all respondents' mean on a factor or the index."""
        return [Cell.from_row(row, "mean", self.ev.reading) for row in self.p.rows(dim, option)]

    def standings(self, dim: Dimension, factor: Factor | None) -> list[Standing | None]:
        return self.p.standings(dim, factor, sector_label=self.sector_people)

    def rank_columns(self) -> list[str]:
        if self.p.by_organisation:
            return ["Percentile among all organisations"] + (["Percentile among the sector's organisations"] if self.p.sector else [])
        return ["Respondents scoring below it"] + (["Sector's respondents scoring below it"] if self.p.sector else [])

    def rank_note(self) -> str:
        if self.p.by_organisation:
            return (
                f"Percentile among organisations: each organisation of the comparison survey (the column "
                f"'{self.p.comparators.column}' says which organisation a respondent belongs to) is the mean of its respondents, "
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


def _profile_section(v: _Shown, dim: Dimension, series: list[str]) -> Section:
    index = v.index
    section = Section(f"profile-{dim.id}", f"{dim.label}: the organisation against its comparators")
    rows, records, explained = [], [], []
    for factor in [*index.factors, None]:
        option = factor.id if factor else "index"
        cells = v.cells(dim, option)
        label = factor.label if factor else f"Index ({sum(f.in_index for f in index.factors)} factors)"
        standings = v.standings(dim, factor)
        rows.append(Row(label, [*cells, *_rank_cells(standings)]))
        explained += [s.sentence(label) for s in standings if s is not None and s.conflicts()]
        if factor:
            for name, cell in zip(series, cells):
                rec = record(cell, label=label, series=name)
                if rec:
                    records.append(rec)
    caption = f"{dim.label}: mean score (0–3) and " + (
        "the organisation's percentile rank" if v.p.by_organisation else "the share of respondents below it"
    )
    table = Table(
        f"t-bench-{dim.id}",
        caption,
        "Factor",
        [*(Column(s) for s in series), *(Column(c) for c in v.rank_columns())],
        rows,
        show_intervals=True,
    )
    table.notes.append(v.rank_note())
    table.notes.extend(explained)
    if records:
        alt = f"Dot chart with {v.ev.reading.percent} intervals: mean {dim.label.lower()} of each factor for {', '.join(series)}."
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
        section.blocks.append(Chart(f"c-bench-{dim.id}-radar", f"{dim.label}: profile", radar_alt, spec, table, form="radar"))
    else:
        section.blocks.append(table)
    return section


def _headlines(v: _Shown, name: str, everyone: Responses, sector_name: str | None) -> Section:
    index, c = v.index, v.p.comparators
    head = Section("headlines", "Headline figures")
    among = f" from {c.n:,} organisations" if v.p.by_organisation else ""
    head.intro.append(
        f"{name}: {v.p.org.n:,} respondents"
        + (f", in the {sector_name.lower()}" if sector_name else "")
        + f", compared with {everyone.n:,} respondents{among} of {everyone.instrument.title}."
    )
    for dim in index.dimensions:
        org_cell = v.cells(dim, "index")[0]
        head.figures.append(Figure(f"{name}: {dim.label.lower()}, index (0–3)", org_cell, org_cell.tooltip(with_value=False)))
        standing = v.standings(dim, None)[0]
        if v.p.by_organisation:
            label = f"{dim.label} index: percentile among {standing.n if standing else c.n:,} organisations"
            detail = "Organisations of the comparison survey, each the mean of its respondents"
        else:
            label = f"{dim.label} index: share of individual respondents scoring below the organisation's mean"
            detail = "Counting half of those level with it; individual scores, not organisations' means"
        head.figures.append(Figure(label, Cell.of_text(standing.headline() if standing else "not shown"), detail))
        if standing is not None:
            head.findings.append(standing.sentence(f"{dim.label} index"))
    return head


def build_peer_comparison(
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
    """Write the organisation's peer comparison (the readiness benchmark of ``collabstate
    benchmark``) to ``out_dir``: the comparison survey ``everyone`` is estimated by ``by`` (default:
    its sector question), the organisation ``org`` beside it.

    ``organisations``: the column of the comparison data that says which organisation each
    respondent belongs to (``"auto"``: the ``org_id`` design column, else an ``organisation``
    question, else the ``cluster`` design column, when present); the organisation is then ranked
    among organisations. ``None``: rank it among individual respondents."""
    if org.instrument.id != everyone.instrument.id:
        raise InputError(f"the organisation's data are of instrument {org.instrument.id!r}, the comparison's of {everyone.instrument.id!r}")
    if not everyone.instrument.indices:
        raise UsageError(f"instrument {everyone.instrument.id!r} defines no index to benchmark")
    organisation_column(everyone, organisations)  # an unusable column fails before the long work
    say = progress or (lambda message: None)
    say("Estimating the comparison survey and the organisation")
    ev = gather(everyone, by=default_by(everyone) if by == "" else by)
    index = everyone.instrument.indices[0]
    p = PeerComparison(
        org,
        ev.responses,
        ev.table,
        index,
        by=ev.by,
        organisations=organisations,
        ci=ev.ci,
        level=ev.level,
        min_base=ev.min_base,
        low_base=ev.low_base,
    )
    sector_label = next((g.label for g in ev.groups() if g.code == p.sector), None)
    name = name or "The organisation"
    sector_name = (sector_label if "sector" in sector_label.lower() else f"{sector_label} sector") if sector_label else None
    v = _Shown(p, ev, sector_name)
    series = [name, *([sector_name] if sector_name else []), "All respondents"]
    say("Laying out the sections")
    sections = [
        _headlines(v, name, everyone, sector_name),
        *(_profile_section(v, d, series) for d in index.dimensions),
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
