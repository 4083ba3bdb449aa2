"""A section per coded open question: "In their own words", as the leaders' reports show it.

When a text question's answers are coded (a codebook and a codes file, issue 19), its themes are
the multiple-choice question ``<question>_codes``, and the report gives them a section of their
own, in four parts:

1. what was asked and how the answers were coded (which coder, how many answered);
2. the seed reports' table: the three themes each group mentions most, with their shares and the
   group's base; a group under the suppression threshold says so instead;
3. every theme ranked by share, overall and by group, with intervals, bases and letters, and the
   change since the previous wave (the one ranking every multiple-choice question gets; a chart
   only without a breakdown);
4. quotes per theme and group (:func:`~collabstate.analysis.quotes.theme_quotes`): the analyst's
   chosen quotes (a codes file's ``quote`` column) or else the most typical answer; none from a
   group of fewer than the minimum base who answered; names, e-mail addresses, phone numbers and
   web addresses removed and marked.

Every share is an estimate of the one engine (shares of those who answered the text question).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..analysis.quotes import theme_quotes
from ..analysis.redact import redact
from ..dataset.codes import Codes, answered_text
from ..instrument.model import MultipleQuestion, TextQuestion
from .blocks import ALL, ranking
from .evidence import Evidence
from .model import Cell, Column, Quote, Row, Section, Table

__all__ = ["TOP_THEMES", "themes_questions", "themes_section"]

#: How many themes each group's column of the top-themes table shows (as the seed reports).
TOP_THEMES = 3
#: Ordinal words of the top-themes table's rows.
_ORDINALS = ("Most mentioned", "Second", "Third", "Fourth", "Fifth")


def themes_questions(ev: Evidence) -> list[tuple[TextQuestion, MultipleQuestion]]:
    """(text question, its themes question) for every coded text question the data hold."""
    ins = ev.instrument
    found = []
    for q in ins.questions:
        if isinstance(q, TextQuestion) and ev.has(f"{q.id}_codes"):
            themes = ins.question(f"{q.id}_codes")
            if isinstance(themes, MultipleQuestion):
                found.append((q, themes))
    return found


def _coding(codes: Sequence[Codes], question: str) -> Codes | None:
    return next((c for c in codes if c.book.question == question), None)


def _chosen(coding: Codes | None, wave: str | None) -> frozenset[tuple[str, str]]:
    """(respondent_id, code) of the analyst's chosen quotes in the reported wave."""
    if coding is None:
        return frozenset()
    return frozenset((rid, code) for (w, rid, code) in coding.quotes if w is None or w == wave)


def _shares(ev: Evidence, themes: MultipleQuestion, group: str | None) -> list[tuple[str, Cell]]:
    """The codes applied themselves (not the NETs) with their share in ``group``, highest first."""
    cells = [(o.code, ev.cell(themes.id, o.code, "proportion", "share", group)) for o in themes.options]
    return sorted(cells, key=lambda item: -(item[1].estimate or 0.0) if item[1].shown else 1.0)


def _top_table(ev: Evidence, title: str, themes: MultipleQuestion) -> Table:
    labels = {o.code: o.label for o in themes.options}
    groups = [ALL, *ev.groups()]
    columns, ranked = [], []
    for g in groups:
        shares = _shares(ev, themes, g.code or None)
        base = next((c.n for _, c in shares if c.n is not None and not c.suppressed), None)  # never a small group's exact base
        columns.append(Column(g.label, f"({g.letter})" if g.letter else "", base=base))
        ranked.append(shares)
    rows = []
    for k in range(min(TOP_THEMES, len(themes.options))):
        cells = []
        for shares in ranked:
            code, cell = shares[k]
            if cell.suppressed:  # said once, as every suppressed cell says it; the base row says "under 10"
                cells.append(cell if k == 0 else Cell.of_text(""))
            elif not cell.shown or not cell.estimate:
                cells.append(Cell.of_text(""))
            else:
                interval = f" ({cell.interval})" if cell.interval else ""
                cells.append(Cell.of_text(f"{labels[code]}: {cell.value}{cell.marks}{interval}"))
        rows.append(Row(_ORDINALS[k], cells))
    table = Table(f"t-top-{themes.id}", f"{title}: the {TOP_THEMES} themes mentioned most, by {_by_word(ev)}", "Rank", columns, rows)
    table.notes.append(
        f"Shares of those in the column who answered the question, with their {ev.reading.percent} interval; an answer may be given "
        "several themes. "
        f"A column whose base is under {ev.reading.min_base} shows no theme (suppressed); * marks a base under {ev.reading.low_base}."
    )
    return table


def _by_word(ev: Evidence) -> str:
    return ev.instrument.question(ev.by).label.lower() if ev.by else "group"


def themes_section(
    ev: Evidence,
    text: TextQuestion,
    themes: MultipleQuestion,
    codes: Sequence[Codes] = (),
    names: tuple[Sequence[str], Sequence[str]] = ((), ()),
    review: list[str] | None = None,
) -> Section:
    """The section of one coded text question; quotes to review (something removed) are added
    to ``review``."""
    review = review if review is not None else []
    coding = _coding(codes, text.id)
    title = coding.book.label if coding is not None and coding.book.label else text.label
    section = Section(f"themes-{text.id}", f"In their own words: {title}")
    base = next((c.n for _, c in _shares(ev, themes, None) if c.n is not None), None)
    answered = int(answered_text(ev.responses.data, text.id).sum())
    who = f" by {coding.coder}" if coding is not None and coding.coder else ""
    so_far = (
        f" So far {base:,} of the {answered:,} answers are coded: the shares are of those, and may move as coding goes on."
        if base is not None and base < answered
        else ""
    )
    section.intro.append(
        f"We asked: “{text.text}” {answered:,} respondents answered. Their answers were coded{who} "
        f"into {len(themes.options)} themes. Each share is of those who answered, with its {ev.reading.percent} interval; "
        f"an answer may have several themes.{so_far}"
    )
    if ev.by:  # the seed reports' table first; then every theme (a table: a chart of a dozen themes by group fills a page)
        section.blocks.append(_top_table(ev, title, themes))
    section.blocks.extend(ranking(ev, themes, title=f"{title}: every theme", chart=not ev.by))
    _add_quotes(ev, section, text, themes, coding, names, review)
    return section


def _add_quotes(
    ev: Evidence, section: Section, text: TextQuestion, themes: MultipleQuestion, coding: Codes | None,
    names: tuple[Sequence[str], Sequence[str]], review: list[str],
) -> None:  # fmt: skip
    """Each group's quotes of the themes it mentions most (as the seed reports' table), the group's
    heading naming it; without a breakdown, everyone's. A quote something was removed from is
    added to ``review``, to look at before the report goes out."""
    labels = {o.code: o.label for o in themes.options}
    groups = {g.code: g.label for g in ev.groups()} if ev.by else {"": "All respondents"}
    # each group's top themes and their shares (none for a group under the minimum base: it shows no share, so no quote either)
    tops = {code: dict([(c, cell) for c, cell in _shares(ev, themes, code or None) if cell.shown and cell.estimate][:TOP_THEMES])
            for code in groups}  # fmt: skip
    found = theme_quotes(ev.responses, text.id, themes.id, {code: list(top) for code, top in tops.items()}, by=ev.by,
                         chosen=_chosen(coding, ev.wave), min_base=ev.min_base)  # fmt: skip
    quoted: dict[str, list[Quote]] = {}
    for q in found:
        group, theme = q["group"] or "", labels[q["code"]]
        shown, removed = redact(q["text"], *names)
        quoted.setdefault(group, []).append(Quote(shown, f"{theme} ({tops[group][q['code']].value})"))
        if removed:
            who = f"respondent {q['respondent_id']!r}" if q["respondent_id"] else "a respondent"
            review.append(
                f"{text.id}: {', '.join(sorted(set(removed)))} removed from the quote of {who} ({groups[group]}, {theme}); review it"
            )
    section.quotes.update((groups[code], quoted[code]) for code in groups if code in quoted)  # in the groups' order
    any_chosen = any(q["chosen"] for q in found)
    if section.quotes:
        by = _by_word(ev)
        section.intro.append(
            (f"Quotes for the themes each {by} mentions most, one per theme: " if ev.by else "Quotes for the themes mentioned most: ")
            + ("the analyst's chosen quotes, else " if any_chosen else "")
            + "the answer most typical of the theme (the nearest to what its answers say in common), with the theme and its share. "
            + (f"No quote comes from a {by} in which fewer than {ev.min_base} answered; " if ev.by else "")
            + "e-mail addresses, phone numbers, web addresses and known names are removed, as marked. They illustrate; the shares measure."
        )
