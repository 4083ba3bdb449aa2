"""What every command of the command line shares: its consoles, the ``--instrument`` option and
the data argument, how it prints an error, tables that never cut an id, loading an instrument,
and reading a data file and listing its problems."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from ..dataset import Validation
    from ..instrument import Instrument

__all__ = [
    "FORMATS",
    "DataArgument",
    "InstrumentOption",
    "err",
    "fail",
    "out",
    "print_error",
    "print_table",
    "read_data",
    "read_instrument",
    "report_problems",
]

out = Console(soft_wrap=True)
err = Console(stderr=True)

InstrumentOption = Annotated[
    str, typer.Option("--instrument", "-i", help="A built-in instrument id (readiness-2018, leaders) or a YAML file.")
]
DataArgument = Annotated[Path, typer.Argument(help="Response data: .csv, .xlsx, .sav or .parquet.", show_default=False)]
#: The data formats the commands write.
FORMATS = ("csv", "xlsx", "sav", "parquet")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, title: str | None = None) -> None:
    """A table on standard output that never cuts a value: on a terminal, columns fold long
    values onto more lines; piped or redirected, one tab-separated line per row with a header
    line (ids are what people copy, so they are printed whole)."""
    if not out.is_terminal:
        if title:
            typer.echo(title)
        for row in (headers, *rows):
            typer.echo("\t".join(" ".join(str(cell).split()) for cell in row))
        return
    table = Table(title=title, title_justify="left")
    for header in headers:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*row)
    out.print(table)


def print_error(message: str) -> None:
    """``error: <message>`` on standard error; the message is printed as it is (a ``[name]`` in
    it is text, not a style)."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=not err.is_terminal)  # piped: one line per message line


def fail(message: str) -> typer.Exit:
    """Print the error and return the exit (code 1) for the caller to raise: for what a command
    finds wrong itself, or adds to an error of the core. An error of the core that needs nothing
    added is left to the app, which prints it the same way with its exit code."""
    print_error(message)
    return typer.Exit(1)


def read_instrument(ref: str) -> Instrument:
    """The instrument by id or file. An unusable one raises :class:`InstrumentError`, which the
    app prints with every problem (exit 1)."""
    from ..instrument import load_instrument

    return load_instrument(ref)


def read_data(data: Path, instrument: Instrument) -> Validation:
    """Read and validate a data file (a spinner on the terminal meanwhile). A file that cannot be
    read at all raises :class:`ResponsesError`, which the app prints (exit 1); so is an error of
    the operating system (a folder, no permission), as it says it."""
    from ..dataset import read_responses

    try:
        with err.status(f"Reading and validating {data} …"):
            return read_responses(data, instrument)
    except OSError as exc:
        raise fail(str(exc)) from None


def report_problems(validation: Validation, limit: int = 50) -> None:
    """List the data's problems on standard error: a table on a terminal, one plain line per
    problem when piped (easy to grep); at most ``limit``, then how many more."""
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
