"""``collabstate instrument``: list, show and check instruments, and print the JSON Schema of
instrument files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from ._shared import literal, out, print_table, read_instrument

__all__ = ["instrument_app"]

instrument_app = typer.Typer(help="Instruments: list, show, check, and the JSON Schema of instrument files.", no_args_is_help=True)


@instrument_app.command("list")
def instrument_list() -> None:
    """List the built-in instruments.

    Example: [bold]collabstate instrument list[/]
    """
    from ..instrument import builtin_instruments, load_instrument

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
    ins = read_instrument(ref)
    out.print(Text.assemble((literal(ins.title), "bold"), f" ({ins.id}): {len(ins.questions)} questions, {len(ins.columns)} data columns"))
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
        dimensions = ", ".join(d.id for d in index.dimensions)
        out.print(Text.assemble((literal(index.label), "bold"), f" ({index.id}): dimensions {dimensions}; factors {factors}"))


@instrument_app.command("schema")
def instrument_schema_cmd() -> None:
    """Print the JSON Schema of instrument files (for editors such as VS Code).

    Example: [bold]collabstate instrument schema > instrument.schema.json[/]
    """
    from ..instrument import instrument_schema

    typer.echo(json.dumps(instrument_schema(), indent=2))


@instrument_app.command("check")
def instrument_check(file: Annotated[Path, typer.Argument(help="Instrument YAML file.", show_default=False)]) -> None:
    """Check an instrument file; list every problem with its path and line.

    Example: [bold]collabstate instrument check my-survey.yaml[/]
    """
    ins = read_instrument(str(file))
    out.print(f"{file}: ok, {len(ins.questions)} questions, {len(ins.columns)} data columns")
