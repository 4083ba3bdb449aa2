"""``collabstate text agreement A.csv B.csv``: do two coders agree? The numbers come from
:func:`collabstate.stats.agreement.agreement`; this module reads the two codes files and renders
the result: ``json`` is the issue's ``{overall_kappa, krippendorff_alpha, codes: [{code, kappa,
n}]}`` (null where a figure is undefined), ``table`` a table per code with Landis & Koch's words,
the overall figures and the notes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ._shared import err, out, print_table

if TYPE_CHECKING:
    from ..stats.agreement import Agreement

__all__ = ["agreement_command", "agreement_text"]

AGREEMENT_FORMATS = ("table", "json")


def agreement_command(
    a: Annotated[Path, typer.Argument(help="Coder A's codes file: respondent_id,code[,coder].", metavar="A.csv", show_default=False)],
    b: Annotated[Path, typer.Argument(help="Coder B's codes file, of the same answers.", metavar="B.csv", show_default=False)],
    coder: Annotated[
        list[str] | None,
        typer.Option(
            "--coder", metavar="NAME", help="Give twice to pick a coder in A, then in B, from files with a coder column naming several."
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="Output: table or json.")] = "table",
) -> None:
    """Two coders' agreement: Cohen's kappa per code and overall (pooled), and Krippendorff's
    alpha, over every respondent either coder coded (one coded by one coder only counts as given
    no code by the other).

    Example: [bold]collabstate text agreement coder-a.csv coder-b.csv[/]
    """
    from ..errors import UsageError
    from ..stats.agreement import agreement, landis_koch, read_codes

    if fmt not in AGREEMENT_FORMATS:
        raise UsageError(argument="--format", value=fmt, expected=" or ".join(AGREEMENT_FORMATS))
    coders = list(coder or [])
    if len(coders) not in (0, 2):
        raise UsageError("give --coder twice (the coder in A, then the coder in B), or not at all")
    first = read_codes(a, coders[0] if coders else None)
    second = read_codes(b, coders[1] if coders else None)
    for coding in (first, second):
        if coding.duplicates:
            repeated = "1 repeated row" if coding.duplicates == 1 else f"{coding.duplicates} repeated rows"
            err.print(f"{coding.file}: {repeated} (the same respondent and code) counted once", soft_wrap=True)
    result = agreement(first.codes, second.codes)
    if fmt == "json":
        typer.echo(json.dumps(result.to_json(), indent=1, allow_nan=False))
        return
    title = (
        f"Agreement of {first.file}"
        + (f" ({first.coder})" if first.coder else "")
        + f" and {second.file}"
        + (f" ({second.coder})" if second.coder else "")
    )
    rows = [
        [c.code, _number(c.kappa), landis_koch(c.kappa), str(c.n), f"{100 * c.agreement:.1f}%", str(c.used_a), str(c.used_b), str(c.both)]
        for c in result.codes
    ]
    print_table(["code", "kappa", "strength", "n", "agreement", "A used", "B used", "both"], rows, title=title)
    out.print(agreement_text(result))


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def agreement_text(result: Agreement) -> str:
    """The overall figures and notes under the table, as lines."""
    from ..stats.agreement import landis_koch

    lines = [
        f"Respondents coded by either coder: {result.n} ({result.only_a} by A only, {result.only_b} by B only).",
        f"Overall (pooled) kappa: {_number(result.overall_kappa)} ({landis_koch(result.overall_kappa)}); "
        f"Krippendorff's alpha: {_number(result.krippendorff_alpha)}; "
        f"agreement on {100 * result.agreement:.1f}% of {result.n * len(result.codes)} code decisions.",
        *(f"Note: {note}." for note in result.notes),
        "Strength in Landis & Koch's words: slight to 0.20, fair to 0.40, moderate to 0.60, substantial to 0.80, then almost perfect.",
    ]
    return "\n".join(lines)
