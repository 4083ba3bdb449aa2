"""A wave's report text edited in the browser: the report spec of ``collabstate report --spec``
(:mod:`collabstate.report.spec`), kept as versions (:class:`.models.ReportSpecVersion`) and used
by every report the workspace builds of the wave (:func:`.results.report`).

The page's form is turned into the spec's YAML (:func:`spec_text`) and back (:func:`form_initial`);
the YAML is checked by :func:`~collabstate.report.spec.parse_spec` and applied to the report's
model (estimated, laid out, never drawn or printed) for the preview and the warnings
(:func:`preview`). Each save is a new version, with an audit entry.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.safestring import SafeString, mark_safe

from ...report.evidence import Evidence, gather
from ...report.model import Report
from ...report.sections import build_model
from ...report.spec import LoadedSpec, SpecError, apply_spec, parse_spec
from ..surveys.actions import responses_of
from ..surveys.models import Wave
from . import results
from .models import AuditEntry, ReportSpecVersion
from .tables import saved_tables_for_report

#: Sections never offered to hide: the methods (the spec refuses it) and the key messages (made by the spec itself).
NOT_HIDDEN = ("methods", "key-messages")
#: How a problem or a warning names the text: its line is the YAML's (shown under "Edit the YAML itself").
SOURCE = "the report's YAML"


@dataclass
class Base:
    """The wave's report model before any text of the analyst's, and what it was estimated from."""

    ev: Evidence
    report: Report
    compared: Wave | None

    @property
    def sections(self) -> list[tuple[str, str]]:
        return [(s.id, s.title) for s in self.report.sections]


@dataclass
class Preview:
    title: str
    subtitle: str
    key_messages: SafeString
    commentary: list[tuple[str, str, SafeString]]  # section id, title, HTML
    footnotes: list[str]
    warnings: list[str] = field(default_factory=list)


def base(wave: Wave) -> Base | None:
    """The model of the report the results page builds by default (the default breakdown),
    compared with the nearest earlier wave of the same questionnaire when there is one (so that
    "rose" and ``.change`` can be checked); ``None`` before anyone has completed."""
    current = responses_of(wave)
    if current.responses.n == 0:
        return None
    earlier = results.comparable_waves(wave)[:1]
    choice = results.Choice(earlier=tuple(earlier))
    labelled = [results._labelled(w, responses_of(w).responses, wave, choice) for w in choice.earlier]
    themed, codes, _ = results.coded_responses(wave, current.responses)  # the themes' sections, as the built report has them
    ev = gather(results._labelled(wave, themed, wave, choice), earlier=labelled, by=choice.by, **results._rate_figures(wave))
    report = build_model(ev, title=wave.title, tables=saved_tables_for_report(wave, current.responses), names=results._invitee_names(wave),
                         codes=codes)  # fmt: skip
    return Base(ev, report, earlier[0] if earlier else None)


def preview(found: Base, loaded: LoadedSpec) -> Preview:
    """The key messages and commentary with their live figures, and the warnings, of ``loaded``
    applied to a copy of the model; raises :class:`SpecError` (an unknown section …)."""
    report = copy.deepcopy(found.report)
    warnings = [*report.review, *apply_spec(report, found.ev, loaded)]  # quotes something was removed from, then the text's
    key = report.section("key-messages")
    # apply_spec's HTML: markdown-it with raw HTML disabled, each figure's text escaped
    commentary = [(s.id, s.title, mark_safe(s.commentary)) for s in report.sections if s.commentary and s.id != "key-messages"]
    return Preview(report.title, report.subtitle or "", mark_safe(key.commentary if key else ""), commentary, report.footnotes, warnings)


def spec_text(data: dict[str, Any], sections: list[tuple[str, str]]) -> str:
    """The YAML of the page's form (its cleaned data): empty fields left out."""
    spec: dict[str, Any] = {}
    for name in ("title", "subtitle", "organisation"):
        if data.get(name):
            spec[name] = data[name]
    if data.get("primary"):
        spec["colours"] = {"primary": data["primary"]}
    messages = split_messages(data.get("key_messages", ""))
    if messages:
        spec["key_messages"] = messages
    entries = []
    for section_id, _ in sections:
        entry: dict[str, Any] = {"id": section_id}
        if section_id in data.get("hidden", []):
            entry["hidden"] = True
        text = (data.get(f"commentary_{section_id}") or "").strip()
        if text:
            entry["commentary"] = text + "\n"
        if len(entry) > 1:
            entries.append(entry)
    if entries:
        spec["sections"] = entries
    quotes = [{"respondent": r, "question": q} for r, q in data.get("quotes", [])]
    if quotes:
        spec["quotes"] = quotes
    return yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=100) if spec else "{}\n"


def split_messages(text: str) -> list[str]:
    """Key messages from the textarea: one a paragraph (a blank line between two), each
    paragraph's lines joined (a message may wrap as it is typed)."""
    paragraphs = [
        " ".join(line.strip() for line in block.splitlines() if line.strip()) for block in text.replace("\r\n", "\n").split("\n\n")
    ]
    return [p for p in paragraphs if p]


def form_initial(loaded: LoadedSpec) -> dict[str, Any]:
    """The page's form filled from a version's spec."""
    spec = loaded.spec
    initial: dict[str, Any] = {
        "title": spec.title or "", "subtitle": spec.subtitle or "", "organisation": spec.organisation or "",
        "primary": spec.colours.primary or "", "key_messages": "\n\n".join(spec.key_messages),
        "hidden": [s.id for s in spec.sections if s.hidden],
        "quotes": "\n".join(f"{q.respondent} {q.question}" for q in spec.quotes),
    }  # fmt: skip
    for s in spec.sections:
        if s.commentary:
            initial[f"commentary_{s.id}"] = s.commentary.rstrip("\n")
    return initial


def load(text: str) -> LoadedSpec:
    return parse_spec(text, SOURCE)


def problems_of(exc: SpecError) -> list[str]:
    """A spec's problems as sentences for the form (with the line of the YAML)."""
    return [str(p) for p in exc.problems]


def save_version(wave: Wave, text: str, note: str, user) -> ReportSpecVersion:
    """A new version of the wave's report text (the next number), with its audit entry."""
    for _ in range(3):  # two saves at once: the second takes the next number
        try:
            with transaction.atomic():
                number = (wave.report_specs.aggregate(n=Max("number"))["n"] or 0) + 1
                version = ReportSpecVersion.objects.create(wave=wave, number=number, text=text, note=note, created_by=user)
                what = f"version {number} of the report's text saved" + (f": {note}" if note else "")
                AuditEntry.objects.create(organisation=wave.organisation, wave=wave, user=user, action=AuditEntry.REPORT_TEXT, detail=what)
            return version
        except IntegrityError:
            continue
    raise IntegrityError("the report's text was saved by someone else at the same moment; save again")
