"""``collabstate validate`` and ``collabstate convert``: check response data against an instrument,
and convert it between CSV, XLSX, SPSS .sav and Parquet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._shared import FORMATS, DataArgument, InstrumentOption, fail, out, read_data, read_instrument, report_problems

__all__ = ["RawTextOption", "convert", "validate"]

RawTextOption = Annotated[
    bool,
    typer.Option(
        "--raw-text",
        help="Write text in CSV files exactly as read, even when it starts with =, +, -, @, a tab or a carriage return "
        "(by default such text gets a leading apostrophe, so that a spreadsheet never runs it as a formula).",
    ),
]


def validate(
    data: DataArgument,
    instrument: InstrumentOption,
    strict: Annotated[bool, typer.Option(help="Report only: write no rejects file.")] = False,
    rejects: Annotated[Path | None, typer.Option(help="Where to write the rejected rows (default: DATA.rejects.csv).")] = None,
    raw_text: RawTextOption = False,
) -> None:
    """Check response data against an instrument and report every problem at once.

    Exits 1 if any problem is found. Rejected rows, with their problems, go to a rejects file.

    Example: [bold]collabstate validate answers.csv --instrument leaders[/]
    """
    validation = read_data(data, read_instrument(instrument))
    report_problems(validation)
    n_rejected = validation.rejected.height
    out.print(
        f"{data}: {validation.n_read} rows read, {validation.responses.n} valid, {n_rejected} rejected, {validation.n_problems} problems"
    )
    if n_rejected and not strict:
        path = validation.write_rejects(rejects or data.with_name(data.name + ".rejects.csv"), raw_text=raw_text)
        out.print(f"rejected rows written to {path}")
    if validation.problems:
        raise typer.Exit(1)


def convert(
    data: DataArgument,
    instrument: InstrumentOption,
    to: Annotated[str, typer.Option("--to", help="Output format: csv, xlsx, sav or parquet.")],
    output: Annotated[Path | None, typer.Option("--out", "-o", help="Output file (default: DATA with the new extension).")] = None,
    strict: Annotated[bool, typer.Option(help="Fail on any problem and write nothing.")] = False,
    raw_text: RawTextOption = False,
) -> None:
    """Convert response data between CSV, XLSX, labelled SPSS .sav and Parquet.

    Valid rows are converted; rejected rows go to DATA.rejects.csv and the command says how many.
    With --strict, any problem fails the command (exit 1) and nothing is written. In a CSV file,
    text a spreadsheet would run as a formula is written after an apostrophe ('=1+1) unless --raw-text.

    Example: [bold]collabstate convert answers.csv --instrument leaders --to sav[/]
    """
    from ..dataset import write_responses

    if to not in FORMATS:
        raise typer.BadParameter(f"{to!r} is not one of {', '.join(FORMATS)}", param_hint="--to")
    target = output or data.with_suffix(f".{to}")
    if target.resolve() == data.resolve():
        raise fail(f"the output {target} would overwrite the input; give --out")
    validation = read_data(data, read_instrument(instrument))
    report_problems(validation)
    if validation.problems and strict:
        raise fail(f"{validation.n_problems} problems in {data}; nothing written (--strict)")
    path = write_responses(validation.responses, target, to, raw_text=raw_text)
    out.print(f"{path}: {validation.responses.n} rows written")
    if validation.rejected.height:
        rejects = validation.write_rejects(data.with_name(data.name + ".rejects.csv"), raw_text=raw_text)
        out.print(f"{validation.rejected.height} rows rejected, written to {rejects}")
