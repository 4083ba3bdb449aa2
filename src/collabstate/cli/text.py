"""``collabstate text …``: open answers coded into themes (issue 19). Each command lives in a
module of its own and is registered on :data:`text_app` here."""

from __future__ import annotations

import typer

from .text_agreement import agreement_command
from .text_suggest import suggest

__all__ = ["text_app"]

text_app = typer.Typer(
    name="text",
    help="Open answers: suggest themes, check two coders' agreement.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)

text_app.command("agreement")(agreement_command)
text_app.command("suggest")(suggest)
