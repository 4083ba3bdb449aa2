"""Text that reaches a mail header, an address or one line of a page is checked at the door.

A wave's title is the subject of every invitation; a line break in it (``Pulse\\r\\nBcc: x``)
would add a header, and Python's e-mail package refuses to send it at all. Titles, invitees'
names, organisations and sectors are therefore one line of text: no line break and no other
control character (a NUL cannot even be stored in PostgreSQL). The check is made where the text
comes in (the models' validation, so the admin and the workspace's forms, the invitee files
and the command line), never where it goes out.

>>> single_line_problem("Leaders' survey 2026"), single_line_problem("Pulse\\r\\nBcc: x")
('', 'a line break (character 6)')
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

__all__ = ["as_one_line", "single_line", "single_line_problem"]

#: C0 controls but the tab, DEL, NEL and the Unicode line and paragraph separators.
_NOT_ON_ONE_LINE = re.compile("[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")
_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def single_line_problem(text: str) -> str:
    """What keeps ``text`` from being one line ('' when nothing does)."""
    found = _NOT_ON_ONE_LINE.search(text)
    if found is None:
        return ""
    kind = "a line break" if found.group() in _BREAKS else f"a control character (U+{ord(found.group()):04X})"
    return f"{kind} (character {found.start() + 1})"


def as_one_line(text: str) -> str:
    """``text`` with each line break or control character made a space: for text stored before
    the checks (or by a path around them) that goes into a mail header all the same.

    >>> as_one_line("Pulse\\r\\nBcc: x")
    'Pulse  Bcc: x'
    """
    return _NOT_ON_ONE_LINE.sub(" ", text)


def single_line(value: str) -> None:
    """Django validator: ``value`` is one line of text."""
    problem = single_line_problem(value)
    if problem:
        raise ValidationError(f"Use one line of text: this has {problem}", code="single_line")
