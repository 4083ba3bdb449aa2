"""Codes files: which codes of a codebook each respondent's open answer was given, and the themes
they make as a multiple-choice question of the responses.

A codes file is a CSV file with a header and one row per code applied::

    respondent_id,code,coder
    L25-0004,funding,ann
    L25-0004,mistrust,ann

``coder`` is optional; so is ``wave``, which says which wave a respondent id belongs to when the
data hold several waves in which the same id appears (a panel), and ``quote``: ``1`` on a row marks
that answer as one the analyst chose to quote for that code (the report's themes section shows the
chosen quotes before the most typical ones; blank or ``0``, not chosen). Every problem is an
:class:`~collabstate.errors.InputError` naming the file, the row (the header is row 1) and the
column: an unknown respondent id (not in the data), an unknown code (with the closest one), a
blank cell, a code given to a respondent who left the text question blank. A row given twice is
harmless and counted (:attr:`Codes.duplicates`, which the commands print). When the file holds
several coders' codes, the one whose codes are used must be named (``coder=``), else the file is
refused with the list of coders: checking how two coders agree is another command's work.

:func:`apply_codes` adds the question ``<question>_codes`` (:func:`collabstate.instrument.codebook.codebook_question`)
to each wave's responses, one 0/1 column per code. Its **base is those who answered the text
question**: a respondent who answered and got no code is in the base with every code 0 (an answer
no theme fits, counted as such); one who left the text blank is out of the base (null), as one who
skipped a multiple-choice question. So each theme's share is the (weighted) share of the answers
given that theme, and every estimate, interval, letter and change comes from the one engine.

The file is read with the standard library's :mod:`csv` (a few thousand rows at most: what a
person codes), which keeps each row's number as the person counts rows. :func:`read_code_rows` is
the one reader of codes files; the agreement of two coders reads them through it too.
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ..errors import InputError, did_you_mean
from ..instrument.codebook import Codebook, with_codebooks
from ._sources import decode_text
from .responses import Responses

__all__ = ["CodeRows", "Codes", "answered_text", "apply_codes", "read_code_rows", "read_codes"]

REQUIRED = ("respondent_id", "code")
OPTIONAL = ("coder", "wave", "quote")
#: How like a codes file's column another column must be to be refused as a typo of it
#: ("coders", "Code"), rather than ignored as a column of its own ("note", "text").
NEAR_MISS = 0.85
#: What a ``quote`` cell may say: chosen, or not.
QUOTE_VALUES = {"1": True, "yes": True, "true": True, "0": False, "no": False, "false": False, "": False}


@dataclass(frozen=True)
class Codes:
    """The codes of one coder, read from a codes file: ``(wave or None, respondent_id) -> codes``,
    with each (respondent, code)'s row for the messages."""

    file: str
    book: Codebook
    rows: dict[tuple[str | None, str, str], int]
    has_wave: bool
    coders: tuple[str, ...] = ()
    coder: str | None = None
    duplicates: int = 0
    notes: list[str] = field(default_factory=list)
    #: The (wave or None, respondent_id, code) the analyst chose to quote for that code.
    quotes: frozenset[tuple[str | None, str, str]] = frozenset()
    #: The (wave or None, respondent_id) whose answers the coder has coded, with a code or with
    #: none (an answer no code fits), when known (the workspace knows it; a codes file lists
    #: only the codes given, so None: every answer is taken as coded). An answer not yet coded is
    #: then out of the base, as a blank one: the shares are of the answers coded so far.
    coded: frozenset[tuple[str | None, str]] | None = None


@dataclass(frozen=True)
class CodeRows:
    """The rows of one coder read from a codes file, checked against no codebook:
    ``(wave or None, respondent_id, code) -> row`` (the first row giving it)."""

    file: str
    rows: dict[tuple[str | None, str, str], int]
    has_wave: bool
    coders: tuple[str, ...] = ()
    coder: str | None = None
    #: Rows of the chosen coder repeating a (wave, respondent, code) already read.
    duplicates: int = 0
    #: Rows of the chosen coder read, repeats included.
    read: int = 0
    quotes: frozenset[tuple[str | None, str, str]] = frozenset()


def read_code_rows(path: str | Path, coder: str | None = None, valid: Sequence[str] | None = None) -> CodeRows:
    """The one reader of codes files (``respondent_id,code[,coder][,wave][,quote]``), for the
    commands that use codes (:func:`read_codes`) and the agreement of two coders
    (:func:`collabstate.stats.agreement.read_codes`): UTF-8 text with or without a byte-order mark
    (anything else is told with the line of the first bad byte), every problem named by file, row
    and column. ``valid`` are the codes allowed (a codebook's), checked when given. Other columns
    (a note, the answer's text) are ignored, unless one is a near miss of a codes file's column
    (``coders``), which is refused: read as ignored, it would mix two coders' codes."""
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError("no such codes file", file=file) from None
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), file=file) from None
    records = list(csv.reader(io.StringIO(decode_text(raw, file), newline="")))
    if not records:
        raise InputError("the file is empty; expected a header respondent_id,code[,coder][,wave][,quote]", file=file)
    header = [h.strip() for h in records[0]]
    known = (*REQUIRED, *OPTIONAL)
    for name in REQUIRED:
        if name not in header:
            raise InputError(
                f"no column {name!r} in the header{did_you_mean(name, header)}; a codes file has the columns respondent_id,code[,coder][,wave][,quote]",
                file=file, row=1,
            )  # fmt: skip
    for name in header:
        if name not in known and difflib.get_close_matches(name.casefold(), known, n=1, cutoff=NEAR_MISS):
            raise InputError(
                f"unknown column {name!r}{did_you_mean(name, known)}; a codes file has the columns respondent_id,code[,coder][,wave][,quote]",
                file=file, row=1,
            )  # fmt: skip
        if name in known and header.count(name) > 1:
            raise InputError(f"the column {name!r} is in the header twice", file=file, row=1)
    at = {name: header.index(name) for name in known if name in header}
    read: list[tuple[int, str | None, str, str, str | None, bool]] = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # an empty line (a file's last line, an editor's blank line) holds nothing
        if len(record) != len(header):
            raise InputError(f"{len(record)} cells where the header has {len(header)}", file=file, row=number)
        cells = {name: record[i].strip() for name, i in at.items()}
        for name in at:
            if not cells[name] and name != "quote":
                raise InputError("blank cell; every row gives a respondent_id and a code" + (f" and a {name}" if name in OPTIONAL else ""),
                                 file=file, row=number, column=name)  # fmt: skip
        if valid is not None and cells["code"] not in valid:
            raise InputError(
                value=cells["code"], problem=f"is not a code of the codebook{did_you_mean(cells['code'], valid)}",
                file=file, row=number, column="code",
            )  # fmt: skip
        quote = QUOTE_VALUES.get(cells.get("quote", "").casefold())
        if quote is None:
            raise InputError(value=cells["quote"], problem="is not a quote mark; expected 1 (quote this answer), 0 or blank",
                             file=file, row=number, column="quote")  # fmt: skip
        read.append((number, cells.get("wave"), cells["respondent_id"], cells["code"], cells.get("coder"), quote))
    coders = tuple(sorted({r[4] for r in read if r[4] is not None}))
    if coder is not None and "coder" not in at:
        raise InputError(f"--coder {coder!r} was given, but the file has no coder column", file=file)
    if coder is not None and coder not in coders:
        raise InputError(
            f"no codes by coder {coder!r}{did_you_mean(coder, coders)}; coders: {', '.join(coders)}", file=file, column="coder"
        )
    if coder is None and len(coders) > 1:
        shown = ", ".join(coders[:5]) + (" …" if len(coders) > 5 else "")
        raise InputError(
            f"codes by {len(coders)} coders ({shown}); name the one whose codes to use with --coder",
            file=file, column="coder",
        )  # fmt: skip
    chosen = coder if coder is not None else (coders[0] if coders else None)
    rows: dict[tuple[str | None, str, str], int] = {}
    duplicates = kept = 0
    quotes = set()
    for number, wave, respondent, code, who, quote in read:
        if who is not None and who != chosen:
            continue
        kept += 1
        key = (wave, respondent, code)
        if quote:
            quotes.add(key)
        if key in rows:
            duplicates += 1
            continue
        rows[key] = number
    return CodeRows(file, rows, "wave" in at, coders, chosen, duplicates, kept, frozenset(quotes))


def read_codes(path: str | Path, book: Codebook, coder: str | None = None) -> Codes:
    """The codes of ``book``'s question in a codes file, of ``coder`` when the file has a coder
    column (required when it names several coders)."""
    got = read_code_rows(path, coder, [c.id for c in book.codes])
    notes = []
    if got.duplicates:
        notes.append(f"{got.file}: {got.duplicates} row{'s' if got.duplicates != 1 else ''} given twice (counted once)")
    return Codes(got.file, book, got.rows, got.has_wave, got.coders, got.coder, got.duplicates, notes, got.quotes)


def answered_text(data: pl.DataFrame, question: str) -> pl.Series:
    """Who answered the text ``question``: a value that is not blank. The base of its themes."""
    text = data.get_column(question).cast(pl.String)
    return text.is_not_null() & (text.str.strip_chars() != "")


def apply_codes(waves: Sequence[Responses], codes: Codes) -> list[Responses]:
    """Each wave's responses with the themes question of ``codes.book`` added: 1 where the
    respondent's answer was given the code, 0 where it was not, null for a respondent who did not
    answer the text question (out of the base). A codes file may cover several waves (each a
    :class:`Responses`, or one with a ``wave`` column): a row's respondent id must be in one of
    them, and in one only unless the codes file has a ``wave`` column. With a ``wave`` column, the
    rows of a wave the data do not hold are left aside (a note in ``codes.notes`` says how many): one
    codes file serves every wave."""
    book = codes.book
    where: dict[tuple[str | None, str], list[tuple[int, int]]] = {}  # (wave, id) -> [(wave file, row)]
    keys: list[list[tuple[str | None, str]]] = []  # each wave's rows as (wave, id)
    for k, responses in enumerate(waves):
        data = responses.data
        if "respondent_id" not in data.columns:
            raise InputError(f"a codes file ({codes.file}) names respondents by respondent_id, and the data have no respondent_id column")
        if codes.has_wave and "wave" not in data.columns:
            raise InputError(
                "the codes file has a wave column, and the data have none: leave it out, or give data with their wave column",
                file=codes.file, column="wave",
            )  # fmt: skip
        ids = data.get_column("respondent_id").cast(pl.String).to_list()
        wave_of = data.get_column("wave").cast(pl.String).to_list() if "wave" in data.columns else [None] * len(ids)
        keys.append([(w if codes.has_wave else None, rid) for rid, w in zip(ids, wave_of, strict=True)])
        for i, key in enumerate(keys[-1]):
            if key[1] is not None:
                where.setdefault(key, []).append((k, i))
    held = {w for (w, _) in where}
    aside = sorted({w for (w, _, _) in codes.rows if w is not None and w not in held}) if codes.has_wave else []
    if aside:
        n = sum(1 for (w, _, _) in codes.rows if w in aside)
        codes.notes.append(
            f"{codes.file}: {n} rows code wave{'s' if len(aside) != 1 else ''} {', '.join(map(str, aside))}, which the data do not hold: left aside"
        )
    hits: list[dict[int, set[str]]] = [{} for _ in waves]
    answered = [answered_text(r.data, book.question).to_list() for r in waves]
    if codes.coded is not None:  # the answers not yet coded are out of the base
        done = {(w if codes.has_wave else None, rid) for (w, rid) in codes.coded}
        answered = [[a and key in done for a, key in zip(given, ks, strict=True)] for given, ks in zip(answered, keys, strict=True)]
    for (wave, rid, code), number in sorted(codes.rows.items(), key=lambda item: item[1]):
        if wave is not None and wave in aside:
            continue
        found = where.get((wave, rid))
        if not found:
            known = [r for (_, r) in where]
            shown = f"respondent_id {rid!r}" + (f" in wave {wave}" if wave is not None else "")
            raise InputError(f"{shown} is not in the data{did_you_mean(rid, known)}", file=codes.file, row=number, column="respondent_id")
        if len(found) > 1:
            raise InputError(
                f"respondent_id {rid!r} is in {len(found)} rows of the data (several waves?); add a wave column to the codes "
                "file to say which wave each row codes",
                file=codes.file, row=number, column="respondent_id",
            )  # fmt: skip
        k, i = found[0]
        if not answered[k][i]:
            raise InputError(
                f"code {code!r} given to respondent {rid!r}, who left {book.question} blank", file=codes.file, row=number, column="code"
            )
        hits[k].setdefault(i, set()).add(code)
    out = []
    for k, responses in enumerate(waves):
        instrument = with_codebooks(responses.instrument, [book])
        given = answered[k]
        columns = []
        for c in book.codes:
            values = [(1 if c.id in hits[k].get(i, ()) else 0) if given[i] else None for i in range(len(given))]
            columns.append(pl.Series(f"{book.question_id}/{c.id}", values, dtype=pl.Int8))
        data = responses.data.drop([s.name for s in columns], strict=False).with_columns(columns)
        out.append(dataclasses.replace(responses, instrument=instrument, data=data))
    return out
