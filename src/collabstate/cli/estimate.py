"""``collabstate estimate``, and how it shows the estimate table: JSON, CSV, or a table a person reads.

The command parses its options, reads the data, calls :func:`collabstate.stats.estimate` once and
renders its table. Nothing here computes a number: every value comes from that table; this module
only formats it (the house rule: one estimate table feeds everything).

JSON: a list of objects with exactly the 15 keys of the table (``ESTIMATE_SCHEMA``), shares on
0–1, ``flags`` a list of strings, ``letters`` a string ("" on total rows and where a group takes
no part in the comparisons), ``null`` for what is missing (never NaN).
CSV: the same columns; ``flags`` joined with ``;``.
"""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

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
    finite,
    literal,
    out,
    read_codes_files,
    read_data,
    read_derived,
    read_instrument,
    report_problems,
    with_design,
)

if TYPE_CHECKING:  # imported where they are used, so that `collabstate --help` loads neither polars nor the instrument models
    import polars as pl
    from rich.console import Group

    from ..instrument import Instrument

__all__ = ["FLAG_NOTES", "estimate", "estimate_csv", "estimate_json", "estimate_records", "estimate_table", "estimate_text"]

ESTIMATE_FORMATS = ("json", "csv", "table")


def _usage(message: str, param: str) -> typer.BadParameter:
    return typer.BadParameter(message, param_hint=param)


def estimate(
    data: DataArgument,
    instrument: InstrumentOption,
    questions: Annotated[
        str | None, typer.Option("--questions", "-q", help="Questions, columns or indices to estimate, comma-separated (default: all).")
    ] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Break down by a single-choice question or a design column (wave, stratum, cluster); two as a,b."),
    ] = None,
    weight: WeightOption = None,
    strata: StrataOption = None,
    cluster: ClusterOption = None,
    ci: Annotated[str, typer.Option("--ci", help="Interval for shares: wilson, logit, beta (Korn-Graubard) or wald.")] = "wilson",
    level: LevelOption = 0.95,
    fmt: Annotated[str, typer.Option("--format", help="Output: json, csv or table.")] = "json",
    derive: DeriveOption = None,
    filter: FilterOption = None,
    codes: CodesOption = None,
    codebook: CodebookOption = None,
    coder: CoderOption = None,
) -> None:
    """Estimate every share, NET, mean and index with its standard error, interval and base.

    Rows that fail validation are left out (and counted on stderr). Shares are on 0-1 in JSON and
    CSV; bases under 10 are suppressed, under 30 flagged. JSON is a list of objects with the keys
    question, option, statistic, by, group, wave, estimate, se, ci_low, ci_high, n, n_eff, deff,
    flags, letters.

    Example: [bold]collabstate estimate answers.csv --instrument leaders --by sector --format table[/]
    """
    from ..stats import check_level, check_method, resolve_questions
    from ..stats import estimate as estimate_of

    # The core checks what it will be asked, before the data are read (a million rows later is too
    # late to learn of a typo); its errors end the command with exit code 2 (cli/__init__.py).
    if fmt not in ESTIMATE_FORMATS:
        raise _usage(f"{fmt!r} is not one of {', '.join(ESTIMATE_FORMATS)}", "--format")
    method, level = check_method(ci), check_level(level)
    ins = read_instrument(instrument)
    wanted = comma_names(questions, "--questions", "no question given") if questions is not None else None
    known, extra = read_derived(ins, derive)
    known, coded = read_codes_files(known, codes, codebook, coder)
    resolve_questions(known, wanted)
    groups = [b.strip() for b in by.split(",")] if by is not None else None

    validation = read_data(data, ins)
    report_problems(validation)
    responses = validation.responses
    if validation.rejected.height:
        err.print(f"{validation.rejected.height} of {validation.n_read} rows rejected and left out of the estimates "
                  f"(collabstate validate writes them to a rejects file)", highlight=False)  # fmt: skip
    responses = derived_responses(with_design(responses, data, weight, strata, cluster), extra)
    [responses] = coded_responses([responses], coded)
    table = estimate_of(responses, wanted, by=(groups[0] if groups and len(groups) == 1 else groups), ci=method, level=level, filter=filter)
    if fmt == "json":
        typer.echo(estimate_json(table))
    elif fmt == "csv":
        typer.echo(estimate_csv(table), nl=False)
    else:
        out.print(estimate_table(table, responses.instrument, level=level))


# ---------------------------------------------------------------------------------- rendering
SHARES = ("proportion", "net")
FLAG_NOTES = {"low_base": "low base", "no_valid_answers": "no valid answers", "empty_group": "empty group", "no_interval": "no interval"}


def estimate_records(table: pl.DataFrame) -> list[dict[str, Any]]:
    """The rows of the estimate table as plain dicts (what the JSON holds)."""
    records = []
    for row in table.iter_rows(named=True):
        row = {k: finite(v) for k, v in row.items()}
        row["flags"] = list(row["flags"] or [])
        row["letters"] = row["letters"] or ""
        records.append(row)
    return records


def estimate_json(table: pl.DataFrame) -> str:
    return json.dumps(estimate_records(table), indent=1, allow_nan=False)


def estimate_csv(table: pl.DataFrame) -> str:
    import polars as pl

    buffer = io.StringIO()
    from ..dataset.csv_text import write_csv  # no formula leaves in a CSV: labels and groups are text people typed

    write_csv(table.with_columns(pl.col("flags").list.join(";"), pl.col("letters").fill_null("")), buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------- for people
def estimate_text(row: dict, min_base: int = 10, *, share_decimals: int = 1) -> tuple[str, str]:
    """A row of the estimate table as a person reads it, value and interval: 64.3% (58.8–69.5%),
    2.42 (2.32–2.52); "suppressed" with the reason where the base is under ``min_base``."""
    if "suppressed" in (row["flags"] or []):
        return "suppressed", f"base under {min_base}"
    if row["estimate"] is None:
        return "–", ""
    low, high = row["ci_low"], row["ci_high"]
    if row["statistic"] in SHARES:
        d = share_decimals
        interval = "" if low is None or high is None else f"{100 * low:.{d}f}–{100 * high:.{d}f}%"
        return f"{100 * row['estimate']:.{d}f}%", interval
    dash = " to " if low is not None and low < 0 else "–"
    return f"{row['estimate']:.2f}", "" if low is None or high is None else f"{low:.2f}{dash}{high:.2f}"


def estimate_table(table: pl.DataFrame, instrument: Instrument, *, level: float, min_base: int = 10) -> Group:
    """Rich tables, one per question: shares as percentages, suppressed cells said so."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from ..report.labels import Labels
    from ..stats.compare import GROUP_LETTERS

    labels = Labels(instrument)
    show_group = table["by"].drop_nulls().len() > 0
    show_wave = table["wave"].n_unique() > 1
    headings = ["answer", *(["group"] if show_group else []), *(["wave"] if show_wave else []),
                "estimate", f"{level:.0%} interval", "n", *(["letters"] if show_group else []), "notes"]  # fmt: skip
    tables: list[Table] = []
    current = None
    answer = None
    position = 0
    for row in estimate_records(table):
        if row["question"] != current:
            current, answer = row["question"], None
            title = Text.assemble((literal(labels.question(current)), "bold"), f" ({literal(current)})")
            tables.append(Table(title=title, title_justify="left", title_style="", show_edge=False, pad_edge=False))
            for heading in headings:
                tables[-1].add_column(heading, justify="right" if heading in ("estimate", "n") else "left", overflow="fold")
        value, interval = estimate_text(row, min_base)
        shown = labels.option(row["question"], row["option"], row["statistic"])
        if show_group and answer is not None and shown != answer:
            tables[-1].add_section()
        cells = [shown if shown != answer else ""]
        answer = shown
        if show_group:
            position = 0 if row["group"] is None else position + 1
            letter = f" ({GROUP_LETTERS[position - 1]})" if position and position <= len(GROUP_LETTERS) else ""
            cells.append(labels.group(row["by"], row["group"]) + letter)
        if show_wave:
            cells.append(row["wave"] or "")
        cells += [value, interval, str(row["n"])]
        if show_group:
            cells.append(row["letters"])
        cells.append(", ".join(FLAG_NOTES[f] for f in row["flags"] if f in FLAG_NOTES))
        tables[-1].add_row(*(Text(literal(cell)) for cell in cells))
    if not tables:
        return Group(Text("No estimates."))
    return Group(*[part for t in tables for part in (t, Text(""))][:-1])
