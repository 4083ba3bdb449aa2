"""``collabstate model``: a survey-weighted regression (R's ``svyglm``) of an outcome on predictors;
``collabstate drivers``: their relative weights, with the importance–performance grid;
``collabstate reliability``: whether a set of items hangs together (alpha, omega, the one-factor model).

The numbers come from :func:`collabstate.analysis.models.fit_model`; this module parses the
options and renders its rows. JSON: a list of objects ``term, estimate, se, ci_low, ci_high,
p_value, df, n`` (and ``odds_ratio, or_low, or_high`` for a logistic model), ``null`` for what
is not a number; CSV the same columns; ``table`` a table a person reads, with each term's words.
What a reader must know (codes nobody had, separation) goes to stderr.
"""

from __future__ import annotations

import io
import json
import math
from typing import TYPE_CHECKING, Annotated, cast

import typer

from ._shared import (
    ClusterOption,
    DataArgument,
    DeriveOption,
    FilterOption,
    InstrumentOption,
    LevelOption,
    StrataOption,
    WeightOption,
    comma_names,
    derived_responses,
    err,
    finite,
    out,
    read_data,
    read_derived,
    read_instrument,
    report_problems,
    with_design,
)

if TYPE_CHECKING:
    from pathlib import Path

    from rich.table import Table

    from ..analysis.drivers import Drivers
    from ..analysis.models import ModelFit
    from ..dataset import Responses

__all__ = ["drivers", "model", "reliability"]

MODEL_FORMATS = ("json", "csv", "table")
OutcomeOption = Annotated[
    str, typer.Option("--outcome", help='A number, scale or grid question, an option, or a condition such as "q6_success in (1, 2)".')
]
PredictorsOption = Annotated[str, typer.Option("--predictors", help="Questions, grid rows, options or derived variables, comma-separated.")]


def model(
    data: DataArgument,
    instrument: InstrumentOption,
    outcome: OutcomeOption,
    predictors: PredictorsOption,
    family: Annotated[
        str | None, typer.Option("--family", help="linear or logistic (default: logistic for a condition or an option, else linear).")
    ] = None,
    filter: FilterOption = None,
    derive: DeriveOption = None,
    weight: WeightOption = None,
    strata: StrataOption = None,
    cluster: ClusterOption = None,
    level: LevelOption = 0.95,
    fmt: Annotated[str, typer.Option("--format", help="Output: json, csv or table.")] = "json",
) -> None:
    """A survey-weighted regression, as R's svyglm: each predictor's coefficient with its design-based
    standard error, interval and p-value (t on the design's degrees of freedom).

    A single-choice predictor becomes one term per code (sector=2, sector=3 ...) against its first
    code. Respondents missing the outcome or a predictor are left out, as a domain of the full
    design. A logistic model also gives odds ratios. An association, not a cause.

    Example: [bold]collabstate model answers.csv -i readiness-2018 --outcome "q6_success in (1, 2)" --predictors q16_sector,q10_involvement[/]
    """
    from ..analysis.models import fit_model
    from ..stats import check_level
    from ..stats.glm import FAMILIES

    if fmt not in MODEL_FORMATS:
        raise typer.BadParameter(f"{fmt!r} is not one of {', '.join(MODEL_FORMATS)}", param_hint="--format")
    if family is not None and family not in FAMILIES:
        raise typer.BadParameter(f"{family!r} is not one of {', '.join(FAMILIES)}", param_hint="--family")
    level = check_level(level)
    names = comma_names(predictors, "--predictors")
    responses = _responses(data, instrument, derive, weight, strata, cluster)
    fitted = fit_model(responses, outcome, names, family, filter=filter)
    for note in fitted.notes:
        err.print(f"Note: {note}", highlight=False, markup=False)
    rows = finite(fitted.rows(level))
    if fmt == "json":
        typer.echo(json.dumps(rows, indent=1, allow_nan=False))
    elif fmt == "csv":
        import polars as pl

        from ..dataset.csv_text import write_csv

        buffer = io.StringIO()
        write_csv(pl.DataFrame(cast(list, rows)), buffer)
        typer.echo(buffer.getvalue(), nl=False)
    else:
        out.print(model_table(fitted, level))


def _responses(data: Path, instrument: str, derive: Path | None, weight: str | None, strata: str | None, cluster: str | None) -> Responses:
    """The data read and checked against the instrument (problems and rejected rows told on
    stderr), with their design and derived variables: what ``model`` and ``drivers`` fit."""
    ins = read_instrument(instrument)
    _known, extra = read_derived(ins, derive)
    validation = read_data(data, ins)
    report_problems(validation)
    if validation.rejected.height:
        err.print(f"{validation.rejected.height} of {validation.n_read} rows rejected and left out", highlight=False)
    return derived_responses(with_design(validation.responses, data, weight, strata, cluster), extra)


def model_table(fitted: ModelFit, level: float) -> Table:
    """The model as a person reads it: each term's words, its estimate (an odds ratio for a
    logistic model) with its interval, and its p-value; the base and the design's degrees of
    freedom in the caption."""
    from rich.table import Table

    from ._shared import literal

    logistic = fitted.family == "logistic"
    shown = Table(
        title=literal(f"{fitted.outcome_label}: {'logistic' if logistic else 'linear'} model"), title_justify="left",
        caption=literal(f"n = {fitted.fit.n:,}; {fitted.fit.df} degrees of freedom; {level:.0%} intervals; "
                        "an association between answers, not a cause"),
        caption_justify="left", show_edge=False, pad_edge=False,
    )  # fmt: skip
    shown.add_column("Term", ratio=3)
    shown.add_column("Odds ratio" if logistic else "Estimate", justify="right")
    shown.add_column(f"{level:.0%} interval", justify="right")
    shown.add_column("p", justify="right")
    for row in fitted.rows(level):
        if row["term"] == "(Intercept)" and logistic:
            continue  # the odds at the reference: not a comparison a reader looks for
        value, low, high = (
            (row["odds_ratio"], row["or_low"], row["or_high"]) if logistic else (row["estimate"], row["ci_low"], row["ci_high"])
        )
        p = float(row["p_value"])  # type: ignore[arg-type]
        shown.add_row(literal(fitted.label(str(row["term"]))), f"{value:.2f}", f"{low:.2f} to {high:.2f}",
                      "—" if math.isnan(p) else "<0.001" if p < 0.001 else f"{p:.3f}")  # fmt: skip
    return shown


def drivers(
    data: DataArgument,
    instrument: InstrumentOption,
    outcome: OutcomeOption,
    predictors: PredictorsOption,
    filter: FilterOption = None,
    derive: DeriveOption = None,
    weight: WeightOption = None,
    strata: StrataOption = None,
    cluster: ClusterOption = None,
    level: LevelOption = 0.95,
    fmt: Annotated[str, typer.Option("--format", help="Output: json, csv or table.")] = "json",
) -> None:
    """Key drivers: each predictor's share of the outcome's explained variance (Johnson's relative
    weights, summing to R²), its importance (share of R²) with a jackknife interval over the design's
    clusters, the sign of its coefficient, its performance (mean score) and its quadrant of the
    importance-performance grid.

    JSON rows: predictor, raw, importance, ci_low, ci_high, sign, performance, quadrant; most
    important first. R², the respondents used and the replicates go to stderr.

    Example: [bold]collabstate drivers answers.csv -i leaders --outcome confidence --predictors st_network,st_trust,trained --format table[/]
    """
    from ..analysis.drivers import key_drivers
    from ..stats import check_level

    if fmt not in MODEL_FORMATS:
        raise typer.BadParameter(f"{fmt!r} is not one of {', '.join(MODEL_FORMATS)}", param_hint="--format")
    level = check_level(level)
    names = comma_names(predictors, "--predictors")
    responses = _responses(data, instrument, derive, weight, strata, cluster)
    found = key_drivers(responses, outcome, names, filter=filter, level=level)
    err.print(f"R² = {found.r2:.3f} (jackknife SE {found.r2_se:.3f}, {found.replicates} replicates); n = {found.n:,}", highlight=False)
    for note in found.notes:
        err.print(f"Note: {note}", highlight=False, markup=False)
    rows = finite([d.record() for d in found.drivers])
    if fmt == "json":
        typer.echo(json.dumps(rows, indent=1, allow_nan=False))
    elif fmt == "csv":
        import polars as pl

        from ..dataset.csv_text import write_csv

        buffer = io.StringIO()
        write_csv(pl.DataFrame(cast(list, rows), infer_schema_length=None), buffer)
        typer.echo(buffer.getvalue(), nl=False)
    else:
        out.print(drivers_table(found, level))


def drivers_table(found: Drivers, level: float) -> Table:
    """The drivers as a person reads them: importance as a share of what the model explains, with
    its interval, the direction, and the quadrant."""
    from rich.table import Table

    from ._shared import literal

    shown = Table(
        title=literal(f"What goes with {found.outcome_label}"), title_justify="left",
        caption=literal(f"The predictors together explain {found.r2:.0%} of the variation (R²); n = {found.n:,}. "
                        "Shares of that, with {:.0%} intervals; an association, not a cause.".format(level)),
        caption_justify="left", show_edge=False, pad_edge=False,
    )  # fmt: skip
    shown.add_column("Predictor", ratio=3)
    shown.add_column("Share of R²", justify="right")
    shown.add_column(f"{level:.0%} interval", justify="right")
    shown.add_column("Direction")
    shown.add_column("Quadrant")
    for d in found.drivers:
        direction = {"positive": "higher with more", "negative": "lower with more"}.get(d.sign or "", "—")
        shown.add_row(
            literal(d.label.rsplit(": ", 1)[-1]), f"{d.importance:.0%}", f"{d.ci_low:.0%} to {d.ci_high:.0%}", direction, d.quadrant or "—"
        )
    return shown


def reliability(
    data: DataArgument,
    instrument: InstrumentOption,
    items: Annotated[
        str, typer.Option("--items", help="Scale or number questions or grid rows, comma-separated; a grid's id for all its rows.")
    ],
    cfa: Annotated[bool, typer.Option("--cfa", help="Also the one-factor model's fit: chi-square, df, CFI, TLI, RMSEA, SRMR.")] = False,
    by: Annotated[str | None, typer.Option("--by", help="Each group of a single-choice question on its own.")] = None,
    weighted: Annotated[
        bool, typer.Option("--weighted", help="Use the design's weights (default: unweighted, as psych and lavaan).")
    ] = False,
    weight: WeightOption = None,
    level: Annotated[float, typer.Option("--level", help="Confidence level of alpha's interval, between 0 and 1.")] = 0.95,
    fmt: Annotated[str, typer.Option("--format", help="Output: json or table.")] = "json",
) -> None:
    """Does a set of items hang together? Cronbach's alpha with Feldt's interval, each item's
    correlation with the rest and alpha without it, McDonald's omega from the one-factor model
    (three items or more), and with --cfa that model's fit, as R's psych::alpha and lavaan::cfa
    compute them. Respondents who answered every item (complete cases), unweighted unless --weighted.

    JSON: {alpha, alpha_ci_low, alpha_ci_high, omega, n, items: [{item, item_rest_r, alpha_if_dropped}],
    fit: {chisq, df, cfi, tli, rmsea, srmr} or null}; with --by, {groups: [one each, with its group],
    invariance: [configural, metric, scalar: {level, chisq, df, cfi, tli, rmsea, srmr, delta_cfi,
    delta_rmsea, holds}] with --cfa, else null}.

    Example: [bold]collabstate reliability answers.csv -i leaders --items statements --cfa --format table[/]
    """
    from ..analysis.reliability import group_invariance
    from ..analysis.reliability import reliability as assess
    from ..stats import check_level

    if fmt not in ("json", "table"):
        raise typer.BadParameter(f"{fmt!r} is not one of json, table", param_hint="--format")
    level = check_level(level)
    names = comma_names(items, "--items")
    ins = read_instrument(instrument)
    validation = read_data(data, ins)
    report_problems(validation)
    responses = with_design(validation.responses, data, weight, None, None)
    results, notes = assess(responses, names, by=by, weighted=weighted, level=level)
    for note in notes:
        err.print(f"Note: {note}", highlight=False, markup=False)
    records = [r.record(cfa) for r in results]
    levels = group_invariance(responses, names, by) if by is not None and cfa else []
    if fmt == "json":
        whole = {"groups": records, "invariance": [lv.record() for lv in levels] or None} if by is not None else records[0]
        typer.echo(json.dumps(finite(whole), indent=1, allow_nan=False))
        return
    from rich.table import Table

    from ._shared import literal

    for r, record in zip(results, records):
        head = f"{record['group']}: " if by is not None else ""
        omega = f"; omega {record['omega']:.2f}" if record["omega"] is not None else ""
        shown = Table(title=literal(f"{head}alpha {r.alpha.alpha:.2f} ({level:.0%} interval {r.alpha.ci_low:.2f} to "
                                    f"{r.alpha.ci_high:.2f}){omega}; n = {r.alpha.n:,}"), title_justify="left",
                      show_edge=False, pad_edge=False)  # fmt: skip
        shown.add_column("Item")
        shown.add_column("Correlation with the rest", justify="right")
        shown.add_column("Alpha without it", justify="right")
        for j, item in enumerate(r.items):
            shown.add_row(literal(item), f"{r.alpha.item_rest_r[j]:.2f}", f"{r.alpha.alpha_if_dropped[j]:.2f}")
        out.print(shown)
        if cfa and r.model is not None:
            f = r.model
            out.print(f"One-factor model: chi-square {f.chisq:.1f} on {f.df} df (p = {f.p_value:.3f}), CFI {f.cfi:.3f}, "
                      f"TLI {f.tli:.3f}, RMSEA {f.rmsea:.3f}, SRMR {f.srmr:.3f}")  # fmt: skip
    if levels:
        inv = Table(title="Measurement invariance across the groups (Chen's criteria: CFI falls by 0.010 or less, RMSEA rises by "
                          "0.015 or less)", title_justify="left", show_edge=False, pad_edge=False)  # fmt: skip
        for head in ("Level", "Chi-square", "df", "CFI", "RMSEA", "SRMR", "Holds"):
            inv.add_column(head, justify="left" if head in ("Level", "Holds") else "right")
        for lv in levels:
            holds = "—" if lv.holds is None else "yes" if lv.holds else "no"
            inv.add_row(lv.level, f"{lv.chisq:.1f}", str(lv.df), f"{lv.cfi:.3f}", f"{lv.rmsea:.3f}", f"{lv.srmr:.3f}", holds)
        out.print(inv)
