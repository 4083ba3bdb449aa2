"""The command line: a thin edge over the core. Each command parses its input, calls one core
function and renders the result.

Exit codes: 0 success, 1 invalid input (a file, an instrument or data with problems), 2 usage error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.table import Table

from ._cli_support import InstrumentOption, err, out, print_table
from ._cli_support import fail as _fail
from ._cli_support import load_instrument_or_fail as _instrument

if TYPE_CHECKING:
    from .stats.intervals import CIMethod

app = typer.Typer(
    name="collabstate",
    help="Measure cross-sector collaboration: instruments, response data, statistics and reports.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
)
instrument_app = typer.Typer(help="Instruments: list, show, check, and the JSON Schema of instrument files.", no_args_is_help=True)
app.add_typer(instrument_app, name="instrument")


def _register_report_commands() -> None:
    from .report.commands import benchmark, report

    app.command("report")(report)
    app.command("benchmark")(benchmark)


def _register_web_commands() -> None:
    from .web.commands import serve, wave_app

    app.command("serve")(serve)
    app.add_typer(wave_app, name="wave")


DataArgument = Annotated[Path, typer.Argument(help="Response data: .csv, .xlsx, .sav or .parquet.", show_default=False)]
FORMATS = ("csv", "xlsx", "sav", "parquet")


def _read(data: Path, instrument_ref: str):
    from .dataset import ResponsesError, read_responses

    instrument = _instrument(instrument_ref)
    try:
        with err.status(f"Reading and validating {data} …"):
            return read_responses(data, instrument)
    except ResponsesError as exc:
        raise _fail(str(exc)) from None


def _report_problems(validation, limit: int = 50) -> None:
    problems = validation.problems
    if not problems:
        return
    count = validation.n_problems
    if not err.is_terminal:  # a pipe or a log: one plain line per problem, easy to grep
        for p in problems[:limit]:
            typer.echo(str(p), err=True)
        if count > limit:
            typer.echo(f"… and {count - limit} more; every rejected row and its problems are in the rejects file.", err=True)
        return
    table = Table(title=f"{count} problem{'s' if count != 1 else ''} in {validation.file}", title_justify="left")
    for heading in ("row", "column", "value", "problem"):
        table.add_column(heading, overflow="fold")
    for p in problems[:limit]:
        value = "" if p.value is None else repr(p.value)
        table.add_row("" if p.row is None else str(p.row), p.column or "", value, f"{p.kind}: expected {p.expected}")
    err.print(table)
    if count > limit:
        err.print(f"… and {count - limit} more; every rejected row and its problems are in the rejects file.")


@instrument_app.command("list")
def instrument_list() -> None:
    """List the built-in instruments.

    Example: [bold]collabstate instrument list[/]
    """
    from .instrument import builtin_instruments, load_instrument

    rows = []
    for ref in builtin_instruments():
        ins = load_instrument(ref)
        rows.append((ins.id, ins.title, str(len(ins.questions)), str(len(ins.columns))))
    print_table(("id", "title", "questions", "data columns"), rows)


@instrument_app.command("show")
def instrument_show(ref: Annotated[str, typer.Argument(help="Instrument id or YAML file.")]) -> None:
    """Show an instrument's questions, codes and skip logic.

    Example: [bold]collabstate instrument show readiness-2018[/]
    """
    ins = _instrument(ref)
    out.print(f"[bold]{ins.title}[/] ({ins.id}): {len(ins.questions)} questions, {len(ins.columns)} data columns")
    rows = []
    for q in ins.questions:
        if q.type == "multiple":
            codes = ", ".join(o.code for o in q.options)
        elif q.type in ("single", "scale", "matrix"):
            codes = ", ".join(f"{c.code} {c.label}" + (" (excluded)" if c.excluded else "") for c in ins.choices(q))
            if q.type == "matrix":
                codes = f"rows {', '.join(r.id for r in q.rows)}; {codes}"
        else:
            codes = ""
        rows.append((q.id, q.type, q.label, codes, q.relevant or ""))
    print_table(("id", "type", "question", "codes", "asked when"), rows)
    for index in ins.indices:
        factors = ", ".join(f.id + ("" if f.in_index else " (beside the index)") for f in index.factors)
        out.print(f"[bold]{index.label}[/] ({index.id}): dimensions {', '.join(d.id for d in index.dimensions)}; factors {factors}")


@instrument_app.command("schema")
def instrument_schema_cmd() -> None:
    """Print the JSON Schema of instrument files (for editors such as VS Code).

    Example: [bold]collabstate instrument schema > instrument.schema.json[/]
    """
    from .instrument import instrument_schema

    typer.echo(json.dumps(instrument_schema(), indent=2))


@instrument_app.command("check")
def instrument_check(file: Annotated[Path, typer.Argument(help="Instrument YAML file.", show_default=False)]) -> None:
    """Check an instrument file; list every problem with its path and line.

    Example: [bold]collabstate instrument check my-survey.yaml[/]
    """
    ins = _instrument(str(file))
    out.print(f"{file}: ok, {len(ins.questions)} questions, {len(ins.columns)} data columns")


@app.command()
def validate(
    data: DataArgument,
    instrument: InstrumentOption,
    strict: Annotated[bool, typer.Option(help="Report only: write no rejects file.")] = False,
    rejects: Annotated[Path | None, typer.Option(help="Where to write the rejected rows (default: DATA.rejects.csv).")] = None,
) -> None:
    """Check response data against an instrument and report every problem at once.

    Exits 1 if any problem is found. Rejected rows, with their problems, go to a rejects file.

    Example: [bold]collabstate validate answers.csv --instrument leaders[/]
    """
    validation = _read(data, instrument)
    _report_problems(validation)
    n_rejected = validation.rejected.height
    out.print(
        f"{data}: {validation.n_read} rows read, {validation.responses.n} valid, {n_rejected} rejected, {validation.n_problems} problems"
    )
    if n_rejected and not strict:
        path = validation.write_rejects(rejects or data.with_name(data.name + ".rejects.csv"))
        out.print(f"rejected rows written to {path}")
    if validation.problems:
        raise typer.Exit(1)


@app.command()
def convert(
    data: DataArgument,
    instrument: InstrumentOption,
    to: Annotated[str, typer.Option("--to", help="Output format: csv, xlsx, sav or parquet.")],
    output: Annotated[Path | None, typer.Option("--out", "-o", help="Output file (default: DATA with the new extension).")] = None,
    strict: Annotated[bool, typer.Option(help="Fail on any problem and write nothing.")] = False,
) -> None:
    """Convert response data between CSV, XLSX, labelled SPSS .sav and Parquet.

    Valid rows are converted; rejected rows go to DATA.rejects.csv and the command says how many.
    With --strict, any problem fails the command (exit 1) and nothing is written.

    Example: [bold]collabstate convert answers.csv --instrument leaders --to sav[/]
    """
    from .dataset import write_responses

    if to not in FORMATS:
        raise typer.BadParameter(f"{to!r} is not one of {', '.join(FORMATS)}", param_hint="--to")
    target = output or data.with_suffix(f".{to}")
    if target.resolve() == data.resolve():
        raise _fail(f"the output {target} would overwrite the input; give --out")
    validation = _read(data, instrument)
    _report_problems(validation)
    if validation.problems and strict:
        raise _fail(f"{validation.n_problems} problems in {data}; nothing written (--strict)")
    path = write_responses(validation.responses, target, to)
    out.print(f"{path}: {validation.responses.n} rows written")
    if validation.rejected.height:
        rejects = validation.write_rejects(data.with_name(data.name + ".rejects.csv"))
        out.print(f"{validation.rejected.height} rows rejected, written to {rejects}")


@app.command()
def demo(
    output: Annotated[Path, typer.Option("--out", "-o", help="Folder for the demo files.")] = Path("demo-output"),
    fmt: Annotated[str, typer.Option("--format", help="File format: csv, xlsx, sav or parquet.")] = "csv",
    reports: Annotated[bool, typer.Option(help="Also build the three demo reports under OUT/reports.")] = True,
) -> None:
    """Write the demo waves, print their headline figures read back from the files, and build the reports.

    The waves: readiness-2018 (115 respondents), leaders 2024 (274), leaders 2025 (300) and
    leaders 2026 (320; invented for the demo, 120 of them 2025 respondents answering again under
    their 2025 respondent_id). The reports: readiness 2018, leaders 2026 with the trend since 2024, and one
    organisation's benchmark.

    Example: [bold]collabstate demo --out demo-output --format sav[/]
    """
    from rich.progress import Progress

    from ._estimate_output import estimate_text
    from .analysis import headline_figures
    from .dataset import Responses, read_responses, write_responses
    from .demo import leaders_wave, readiness_2018
    from .instrument import load_instrument

    if fmt not in FORMATS:
        raise typer.BadParameter(f"{fmt!r} is not one of {', '.join(FORMATS)}", param_hint="--format")
    output.mkdir(parents=True, exist_ok=True)
    waves = [
        ("readiness-2018", "readiness-2018", readiness_2018),
        ("leaders-2024", "leaders", lambda: leaders_wave(2024)),
        ("leaders-2025", "leaders", lambda: leaders_wave(2025)),
        ("leaders-2026", "leaders", lambda: leaders_wave(2026)),
    ]
    written = []
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("Writing demo waves", total=len(waves))
        for name, ref, make in waves:
            ins = load_instrument(ref)
            written.append((name, ins, write_responses(Responses(ins, make()), output / f"{name}.{fmt}", fmt)))
            progress.advance(task)
    for name, ins, path in written:
        validation = read_responses(path, ins)
        if validation.problems:
            raise _fail(f"demo file {path} does not validate: {validation.problems[0]}")
        figures = headline_figures(validation.responses)
        title = f"{name}: {validation.responses.n} respondents, read back from {path}"
        table = Table("measure", "value", "95% interval", "base", title=title, title_justify="left")
        for row in figures.iter_rows(named=True):
            table.add_row(row["measure"], *estimate_text(row, share_decimals=0), "" if row["n"] is None else str(row["n"]))
        out.print(table)
    if not reports:
        return

    from .report.demo import demo_reports

    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("Building the reports", total=None)
        built = demo_reports(output / "reports", progress=lambda message: progress.update(task, description=message))
    for name, paths in built.items():
        out.print(f"{name}: {paths.html}  {paths.pdf}  {paths.xlsx}", highlight=False)


ESTIMATE_FORMATS = ("json", "csv", "table")


def _usage(message: str, param: str) -> typer.BadParameter:
    return typer.BadParameter(message, param_hint=param)


def _unknown(kind: str, name: str, candidates: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, candidates, n=5, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else f"known: {', '.join(candidates[:12])}{' …' if len(candidates) > 12 else ''}"
    return f"{name!r} is not {kind}; {hint}"


@app.command()
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
    weight: Annotated[str | None, typer.Option("--weight", help="Weight column (default: 'weight' when the data have it).")] = None,
    strata: Annotated[str | None, typer.Option("--strata", help="Stratum column (default: 'stratum' when present).")] = None,
    cluster: Annotated[str | None, typer.Option("--cluster", help="Cluster (PSU) column (default: 'cluster' when present).")] = None,
    ci: Annotated[str, typer.Option("--ci", help="Interval for shares: wilson, logit, beta (Korn-Graubard) or wald.")] = "wilson",
    level: Annotated[float, typer.Option("--level", help="Confidence level, between 0 and 1.")] = 0.95,
    fmt: Annotated[str, typer.Option("--format", help="Output: json, csv or table.")] = "json",
) -> None:
    """Estimate every share, NET, mean and index with its standard error, interval and base.

    Rows that fail validation are left out (and counted on stderr). Shares are on 0-1 in JSON and
    CSV; bases under 10 are suppressed, under 30 flagged. JSON is a list of objects with the keys
    question, option, statistic, by, group, wave, estimate, se, ci_low, ci_high, n, n_eff, deff,
    flags, letters.

    Example: [bold]collabstate estimate answers.csv --instrument leaders --by sector --format table[/]
    """
    import dataclasses

    from .instrument import DESIGN_COLUMNS
    from .stats import CI_METHODS
    from .stats import estimate as estimate_table

    if fmt not in ESTIMATE_FORMATS:
        raise _usage(f"{fmt!r} is not one of {', '.join(ESTIMATE_FORMATS)}", "--format")
    if ci not in CI_METHODS:
        raise _usage(f"{ci!r} is not one of {', '.join(CI_METHODS)}", "--ci")
    if not 0 < level < 1:
        raise _usage(f"{level} is not between 0 and 1", "--level")
    ins = _instrument(instrument)
    wanted = [q.strip() for q in questions.split(",") if q.strip()] if questions is not None else None
    if wanted is not None:
        known = [q.id for q in ins.questions] + [
            c.name for c in ins.columns if c.kind in ("code", "number") and c.name not in {q.id for q in ins.questions}
        ]
        known += [ix.id for ix in ins.indices]
        for name in wanted:
            if name not in known:
                raise _usage(_unknown(f"a question, column or index of {ins.id}", name, known), "--questions")
            if ins.column(name) is not None and ins.column(name).kind == "text":
                raise _usage(f"{name!r} is a free-text question: it has no estimates", "--questions")
        if not wanted:
            raise _usage("no question given", "--questions")
    groups = [b.strip() for b in by.split(",")] if by is not None else None
    if groups is not None:
        breakable = [c.name for c in ins.columns if c.kind == "code"] + [c for c in DESIGN_COLUMNS if c != "respondent_id"]
        if not 1 <= len(groups) <= 2 or len(set(groups)) != len(groups):
            raise _usage(f"give one variable or two different ones, not {by!r}", "--by")
        for name in groups:
            if name not in breakable:
                raise _usage(_unknown(f"a single-choice question or design column of {ins.id}", name, breakable), "--by")

    from .dataset import ResponsesError, read_responses

    try:
        with err.status(f"Reading and validating {data} …"):
            validation = read_responses(data, ins)
    except ResponsesError as exc:
        raise _fail(str(exc)) from None
    _report_problems(validation)
    responses = validation.responses
    if validation.rejected.height:
        err.print(f"{validation.rejected.height} of {validation.n_read} rows rejected and left out of the estimates "
                  f"(collabstate validate writes them to a rejects file)", highlight=False)  # fmt: skip
    columns = responses.data.columns
    for name in groups or []:
        if name not in columns:
            raise _usage(_unknown("a column of the data", name, columns), "--by")
    chosen = {}
    for option, column in (("--weight", weight), ("--strata", strata), ("--cluster", cluster)):
        if column is not None and column not in columns:
            raise _usage(_unknown("a column of the data", column, columns), option)
        chosen[option] = column
    if weight is not None and not responses.data.schema[weight].is_numeric():
        raise _usage(f"the weight column {weight!r} does not hold numbers", "--weight")
    if responses.n == 0:
        raise _fail(f"{data}: no valid rows to estimate from")
    responses = dataclasses.replace(
        responses, weight=weight or responses.weight, strata=strata or responses.strata, cluster=cluster or responses.cluster
    )
    try:
        table = estimate_table(
            responses,
            wanted,
            by=(groups[0] if groups and len(groups) == 1 else groups),
            ci=cast("CIMethod", ci),  # checked against CI_METHODS above
            level=level,
        )
    except (ValueError, KeyError) as exc:
        raise _fail(str(exc).strip("'\"")) from None
    from ._estimate_output import estimate_csv, estimate_json
    from ._estimate_output import estimate_table as render

    if fmt == "json":
        typer.echo(estimate_json(table))
    elif fmt == "csv":
        typer.echo(estimate_csv(table), nl=False)
    else:
        out.print(render(table, ins, level=level))


_register_report_commands()
_register_web_commands()


def main() -> None:  # pragma: no cover - console entry point
    app()
