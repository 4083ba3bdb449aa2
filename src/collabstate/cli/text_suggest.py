"""``collabstate text suggest``: themes suggested from a text question's answers, or, with
``--codebook``, the codes of a codebook suggested for each answer, for a person to accept or reject.

The themes come from :func:`collabstate.analysis.themes.suggest_themes` and the codes from
:func:`~collabstate.analysis.themes.suggest_codes`; this module reads the data, checks the
question and renders the result:

- themes, ``json``: a list of ``{id, keywords, size, examples}``; ``csv``: each answer's theme,
  ``respondent_id, theme, weight``; ``table``: one row per theme;
- codes, ``json``: a list of ``{respondent_id, code, score, why}``; ``csv`` the same columns;
  ``table`` the same with the answer.

What a reader must know (fewer themes than asked, answers without a theme, rejected rows) goes to
standard error.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import UnknownNameError, UsageError, did_you_mean
from ._shared import DataArgument, InstrumentOption, err, print_table, read_data, read_instrument, report_problems

if TYPE_CHECKING:
    from ..dataset import Responses
    from ..instrument import Instrument

__all__ = ["suggest"]

SUGGEST_FORMATS = ("table", "json", "csv")
#: An answer longer than this is shown cut in a table (JSON and CSV keep it whole).
_SHOWN = 160


def suggest(
    data: DataArgument,
    instrument: InstrumentOption,
    question: Annotated[str, typer.Option("--question", "-q", help="The text question whose answers are read.")],
    themes: Annotated[int, typer.Option("--themes", "-k", help="How many themes to suggest (1 to 50).")] = 5,
    seed: Annotated[int, typer.Option("--seed", help="The seed: the same seed and answers give the same themes.")] = 2018,
    codebook: Annotated[
        Path | None, typer.Option("--codebook", help="A codebook YAML: suggest its codes for each answer instead of new themes.")
    ] = None,
    threshold: Annotated[
        float, typer.Option("--threshold", help="With --codebook: the least similarity (0 to 1) for a code suggested without a keyword.")
    ] = 0.15,
    fmt: Annotated[str, typer.Option("--format", help="Output: table, json or csv.")] = "table",
) -> None:
    """Suggest themes in the answers to a text question: each with its keywords, its size (answers
    whose main theme it is) and its most typical answers. Suggestions to read, name and turn into a
    codebook: not codes.

    With --codebook, each answer is suggested the codes whose keywords it contains, or else the code
    most similar to it; each row says why. A person accepts or rejects them.

    Example: [bold]collabstate text suggest answers.csv -i leaders --question barriers_text --themes 6[/]
    """
    if fmt not in SUGGEST_FORMATS:
        raise typer.BadParameter(f"{fmt!r} is not one of {', '.join(SUGGEST_FORMATS)}", param_hint="--format")
    from ..analysis.themes import MAX_THEMES, suggest_codes, suggest_themes
    from ..instrument.codebook import load_codebook

    if not 1 <= themes <= MAX_THEMES:
        raise typer.BadParameter(f"{themes} is not a number of themes from 1 to {MAX_THEMES}", param_hint="--themes")
    if not 0 <= threshold <= 1:
        raise typer.BadParameter(f"{threshold} is not a similarity from 0 to 1", param_hint="--threshold")
    ins = read_instrument(instrument)
    text_question(ins, question)
    book = load_codebook(codebook, ins) if codebook is not None else None
    if book is not None and book.question is not None and book.question != question:
        raise UsageError(f"the codebook {codebook} is for {book.question!r}, not {question!r}: give --question {book.question}")
    validation = read_data(data, ins)
    report_problems(validation)
    if validation.rejected.height:
        err.print(f"{validation.rejected.height} of {validation.n_read} rows rejected and left out", highlight=False)
    responses = validation.responses
    texts: list[str | None] = responses.data[question].to_list()
    ids = respondent_ids(responses)
    if book is not None:
        rows = suggest_codes(ids, texts, book, threshold=threshold)
        answered = sum(1 for t in texts if t is not None and t.strip())
        coded = len({r["respondent_id"] for r in rows})
        err.print(
            f"{len(rows):,} suggestions for {coded:,} of the {answered:,} answers to {question}: to accept or reject", highlight=False
        )
        if fmt == "json":
            typer.echo(json.dumps(rows, indent=1, ensure_ascii=False))
        elif fmt == "csv":
            _echo_csv(rows, ["respondent_id", "code", "score", "why"])
        else:
            by_id = dict(zip(ids, texts))
            shown = [[r["respondent_id"], r["code"], f"{r['score']:.2f}", r["why"], _cut(by_id[r["respondent_id"]] or "")] for r in rows]
            print_table(["Respondent", "Code", "Score", "Why", "Answer"], shown, title=f"Codes suggested for {question}")
        return
    found = suggest_themes(texts, themes, seed)
    for note in found.notes:
        err.print(f"Note: {note}", highlight=False, markup=False, soft_wrap=True)
    if fmt == "json":
        typer.echo(json.dumps(found.records(), indent=1, ensure_ascii=False))
    elif fmt == "csv":
        assigned = [{"respondent_id": rid, "theme": int(a), "weight": round(float(w), 6)}
                    for rid, a, w in zip(ids, found.assignment, found.weight) if a > 0]  # fmt: skip
        _echo_csv(assigned, ["respondent_id", "theme", "weight"])
    else:
        rows_shown = [
            [str(t.id), f"{t.size:,} ({t.size / found.answered:.0%})", ", ".join(t.keywords), "\n".join(f"“{_cut(e)}”" for e in t.examples)]
            for t in found.themes
        ]
        title = f"{len(found.themes)} themes suggested in {found.answered:,} answers to {question} (seed {seed})"
        print_table(["Theme", "Answers", "Keywords", "Typical answers"], rows_shown, title=title)


def text_question(instrument: Instrument, name: str) -> None:
    """Nothing when ``name`` is a text question of ``instrument``; else a usage error naming the
    closest text question."""
    from ..instrument.model import TextQuestion

    texts = [q.id for q in instrument.questions if isinstance(q, TextQuestion)]
    if name in texts:
        return
    listed = ", ".join(texts) or "none"
    known = {c.name: c for c in instrument.columns}
    if name in known:
        kind = known[name].question.type
        raise UsageError(
            f"{name!r} is a {kind} question, not a text question{did_you_mean(name, texts)}; the text questions of {instrument.id}: {listed}"
        )
    raise UnknownNameError(f"{name!r} is not a text question of {instrument.id}{did_you_mean(name, texts)}; its text questions: {listed}")


def respondent_ids(responses: Responses) -> list[str]:
    """Each respondent's id: the ``respondent_id`` column, or else ``row N`` (the file's row)."""
    import numpy as np

    rows = responses.row_numbers(np.arange(responses.n))
    if "respondent_id" in responses.data.columns:
        return [f"row {n}" if v is None else str(v) for v, n in zip(responses.data["respondent_id"].to_list(), rows)]
    return [f"row {n}" for n in rows]


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _echo_csv(rows: list, columns: list[str]) -> None:
    import polars as pl

    from ..dataset.csv_text import write_csv

    frame = pl.DataFrame(rows, schema=None if rows else dict.fromkeys(columns, pl.String), infer_schema_length=None).select(columns)
    buffer = io.StringIO()
    write_csv(frame, buffer)
    typer.echo(buffer.getvalue(), nl=False)
