"""Quotes with care: what could identify a person is taken out of an open answer before a report
shows it, and the quote says so.

Removed, each replaced by a bracketed word a reader sees (``[e-mail address removed]``):

- e-mail addresses;
- telephone numbers: a run of 9 or more digits, with the spaces, dots, dashes, brackets and leading
  ``+`` people write them with;
- web addresses (``https://…``, ``www.…``), which often name a person's or an organisation's page;
- names the caller knows, from an invitee list: ``people`` (the full name, and the surname, its
  last word of three letters or more, where the answer writes it with a capital) and
  ``organisations`` (the full name only: "North Trust" must not take every "Trust" with it), as
  whole words in any case.

Only the quote a report shows is changed: the answer itself, in the data and every export, is kept
as the respondent gave it.

>>> redact("Ask Jo Smith (jo.smith@north.example, 0161 496 0000) or see www.north.example/team", people=["Jo Smith"])
('Ask [name removed] ([e-mail address removed], [phone number removed]) or see [web address removed]', ('e-mail address', 'name', 'phone number', 'web address'))
>>> redact("Smith's team in Smithfield helped North Trust. Trust matters", people=["Jo Smith"], organisations=["North Trust"])[0]
"[name removed]'s team in Smithfield helped [name removed]. Trust matters"
>>> redact("Nothing to remove here, 2024 was a good year")
('Nothing to remove here, 2024 was a good year', ())
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["redact"]

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"\b(?:https?://|www\.)[^\s)\]]+", re.I)
PHONE = re.compile(r"(?<![\w+])\+?\(?\d(?:[\s().-]*\d){8,}")


def _name_patterns(people: Iterable[str], organisations: Iterable[str]) -> list[re.Pattern[str]]:
    patterns = []
    whole = {" ".join(n.split()) for n in [*people, *organisations] if n and n.strip()}
    for name in whole:
        patterns.append(re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.I))
    for name in {" ".join(n.split()) for n in people if n and n.strip()}:
        parts = name.split()
        if len(parts) > 1 and len(parts[-1]) >= 3:  # a person's surname, written with its capital
            last = parts[-1]
            patterns.append(re.compile(rf"(?<!\w){re.escape(last[0].upper())}{re.escape(last[1:])}(?!\w)"))
    return sorted(patterns, key=lambda p: -len(p.pattern))  # the full names before their surnames


def redact(text: str, people: Iterable[str] = (), organisations: Iterable[str] = ()) -> tuple[str, tuple[str, ...]]:
    """``text`` with e-mail addresses, web addresses, phone numbers and the names of ``people`` and
    ``organisations`` replaced, and which kinds were found (sorted; empty when nothing was)."""
    found: set[str] = set()

    def swap(pattern: re.Pattern[str], kind: str, out: str) -> str:
        new, n = pattern.subn(f"[{kind} removed]", out)
        if n:
            found.add(kind)
        return new

    out = swap(EMAIL, "e-mail address", text)
    out = swap(URL, "web address", out)
    out = swap(PHONE, "phone number", out)
    for pattern in _name_patterns(list(people), list(organisations)):
        out = swap(pattern, "name", out)
    return out, tuple(sorted(found))
