"""``collabstate table``: a crosstab of questions by several banners side by side.

The numbers come from :func:`collabstate.stats.crosstab` (the one estimate engine); this module
parses the options and renders its table: JSON and CSV are the estimate table's rows (the keys of
``collabstate estimate``; the total once with ``by`` null, then each banner's groups with ``by``
the banner's id), ``table`` and ``xlsx`` its layout (:mod:`collabstate.report.crosstab`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.table import Table

    from ..report.crosstab import CrosstabLayout

from ._shared import (
    ClusterOption,
    CodebookOption,
    CoderOption,
    CodesOption,
    DataArgument,
    DeriveOption,
    FilterOption,
    InstrumentOption,
    LevelOption,
    StrataOption,
    WeightOption,
    coded_responses,
    comma_names,
    derived_responses,
    err,
    out,
    read_codes_files,
    read_data,
    read_derived,
    read_instrument,
    report_problems,
    with_design,
)

__all__ = ["table"]

TABLE_FORMATS = ("json", "csv", "xlsx", "table")


def table(
    data: DataArgument,
    instrument: InstrumentOption,
    rows: Annotated[str, typer.Option("--rows", help="Questions, columns, derived variables or indices down the side, comma-separated.")],
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns", help="Banners across the top, comma-separated: single-choice questions, derived variables or design columns."
        ),
    ] = None,
    filter: FilterOption = None,
    derive: DeriveOption = None,
    codes: CodesOption = None,
    codebook: CodebookOption = None,
    coder: CoderOption = None,
    weight: WeightOption = None,
    strata: StrataOption = None,
    cluster: ClusterOption = None,
    statistics: Annotated[
        str, typer.Option("--statistics", help="What each cell shows, comma-separated: estimate, interval, letters (table and xlsx).")
    ] = "estimate,interval,letters",
    ci: Annotated[str, typer.Option("--ci", help="Interval for shares: wilson, logit, beta (Korn-Graubard) or wald.")] = "wilson",
    level: LevelOption = 0.95,
    fmt: Annotated[str, typer.Option("--format", help="Output: json, csv, xlsx (needs --out) or table.")] = "table",
    out_file: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of standard output.")] = None,
) -> None:
    """A crosstab: every option's share, NETs and means of --rows, in total and by each banner of
    --columns side by side, with bases, intervals and letters within each banner.

    A filter is a domain of the full design (as R's svyby(..., subset(design, EXPR))), so the
    standard errors of clustered designs are right. Bases under 10 are suppressed.

    Example: [bold]collabstate table answers.csv -i leaders --rows st_network,trained --columns sector,role --format table[/]
    """
    from ..report.crosstab import STATISTICS, crosstab_layout, write_crosstab_xlsx
    from ..stats import check_level, check_method, crosstab, resolve_questions
    from .estimate import estimate_csv, estimate_json

    if fmt not in TABLE_FORMATS:
        raise typer.BadParameter(f"{fmt!r} is not one of {', '.join(TABLE_FORMATS)}", param_hint="--format")
    if fmt == "xlsx" and out_file is None:
        raise typer.BadParameter("a workbook is written to a file: give --out FILE.xlsx", param_hint="--out")
    shown = comma_names(statistics, "--statistics")
    for name in shown:
        if name not in STATISTICS:
            raise typer.BadParameter(f"{name!r} is not one of {', '.join(STATISTICS)}", param_hint="--statistics")
    method, level = check_method(ci), check_level(level)
    wanted, banners = comma_names(rows, "--rows"), comma_names(columns, "--columns")
    ins = read_instrument(instrument)
    known, extra = read_derived(ins, derive)
    known, coded = read_codes_files(known, codes, codebook, coder)
    resolve_questions(known, wanted)
    for banner in banners:
        column = known.column(banner)
        whole = column is None and any(q.id == banner for q in known.questions)  # a multiple-choice or matrix question
        if whole or (column is not None and column.kind != "code"):
            raise typer.BadParameter(f"{banner!r} is not a single-choice question: a banner's groups are its codes", param_hint="--columns")

    validation = read_data(data, ins)
    report_problems(validation)
    if validation.rejected.height:
        err.print(f"{validation.rejected.height} of {validation.n_read} rows rejected and left out of the table", highlight=False)
    responses = derived_responses(with_design(validation.responses, data, weight, strata, cluster), extra)
    [responses] = coded_responses([responses], coded)
    result = crosstab(responses, wanted, banners, filter=filter, ci=method, level=level)
    if fmt in ("json", "csv"):
        text = estimate_json(result) + "\n" if fmt == "json" else estimate_csv(result)
        if out_file is None:
            typer.echo(text, nl=False)
        else:
            out_file.write_text(text, encoding="utf-8")
        return
    layout = crosstab_layout(result, responses.instrument, statistics=shown, level=level, filter=filter)
    if fmt == "xlsx":
        write_crosstab_xlsx(layout, out_file)
        err.print(f"Wrote {out_file}", highlight=False)
        return
    rendered = crosstab_text(layout)
    if out_file is None:
        out.print(rendered)
    else:
        from rich.console import Console

        with out_file.open("w", encoding="utf-8") as handle:
            Console(file=handle, width=200, markup=False, highlight=False).print(rendered)


def crosstab_text(layout: CrosstabLayout) -> Table:
    """The layout as a rich table for a terminal (text a person gave shown literally)."""
    from rich.table import Table
    from rich.text import Text

    from ._shared import literal

    within = f"Respondents for whom {layout.filter} (a domain of the full design)" if layout.filter else None
    shown = Table(
        title=literal(layout.title) or None, title_justify="left", show_edge=False, pad_edge=False,
        caption=literal(within) if within else None, caption_justify="left",
    )  # fmt: skip
    shown.add_column("", min_width=18, ratio=2)
    previous = None
    for column in layout.columns:  # the banner's label over its first group
        head = column.label if column.by is None else f"{column.label} ({column.letter})"
        if column.by is not None and column.by != previous:
            head = f"{column.banner}\n{head}"
        previous = column.by
        shown.add_column(literal(head), justify="right", overflow="fold", ratio=1)
    for row in layout.rows:
        if row.kind == "question":
            shown.add_section()
            shown.add_row(Text(literal(row.label), style="bold"))
            continue
        style = "dim" if row.kind in ("interval", "letters", "base") else ""
        shown.add_row(Text(literal(row.label), style=style), *(Text(literal(c.text), style=style) for c in row.cells))
    return shown
