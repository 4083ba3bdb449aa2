"""The command line: a thin edge over the core. Each command parses its input, calls one core
function and renders the result.

Exit codes: 0 success, 1 invalid input (a file, an instrument or data with problems), 2 usage error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

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

out = Console(soft_wrap=True)
err = Console(stderr=True)

InstrumentOption = Annotated[str, typer.Option("--instrument", "-i", help="A built-in instrument id (readiness-2018, leaders) or a YAML file.")]
DataArgument = Annotated[Path, typer.Argument(help="Response data: .csv, .xlsx, .sav or .parquet.", show_default=False)]
FORMATS = ("csv", "xlsx", "sav", "parquet")


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(1)


def _instrument(ref: str):
    from .instrument import InstrumentError, load_instrument

    try:
        return load_instrument(ref)
    except InstrumentError as exc:
        raise _fail(str(exc)) from None


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

    table = Table("id", "title", "questions", "data columns")
    for ref in builtin_instruments():
        ins = load_instrument(ref)
        table.add_row(ins.id, ins.title, str(len(ins.questions)), str(len(ins.columns)))
    out.print(table)


@instrument_app.command("show")
def instrument_show(ref: Annotated[str, typer.Argument(help="Instrument id or YAML file.")]) -> None:
    """Show an instrument's questions, codes and skip logic.

    Example: [bold]collabstate instrument show readiness-2018[/]
    """
    ins = _instrument(ref)
    out.print(f"[bold]{ins.title}[/] ({ins.id}): {len(ins.questions)} questions, {len(ins.columns)} data columns")
    table = Table("id", "type", "question", "codes", "asked when")
    for q in ins.questions:
        if q.type == "multiple":
            codes = ", ".join(o.code for o in q.options)
        elif q.type in ("single", "scale", "matrix"):
            codes = ", ".join(f"{c.code} {c.label}" + (" (excluded)" if c.excluded else "") for c in ins.choices(q))
            if q.type == "matrix":
                codes = f"rows {', '.join(r.id for r in q.rows)}; {codes}"
        else:
            codes = ""
        table.add_row(q.id, q.type, q.label, codes, q.relevant or "")
    out.print(table)
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
    rejects: Annotated[Optional[Path], typer.Option(help="Where to write the rejected rows (default: DATA.rejects.csv).")] = None,
) -> None:
    """Check response data against an instrument and report every problem at once.

    Exits 1 if any problem is found. Rejected rows, with their problems, go to a rejects file.

    Example: [bold]collabstate validate answers.csv --instrument leaders[/]
    """
    validation = _read(data, instrument)
    _report_problems(validation)
    n_rejected = validation.rejected.height
    out.print(f"{data}: {validation.n_read} rows read, {validation.responses.n} valid, {n_rejected} rejected, {validation.n_problems} problems")
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
    output: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output file (default: DATA with the new extension).")] = None,
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
) -> None:
    """Write the demo waves and print their headline figures, read back from the files.

    The waves: readiness-2018 (115 respondents), leaders 2024 (274) and leaders 2025 (300).

    Example: [bold]collabstate demo --out demo-output --format sav[/]
    """
    from rich.progress import Progress

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
            table.add_row(row["measure"], *_figure(row), "" if row["n"] is None else str(row["n"]))
        out.print(table)


def _figure(row: dict) -> tuple[str, str]:
    """An estimate and its interval as a person reads them: 93% (87–96%), 2.42 (2.32–2.52)."""
    if "suppressed" in (row["flags"] or []):
        return "suppressed", f"base under the minimum (n = {row['n']})"
    if row["estimate"] is None:
        return "–", ""
    if row["statistic"] in ("net", "proportion"):
        interval = "" if row["ci_low"] is None else f"{row['ci_low']:.0%}–{row['ci_high']:.0%}"
        return f"{row['estimate']:.0%}", interval
    interval = "" if row["ci_low"] is None else f"{row['ci_low']:.2f}–{row['ci_high']:.2f}"
    return f"{row['estimate']:.2f}", interval


def main() -> None:  # pragma: no cover - console entry point
    app()
