"""Checks across the columns of a row, on the typed frame, vectorised.

- an exclusive option (``none``) ticked with another option of its question;
- an answer to a question that skip logic says was not asked: the question's own
  ``condition.expr(instrument.multiple)``, the one evaluator of skip logic, on the typed frame.
  A row whose answers to the condition's questions are themselves invalid is not judged (its
  invalid answers are reported instead), nor is a file that lacks the columns the condition
  reads (``civil_service`` without ``sector``);
- a respondent_id already used in an earlier row of the same wave (the first row keeps it; every
  later row with the same id is a problem that names the first). In a file of several waves (a
  ``wave`` column) the same id in two waves is one respondent followed: a panel, not a problem;
- and, last, a multiple-choice question with some options ticked and others left empty has the
  empty ones set to 0 (not ticked); with every option empty it stays not answered.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from ..instrument import Condition, Instrument
from ..instrument.model import MultipleQuestion, Question
from ._cells import Target, problem_frame
from .responses import KIND_DTYPES

__all__ = ["check_rows", "complete", "condition_columns"]


def complete(typed: pl.DataFrame, instrument: Instrument) -> pl.DataFrame:
    """Every instrument column, those the file lacks as not answered."""
    missing = [pl.lit(None, KIND_DTYPES[c.kind]).alias(c.name) for c in instrument.columns if c.name not in typed.columns]
    return typed.with_columns(missing) if missing else typed


def check_rows(
    typed: pl.DataFrame,
    raw: pl.DataFrame,
    instrument: Instrument,
    targets: list[Target],
    failed: dict[str, pl.Series],
    row_numbers: pl.Series,
) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Row-level problems; returns the typed frame (multiple choice completed) and the problems."""
    by_name = {t.name: t for t in targets}
    full = complete(typed, instrument)
    problems = _exclusive(full, raw, instrument, by_name)
    problems += _not_asked(full, raw, instrument, by_name, failed)
    if "respondent_id" in by_name:
        problems += _duplicates(full, raw, by_name["respondent_id"], row_numbers)
    return _fill_multiple(full, instrument, by_name), problems


def _multiples(instrument: Instrument) -> list[MultipleQuestion]:
    return [q for q in instrument.questions if isinstance(q, MultipleQuestion)]


def _exclusive(full: pl.DataFrame, raw: pl.DataFrame, instrument: Instrument, by_name: dict[str, Target]) -> list[pl.DataFrame]:
    out = []
    for q in _multiples(instrument):
        for option in (o for o in q.options if o.exclusive):
            name = f"{q.id}/{option.code}"
            if name not in by_name:
                continue
            others = [o for o in q.options if o is not option and f"{q.id}/{o.code}" in by_name]
            if not others:
                continue
            ticked = [(pl.col(f"{q.id}/{o.code}") == 1).fill_null(False) for o in others]
            clash = full.select((pl.col(name) == 1).fill_null(False) & pl.any_horizontal(ticked)).to_series()
            if not clash.any():
                continue
            rows = clash.arg_true()
            also = (
                full[[f"{q.id}/{o.code}" for o in others]]
                .gather(rows)
                .select(
                    pl.concat_list([pl.when(pl.col(f"{q.id}/{o.code}") == 1).then(pl.lit(o.label)) for o in others])
                    .list.drop_nulls()
                    .list.join(", ")
                )
                .to_series()
            )
            alone = f"'{option.label}' on its own: it cannot be ticked with another option of {q.label}"
            expected = pl.select(pl.concat_str([pl.lit(f"{alone} (also ticked: "), pl.lit(also), pl.lit(")")])).to_series()
            t = by_name[name]
            out.append(problem_frame(rows, t.pos, "exclusive_option", raw[t.raw].gather(rows), expected))
    return out


def _readable(condition: Condition, instrument: Instrument, by_name: dict[str, Target]) -> bool:
    """Whether the file has the columns a condition reads (otherwise it cannot be judged)."""
    multiple = instrument.multiple
    for name in condition.names:
        options = [f"{name}/{o}" for o in multiple[name]] if name in multiple else [name]
        if not any(c in by_name for c in options):
            return False
    return all(f"{q}/{o}" in by_name for q, o in condition.selected_options)


def _units(instrument: Instrument, by_name: dict[str, Target]) -> Iterator[tuple[Question, Condition, list[str]]]:
    """(question, its condition, its columns present in the file) for every question whose condition can be judged."""
    for q in instrument.questions:
        condition = q.condition
        if condition is None or not _readable(condition, instrument, by_name):
            continue
        if isinstance(q, MultipleQuestion):
            present = [f"{q.id}/{o.code}" for o in q.options if f"{q.id}/{o.code}" in by_name]
            if present:
                yield q, condition, present
        else:
            for c in instrument.columns:
                if c.question is q and c.name in by_name:
                    yield q, condition, [c.name]


def condition_columns(instrument: Instrument) -> set[str]:
    """The data columns that some condition reads."""
    return {c for q in instrument.questions if q.condition is not None for c in _depends(instrument, q.condition.names)}


def _depends(instrument: Instrument, names: set[str]) -> list[str]:
    multiple = instrument.multiple
    out = []
    for name in names:
        out += [f"{name}/{o}" for o in multiple[name]] if name in multiple else [name]
    return out


def _not_asked(
    full: pl.DataFrame, raw: pl.DataFrame, instrument: Instrument, by_name: dict[str, Target], failed: dict[str, pl.Series]
) -> list[pl.DataFrame]:
    units = list(_units(instrument, by_name))
    if not units:
        return []
    exprs = []
    for i, (_, condition, present) in enumerate(units):
        answered = pl.any_horizontal([pl.col(c).is_not_null() for c in present])
        judged = [failed[c] for c in _depends(instrument, condition.names) if c in failed]
        blocked = pl.any_horizontal([pl.lit(m) for m in judged]) if judged else pl.lit(False)
        exprs.append((answered & ~condition.expr(instrument.multiple) & ~blocked).alias(f"u{i}"))
    flags = full.select(exprs)
    out = []
    for i, (q, condition, present) in enumerate(units):
        hit = flags[f"u{i}"]
        if not hit.any():
            continue
        rows = hit.arg_true()
        where = full[present].gather(rows)
        values = raw[[by_name[c].raw for c in present]].gather(rows)
        values = values.rename({by_name[c].raw: f"raw{j}" for j, c in enumerate(present)})
        picked = pl.concat([where, values], how="horizontal")
        chosen = picked.select(
            pos=pl.coalesce([pl.when(pl.col(c).is_not_null()).then(pl.lit(by_name[c].pos)) for c in present]),
            value=pl.coalesce([pl.when(pl.col(c).is_not_null()).then(pl.col(f"raw{j}")) for j, c in enumerate(present)]),
        )
        expected = f"no answer: {q.label} is asked only when {condition.source}"
        out.append(problem_frame(rows, chosen["pos"], "not_asked", chosen["value"], expected))
    return out


def _duplicates(full: pl.DataFrame, raw: pl.DataFrame, target: Target, row_numbers: pl.Series) -> list[pl.DataFrame]:
    keys = ["respondent_id", *(["wave"] if "wave" in full.columns else [])]
    ids = full.select(keys).with_row_index("i").with_columns(first=pl.col("i").min().over(keys))
    repeat = ids["respondent_id"].is_not_null() & (ids["first"] != ids["i"])
    if not repeat.any():
        return []
    rows = repeat.arg_true()
    first_rows = row_numbers.gather(ids["first"].gather(rows))
    once = "a respondent_id used only once in its wave" if len(keys) > 1 else "a respondent_id used only once"
    already = pl.lit(f"{once}; it is already used in row ")
    expected = pl.select(pl.concat_str([already, pl.lit(first_rows).cast(pl.String)])).to_series()
    return [problem_frame(rows, target.pos, "duplicate_id", raw[target.raw].gather(rows), expected)]


def _fill_multiple(full: pl.DataFrame, instrument: Instrument, by_name: dict[str, Target]) -> pl.DataFrame:
    exprs = []
    for q in _multiples(instrument):
        present = [f"{q.id}/{o.code}" for o in q.options if f"{q.id}/{o.code}" in by_name]
        if not present:
            continue
        answered = pl.any_horizontal([pl.col(c).is_not_null() for c in present])
        exprs += [pl.when(answered).then(pl.col(c).fill_null(0)).otherwise(None).cast(pl.Int8).alias(c) for c in present]
    return full.with_columns(exprs) if exprs else full
