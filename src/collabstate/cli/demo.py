"""``collabstate demo``: the demo waves written, their headline figures read back, loaded into the
site's own database (the embedded SQLite one) for the workspace, and the demo reports built."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

from ._shared import FORMATS, err, fail, out

__all__ = ["demo"]


def demo(
    output: Annotated[Path, typer.Option("--out", "-o", help="Folder for the demo files.")] = Path("demo-output"),
    fmt: Annotated[str, typer.Option("--format", help="File format: csv, xlsx, sav or parquet.")] = "csv",
    reports: Annotated[bool, typer.Option(help="Also build the four demo reports under OUT/reports.")] = True,
    site: Annotated[
        bool, typer.Option("--site/--no-site", help="Also load the waves into the site's embedded database, with a demo owner.")
    ] = True,
) -> None:
    """Write the demo waves, print their headline figures read back from the files, and build the reports.

    The waves: readiness-2018 (115 respondents), leaders 2024 (274), leaders 2025 (300) and
    leaders 2026 (320; invented for the demo, 120 of them 2025 respondents answering again under
    their 2025 respondent_id), with the codebooks and codes of the leaders' open answers
    (barriers- and enablers-codebook.yaml and -codes.csv). The reports: readiness 2018, leaders 2026 with the trend since 2024, leaders
    2025 from a report spec (live figures in the key messages), and one organisation's benchmark.

    The waves are also loaded into the site's database (SQLite under COLLABSTATE_VAR, ./var/;
    never into the database DATABASE_URL names) in an organisation "Demo" whose owner's new
    password is printed: `collabstate serve`, then open http://127.0.0.1:8000/ and sign in.
    Demo waves loaded before are replaced. --no-site leaves the site alone.

    Example: [bold]collabstate demo --out demo-output --format sav[/]
    """
    from rich.progress import Progress
    from rich.table import Table

    from ..analysis import headline_figures
    from ..dataset import Responses, read_responses, write_responses
    from ..demo import DEMO_CODINGS, leaders_wave, readiness_2018
    from ..instrument import load_instrument
    from .estimate import estimate_text

    if fmt not in FORMATS:
        raise typer.BadParameter(f"{fmt!r} is not one of {', '.join(FORMATS)}", param_hint="--format")
    output.mkdir(parents=True, exist_ok=True)
    waves = [
        ("readiness-2018", "readiness-2018", readiness_2018),
        ("leaders-2024", "leaders", lambda: leaders_wave(2024)),
        ("leaders-2025", "leaders", lambda: leaders_wave(2025)),
        ("leaders-2026", "leaders", lambda: leaders_wave(2026)),
    ]
    written, frames = [], {}
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("Writing demo waves", total=len(waves))
        for name, ref, make in waves:
            ins = load_instrument(ref)
            frames[name] = make()
            written.append((name, ins, write_responses(Responses(ins, frames[name]), output / f"{name}.{fmt}", fmt)))
            progress.advance(task)
    for book, codes in DEMO_CODINGS:  # the leaders' open answers coded (docs/text-coding.md), beside the waves they code
        shutil.copyfile(book, output / book.name)
        shutil.copyfile(codes, output / codes.name)
    for name, ins, path in written:
        validation = read_responses(path, ins)
        if validation.problems:
            raise fail(f"demo file {path} does not validate: {validation.problems[0]}")
        figures = headline_figures(validation.responses)
        title = f"{name}: {validation.responses.n} respondents, read back from {path}"
        table = Table("measure", "value", "95% interval", "base", title=title, title_justify="left")
        for row in figures.iter_rows(named=True):
            table.add_row(row["measure"], *estimate_text(row, share_decimals=0), "" if row["n"] is None else str(row["n"]))
        out.print(table)
    if site:
        _load_site(frames)
    if not reports:
        return

    from ..report.demo import demo_reports

    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("Building the reports", total=None)
        built = demo_reports(output / "reports", progress=lambda message: progress.update(task, description=message))
    for name, paths in built.items():
        out.print(f"{name}: " + "  ".join(str(p) for p in (paths.html, paths.pdf, paths.xlsx, paths.pptx) if p), highlight=False)
        for warning in paths.warnings:
            err.print(f"warning: {warning}", highlight=False)


def _load_site(frames: dict) -> None:
    """The demo waves in the site's embedded database (skipped, saying why, on another database)."""
    import os

    from rich.progress import Progress

    from ..web.setup import bring_up_to_date, setup_django

    setup_django(migrate=False)  # not a look at another database: first whether it is the embedded one
    from django.conf import settings

    from ..web.firstrun import embedded_database, load_demo

    if not embedded_database():
        out.print("site: skipped loading the demo waves into the site: DATABASE_URL names a database that is not the embedded "
                  "SQLite one (the demo never writes there); --no-site says so quietly", highlight=False)  # fmt: skip
        return
    bring_up_to_date()
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("Loading the demo waves into the site", total=None)
        loaded = load_demo(frames, progress=lambda message: progress.update(task, description=message))
    where = settings.DATABASES["default"]["NAME"]
    done = ", ".join(f"{slug} ({n} responses)" for slug, n in loaded.waves)
    out.print(f"site: {done} loaded into {where}, organisation Demo"
              + (f" (replacing the demo waves loaded before: {', '.join(loaded.replaced)})" if loaded.replaced else ""),
              highlight=False, markup=False, soft_wrap=True)  # fmt: skip
    var = os.environ.get("COLLABSTATE_VAR")
    serve = f"COLLABSTATE_VAR={var} collabstate serve" if var else "collabstate serve"
    out.print(f"site: run `{serve}`, open http://127.0.0.1:8000/ and sign in as {loaded.owner} with the password {loaded.password}",
              highlight=False, markup=False, soft_wrap=True)  # fmt: skip
