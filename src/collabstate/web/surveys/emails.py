"""The words of invitations and reminders: each wave's own subject and body (or the built-in
ones), their placeholders, and the plain-text and HTML parts an invitee receives.

**Placeholders** are written in braces, as in LimeSurvey and Qualtrics: ``{name}``,
``{organisation}``, ``{wave}``, ``{sender}``, ``{closes}`` and (in a body, where it must be)
``{link}``. A tiny regular expression finds them; never ``str.format``, which would read
``{name.__class__}`` and worse. Case and spaces inside the braces do not matter (``{ Name }``);
``{{`` and ``}}`` write a brace. Anything else in braces is an error on save, naming it.

**An invitee with no name**: the body's first line is the greeting; when it holds ``{name}`` and
the invitee has no name, the whole line reads ``Hello,`` (so the built-in ``Dear {name},`` reads
as it always has). Anywhere else ``{name}`` reads as nothing.

**The HTML part** is made from the plain text, never from unescaped text: every piece is
escaped (Django's ``escape`` and ``urlize``, well kept and used by every template), blank lines
make paragraphs and line breaks ``<br>``. Addresses written by the wave's editors and the
survey's and opt-out's links become links; an invitee's name or organisation never does (a
"name" such as ``www.example.com`` stays text).

Every invitation and reminder ends with the opt-out line (:data:`OPT_OUT`), which nobody edits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import escape, urlize

from ..validators import as_one_line, single_line

if TYPE_CHECKING:
    from .models import Invitee, Wave

__all__ = [
    "BODY_PLACEHOLDERS", "DEFAULTS", "OPT_OUT", "PLACEHOLDERS", "SUBJECT_PLACEHOLDERS", "Composed", "compose", "validate_body",
    "validate_subject",
]  # fmt: skip

#: Placeholder -> what it stands for (shown on the E-mails page).
PLACEHOLDERS = {
    "name": "the invitee's name (see below when it is not known)",
    "organisation": "the invitee's organisation, from the invitee list",
    "wave": "the wave's title",
    "sender": "your organisation's name",
    "closes": "the day the survey closes, such as 31 January 2027",
    "link": "the invitee's own link to the survey (a body must have it)",
}
SUBJECT_PLACEHOLDERS = tuple(p for p in PLACEHOLDERS if p != "link")
BODY_PLACEHOLDERS = tuple(PLACEHOLDERS)
#: Placeholders whose value comes from the invitee list or the wave's settings: escaped, never made links.
_DATA = frozenset({"name", "organisation", "wave", "sender", "closes"})

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")

_BODY = (
    "Dear {name},\n\n"
    "{again}You are invited to take part in {wave}.\n\n"
    "Answer the survey at this link, which is yours alone:\n{link}\n\n"
    "Your answers are saved as you go: the same link takes you back to where you left off. The survey closes on {closes}.\n"
)
#: (kind, part) -> the built-in text, used when the wave's own is blank: the wording of every e-mail before they could be edited.
DEFAULTS = {
    ("invitation", "subject"): "{wave}",
    ("invitation", "body"): _BODY.replace("{again}", ""),
    ("reminder", "subject"): "Reminder: {wave}",
    ("reminder", "body"): _BODY.replace("{again}", "We have not yet received your answers. "),
}
#: The last paragraph of every invitation and reminder ({optout} is the invitee's opt-out link).
OPT_OUT = "\n--\nYou receive this e-mail because you are on the list of people invited to {wave}. To receive no more e-mails about it, open {optout}\n"


def _names(template: str) -> list[str]:
    """The placeholders of ``template`` as written, in order."""
    return [m.group(1) for m in _PLACEHOLDER.finditer(template) if m.group(1) is not None]


def _key(written: str) -> str:
    return written.strip().lower()


def _validate(template: str, allowed: tuple[str, ...], what: str) -> None:
    unknown = [w for w in _names(template) if _key(w) not in allowed]
    if unknown:
        listed = ", ".join("{" + a + "}" for a in allowed)
        raise ValidationError(
            f"{{{unknown[0]}}} is not a placeholder a {what} can use; use {listed} (write {{{{ and }}}} for a brace itself)",
            code="placeholder",
        )


def validate_subject(template: str) -> None:
    """Django validator of a subject: one line, known placeholders (not ``{link}``)."""
    single_line(template)
    _validate(template, SUBJECT_PLACEHOLDERS, "subject")


def validate_body(template: str) -> None:
    """Django validator of a body: known placeholders, and ``{link}`` in it (blank is the built-in body)."""
    if not template.strip():
        return
    _validate(template, BODY_PLACEHOLDERS, "body")
    if "link" not in {_key(w) for w in _names(template)}:
        raise ValidationError("The body has no {link}: every invitee needs their own link to the survey; put {link} on a line of its own")


@dataclass(frozen=True)
class Composed:
    """One e-mail's subject, plain text and HTML (the whole document and its body's content)."""

    subject: str
    text: str
    html_body: str

    @property
    def html(self) -> str:
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>'
            + escape(self.subject)
            + '</title></head>\n<body style="font-family: sans-serif; line-height: 1.5">\n'
            + self.html_body
            + "\n</body></html>\n"
        )


def compose(wave: Wave, invitee: Invitee, link: str, optout: str, reminder: bool) -> Composed:
    """The e-mail ``invitee`` receives: the wave's words (or the built-in ones) with the
    placeholders filled in, then the opt-out line with the ``optout`` link."""
    kind = "reminder" if reminder else "invitation"
    subject = getattr(wave, f"{kind}_subject", "") or DEFAULTS[kind, "subject"]
    body = getattr(wave, f"{kind}_body", "") or DEFAULTS[kind, "body"]
    values = {
        "name": invitee.name.strip(), "organisation": invitee.organisation.strip(), "wave": wave.title, "sender": wave.organisation.name,
        "closes": timezone.localtime(wave.closes_at).strftime("%-d %B %Y"), "link": link, "optout": optout,
    }  # fmt: skip
    if not values["name"]:
        first, newline, rest = body.replace("\r\n", "\n").partition("\n")
        if "name" in {_key(w) for w in _names(first)}:
            body = "Hello," + newline + rest
    pieces = _fill(body.replace("\r\n", "\n").rstrip("\n") + "\n" + OPT_OUT, values)
    subject_text = as_one_line("".join(text for text, _ in _fill(subject, values))).strip()
    return Composed(subject_text, "".join(text for text, _ in pieces), _html(pieces))


def _fill(template: str, values: dict[str, str]) -> list[tuple[str, str]]:
    """(text, kind) pieces of ``template`` filled in: kind ``text`` (the template's own words),
    ``link`` (a link of ours) or ``data`` (an invitee's or wave's value, one line). A placeholder
    not known (never saved: the validators refuse it) is kept as written."""
    pieces, at = [], 0
    for m in _PLACEHOLDER.finditer(template):
        pieces.append((template[at : m.start()], "text"))
        at = m.end()
        if m.group(1) is None:
            pieces.append((m.group()[0], "text"))
            continue
        key = _key(m.group(1))
        if key in ("link", "optout"):
            pieces.append((values[key], "link"))
        elif key in _DATA:
            pieces.append((as_one_line(values[key]), "data"))
        else:
            pieces.append((m.group(), "text"))
    pieces.append((template[at:], "text"))
    return [(text, kind) for text, kind in pieces if text]


def _html(pieces: list[tuple[str, str]]) -> str:
    """The HTML of the filled-in pieces: each escaped (the template's words and our links through
    urlize, which escapes too), then paragraphs at blank lines and ``<br>`` at line breaks."""
    made: list[str] = []
    for text, kind in pieces:
        if kind == "data":
            made.append(escape(text))
        elif kind == "link":
            made.append(f'<a href="{escape(text)}">{escape(text)}</a>')
        else:
            made.append(urlize(text, autoescape=True))
    paragraphs = re.split(r"\n\s*\n", "".join(made).strip("\n"))
    return "\n".join("<p>" + p.strip("\n").replace("\n", "<br>\n") + "</p>" for p in paragraphs if p.strip())
