"""What goes with what: a survey-weighted regression of an outcome on predictors named as the
questionnaire names them (``collabstate model``; R's ``svyglm`` on the one design).

**The outcome** is a column or a condition:

- a number question, a scale question or a grid row: its value (a scale's score, the code by
  default); an excluded answer ("Don't know") is missing. The model is linear.
- a multiple-choice option ``q3_stakeholders/citizens``: 1 ticked, 0 not; logistic.
- a condition in the questionnaire's grammar, ``q6_success in (1, 2)``: 1 where it holds, 0 where
  it does not, missing where a question it reads is unanswered or has an excluded answer; logistic.

A single-choice question is refused as an outcome (its codes are not amounts): give a condition.
``family`` overrides the choice of linear or logistic.

**Predictors**, comma-separated:

- a single-choice question (or derived variable): one 0/1 term ``q=CODE`` per code, against the
  first code (in the questionnaire's order) that anyone used has; codes nobody used has are left out
  (R's ``factor()`` with ``drop.unused.levels``). Excluded codes are missing.
- a number, scale question or grid row: its value, as for the outcome;
- a multiple-choice option: 0/1; a whole multiple-choice question: one 0/1 term per option.

A respondent missing the outcome or any predictor is left out (R's ``na.omit``), as a domain of
the full design; so is one outside ``filter``.

>>> from collabstate import Responses, load_instrument
>>> import polars as pl
>>> ins = load_instrument("leaders")
>>> data = pl.DataFrame({"trained": [1, 2, 1, 2, 1, 2, 1, 2], "confidence": [4, 1, 3, 2, 4, 2, 3, 1]})
>>> fit = fit_model(Responses(ins, data), "confidence", ["trained"])
>>> [(r["term"], round(r["estimate"], 3)) for r in fit.rows()]
[('(Intercept)', 3.5), ('trained=2', -2.0)]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from ..dataset import Responses
from ..dataset.derived import filter_condition, within_mask
from ..errors import UsageError
from ..instrument import Instrument
from ..instrument.model import Column, MultipleQuestion
from ..stats import Design
from ..stats.glm import FAMILIES, GLMFit, ModelError, svyglm

__all__ = ["ModelFit", "ModelMatrix", "Term", "column_values", "fit_model", "model_matrix"]


@dataclass(frozen=True)
class Term:
    """A predictor column: its name in the output (``sector=2``), what a person reads
    (``Sector: Private sector (against Public sector)``) and the question it comes from."""

    name: str
    label: str
    source: str


@dataclass(frozen=True)
class ModelFit:
    """The fitted model, with the words around it: the outcome as asked, each term's label, and
    notes a reader needs (codes nobody had, separation, no convergence)."""

    outcome: str
    outcome_label: str
    family: str
    fit: GLMFit
    terms: tuple[Term, ...]
    notes: tuple[str, ...] = field(default=())

    def rows(self, level: float = 0.95) -> list[dict[str, object]]:
        """:meth:`GLMFit.rows`: ``term, estimate, se, ci_low, ci_high, p_value, df, n`` (and the
        odds ratios of a logistic model)."""
        return self.fit.rows(level)

    def label(self, term: str) -> str:
        return next((t.label for t in self.terms if t.name == term), term)


def column_values(responses: Responses, name: str) -> np.ndarray:
    """The column's values as numbers: a coded column's score (NaN for an excluded code and no
    answer), a flag's 0/1, a number's value."""
    column = responses.instrument.column(name)
    series = responses.data[name]
    if column is None or column.kind in ("number", "flag"):
        return series.cast(pl.Float64).fill_null(float("nan")).to_numpy()
    scores = {c.code: float(c.score if c.score is not None else c.code) for c in column.choices if not c.excluded}
    return series.replace_strict(scores, default=None, return_dtype=pl.Float64).fill_null(float("nan")).to_numpy()


def _outcome(responses: Responses, outcome: str) -> tuple[np.ndarray, str, str]:
    """The outcome's values, its default family and its label."""
    ins = responses.instrument
    column = ins.column(outcome)
    if column is not None:
        if column.kind == "text":
            raise UsageError(
                argument="outcome", value=outcome, expected="a number, scale or grid question, an option, or a condition; not text"
            )
        if column.single_choice:
            first = next((c.code for c in column.choices if not c.excluded), 1)
            raise UsageError(argument="outcome", value=outcome,
                             expected=f"a condition on it, such as '{outcome} == {first}' (a single-choice question's codes are not amounts)")  # fmt: skip
        return column_values(responses, outcome), ("logistic" if column.kind == "flag" else "linear"), column.label
    try:
        condition = filter_condition(outcome)
        holds = within_mask(responses, condition).to_numpy().astype(np.float64)
    except UsageError as exc:  # told as the filter's: it is the outcome
        raise UsageError(argument="outcome", value=outcome, expected=exc.context.get("expected", "a condition")) from None
    unknown = np.zeros(responses.n, dtype=bool)
    for name in condition.names:
        for read in _columns_of(ins, name):
            unknown |= np.isnan(column_values(responses, read))
    return np.where(unknown, np.nan, holds), "logistic", f"Respondents for whom {outcome}"


def _columns_of(ins: Instrument, name: str) -> list[str]:
    """The data columns a name in a condition reads: a multiple-choice question's options, or itself."""
    question = next((q for q in ins.questions if q.id == name), None)
    if isinstance(question, MultipleQuestion):
        return [f"{name}/{o.code}" for o in question.options]
    return [name] if ins.column(name) is not None else []


def _predictor(responses: Responses, name: str) -> tuple[list[np.ndarray], list[Term]]:
    ins = responses.instrument
    column = ins.column(name)
    if column is None:
        question = next((q for q in ins.questions if q.id == name), None)
        if isinstance(question, MultipleQuestion):
            cols = [(f"{name}/{o.code}", f"{question.label}: {o.label}") for o in question.options]
            return [column_values(responses, c) for c, _ in cols], [Term(c, label, name) for c, label in cols]
        ins.question(name)  # an unknown name: the error with "did you mean"
        raise UsageError(argument="predictors", value=name, expected="a question, grid row, option or derived variable with one column")
    if column.kind == "text":
        raise UsageError(argument="predictors", value=name, expected="a coded, number or option question, not text")
    label = f"{column.question.label}: {column.label}" if column.question.type == "matrix" else column.label
    return [column_values(responses, name)], [Term(name, label, name)]


@dataclass(frozen=True)
class ModelMatrix:
    """An outcome and its predictors' columns, as the models read them: ``y`` (NaN where the
    outcome is missing or outside the filter), ``x`` (n × columns, NaN where missing), each
    column's :class:`Term`, the predictor (``predictors[group]``) each column comes from, the
    outcome's default family and words, and notes (codes nobody used has)."""

    y: np.ndarray
    x: np.ndarray
    terms: tuple[Term, ...]
    groups: tuple[int, ...]
    predictors: tuple[str, ...]
    family: str
    outcome_label: str
    notes: tuple[str, ...]


def model_matrix(responses: Responses, outcome: str, predictors: list[str], design: Design, filter: str | None = None) -> ModelMatrix:
    """The outcome and predictor columns of a model (see the module's docstring)."""
    if not predictors:
        raise UsageError(argument="predictors", value="", expected="at least one predictor")
    if len(set(predictors)) != len(predictors):
        raise UsageError(argument="predictors", value=",".join(predictors), expected="each predictor once")
    y, family, outcome_label = _outcome(responses, outcome)
    if filter is not None:
        y = np.where(within_mask(responses, filter).to_numpy(), y, np.nan)
    raw: list[tuple[str, list[np.ndarray], list[Term]]] = [(p, *_predictor(responses, p)) for p in predictors]
    usable = np.isfinite(y) & (design.weights > 0)
    for _, values, _ in raw:
        for v in values:
            usable &= np.isfinite(v)
    columns: list[np.ndarray] = []
    terms: list[Term] = []
    groups: list[int] = []
    notes: list[str] = []
    for group, (name, values, named) in enumerate(raw):
        column = responses.instrument.column(name)
        if column is not None and column.single_choice:
            dummies, dummy_terms, note = _dummies(values[0], column, usable)
            values, named = dummies, dummy_terms
            notes += [note] if note else []
        columns += values
        terms += named
        groups += [group] * len(values)
    x = np.column_stack(columns) if columns else np.empty((responses.n, 0))
    return ModelMatrix(y, x, tuple(terms), tuple(groups), tuple(predictors), family, outcome_label, tuple(notes))


def fit_model(
    responses: Responses,
    outcome: str,
    predictors: list[str],
    family: str | None = None,
    *,
    design: Design | None = None,
    filter: str | None = None,
) -> ModelFit:
    """Fit ``outcome`` on ``predictors`` (see the module's docstring) over the design of
    ``responses`` (or ``design``), within ``filter`` when given."""
    if family is not None and family not in FAMILIES:
        raise UsageError(argument="family", value=family, expected=" or ".join(FAMILIES))
    design = design or Design.from_responses(responses)
    matrix = model_matrix(responses, outcome, predictors, design, filter)
    chosen = family or matrix.family
    fit = svyglm(design, matrix.x, matrix.y, [t.name for t in matrix.terms], chosen)  # type: ignore[arg-type]
    notes = list(matrix.notes)
    if not fit.converged:
        notes.append(f"the logistic model did not converge in {fit.iterations} iterations: its figures are not reliable")
    if fit.separated:
        notes.append(
            "some predictors separate the outcome (fitted probabilities of 0 or 1): their odds ratios and intervals are not reliable"
        )
    return ModelFit(outcome, matrix.outcome_label, chosen, fit, (Term("(Intercept)", "(Intercept)", ""), *matrix.terms), tuple(notes))


def _dummies(codes: np.ndarray, column: Column, usable: np.ndarray) -> tuple[list[np.ndarray], list[Term], str]:
    """One 0/1 column per code some respondent used has, against the first such code."""
    labels = {c.code: c.label for c in column.choices if not c.excluded}
    present = set(np.unique(codes[usable]).astype(int).tolist())
    used = [code for code in labels if code in present]
    missing = [labels[code] for code in labels if code not in present]
    note = f"{column.name}: nobody used has {', '.join(missing)}, left out" if missing and used else ""
    if len(used) < 2:
        only = f"has {labels[used[0]]}" if used else "has an answer"
        raise ModelError(f"{column.name}: every respondent used {only}, so it explains nothing: leave it out")
    reference = used[0]
    out, terms = [], []
    for code in used[1:]:
        out.append(np.where(np.isnan(codes), np.nan, (codes == code).astype(np.float64)))
        terms.append(Term(f"{column.name}={code}", f"{column.label}: {labels[code]} (against {labels[reference]})", column.name))
    return out, terms, note
