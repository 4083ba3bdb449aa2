"""The command line: a thin edge over the core. Each command parses its input, calls one core
function and renders the result.

One module per group of commands: :mod:`~collabstate.cli.instrument` (``instrument list, show,
check, schema``), :mod:`~collabstate.cli.data` (``validate``, ``convert``),
:mod:`~collabstate.cli.estimate` (``estimate`` and how it shows the estimate table),
:mod:`~collabstate.cli.demo`, :mod:`~collabstate.cli.report` (``report``, ``benchmark``) and
:mod:`~collabstate.cli.web` (``serve``, ``worker`` and the ``wave`` group), :mod:`~collabstate.cli.users` (``user create``); what they share (consoles, options,
reading an instrument and data) is in ``_shared``. This module builds the app and registers them.

Exit codes, in one place (:class:`CollabstateGroup`, from each error's ``exit_code``)::

    0  success
    1  invalid input, or a request the data or state refuse (CollabstateError, InputError, RefusedError)
    2  usage error: an option or argument that cannot be used (UsageError, UnknownNameError, and Click's own)
    3  setup missing: this machine lacks something, e.g. the report's JavaScript (SetupError)

An error of the family raised inside any command is printed as ``error: <message>`` on standard
error, without a traceback.
"""

from __future__ import annotations

import os
from typing import Any

import typer
from typer.core import TyperGroup

from ..errors import CollabstateError
from . import data, demo, estimate, instrument, model, report, table, text, users, web
from ._shared import print_error

__all__ = ["CollabstateGroup", "app"]


class CollabstateGroup(TyperGroup):
    """The root group: an error of the family (:class:`~collabstate.errors.CollabstateError`)
    raised by any command ends it with ``error: <message>`` on standard error and the error's
    exit code, and no traceback."""

    def invoke(self, ctx: Any) -> Any:
        # The statistics make many small matrix products (a few statistics × thousands of PSUs), for
        # which OpenBLAS's threads cost more than they give: with them an estimate took twice as
        # long on a 2-core machine with other work running, with the same numbers to the bit.
        # Set before numpy is first imported (the commands import it when they run); a value the
        # caller set is kept.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        try:
            return super().invoke(ctx)
        except CollabstateError as exc:
            print_error(exc.message)
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    name="collabstate",
    cls=CollabstateGroup,
    help="Measure cross-sector collaboration: instruments, response data, statistics and reports.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(instrument.instrument_app, name="instrument")
app.command()(data.validate)
app.command()(data.convert)
app.command()(demo.demo)
app.command()(estimate.estimate)
app.command()(table.table)
app.command()(model.model)
app.command()(model.drivers)
app.command()(model.reliability)
app.command()(report.report)
app.command()(report.benchmark)
app.command()(web.serve)
app.command()(web.worker)
app.add_typer(web.wave_app, name="wave")
app.add_typer(users.user_app, name="user")
app.add_typer(text.text_app, name="text")


def main() -> None:  # pragma: no cover - console entry point
    app()
