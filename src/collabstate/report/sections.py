"""The report's sections, driven by the instrument: a section appears when its questions exist.

Order: headline figures; findings; then the topic sections of :data:`PLAN` (each renders the
questions it names that the instrument has, by type); the index sections; the public-involvement
ladder; what works (when the instrument names an outcome); any coded question no section claimed; a section
per coded open question (its themes, :mod:`.themes_section`); "in their own words" (quotes of the open questions
not coded); who took part; the tables
saved for the report in the workspace, if any; methods.
Every number comes from the :class:`~collabstate.report.evidence.Evidence`.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..analysis.findings import Finding, choose_findings, key_findings, significant
from ..analysis.headlines import headline_measures
from ..analysis.quotes import sample_quotes
from ..analysis.redact import redact
from ..dataset.codes import Codes
from ..instrument.model import MatrixQuestion, MultipleQuestion, NumberQuestion, ScaleQuestion, SingleQuestion, TextQuestion
from .blocks import distribution, ranking, statements
from .crosstab import CrosstabLayout, crosstab_section
from .evidence import Evidence
from .findings import change_sentence, finding_sentence
from .index_section import index_section
from .methods import methods_section
from .model import Figure, Kind, Quote, Report, Section, fmt_count, fmt_number, fmt_pct
from .themes_section import themes_questions, themes_section
from .trend_section import trend_section
from .what_works import what_works_section

__all__ = ["PLAN", "QUOTE_SEED", "build_model"]

QUOTE_SEED = 2018

#: Topic sections: (id, title, question ids in the order shown). Ids of both built-in instruments.
PLAN: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("practice", "Collaboration in practice",
     ("q1_example", "q3_stakeholders", "q4_n_orgs", "q5_staff_level", "q6_success", "q7_importance", "q9_better", "q11_incentivise", "q12_tools")),
    ("state", "The state of collaboration", ("growth_belief", "state_rating")),
    ("statements", "Statements about collaboration", ("statements",)),
    ("rankings", "Enablers, barriers and domains", ("enablers", "barriers", "domains")),
    ("skills", "Skills and support", ("trained", "org_support")),
    ("outlook", "Optimism and confidence", ("optimism", "confidence")),
)  # fmt: skip
LADDER = ("ladder", "The public-involvement ladder", "q10_involvement", "q6_success")
PROFILE_IDS = ("sector", "civil_service", "role", "q15_role", "q16_sector", "q17_area", "q18_region", "q19_receive_report")
#: Cross-breakdowns shown in a topic section: question -> by.
SECTION_CROSSES = {"q11_incentivise": "q15_role", "q12_tools": "q15_role"}


def _render(ev: Evidence, q) -> list:
    if isinstance(q, MultipleQuestion):
        return ranking(ev, q)
    if isinstance(q, MatrixQuestion):
        return statements(ev, q)
    if isinstance(q, (SingleQuestion, ScaleQuestion)):
        blocks = distribution(ev, q)
        cross = SECTION_CROSSES.get(q.id)
        if cross and ev.has(cross) and cross != ev.by:
            blocks += distribution(ev, q, by=cross, chart=False)
        return blocks
    return []


def _key_findings(ev: Evidence, chosen: list[Finding]) -> Section:
    key = Section("key-findings", "Key findings")
    if any(f.size is not None for f in chosen):
        key.intro.append(
            (f"The {len(chosen)} measures that moved or differ most" if len(chosen) != 1 else "The measure that moved or differs most")
            + f", significantly at the {ev.reading.percent} level: each said by "
            "everyone's change since the previous wave when it is significant, else since the first wave, else a group's change, "
            "else the difference between groups; sized in points for shares (in percent of the lower figure for means and index "
            "scores), a difference by the gap to the lowest group a group is significantly higher than."
        )
    else:
        key.intro.append(
            f"No change or difference between groups is significant at the {ev.reading.percent} level; the first headline figures."
        )
    key.findings.extend(finding_sentence(ev, f) for f in chosen)
    return key


def _unchanged_sentence(ev: Evidence, unchanged: list[Finding]) -> str:
    """The changes that are not significant, in one sentence with both figures of each."""
    parts = []
    for f in unchanged:
        row = f.change or {}
        a, b = row.get("estimate_from"), row.get("estimate_to")
        fmt = fmt_pct if f.share else fmt_number
        bases = f"; n = {fmt_count(row.get('n_from'))} and {fmt_count(row.get('n_to'))}"
        parts.append(f"{f.measure} ({fmt(a)} and {fmt(b)}{bases})" if a is not None and b is not None else f.measure)
    first = unchanged[0].change or {}
    return (
        f"No significant change between {first.get('wave_from')} and {first.get('wave_to')} in {len(unchanged)} "
        f"measure{'s' if len(unchanged) != 1 else ''}: {'; '.join(parts)}."
    )


def _headlines(ev: Evidence) -> tuple[Section, Section, Section]:
    head = Section("headlines", "Headline figures")
    findings = Section("findings", "Findings")
    head.intro.append(
        f"Each figure is a share of valid answers (or a mean score) with its {ev.reading.percent} interval and its base (n)."
        + (
            f" Changes since {ev.previous_wave} are called a rise or a fall only when significant at the {ev.reading.percent} level."
            if ev.waves
            else ""
        )
    )
    for measure, question, option, statistic in headline_measures(ev.instrument).iter_rows():
        kind: Kind = "mean" if statistic in ("index", "mean") else "share"
        cell = ev.cell(question, option, statistic, kind)
        change = ev.change(question, option, statistic) if ev.waves else None
        detail = (
            change_sentence(f"{ev.previous_wave} to {ev.wave}", change, share=kind == "share", reading=ev.reading)
            if change
            else cell.tooltip(with_value=False)
        )
        head.figures.append(Figure(measure, cell, detail))
    every = choose_findings(ev)
    chosen = key_findings(every)
    unchanged = [f for f in every if f.kind == "change" and f.change is not None and not significant(f.change)]
    findings.findings.extend(finding_sentence(ev, f) for f in every if f not in chosen and f not in unchanged)
    if unchanged:
        findings.findings.append(_unchanged_sentence(ev, unchanged))
    return _key_findings(ev, chosen), head, findings


def _quotes(ev: Evidence, names: tuple[tuple[str, ...], tuple[str, ...]], coded: set[str]) -> Section | None:
    """Quotes drawn at random from the open questions not ``coded`` (those are quoted by theme in their own sections)."""
    texts = [q for q in ev.instrument.questions if isinstance(q, TextQuestion) and not q.id.endswith("_other_text") and q.id not in coded]
    if not texts:
        return None
    section = Section("quotes", "In their own words")
    section.intro.append(
        f"Quotes drawn at random (fixed seed {QUOTE_SEED}, so the same data always give the same quotes) from the open-text answers, "
        f"up to three per {'group' if not ev.by else ev.instrument.question(ev.by).label.lower()}; groups of fewer than {ev.min_base} "
        "respondents give none. E-mail addresses, phone numbers, web addresses and known names are removed from them, as marked. "
        "They illustrate; they do not measure."
    )
    labels: dict[str | None, str] = {g.code: g.label for g in ev.groups()}  # a quote without a breakdown has no group (None)
    for q in texts:
        drawn = sample_quotes(ev.responses, q.id, by=ev.by, per_group=3, seed=QUOTE_SEED, min_base=ev.min_base)
        quotes = [Quote(redact(t, *names)[0], labels.get(d["group"], "All respondents")) for d in drawn for t in d["texts"]]
        if quotes:
            section.quotes[q.text] = quotes
    return section if section.quotes else None


def _profile(ev: Evidence) -> Section | None:
    ids = [i for i in dict.fromkeys([ev.by, *PROFILE_IDS]) if i and ev.has(i)]
    if not ids:
        return None
    section = Section("profile", "Who took part")
    section.intro.append(f"{ev.responses.n:,} respondents" + (f" in {ev.wave}" if ev.wave else "") + ". Shares of valid answers.")
    for qid in ids:
        q = ev.instrument.question(qid)
        if isinstance(q, MultipleQuestion):
            section.blocks.extend(ranking(ev, q, only_total=True, chart=False))
        elif isinstance(q, (SingleQuestion, ScaleQuestion)):
            section.blocks.extend(distribution(ev, q, only_total=True, chart=False))
    return section


def build_model(
    ev: Evidence,
    *,
    title: str | None = None,
    tables: Sequence[CrosstabLayout | str] = (),
    names: tuple[Sequence[str], Sequence[str]] = ((), ()),
    codes: Sequence[Codes] = (),
) -> Report:
    """The report's sections from the evidence; ``tables``, crosstabs laid out already (the
    workspace's saved tables), make a section Tables before the methods; ``names``, the people's
    and the organisations' names of an invitee list, are taken out of the quotes (as are e-mail
    addresses, phone numbers and web addresses: :mod:`collabstate.analysis.redact`); ``codes``,
    the codes applied to the responses (:func:`~collabstate.dataset.codes.apply_codes`), say who
    coded and which quotes the analyst chose."""
    known = (tuple(names[0]), tuple(names[1]))
    ins = ev.instrument
    sections: list[Section] = list(_headlines(ev))
    trends = trend_section(ev)
    if trends:
        sections.append(trends)
    coded = themes_questions(ev)
    claimed = {ev.by, *PROFILE_IDS, LADDER[2], *(themes.id for _, themes in coded)}
    claimed |= {ix.item(f, d) for ix in ins.indices for f in ix.factors for d in ix.dimensions}
    claimed |= {q.id for q in ins.questions if isinstance(q, MatrixQuestion) and all(r.id in claimed for r in q.rows)}
    for sid, stitle, qids in PLAN:
        present = [ins.question(q) for q in qids if ev.has(q) and q not in claimed]
        if sid == "statements":
            present = [q for q in ins.questions if isinstance(q, MatrixQuestion) and q.id not in claimed]
        claimed |= {q.id for q in present}
        if not present:
            continue
        section = Section(sid, stitle)
        for q in present:
            section.blocks.extend(_render(ev, q))
        sections.append(section)
        if sid == "practice":
            sections.extend(index_section(ev, ix) for ix in ins.indices)
    if not any(s.id == "practice" for s in sections):
        sections.extend(index_section(ev, ix) for ix in ins.indices)
    if ev.has(LADDER[2]):
        ladder = Section(LADDER[0], LADDER[1])
        q = ins.question(LADDER[2])
        ladder.intro.append(
            "The ladder's steps run from informing the public to empowering them (IAP2). Shares of valid answers; 'not applicable' is left out of the base."
        )
        ladder.blocks.extend(distribution(ev, q))
        if ev.has(LADDER[3]) and LADDER[3] != ev.by:
            ladder.blocks.extend(distribution(ev, q, by=LADDER[3]))
        sections.append(ladder)
    works = what_works_section(ev)
    if works:
        sections.append(works)
    rest = [q for q in ins.questions if q.id not in claimed and not isinstance(q, (TextQuestion, NumberQuestion))]
    if rest:
        other = Section("other", "Other questions")
        for q in rest:
            other.blocks.extend(_render(ev, q))
        sections.append(other)
    review: list[str] = []
    sections.extend(themes_section(ev, text, themes, codes, known, review) for text, themes in coded)
    for extra in (_quotes(ev, known, {text.id for text, _ in coded}), _profile(ev)):
        if extra:
            sections.append(extra)
    if tables:
        sections.append(crosstab_section(tables))
    sections.append(methods_section(ev))
    title = title or (f"{ins.title} {ev.wave}" if ev.wave and ev.wave not in ins.title else ins.title)
    who = f"{ev.responses.n:,} respondents" + (f" in {ev.wave}" if ev.wave else "")
    if ev.waves:
        earlier = [w for w in reversed(ev.waves[:-1]) if w in ev.sizes]
        who += ", compared with " + ", ".join(f"{ev.sizes[w]:,} in {w}" for w in earlier)
    subtitle = f"{ins.title}: {who}."
    return Report(title, subtitle, sections, reading=ev.reading, redact_names=known, review=review)
