"""What every command of the command line shares: its consoles, the ``--instrument`` option and
the data argument, how it prints an error, tables that never cut an id, loading an instrument,
and reading a data file and listing its problems.

Text a person gave (a file name, a column heading, a value, a wave's title) is printed as it is:
the consoles read no markup (``[/]`` in a title is text, not the end of a style) and show a
control character as its escape (``\x1b``), so that nothing in a file can restyle or clear the
terminal. A style is given as a :class:`rich.text.Text`, never as markup in a string.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console, RenderableType
from rich.text import Text

if TYPE_CHECKING:  # rich's tables and spinners are imported where they are drawn
    from rich.status import Status

    from ..dataset import Responses, Validation
    from ..dataset.codes import Codes
    from ..instrument import Instrument
    from ..instrument.model import Derived

__all__ = [
    "FORMATS",
    "ClusterOption",
    "CodebookOption",
    "CoderOption",
    "CodesOption",
    "DataArgument",
    "DeriveOption",
    "FilterOption",
    "InstrumentOption",
    "LevelOption",
    "LiteralConsole",
    "StrataOption",
    "WeightOption",
    "coded_responses",
    "comma_names",
    "derived_responses",
    "err",
    "fail",
    "finite",
    "literal",
    "out",
    "print_error",
    "print_table",
    "read_codes_files",
    "read_data",
    "read_derived",
    "read_instrument",
    "report_problems",
    "with_design",
]

#: A value longer than this is shown cut, in a table of problems (the rejects file keeps it whole).
_SHOWN = 60
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def literal(text: object) -> str:
    """``text`` with every control character but new line and tab written as its escape
    (``\x1b``): what a file holds, shown, never acted on by the terminal."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], str(text))


class LiteralConsole(Console):
    """A console that prints strings as they are: no markup, no highlighting, control characters
    shown as escapes (styles are given as :class:`~rich.text.Text`)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(markup=False, highlight=False, **kwargs)

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*(literal(o) if isinstance(o, str) else o for o in objects), **kwargs)

    def status(self, status: RenderableType, **kwargs: Any) -> Status:
        return super().status(Text(literal(status)) if isinstance(status, str) else status, **kwargs)


out = LiteralConsole(soft_wrap=True)
err = LiteralConsole(stderr=True)

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
            typer.echo(literal(title))
        for row in (headers, *rows):
            typer.echo("\t".join(" ".join(literal(cell).split()) for cell in row))
        return
    from rich.table import Table

    table = Table(title=None if title is None else Text(literal(title)), title_justify="left")
    for header in headers:
        table.add_column(Text(literal(header)), overflow="fold")
    for row in rows:
        table.add_row(*(Text(literal(cell)) for cell in row))
    out.print(table)


def print_error(message: str) -> None:
    """``error: <message>`` on standard error; the message is printed as it is (a ``[name]`` in
    it is text, not a style)."""
    # piped: one line per message line; on a terminal it folds
    err.print(Text.assemble(("error:", "bold red"), " ", literal(message)), soft_wrap=not err.is_terminal)


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
            typer.echo(literal(p), err=True)
        if count > limit:
            typer.echo(f"… and {count - limit} more; every rejected row and its problems are in the rejects file.", err=True)
        return
    from rich.table import Table

    table = Table(title=Text(literal(f"{count} problem{'s' if count != 1 else ''} in {validation.file}")), title_justify="left")
    for heading in ("row", "column", "value", "problem"):
        table.add_column(heading, overflow="fold")
    for p in problems[:limit]:
        text = "" if p.value is None else str(p.value)
        value = "" if p.value is None else repr(text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…")
        cells = ("" if p.row is None else str(p.row), p.column or "", value, f"{p.kind}: expected {p.expected}")
        table.add_row(*(Text(literal(cell)) for cell in cells))
    err.print(table)
    if count > limit:
        err.print(f"… and {count - limit} more; every rejected row and its problems are in the rejects file.")


def with_design(responses: Responses, data: Path, weight: str | None, strata: str | None, cluster: str | None) -> Responses:
    """``responses`` with the design columns the options name (each checked to be a column of
    the data, the weight one of numbers); refused when no row is left to estimate from."""
    import dataclasses

    from ..errors import UnknownNameError

    columns = responses.data.columns
    for option, column in (("--weight", weight), ("--strata", strata), ("--cluster", cluster)):
        if column is not None and column not in columns:
            raise UnknownNameError(name=column, kind=f"a column of the data ({option})", known=columns)
    if weight is not None and not responses.data.schema[weight].is_numeric():
        raise typer.BadParameter(f"the weight column {weight!r} does not hold numbers", param_hint="--weight")
    if responses.n == 0:
        raise fail(f"{data}: no valid rows to estimate from")
    return dataclasses.replace(
        responses, weight=weight or responses.weight, strata=strata or responses.strata, cluster=cluster or responses.cluster
    )


def read_derived(instrument: Instrument, derive: Path | None) -> tuple[Instrument, list[Derived]]:
    """The derived variables of ``--derive`` (read before the data, so a typo is told at once)
    and the instrument with them and its own as questions, for checking the names asked for."""
    from ..instrument import load_derived
    from ..instrument.derived import with_derived

    extra = load_derived(derive, instrument) if derive is not None else []
    return with_derived(instrument, extra), extra


def derived_responses(responses: Responses, extra: Sequence[Derived]) -> Responses:
    """``responses`` with the instrument's derived variables and ``extra`` computed as questions."""
    from ..dataset import derive

    return derive(responses, extra)


DeriveOption = Annotated[
    Path | None,
    typer.Option("--derive", help="A YAML file of derived variables (groups, recodes, bands, NETs over questions), usable as questions."),
]


def finite(value: Any) -> Any:
    """``value`` with every NaN or infinity, in it or in the dicts and lists it holds, as None:
    JSON's null (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    return value


WeightOption = Annotated[str | None, typer.Option("--weight", help="Weight column (default: 'weight' when the data have it).")]
StrataOption = Annotated[str | None, typer.Option("--strata", help="Stratum column (default: 'stratum' when present).")]
ClusterOption = Annotated[str | None, typer.Option("--cluster", help="Cluster (PSU) column (default: 'cluster' when present).")]
LevelOption = Annotated[float, typer.Option("--level", help="Confidence level, between 0 and 1.")]
FilterOption = Annotated[
    str | None,
    typer.Option(
        "--filter", help='Estimate within the respondents for whom this condition holds, e.g. "sector == 1" (a domain of the full design).'
    ),
]


def comma_names(value: str | None, option: str, nothing: str = "no name given") -> list[str]:
    """The names of a comma-separated option (``--rows a, b``), spaces trimmed; an option given
    with no name in it is a usage error saying ``nothing``."""
    names = [v.strip() for v in (value or "").split(",") if v.strip()]
    if value is not None and not names:
        raise typer.BadParameter(nothing, param_hint=option)
    return names


CodesOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--codes",
        help="A codes file (CSV: respondent_id,code[,coder][,wave][,quote]) of a text question, with its --codebook: the themes become "
        "the multiple-choice question QUESTION_codes. Give both again for another question.",
        show_default=False,
    ),
]
CodebookOption = Annotated[
    list[Path] | None,
    typer.Option("--codebook", help="The codebook (YAML) of the --codes file given in the same place.", show_default=False),
]
CoderOption = Annotated[
    str | None,
    typer.Option("--coder", help="Whose codes to use, when a codes file holds several coders' codes.", show_default=False),
]


def read_codes_files(
    instrument: Instrument, codes: Sequence[Path] | None, codebooks: Sequence[Path] | None, coder: str | None
) -> tuple[Instrument, list[Codes]]:
    """The codes files of ``--codes``, each with the ``--codebook`` given in the same place (both
    read and checked before the data), and ``instrument`` with their themes' questions."""
    from ..dataset.codes import read_codes
    from ..errors import UsageError
    from ..instrument.codebook import load_codebook, with_codebooks

    codes, codebooks = list(codes or []), list(codebooks or [])
    if len(codes) != len(codebooks):
        raise UsageError(
            f"--codes and --codebook go in pairs: {len(codes)} codes file{'s' if len(codes) != 1 else ''} and "
            f"{len(codebooks)} codebook{'s' if len(codebooks) != 1 else ''} given"
        )
    if coder is not None and not codes:
        raise UsageError("--coder names whose codes to use: give --codes FILE --codebook FILE with it")
    books = [load_codebook(path, instrument) for path in codebooks]
    read = [read_codes(path, book, coder) for path, book in zip(codes, books, strict=True)]
    questions = [book.question for book in books]
    for question in questions:
        if questions.count(question) > 1:
            raise UsageError(f"two codebooks code {question}: give one codes file and codebook per text question")
    return with_codebooks(instrument, books), read


def coded_responses(waves: Sequence[Responses], codes: Sequence[Codes]) -> list[Responses]:
    """Each wave's responses with the themes of every codes file (one file may cover several
    waves); a note on standard error for rows given twice."""
    from ..dataset.codes import apply_codes

    out = list(waves)
    for c in codes:
        out = apply_codes(out, c)
        for note in c.notes:
            err.print(f"note: {note}", highlight=False)
    return out
