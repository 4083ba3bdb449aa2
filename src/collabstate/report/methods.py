"""The methods section: sample, response rate where known, weighting, interval method, tests,
suppression rules, and the wording of every question with its bases."""

from __future__ import annotations

import polars as pl

from ..instrument.model import MatrixQuestion, MultipleQuestion, NumberQuestion, TextQuestion
from ..stats.agreement import Agreement
from .evidence import Evidence
from .model import Cell, Column, Row, Section, Table

__all__ = ["agreement_sentence", "methods_section"]

CI_NAMES = {
    "wilson": "Wilson score intervals on the effective base",
    "logit": "logit intervals",
    "beta": "Korn–Graubard (Clopper–Pearson on the effective base) intervals",
    "wald": "Wald intervals",
}


def _answers(ev: Evidence, q) -> str:
    ins = ev.instrument
    if isinstance(q, MultipleQuestion):
        return "Tick any: " + "; ".join(o.label for o in q.options)
    if isinstance(q, TextQuestion):
        return "Free text"
    if isinstance(q, NumberQuestion):
        return "A number"
    choices = "; ".join(f"{c.code} {c.label}" + (" (excluded from bases)" if c.excluded else "") for c in ins.choices(q))
    nets = "; ".join(f"{n.label} = {', '.join(str(c) for c in n.codes)}" for n in ins.nets(q))
    return choices + (f". NETs: {nets}" if nets else "")


def _sample(ev: Evidence) -> list[str]:
    n = ev.responses.n
    lines = [f"{n:,} respondents" + (f" in {ev.wave}" if ev.wave else "") + "."]
    lines.append(_response_rate(ev, n))
    return lines


def _response_rate(ev: Evidence, n: int) -> str:
    """Invitees who completed over those invited. Responses imported from files are named beside
    the rate, never counted in it; without the number of invitees who completed, the respondents
    analysed (less any imported) stand for it, and a rate over 100% is never printed."""
    imported = ev.imported or 0
    beside = f"; plus {imported:,} responses imported from files, analysed but not part of the rate" if imported else ""
    if not ev.invited:
        return "Response rate: not known (the number invited was not given)" + beside + "."
    if ev.invited_completed is not None:
        completed, counted = ev.invited_completed, "invitees who completed"
    else:
        completed = max(n - imported, 0)
        counted = "respondents analysed" + (", less those imported from files," if imported else "")
    if completed > ev.invited:
        return (
            f"Response rate: not computed: the {completed:,} {counted} exceed the {ev.invited:,} invited, so some of them "
            f"were not invited (responses imported from files or by an open link, for instance){beside}."
        )
    line = f"Response rate: {completed:,} of {ev.invited:,} invited, {completed / ev.invited:.1%}{beside}."
    if ev.invited_completed is not None and n > completed + imported:
        line += (
            " Responses from people who were not invited (by an open link, for instance) are analysed too, but are not part of the rate."
        )
    return line


def _comparisons(ev: Evidence) -> list[str]:
    """Which waves, in what order and why, how respondents were matched, and the test, for every
    comparison the report makes."""
    if not ev.waves:
        return []
    described = ", ".join(f"{w} ({ev.sizes.get(w, 0):,} respondents)" for w in ev.waves)
    lines = [f"Waves, earliest first: {described}. Put in order {ev.ordered}."]
    level = f"{ev.level:.0%}"
    for earlier in [w for w in (ev.previous_wave, ev.first_wave) if w]:
        matched = ev.panel.between(earlier, ev.wave or "") if ev.panel else 0
        if matched:
            unit = "respondents" if ev.panel and ev.panel.column == "respondent_id" else "organisations"
            how = (f"{matched:,} {unit} answered both (matched on {ev.panel.column if ev.panel else ''}); their answers are paired: the two waves "
                   f"are one stacked design with each of them as a cluster, so the change's variance includes the covariance between "
                   f"their answers (as R survey's svycontrast on svyby over the stacked design); the others count as independent samples")  # fmt: skip
        else:
            how = "no respondent was matched between them, so they are compared as independent samples"
        lines.append(f"{ev.wave} against {earlier}: {how}. Test: the difference ({ev.wave} minus {earlier}) with its {level} interval and a "
                     f"two-sided z test on its linearised variance, at {level}.")  # fmt: skip
    return lines


def _weighting(ev: Evidence) -> list[str]:
    r = ev.responses
    lines = list(ev.weighting)
    if r.weight is None:
        lines.append("Unweighted: every respondent counts equally.")
    else:
        totals = ev.table.filter(pl.col("group").is_null() & pl.col("deff").is_not_null())
        if totals.height:
            worst = totals.sort("deff", descending=True).row(0, named=True)
            lines.append(
                f"Weighted (column '{r.weight}'). The largest design effect of a total is {worst['deff']:.2f} "
                f"(effective base {worst['n_eff']:,.0f} of {worst['n']:,})."
            )
    if r.strata or r.cluster:
        parts = [f"strata '{r.strata}'" if r.strata else "", f"clusters '{r.cluster}'" if r.cluster else ""]
        lines.append("Design: " + " and ".join(p for p in parts if p) + "; variances account for them.")
    return lines


def _statistics(ev: Evidence) -> list[str]:
    level = f"{ev.level:.0%}"
    return [
        "Percentages are of valid answers: 'not applicable' and unanswered questions are left out of the base (the table of questions gives the counts).",
        f"Intervals: {level}; {CI_NAMES.get(ev.ci, ev.ci)} for shares, t intervals on the design degrees of freedom for means and scores; "
        "standard errors by Taylor linearisation (with-replacement first stage), groups estimated as domains.",
        f"Significance letters: within a table, a group's letters name the groups it is significantly higher than (two-sided z test at {level} "
        "on the difference's own variance). Letters are not adjusted for multiple comparisons.",
        f"Changes between waves: the difference with its {level} interval and a two-sided z test; a change is called a rise or a fall only when "
        "significant, otherwise 'no significant change', with both figures shown.",
        f"Suppression: an estimate on a base under {ev.min_base} is never shown ('suppressed'; its base is given as 'under {ev.min_base}'). "
        f"Bases under {ev.low_base} are marked * (low base: read with care).",
    ]


def _models(ev: Evidence) -> list[str]:
    works = ev.instrument.what_works
    assert works is not None
    return [
        f"The outcome: {works.outcome} (1 where it holds, 0 where not; respondents who did not answer are left out).",
        "Odds ratios: for each answer on its own, a survey-weighted logistic regression (as R's svyglm) of the outcome on the answer's "
        "score, with design-based standard errors; intervals and p-values use t on the design's degrees of freedom.",
        "Shares of what the answers explain: Johnson's relative weights of all the answers together on the outcome (a linear "
        "probability model), with intervals from the delete-one-cluster jackknife within strata.",
        "The grid: each index factor by its mean stated importance and mean prevalence, the lines at their means across factors.",
        "Hanging together: Cronbach's alpha with Feldt's interval, and McDonald's omega and the fit of a one-factor model by maximum "
        "likelihood, on the respondents who rated every item (unweighted, as R's psych and lavaan).",
        "These are associations in cross-sectional data: they do not show what brings the outcome about.",
    ]


def _questions(ev: Evidence) -> Table:
    counts = {}
    if ev.counts is not None:
        for row in ev.counts.filter(pl.col("group").is_null()).iter_rows(named=True):
            counts[row["question"]] = row
    rows = []
    for q in ev.instrument.questions:
        ids = [(r.id, r.text) for r in q.rows] if isinstance(q, MatrixQuestion) else [(q.id, "")]
        for i, (qid, row_text) in enumerate(ids):
            c = counts.get(qid, {})
            wording = q.text if i == 0 else ""
            if row_text:
                wording = (wording + " — " if wording else "") + row_text
            rows.append(Row(qid, [
                Cell.of_text(wording), Cell.of_text(_answers(ev, q) if i == 0 else "as above"), Cell.of_text(q.relevant or "everyone"),
                Cell("count", c.get("valid")), Cell("count", c.get("excluded")), Cell("count", c.get("not_answered")), Cell("count", c.get("not_asked")),
            ]))  # fmt: skip
    columns = [Column(x) for x in ("Question as asked", "Answers", "Asked when", "Valid", "Excluded", "Not answered", "Not asked")]
    return Table("t-questions", "The questions: wording, answers, skip logic and bases", "Id", columns, rows, show_bases=False)


def methods_section(ev: Evidence) -> Section:
    section = Section("methods", "Methods")
    ins = ev.instrument
    section.intro.append(f"Instrument: {ins.title} ({ins.id})." + (f" Source: {ins.source}." if ins.source else ""))
    section.lists.append(("Sample", _sample(ev)))
    comparisons = _comparisons(ev)
    if comparisons:
        section.lists.append(("Comparisons between waves", comparisons))
    section.lists.append(("Weighting", _weighting(ev)))
    section.lists.append(("Statistics", _statistics(ev)))
    if ins.what_works is not None:
        section.lists.append(("What works: the models", _models(ev)))
    section.blocks.append(_questions(ev))
    return section


def agreement_sentence(result: Agreement) -> str:
    """The methods' sentence on two coders' agreement (issue 19): how many answers, the pooled
    Cohen's kappa with the range of the codes' kappas, and Krippendorff's alpha; an undefined
    figure is said so, with the codes it could not be computed for.

    >>> from collabstate.stats.agreement import agreement
    >>> a = {"1": ["a"], "2": ["b"], "3": ["a", "c"], "4": ["c"]}
    >>> b = {"1": ["a"], "2": ["b", "c"], "3": ["b"], "4": ["c"]}
    >>> print(agreement_sentence(agreement(a, b)))
    Two coders coded 4 answers independently; Cohen's kappa 0.33 overall (pooled over 3 codes; 0.00 to 0.50 across them); Krippendorff's alpha 0.34.
    """
    kappa = "undefined overall (no code varied)" if result.overall_kappa is None else f"{result.overall_kappa:.2f} overall"
    codes = len(result.codes)
    spread = result.kappa_range
    defined = sum(c.kappa is not None for c in result.codes)
    detail = f"pooled over {codes} code{'' if codes == 1 else 's'}"
    if spread is not None:
        low, high = f"{spread[0]:.2f}", f"{spread[1]:.2f}"
        detail += f"; {low} to {high}" if low != high else f"; {low}"
        detail += " across " + ("them" if defined == codes else f"the {defined} that varied")
    alpha = "undefined" if result.krippendorff_alpha is None else f"{result.krippendorff_alpha:.2f}"
    answers = f"{result.n} answer{'' if result.n == 1 else 's'}"
    return f"Two coders coded {answers} independently; Cohen's kappa {kappa} ({detail}); Krippendorff's alpha {alpha}."
