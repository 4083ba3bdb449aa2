"""The "What works" section: which answers go with an outcome the instrument names (its
``what_works``: the readiness instrument's is reporting success), in words that never claim a
cause.

- **Odds ratios**: for each candidate driver on its own, a survey-weighted logistic model of the
  outcome (:func:`collabstate.analysis.models.fit_model`): the odds ratio for one step higher, its
  interval and p-value; a sentence for each whose interval excludes 1.
- **Drivers**: all candidates together, their relative weights (each one's share of what they
  explain together, with jackknife intervals; :func:`collabstate.analysis.drivers.key_drivers`),
  as a dot chart and its table.
- **The grid**: each index factor by its stated importance and its prevalence, in the quadrant of
  the importance–performance grid (:func:`collabstate.analysis.drivers.stated_grid`).
- **Does the index hang together**: alpha, omega and the one-factor model of the index's
  prevalence items (:func:`collabstate.analysis.reliability.reliability`).

The models use the report's respondents and design; a figure on fewer respondents than the
report's low base (30) is not made, and the section says so. The words: "goes with", "more likely to",
"associated"; the section's sentences are tested for the words that claim a cause.
"""

from __future__ import annotations

from typing import Any

from ..analysis.drivers import key_drivers, stated_grid
from ..analysis.models import fit_model
from ..analysis.reliability import reliability
from ..errors import CollabstateError
from ..stats import Design
from . import charts
from .evidence import Evidence
from .model import Cell, Chart, Column, Row, Section, Table, fmt_count

__all__ = ["what_works_section"]


def _or_cell(ev: Evidence, row: dict[str, Any]) -> Cell:
    return Cell("mean", row["odds_ratio"], row["or_low"], row["or_high"], row["n"], reading=ev.reading)


def what_works_section(ev: Evidence) -> Section | None:
    """The section, or None when the instrument names no outcome or the data cannot fit it."""
    works = ev.instrument.what_works
    if works is None:
        return None
    section = Section("what-works", "What works")
    section.intro.append(
        f"Which answers go with respondents who {works.label}. Each figure is an association in these data, weighted as the rest "
        "of the report: it says who tends to answer what, not what brings success about, and other differences between "
        "respondents may lie behind it. Only respondents who answered the outcome and the figure's own questions are counted."
    )
    level = ev.level
    design = Design.from_responses(ev.responses)  # one design for every model of the section
    rows, sentences, few = [], [], []
    for name in works.drivers:
        try:
            fit = fit_model(ev.responses, works.outcome, [name], "logistic", design=design)
        except CollabstateError as exc:
            column = ev.instrument.column(name)
            section.findings.append(f"{column.label if column is not None else name}: no model ({exc}).")
            continue
        row: dict[str, Any] = fit.rows(level)[1]
        label = fit.terms[1].label
        if fit.fit.n < ev.low_base:
            few.append(f"{label} (n = {fit.fit.n})")
            continue
        cell = _or_cell(ev, row)
        p = float(row["p_value"])
        rows.append(Row(label, [cell, Cell.of_text("<0.001" if p < 0.001 else f"{p:.3f}")]))
        if row["or_low"] > 1 or row["or_high"] < 1:
            more = "more" if row["odds_ratio"] > 1 else "less"
            sentences.append(f"Respondents whose answer to ‘{label}’ was one step higher were {more} likely to {works.label} "
                             f"(odds ratio {cell.value}, {ev.reading.percent} interval {cell.interval}; n = {fmt_count(row['n'])}).")  # fmt: skip
    if few:
        section.findings.append(
            f"Too few respondents for a model (at least {ev.low_base} are needed, the report's low base): {'; '.join(few)}."
        )
    if not rows:
        return section
    section.findings.extend(sentences or [f"None of the answers shown goes with respondents who {works.label} clearly enough to be told "
                                          f"apart from chance at the {ev.reading.percent} level."])  # fmt: skip
    section.blocks.append(
        Table(
            "t-what-works-odds",
            f"Odds ratios: how much more likely to {works.label}, for one step higher on each answer, "
            f"with {ev.reading.percent} intervals (one model for each)",
            "Answer",
            [Column("Odds ratio"), Column("p")],
            rows,
            show_intervals=True,
            notes=["An odds ratio above 1: respondents who rated it higher were more likely to say so; below 1, less likely."],
        )
    )
    _drivers(ev, section, design)
    _grid(ev, section, design)
    _reliability(ev, section)
    return section


def _drivers(ev: Evidence, section: Section, design: Design) -> None:
    works = ev.instrument.what_works
    assert works is not None
    try:
        found = key_drivers(ev.responses, works.outcome, list(works.drivers), design=design, level=ev.level)
    except CollabstateError as exc:
        section.findings.append(f"The answers' shares together could not be estimated: {exc}.")
        return
    if found.n < ev.low_base:
        section.findings.append(
            f"Too few respondents answered every one of the answers for their shares ({found.n}; at least {ev.low_base})."
        )
        return
    cells = [Cell("share", d.importance, d.ci_low, d.ci_high, found.n, reading=ev.reading) for d in found.drivers]
    table = Table("t-what-works-drivers", f"Each answer's share of what the {len(found.drivers)} together explain "
                  f"(relative weights; R² {found.r2:.2f}), with {ev.reading.percent} intervals", "Answer", [Column("Share")],
                  [Row(d.label, [c]) for d, c in zip(found.drivers, cells)], show_intervals=True,
                  notes=["The intervals come from the jackknife over the design's clusters; shares sum to 100%."])  # fmt: skip
    records = [{"label": d.label.rsplit(": ", 1)[-1], "series": "Share", "estimate": d.importance, "ci_low": d.ci_low, "ci_high": d.ci_high,
                "value_text": c.value, "interval_text": c.interval, "base_text": c.base} for d, c in zip(found.drivers, cells)]  # fmt: skip
    first = found.drivers[0]
    alt = (f"Dot chart of each answer's share of what the answers together explain of whether respondents {works.label}, with intervals; "
           f"the largest is {first.label} ({first.importance:.0%}).")  # fmt: skip
    spec = charts.dot_intervals(records, title="Shares of what the answers explain together", x_title="Share", domain=(0, 1),
                                share=True, description=alt)  # fmt: skip
    section.blocks.append(Chart("c-what-works-drivers", "Shares of what the answers explain together", alt, spec, table))
    section.findings.append(
        f"Together the answers account for {found.r2:.0%} of the variation in whether respondents {works.label} (R²; n = {fmt_count(found.n)}); "
        f"{first.label} has the largest share, {first.importance:.0%} ({ev.reading.percent} interval {first.ci_low:.0%} to {first.ci_high:.0%})."
    )


def _grid(ev: Evidence, section: Section, design: Design) -> None:
    for index in ev.instrument.indices:
        if len(index.dimensions) < 2:
            continue
        importance, performance = index.dimensions[0], index.dimensions[1]
        points = stated_grid(ev.responses, index, importance.id, performance.id, design=design)
        if not points or ev.responses.n < ev.low_base:
            continue
        rows = [Row(p.label, [Cell("mean", p.importance, reading=ev.reading), Cell("mean", p.performance, reading=ev.reading),
                              Cell.of_text(p.quadrant)]) for p in points]  # fmt: skip
        section.blocks.append(
            Table(
                f"t-what-works-grid-{index.id}",
                f"{index.label}: each factor by its {importance.label.lower()} and its "
                f"{performance.label.lower()}, on the importance–performance grid",
                "Factor",
                [Column(importance.label), Column(performance.label), Column("Quadrant")],
                rows,
                show_bases=False,
                notes=[
                    f"The grid's lines are at the factors' mean {importance.label.lower()} and mean {performance.label.lower()}. "
                    "Concentrate here: important, less present; keep up the good work: important and present; low priority: "
                    "less important, less present; possible overkill: less important, present."
                ],
            )
        )
        focus = [p.label for p in points if p.quadrant == "Concentrate here"]
        if focus:
            section.findings.append(f"Rated more important than most but less present: {', '.join(focus)} (the grid's 'concentrate here').")


def _reliability(ev: Evidence, section: Section) -> None:
    for index in ev.instrument.indices:
        if len(index.dimensions) < 2:
            continue
        performance = index.dimensions[1]
        items = [index.item(f, performance) for f in index.factors if f.in_index]
        try:
            results, _ = reliability(ev.responses, items)
        except CollabstateError:
            continue
        r = results[0]
        a, m = r.alpha, r.model
        if a.n < ev.low_base:
            continue
        together = "hang together" if a.alpha >= 0.7 else "hang together only loosely"
        words = (f"The {len(items)} {performance.label.lower()} ratings of the {index.label} {together}: Cronbach's alpha "
                 f"{a.alpha:.2f} ({ev.reading.percent} interval {a.ci_low:.2f} to {a.ci_high:.2f}; n = {fmt_count(a.n)})")  # fmt: skip
        if m is not None and not m.heywood:
            verdict = "fits well" if m.cfi >= 0.95 and m.rmsea <= 0.08 else "fits less well"
            words += (
                f", McDonald's omega {m.omega:.2f}; a one-factor model {verdict} (CFI {m.cfi:.2f}, RMSEA {m.rmsea:.2f}, SRMR {m.srmr:.2f})"
            )
        section.findings.append(words + ".")
