"""A report spec: the analyst's narrative around the numbers, with every number live.

``collabstate report ... --spec report.yaml``::

    title: State of Cross-Sector Collaboration 2025
    subtitle: The leaders' views
    organisation: Whitehall & Industry Group
    colours: {primary: "#1f4e79"}
    key_messages:
      - "{{ growth_belief.agree }} believe collaboration can support growth; {{ state_rating.good }} rate it good."
    sections:
      - id: statements
        commentary: |
          Strong networks: {{ st_network.agree }} in 2025 against {{ st_network.agree.previous }} in 2024
          ({{ st_network.agree.change }}).
      - {id: quotes, hidden: true}
    quotes:
      - {respondent: "L2025-0042", question: enablers_text}

Text is Markdown (raw HTML is shown as text, links only to http, https and mailto). A **live
figure** ``{{ question.option }}`` is the estimate of the report's own table (an option's code or
a NET's id; ``{{ question.mean }}`` for a mean score), ``@CODE`` picks a group of the breakdown
(``{{ st_network.agree@2 }}``), ``.previous`` the figure of the previous wave and ``.change`` the
change's words ("up 12 points, a significant rise", or "no significant change"). Each figure gets
a footnote with its base and interval. At build time a sentence that says a figure moved ("rose",
"declining", "softened"…) over a change that is not significant, or with no earlier wave, is a
warning; so is an unknown figure (the text then shows ``[unknown figure …]``, never a guess).

``sections`` orders the report's sections (those named first, in that order, then the others),
hides some (``hidden: true``; never the methods) and adds commentary under a section's title.
``quotes`` chooses the quotes of "In their own words" by respondent id: a quote whose respondent's
group has fewer than the report's suppression base is refused; e-mail addresses and phone numbers
are redacted, and each redaction is a warning to review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..analysis.redact import redact
from ..instrument.yaml_file import Problem, YAMLFileError, clean_loc, line_of, read_file_text, read_yaml
from .evidence import Evidence
from .findings import CHANGE_WORDS
from .labels import Labels
from .model import Cell, Kind, Quote, Report, Section

__all__ = ["ReportSpec", "SpecError", "apply_spec", "load_spec", "parse_spec"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SectionSpec(_Model):
    id: str = Field(min_length=1, description="A section of the report (see the report's contents)")
    title: str | None = Field(None, description="A title of your own")
    hidden: bool = False
    commentary: str | None = Field(None, description="Markdown with live figures, under the section's title")


class QuoteSpec(_Model):
    respondent: str = Field(min_length=1, description="The respondent_id of the answer")
    question: str = Field(min_length=1, description="The free-text question")


class Colours(_Model):
    primary: str | None = Field(None, pattern=r"^#[0-9a-fA-F]{6}$")
    accent: str | None = Field(None, pattern=r"^#[0-9a-fA-F]{6}$")


class ReportSpec(_Model):
    title: str | None = None
    subtitle: str | None = None
    organisation: str | None = None
    colours: Colours = Field(default_factory=lambda: Colours.model_validate({}))
    key_messages: list[str] = []
    sections: list[SectionSpec] = []
    quotes: list[QuoteSpec] = []


class SpecError(YAMLFileError):
    """A report spec that cannot be used, with every problem and its line."""


@dataclass
class LoadedSpec:
    spec: ReportSpec
    source: str
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict)

    def where(self, *loc: Any) -> str:
        line = line_of(self.lines, tuple(loc))
        return f"{self.source}" + (f" line {line}" if line else "")


def parse_spec(text: str, source: str = "<spec>") -> LoadedSpec:
    data, lines = read_yaml(text, source, SpecError)
    if not isinstance(data, dict):
        raise SpecError(source, [Problem("", "expected a mapping (title, key_messages, sections, quotes …)", 1)])
    try:
        spec = ReportSpec.model_validate(data)
    except ValidationError as exc:
        from ..instrument.checks import format_path

        problems = [
            Problem(format_path(loc := clean_loc(tuple(e["loc"]))), e["msg"] + (f" (got {e['input']!r})" if e["type"] == "string_pattern_mismatch" else ""),
                    line_of(lines, loc))
            for e in exc.errors()
        ]  # fmt: skip
        raise SpecError(source, problems) from None
    return LoadedSpec(spec, source, lines)


def load_spec(path: str | Path) -> LoadedSpec:
    return parse_spec(read_file_text(path, "no such report spec file", SpecError), str(path))


# ------------------------------------------------------------------------------- live figures
FIGURE = re.compile(r"\{\{\s*([a-z][a-z0-9_/]*)(?:\.([a-z0-9_]+))?(?:@([A-Za-z0-9_]+))?(?:\.(previous|change))?\s*\}\}")
#: Words that say a figure moved: a sentence with one needs a significant change.
MOVING = (*CHANGE_WORDS, "rising", "declining", "declined", "softened", "weakened", "improved", "improving", "dropped", "grown",
          "growing", "strengthened", "doubled", "halved", "climbed", "slipped")  # fmt: skip
_MOVING = re.compile(r"\b(" + "|".join(MOVING) + r")\b", re.I)
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")


@dataclass
class Figure:
    shown: str
    note: str
    change: dict[str, Any] | None
    known: bool = True


def _figure(ev: Evidence, question: str, option: str | None, group: str | None, what: str | None) -> Figure:
    statistic, kind = "proportion", "share"
    if option in (None, "mean"):
        option, statistic, kind = None, "mean", "mean"
    elif ev.row(question, option, "proportion", group) is None and ev.row(question, option, "net", group) is not None:
        statistic = "net"
    row = ev.row(question, option, statistic, group)
    if row is None:
        return Figure("", "", None, known=False)
    share: Kind = "share" if kind == "share" else "mean"
    labels = Labels(ev.instrument)
    named = labels.option(question, option, statistic) if option is not None else "mean score"
    label = f"{labels.question(question)}: {named.removeprefix('NET ')}"
    who = next((g.label for g in ev.groups() if g.code == group), group) if group else ""
    change = ev.change(question, option, statistic, group) if ev.waves else None
    if what == "change":
        if change is None:
            return Figure("", "", None, known=False)
        from .findings import change_sentence, change_words

        share_of = kind == "share"
        sentence = change_sentence(label, change, share=share_of, reading=ev.reading)
        return Figure(change_words(change, share=share_of, reading=ev.reading), sentence, change)
    cell = ev.previous_cell(question, option, statistic, share) if what == "previous" else Cell.from_row(row, share, ev.reading)
    if what == "previous" and not ev.waves:
        return Figure("", "", None, known=False)
    wave = ev.previous_wave if what == "previous" else ev.wave
    note = f"{label}{', ' + who if who else ''}{' in ' + wave if wave else ''}: {cell.value}"
    bits = [f"{ev.reading.percent} interval {cell.interval}"] if cell.interval else []
    bits.append(f"n = {cell.base}")
    return Figure(cell.value if cell.shown else f"[{cell.value}]", f"{note} ({'; '.join(bits)}).", change)


def render_text(text: str, ev: Evidence, where: str, warnings: list[str], notes: list[str]) -> str:
    """Markdown with live figures as HTML; each figure's footnote appended to ``notes`` (numbered
    across the report), each doubtful sentence a warning."""
    from markdown_it import MarkdownIt

    figures: list[tuple[str, Figure]] = []

    def resolve(match: re.Match[str]) -> str:
        question, option, group, what = match.groups()
        fig = _figure(ev, question, option, group, what)
        if not fig.known:
            warnings.append(f"{where}: unknown figure {match.group(0)!r} (a question of the report and an option's code or NET id)")
        figures.append((match.group(0), fig))
        return f"FIGURE{len(figures) - 1}END"

    marked = FIGURE.sub(resolve, text)
    for sentence in _SENTENCE.findall(marked):
        moved = _MOVING.search(sentence)
        if not moved:
            continue
        for index in map(int, re.findall(r"FIGURE(\d+)END", sentence)):
            source, fig = figures[index]
            if not fig.known:
                continue
            verdict = (fig.change or {}).get("verdict")
            if verdict not in ("up", "down"):
                why = (
                    "no earlier wave to compare with"
                    if fig.change is None
                    else f"a change that is not significant ({fig.change.get('verdict')})"
                )
                warnings.append(f"{where}: the text says {moved.group(0)!r} of {source}, over {why}")
            elif (verdict == "up") != bool(
                re.search(r"\b(ris|rose|up|increas|grew|grow|improv|strength|doubl|climb)", moved.group(0), re.I)
            ):
                warnings.append(f"{where}: the text says {moved.group(0)!r} of {source}, but the change is {verdict}")
    html = MarkdownIt("commonmark", {"html": False}).render(marked)

    def place(match: re.Match[str]) -> str:
        source, fig = figures[int(match.group(1))]
        if not fig.known:
            return f"[unknown figure {escape(source)}]"
        notes.append(fig.note)
        n = len(notes)
        return (
            f'<span class="live" title="{escape(fig.note)}">{escape(fig.shown)}<sup><a href="#note-{n}" id="ref-{n}">{n}</a></sup></span>'
        )

    return re.sub(r"FIGURE(\d+)END", place, html)


# --------------------------------------------------------------------------------- quotes
def _quotes(
    ev: Evidence, loaded: LoadedSpec, warnings: list[str], report_names: tuple[tuple[str, ...], tuple[str, ...]]
) -> dict[str, list[Quote]]:
    data = ev.responses.data
    chosen: dict[str, list[Quote]] = {}
    if "respondent_id" not in data.columns:
        warnings.append(f"{loaded.where('quotes')}: the data have no respondent_id column, so no quote can be chosen by respondent")
        return chosen
    groups = {g.code: g for g in ev.groups()}
    for i, q in enumerate(loaded.spec.quotes):
        where = loaded.where("quotes", i)
        column = ev.instrument.column(q.question)
        if column is None or column.kind != "text":
            warnings.append(f"{where}: {q.question!r} is not a free-text question; quote left out")
            continue
        rows = data.filter(data["respondent_id"].cast(str) == q.respondent)
        if rows.height == 0 or rows[q.question][0] in (None, ""):
            warnings.append(f"{where}: respondent {q.respondent!r} has no answer to {q.question!r}; quote left out")
            continue
        attribution = "All respondents"
        if ev.by:
            code = rows[ev.by][0]
            group = groups.get(str(code)) if code is not None else None
            size = int((data[ev.by] == code).sum()) if code is not None else 0
            if group is None or size < ev.min_base:
                warnings.append(f"{where}: respondent {q.respondent!r} is in a group of {size} (under {ev.min_base}): quote refused, "
                                "it could identify them")  # fmt: skip
                continue
            attribution = group.label
        text, removed = redact(str(rows[q.question][0]), *report_names)
        if removed:
            warnings.append(f"{where}: {', '.join(sorted(set(removed)))} removed from the quote of {q.respondent!r}; review it")
        chosen.setdefault(column.label, []).append(Quote(text, attribution))
    return chosen


# ------------------------------------------------------------------------------- the report
def apply_spec(report: Report, ev: Evidence, loaded: LoadedSpec) -> list[str]:
    """Apply the spec to the report model (in place); the warnings to show whoever builds it."""
    spec = loaded.spec
    warnings: list[str] = []
    if spec.title:
        report.title = spec.title
    if spec.subtitle:
        report.subtitle = spec.subtitle
    report.organisation = spec.organisation or ""
    report.colours = {k: v for k, v in spec.colours.model_dump().items() if v}
    notes: list[str] = []
    if spec.key_messages:
        key = Section("key-messages", "Key messages")
        key.commentary = "".join(
            render_text(m, ev, loaded.where("key_messages", i), warnings, notes) for i, m in enumerate(spec.key_messages)
        )
        report.sections.insert(0, key)
    known = {s.id: s for s in report.sections}
    problems = [Problem(f"sections[{i}].id", _unknown_section(s.id, known), line_of(loaded.lines, ("sections", i, "id")))
                for i, s in enumerate(spec.sections) if s.id not in known]  # fmt: skip
    problems += [Problem(f"sections[{i}].hidden", "the methods section cannot be hidden: it says how the figures were made",
                         line_of(loaded.lines, ("sections", i, "hidden"))) for i, s in enumerate(spec.sections) if s.id == "methods" and s.hidden]  # fmt: skip
    if problems:
        raise SpecError(loaded.source, problems)
    for i, s in enumerate(spec.sections):
        section = known[s.id]
        if s.title:
            section.title = s.title
        if s.commentary:
            section.commentary = render_text(s.commentary, ev, loaded.where("sections", i, "commentary"), warnings, notes)
    if spec.quotes:
        quotes = report.section("quotes") or Section("quotes", "In their own words")
        quotes.intro = ["Quotes chosen by the analyst. Groups of fewer than " f"{ev.min_base} respondents give none; e-mail addresses, "
                        "phone numbers, web addresses and known names are removed. They illustrate; they do not measure."]  # fmt: skip
        quotes.quotes = _quotes(ev, loaded, warnings, report.redact_names)
        if quotes not in report.sections:
            report.sections.insert(len(report.sections) - 1, quotes)
    named = [known[s.id] for s in spec.sections if not s.hidden]
    hidden = {s.id for s in spec.sections if s.hidden}
    first = [report.sections[0]] if report.sections and report.sections[0].id == "key-messages" else []
    rest = [s for s in report.sections if s not in named and s.id not in hidden and s not in first]
    report.sections = [*first, *named, *rest]
    report.footnotes = notes
    return warnings


def _unknown_section(name: str, known: dict[str, Section]) -> str:
    from ..errors import did_you_mean

    return f"no section {name!r} in this report{did_you_mean(name, known)}; its sections: {', '.join(known)}"
