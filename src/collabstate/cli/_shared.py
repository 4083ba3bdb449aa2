"""What every command of the command line shares: its consoles, how it fails, how it loads an
instrument, and the ``--instrument`` option. Used by :mod:`collabstate.cli` and the report's
commands (:mod:`collabstate.report.commands`), so that both behave alike.

Exit codes: 0 success, 1 invalid input (a file, an instrument or data with problems), 2 usage error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

__all__ = ["InstrumentOption", "err", "fail", "load_instrument_or_fail", "out", "print_table"]

out = Console(soft_wrap=True)
err = Console(stderr=True)

InstrumentOption = Annotated[
    str, typer.Option("--instrument", "-i", help="A built-in instrument id (readiness-2018, leaders) or a YAML file.")
]


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


def fail(message: str) -> typer.Exit:
    """Print the error and return the exit (code 1) for the caller to raise."""
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(1)


def load_instrument_or_fail(ref: str):
    """The instrument by id or file; an unusable one fails the command with its problems."""
    from .instrument import InstrumentError, load_instrument

    try:
        return load_instrument(ref)
    except InstrumentError as exc:
        raise fail(str(exc)) from None
