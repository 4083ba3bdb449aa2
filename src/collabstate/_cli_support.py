"""What every command of the command line shares: its consoles, how it fails, how it loads an
instrument, and the ``--instrument`` option. Used by :mod:`collabstate.cli` and the report's
commands (:mod:`collabstate.report.commands`), so that both behave alike.

Exit codes: 0 success, 1 invalid input (a file, an instrument or data with problems), 2 usage error.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

__all__ = ["InstrumentOption", "err", "fail", "load_instrument_or_fail", "out"]

out = Console(soft_wrap=True)
err = Console(stderr=True)

InstrumentOption = Annotated[
    str, typer.Option("--instrument", "-i", help="A built-in instrument id (readiness-2018, leaders) or a YAML file.")
]


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
