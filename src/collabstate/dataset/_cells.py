"""Typing the cells of a frame of strings, column by column, vectorised.

A coded column (codes of a scale, multiple-choice flags) holds few distinct strings however
many rows it has, so it is held as a categorical: each distinct string is resolved once
(trimmed, lowercased, looked up among the codes and labels; ``1.0`` counts as 1) and the
column is typed by gathering the results by the cells' category ids. Text, numbers and design
columns are typed with plain vectorised casts; the few number cells a cast cannot settle
(``" 3 "``, and the invalid) go through a second, small long frame. Only the failing cells
become problems. No Python loop ever runs over rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

import polars as pl
from polars.datatypes import DataTypeClass

from ..errors import UsageError
from ..instrument.bounds import (
    FORBIDDEN_TEXT,
    NUMBER_CHARACTERS,
    NUMBER_PATTERN,
    TEXT_LENGTH,
    number_bounds,
    text_expected,
    text_length_expr,
)
from ..instrument.model import Column, NumberQuestion

__all__ = ["PROBLEM_SCHEMA", "Target", "as_categories", "expected_code", "problem_frame", "type_cells"]

#: The long frame of problems: frame row index, file column position, kind, value, expected.
PROBLEM_SCHEMA: dict[str, pl.DataType] = {
    "idx": pl.Int64(),
    "pos": pl.Int64(),
    "kind": pl.String(),
    "value": pl.String(),
    "expected": pl.String(),
}

_FLAGS = {"0": 0, "1": 1, "false": 0, "true": 1, "no": 0, "yes": 1}
_WORDS = {"code": "bad_code", "flag": "bad_flag", "number": "not_a_number"}
#: What typing a coded column's strings depends on: flags, or the codes and labels of its choices; and the strings (by id).
_Signature = tuple[Literal["flag"], int] | tuple[Literal["code"], tuple[tuple[int, str], ...], int]


@dataclass(frozen=True)
class Target:
    """A column of the file that the instrument knows."""

    name: str  # canonical name: an instrument column or a design column
    raw: str  # the column's name in the frame of strings
    heading: str  # the column's heading as written in the file
    pos: int  # position in the file
    column: Column | None  # None for a design column

    @property
    def kind(self) -> str:
        return self.column.kind if self.column is not None else self.name

    @property
    def instrument_column(self) -> Column:
        """The instrument column of a target whose :attr:`kind` is a column kind (code, flag, number, text)."""
        if self.column is None:
            raise UsageError(f"{self.name!r} is a design column, not a column of the instrument")
        return self.column


def _what(column: Column) -> str:
    if column.question.type == "matrix":
        return f"{column.label} ({column.question.label})"
    return column.label


def expected_code(column: Column) -> str:
    choices = ", ".join(f"{c.code} {c.label}" for c in column.choices)
    return f"a code of {_what(column)}: {choices}"


def expected_number(column: Column) -> str:
    """What a number column may hold (:func:`collabstate.instrument.bounds.number_bounds`), in words."""
    return f"{number_bounds(cast(NumberQuestion, column.question)).describe()} for {_what(column)}"


def _expected(target: Target) -> str:
    column = target.column
    if column is None:
        return ""
    if column.kind == "code":
        return expected_code(column)
    if column.kind == "flag":
        return f"a flag for {column.label}: 1 ticked or 0 not ticked (also true/false, yes/no)"
    return expected_number(column)


_MISSING = {
    "respondent_id": "a respondent_id (the column is there, so every row needs one)",
    "wave": "a wave (the column is there, so every row needs one)",
    "weight": "a weight greater than 0 (the column is there, so every row needs one)",
    "stratum": "a stratum (the column is there, so every row needs one)",
    "cluster": "a cluster (the column is there, so every row needs one)",
    "org_id": "an org_id (the column is there, so every row needs one)",
}


def _resolve(strings: pl.Series, target: Target) -> tuple[pl.Series, pl.Series]:
    """For each distinct string of a coded column: its code (or 0/1 flag), and whether it fails.

    Trimmed and case-insensitive; codes win over labels; a whole number such as ``1.0`` counts
    as its code; an empty or blank string is not answered (null, not a failure).
    """
    key = strings.str.strip_chars().str.to_lowercase()
    if target.kind == "code":
        choices = target.instrument_column.choices
        lookup = {c.label.strip().lower(): c.code for c in choices}
        lookup.update({str(c.code): c.code for c in choices})
        allowed = [c.code for c in choices]
        dtype: DataTypeClass = pl.Int64
    else:
        lookup, allowed, dtype = dict(_FLAGS), [0, 1], pl.Int8
    number = key.cast(pl.Float64, strict=False)
    whole = number.is_finite() & (number == number.round(0)) & (number.abs() < 2.0**53)
    by_number = pl.select(pl.when(pl.lit(whole)).then(pl.lit(number).cast(pl.Int64, strict=False))).to_series()
    by_number = by_number.set(~by_number.is_in(allowed).fill_null(False), None)
    by_key = key.replace_strict(lookup, default=None, return_dtype=pl.Int64)
    coalesced = pl.coalesce(pl.lit(by_key), pl.lit(by_number))
    values = pl.select(coalesced.cast(dtype)).to_series()
    failed = (key != "") & values.is_null()
    return values, failed


def _signature(target: Target, strings: pl.Series) -> _Signature:
    if target.kind == "flag":
        return ("flag", id(strings))
    return ("code", tuple((c.code, c.label) for c in target.instrument_column.choices), id(strings))


def _plain(target: Target) -> tuple[pl.Expr, pl.Expr | None]:
    """A column read as text: the typed column, and the cells the cast could not settle."""
    r = pl.col(target.raw)
    if target.kind == "number":
        typed = r.cast(pl.Float64, strict=False)
        return typed, r.is_not_null() & ~typed.is_finite().fill_null(False)
    if target.kind == "text":
        return pl.when(r.str.strip_chars() == "").then(None).otherwise(r), None
    stripped = r.str.strip_chars()
    return pl.when(stripped == "").then(None).otherwise(stripped), None


def as_categories(raw: pl.DataFrame, targets: list[Target]) -> pl.DataFrame:
    """Coded columns (codes, flags) as categoricals, if they were not read so."""
    text = [t.raw for t in targets if t.kind in ("code", "flag") and raw.schema[t.raw] == pl.String]
    if not text:
        return raw
    categorical = pl.Categorical(pl.Categories.random())
    return raw.with_columns(pl.col(text).cast(categorical))


def type_cells(raw: pl.DataFrame, targets: list[Target], needed: set[str]) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, pl.Series]]:
    """Type every known column of ``raw`` (coded columns categorical: see :func:`as_categories`).

    A coded column is typed through its few distinct strings: each is resolved once, then the
    column is a gather of the results by the cells' category ids. Returns the typed frame
    (canonical names; invalid cells null), the long frame of cell problems
    (:data:`PROBLEM_SCHEMA`), and for each column in ``needed`` that has problems, a boolean mask
    of its failing rows.
    """
    exprs: list[pl.Expr] = []
    masks: dict[str, str] = {}
    resolved: dict[_Signature, tuple[pl.Series, pl.Series]] = {}
    categories: dict[str, pl.Series] = {}
    for t in targets:
        exc: pl.Expr | None
        if t.kind in ("code", "flag"):
            # as_categories made every coded column categorical
            cats = cast(pl.Categorical, raw.schema[t.raw]).categories
            strings = categories.setdefault(f"{cats.namespace}\x00{cats.name}", cats.to_series())
            key = _signature(t, strings)
            if key not in resolved:
                resolved[key] = _resolve(strings, t)
            values, failed = resolved[key]
            ids = pl.col(t.raw).to_physical()
            if values.len():
                exprs.append(pl.lit(values).gather(ids).alias(t.name))
            else:
                exprs.append(ids.cast(values.dtype).alias(t.name))  # every cell empty
            bad = failed.arg_true().cast(pl.UInt32)  # the category ids that fail
            exc = ids.is_in(bad.implode()).fill_null(False) if bad.len() else None
        else:
            expr, exc = _plain(t)
            exprs.append(expr.alias(t.name))
        if exc is not None:
            masks[t.name] = f"\x00exc\x00{t.name}"
            exprs.append(exc.alias(masks[t.name]))
    both = raw.lazy().select(exprs).collect()  # lazily, so that each cast is computed once
    typed = both.select([t.name for t in targets])
    by_name = {t.name: t for t in targets}

    problems, numbers = [_empty()], []
    for name, mask in masks.items():
        rows = both[mask].arg_true()
        if not rows.len():
            continue
        t = by_name[name]
        values = raw[t.raw].gather(rows).cast(pl.String)
        if t.kind == "number":
            cells = pl.DataFrame({"idx": rows.cast(pl.Int64), "value": values})
            numbers.append(cells.with_columns(pos=pl.lit(t.pos, pl.Int64)))
        else:
            problems.append(problem_frame(rows, t.pos, _WORDS[t.kind], values, _expected(t)))
    del both
    if numbers:
        typed, found = _numbers(typed, pl.concat(numbers, how="vertical"), targets)
        problems.append(found)
    typed, design = _design_problems(raw, typed, targets)
    problems += design
    problems += _range_problems(raw, typed, targets)
    problems += _text_problems(raw, targets)
    out = pl.concat(problems, how="vertical")
    return typed, out, _fail_masks(out, [t for t in targets if t.name in needed], raw.height)


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=PROBLEM_SCHEMA)


def _numbers(typed: pl.DataFrame, cells: pl.DataFrame, targets: list[Target]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Settle the number cells a plain cast could not: spaces around, blanks, and the invalid."""
    by_pos = {t.pos: t for t in targets}
    written = pl.col("value").str.strip_chars()
    number = written.cast(pl.Float64, strict=False)
    cells = cells.with_columns(
        resolved=pl.when(number.is_finite()).then(number),
        blank=written == "",
        # digits beyond a double (401 of them) cast to infinity: a number, out of range, never inf
        huge=written.str.contains(NUMBER_PATTERN) & number.is_infinite(),
    ).with_columns(failed=~pl.col("blank") & pl.col("resolved").is_null())
    for (pos,), group in cells.group_by(["pos"], maintain_order=True):
        t = by_pos[pos]
        column = typed[t.name].scatter(group["idx"], group["resolved"])
        typed = typed.with_columns(column.alias(t.name))
    expected = {t.pos: _expected(t) for t in targets if t.kind == "number"}
    found = cells.filter("failed").select(
        "idx",
        "pos",
        pl.when(pl.col("huge")).then(pl.lit("out_of_range")).otherwise(pl.lit("not_a_number")).alias("kind"),
        "value",
        pl.col("pos").replace_strict(expected, return_dtype=pl.String).alias("expected"),
    )
    return typed, found


def _design_problems(raw: pl.DataFrame, typed: pl.DataFrame, targets: list[Target]) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Empty design cells and weights that are not positive numbers; the weight typed as Float64."""
    out = []
    for t in targets:
        if t.column is not None:
            continue
        missing = typed[t.name].is_null()
        if missing.any():
            out.append(problem_frame(missing.arg_true(), t.pos, "missing_design", None, _MISSING[t.name]))
        if t.name == "weight":
            weight = typed["weight"].cast(pl.Float64, strict=False)
            bad = ~missing & ~(weight.is_finite() & (weight > 0)).fill_null(False)
            if bad.any():
                rows = bad.arg_true()
                expected = "a weight: a number greater than 0"
                out.append(problem_frame(rows, t.pos, "bad_weight", raw[t.raw].gather(rows), expected))
                weight = weight.scatter(rows, None)
            typed = typed.with_columns(weight.alias("weight"))
    return typed, out


def _range_problems(raw: pl.DataFrame, typed: pl.DataFrame, targets: list[Target]) -> list[pl.DataFrame]:
    """Numbers outside the question's bounds (:mod:`collabstate.instrument.bounds`), written in
    too many characters, or not whole where a whole number is asked for."""
    out = []
    for t in targets:
        if t.kind != "number":
            continue
        column = t.instrument_column
        bounds = number_bounds(cast(NumberQuestion, column.question))  # a number column is a number question's
        x = typed[t.name]
        outside = ((x < bounds.minimum) | (x > bounds.maximum)).fill_null(False)
        if outside.any():
            rows = outside.arg_true()
            out.append(problem_frame(rows, t.pos, "out_of_range", raw[t.raw].gather(rows), expected_number(column)))
        written = raw[t.raw].cast(pl.String).str.strip_chars().str.len_chars()
        long = (written > NUMBER_CHARACTERS).fill_null(False) & x.is_not_null() & ~outside
        if long.any():
            rows = long.arg_true()
            expected = f"{expected_number(column)}, written in at most {NUMBER_CHARACTERS} characters"
            out.append(problem_frame(rows, t.pos, "too_long", raw[t.raw].gather(rows), expected))
        if bounds.integer:
            fraction = (x != x.round(0)).fill_null(False) & ~outside & ~long
            if fraction.any():
                rows = fraction.arg_true()
                out.append(problem_frame(rows, t.pos, "not_whole", raw[t.raw].gather(rows), expected_number(column)))
    return out


def _text_problems(raw: pl.DataFrame, targets: list[Target]) -> list[pl.DataFrame]:
    """Text answers longer than a cell holds, or holding a character no format can store."""
    out = []
    for t in targets:
        if t.kind != "text":
            continue
        text = raw[t.raw].cast(pl.String)
        # only a text of more than half the limit in characters can exceed it in UTF-16 units
        rows = (text.str.len_chars() > TEXT_LENGTH // 2).fill_null(False).arg_true()
        if rows.len():
            units = pl.select(text_length_expr(pl.lit(text.gather(rows)))).to_series()
            rows = rows.filter(units > TEXT_LENGTH)
        if rows.len():
            out.append(problem_frame(rows, t.pos, "too_long", text.gather(rows), text_expected("too_long")))
        bad = text.str.contains_any(list(FORBIDDEN_TEXT)).fill_null(False)
        if rows.len():
            bad = bad.scatter(rows, False)  # one problem a cell
        if bad.any():
            found = bad.arg_true()
            out.append(problem_frame(found, t.pos, "bad_text", text.gather(found), text_expected("bad_text")))
    return out


def problem_frame(rows: pl.Series, pos: pl.Series | int, kind: str, values: pl.Series | None, expected: pl.Series | str) -> pl.DataFrame:
    """Problems of one kind as a long frame (:data:`PROBLEM_SCHEMA`), one per row index."""
    n = rows.len()

    def column(value: pl.Series | int | str | None, dtype: DataTypeClass) -> pl.Series:
        return value.cast(dtype) if isinstance(value, pl.Series) else pl.repeat(value, n, dtype=dtype, eager=True)

    return pl.DataFrame(
        {
            "idx": rows.cast(pl.Int64),
            "pos": column(pos, pl.Int64),
            "kind": column(kind, pl.String),
            "value": column(values, pl.String),
            "expected": column(expected, pl.String),
        },
        schema=PROBLEM_SCHEMA,
    )


def _fail_masks(problems: pl.DataFrame, targets: list[Target], n: int) -> dict[str, pl.Series]:
    """For each column with a problem, which rows fail."""
    names = {t.pos: t.name for t in targets}
    masks = {}
    for (pos,), group in problems.filter(pl.col("pos").is_in(list(names))).group_by(["pos"]):
        masks[names[pos]] = pl.repeat(False, n, dtype=pl.Boolean, eager=True).scatter(group["idx"], True)
    return masks
