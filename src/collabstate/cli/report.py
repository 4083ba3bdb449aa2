"""``collabstate report`` and ``collabstate benchmark``.

Each parses its input, calls one core function (:func:`build_report`, :func:`build_peer_comparison`)
and prints the paths it wrote. Exit codes as the rest of the CLI (:mod:`collabstate.cli`); a
machine without the report's JavaScript ends with 3.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ._shared import (
    CodebookOption,
    CoderOption,
    CodesOption,
    DeriveOption,
    InstrumentOption,
    coded_responses,
    derived_responses,
    err,
    fail,
    out,
    read_codes_files,
    read_data,
    read_derived,
    read_instrument,
)

if TYPE_CHECKING:
    from ..stats.weighting import MissingMode

__all__ = ["benchmark", "report"]

#: --weights-missing's values, as rake's ``missing``.
_WEIGHTS_MISSING: dict[str, MissingMode] = {"own-cell": "own-cell", "unweighted": "unweighted"}

OutOption = Annotated[Path, typer.Option("--out", "-o", help="Folder to write the report to (created if missing).", show_default=False)]


def _read(data: Path, instrument, what: str):
    """The valid rows of a data file, refused when there are none or they answer no question."""
    import polars as pl

    validation = read_data(data, instrument)
    rejected = validation.rejected.height if validation.rejected is not None else 0
    if validation.responses.n == 0:
        raise fail(f"{data}: no valid rows to report on ({validation.n_problems} problems; run `collabstate validate {data}`)")
    answered = validation.responses.data.select(validation.responses.question_columns).select(pl.all().is_not_null().any())
    if not any(answered.row(0)):
        raise fail(f"{data}: no answer to any question of instrument {instrument.id}; is it the right instrument?")
    if rejected:
        err.print(
            f"note: {what} {data}: {rejected} rows rejected ({validation.n_problems} problems); the report uses the "
            f"{validation.responses.n} valid rows. `collabstate validate` lists the problems.",
            highlight=False,
        )
    return validation.responses


WAVE_FILES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".sav", ".parquet")


def _wave_files(data: Path, compare: list[Path]) -> list[Path]:
    """The files to compare with, nearest first: each --compare file, and every data file of a
    --compare folder (but DATA itself); a folder's waves are put in order by the dates or years in
    their names or wave columns."""
    from ..dataset.waves import wave_when

    files: list[Path] = []
    for path in compare:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in WAVE_FILES and p.is_file() and p.resolve() != data.resolve())
            if not found:
                raise fail(f"{path}: no wave files ({', '.join(WAVE_FILES)}) in this folder")
            undated = [p.name for p in found if wave_when(p.stem) is None]
            if undated and len(found) > 1:
                raise fail(
                    f"{path}: the order of {', '.join(undated)} cannot be told from their names; name each file after its wave "
                    "(leaders-2024.csv) or pass the files with --compare one by one, nearest first"
                )
            files.extend(reversed(found))
        else:
            files.append(path)
    return files


def _check_by(instrument, by: str | None) -> None:
    if by is None:
        return
    column = instrument.column(by)
    if column is None or column.kind != "code":
        coded = [c.name for c in instrument.columns if c.kind == "code"]
        raise typer.BadParameter(
            f"{by!r} is not a single-choice question of {instrument.id} (try one of: {', '.join(coded[:12])})", param_hint="--by"
        )


def _weight(responses, targets_path: Path, missing: MissingMode = None):
    """Rake to the targets; the weighted responses and the lines the methods section prints.
    A problem of the targets file names the file (and line); one of the data names the data
    file, its rows and the column."""
    from ..stats.weighting import WeightingDataError, load_targets, rake

    try:
        result = rake(responses, load_targets(targets_path), missing=missing)
    except WeightingDataError as exc:
        raise fail(exc.worded(own_cell="--weights-missing own-cell", unweighted="--weights-missing unweighted")) from None
    except OSError as exc:
        raise fail(f"{targets_path}: {exc}") from None
    lines = [line.strip() for line in str(result).splitlines()[:3]] + [f"{note}." for note in result.notes]
    return result.responses, [f"Weighted by raking to the targets in {targets_path.name}. " + " ".join(lines)]


def _progress():
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), TimeElapsedColumn(), console=err, transient=True)


def report(
    data: Annotated[Path, typer.Argument(help="Response data of the wave to report: .csv, .xlsx, .sav or .parquet.", show_default=False)],
    instrument: InstrumentOption,
    out_dir: OutOption,
    compare: Annotated[
        list[Path] | None,
        typer.Option(
            "--compare",
            help="An earlier wave of the same instrument (a file, or a folder of wave files); give it again for more waves, nearest first. Changes are tested against the previous and the first wave.",
            show_default=False,
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Break tables down by this single-choice question (default: the sector question).", show_default=False),
    ] = None,
    weights: Annotated[
        Path | None, typer.Option("--weights", help="Population targets (YAML or CSV) to rake both waves to.", show_default=False)
    ] = None,
    weights_missing: Annotated[
        str | None,
        typer.Option(
            "--weights-missing",
            help="Blank answers to a weighting variable: 'own-cell' rakes them as a cell of their own, to the "
            "target the targets give the code `missing`; 'unweighted' leaves those respondents out of the raking at their input "
            "weight. Default: an error that names the rows, unless the targets give `missing` a target.",
            show_default=False,
        ),
    ] = None,
    title: Annotated[
        str | None, typer.Option("--title", help="The report's title (default: the instrument's title and wave).", show_default=False)
    ] = None,
    invited: Annotated[
        int | None, typer.Option("--invited", min=1, help="How many were invited, for the response rate.", show_default=False)
    ] = None,
    derive: DeriveOption = None,
    codes: CodesOption = None,
    codebook: CodebookOption = None,
    coder: CoderOption = None,
    second_coder: Annotated[
        Path | None,
        typer.Option(
            "--second-coder",
            help="Another coder's codes file of the same answers (as the first --codes): the methods state the two coders' "
            "agreement (Cohen's kappa, Krippendorff's alpha).",
            show_default=False,
        ),
    ] = None,
    spec: Annotated[
        Path | None,
        typer.Option(
            "--spec",
            help="A report spec (YAML): title, key messages and commentary with live figures, sections, quotes.",
            show_default=False,
        ),
    ] = None,
    pptx_template: Annotated[
        Path | None,
        typer.Option(
            "--pptx-template",
            help="The organisation's PowerPoint template (.pptx): report.pptx takes its slide size, theme and layouts "
            "('Title Slide', 'Title Only'); its own slides are left out.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write a report: report.html (one offline page with interactive charts), report.pdf (A4),
    tables.xlsx (every table with bases, intervals and letters), report.pptx (slides of the key
    messages and of every chart, as PowerPoint charts holding their data) and estimates.json.

    Sections follow the instrument: headline figures, findings, the readiness index, statements
    by sector, rankings with their change since the previous wave, the public-involvement ladder,
    optimism and confidence, quotes, who took part and methods.

    Waves are labelled by their wave column or file name and put in time order by the dates or
    years in those labels (else as given: DATA is the wave reported, each --compare an earlier
    wave, nearest first). A change is always the later wave minus the earlier.

    Example: [bold]collabstate report leaders-2026.csv --instrument leaders --compare leaders-2025.csv --compare leaders-2024.csv --out report-2026[/]
    """
    from ..report.build import build_report
    from ..report.spec import load_spec

    loaded = load_spec(spec) if spec is not None else None  # a typo in the spec is told before the long work
    ins = read_instrument(instrument)
    known, extra = read_derived(ins, derive)
    known, coded = read_codes_files(known, codes, codebook, coder)
    coding = _agreement(codes, coder, second_coder)
    _check_by(known, by)
    if weights_missing is not None and weights_missing not in _WEIGHTS_MISSING:
        raise typer.BadParameter(f"{weights_missing!r} is not one of own-cell, unweighted", param_hint="--weights-missing")
    missing = _WEIGHTS_MISSING[weights_missing] if weights_missing is not None else None
    current = derived_responses(_read(data, ins, "data"), extra)
    earlier = [derived_responses(_read(path, ins, "earlier wave"), extra) for path in _wave_files(data, compare or [])]
    if coded:  # one codes file may cover every wave
        current, *earlier = coded_responses([current, *earlier], coded)
    weighting = None
    if weights:
        current, weighting = _weight(current, weights, missing)
        earlier = [_weight(e, weights, missing)[0] for e in earlier]
    with _progress() as progress:
        task = progress.add_task("Starting", total=None)
        paths = build_report(
            current,
            out_dir,
            earlier=earlier,
            by=by if by else "",
            title=title,
            invited=invited,
            weighting=weighting,
            progress=lambda m: progress.update(task, description=m),
            spec=loaded,
            pptx_template=pptx_template,
            coding=coding,
            codes=coded,
        )
    for warning in paths.warnings:
        err.print(f"warning: {warning}", highlight=False)
    for path in paths.written():
        out.print(str(path), highlight=False)


def _agreement(codes: list[Path] | None, coder: str | None, second: Path | None) -> list[str]:
    """The methods' sentence on the agreement of the first codes file with ``second``; none without it."""
    if second is None:
        return []
    if not codes:
        raise typer.BadParameter("give the first coder's codes with --codes (and its --codebook)", param_hint="--second-coder")
    from ..report.methods import agreement_sentence
    from ..stats.agreement import agreement, read_codes

    first, other = read_codes(codes[0], coder), read_codes(second)
    return [f"{agreement_sentence(agreement(first.codes, other.codes)).rstrip('.')} (files {codes[0].name} and {second.name})."]


def benchmark(
    org_data: Annotated[Path, typer.Argument(help="One organisation's responses (its staff's answers).", show_default=False)],
    against: Annotated[Path, typer.Option("--against", help="The survey to compare with: all respondents.", show_default=False)],
    instrument: InstrumentOption,
    out_dir: OutOption,
    name: Annotated[str | None, typer.Option("--name", help="The organisation's name, for the title.", show_default=False)] = None,
    organisations: Annotated[
        str,
        typer.Option(
            "--organisations",
            help="The column of the comparison data that says which organisation each respondent belongs to "
            "(org_id, cluster or a question id): the organisation is ranked among organisations. Default: the org_id column, else "
            "an 'organisation' question, else the cluster column, when present; 'none' ranks it among individual respondents.",
        ),
    ] = "auto",
) -> None:
    """Benchmark one organisation's readiness profile against its sector and all respondents,
    with percentile ranks: benchmark.html, benchmark.pdf, benchmark-tables.xlsx, benchmark.pptx and estimates.json.

    When the comparison data say which organisation each respondent belongs to (the org_id or
    cluster column, or an organisation question), the organisation is ranked among organisations, each the mean
    of its respondents; otherwise the ranks are shares of individual respondents scoring below it.

    Example: [bold]collabstate benchmark our-staff.csv --against readiness.csv --instrument readiness-2018 --out benchmark[/]
    """
    from ..analysis.percentiles import organisation_column
    from ..report.peer_comparison import build_peer_comparison

    ins = read_instrument(instrument)
    if not ins.indices:
        raise typer.BadParameter(f"instrument {ins.id} defines no index to benchmark", param_hint="--instrument")
    org = _read(org_data, ins, "organisation data")
    everyone = _read(against, ins, "comparison data")
    column = None if organisations.strip().lower() == "none" else organisations.strip()
    organisation_column(everyone, column)
    with _progress() as progress:
        task = progress.add_task("Starting", total=None)
        paths = build_peer_comparison(
            org, everyone, out_dir, name=name, organisations=column, progress=lambda m: progress.update(task, description=m)
        )
    for path in paths.written():
        out.print(str(path), highlight=False)
