"""What an answer of each question type can hold: one definition, shared by the respondents' web
form, the workspace's importer and the readers (and so every export, which reads stored answers
as a file is read).

``number``  a finite number written in at most :data:`NUMBER_CHARACTERS` (32) characters, within
            the question's ``minimum`` and ``maximum`` when it gives them, and always within
            ±:data:`LARGEST` (2**53 − 1 = 9,007,199,254,740,991): every whole number up to it is
            exact in a double, in a spreadsheet, in SPSS and in JavaScript; a whole number when the
            question says ``integer``. The shortest form of any double takes at most 24
            characters, so the limit on characters never refuses a number another tool wrote.
``text``    at most :data:`TEXT_LENGTH` (32,767) characters as a spreadsheet counts them (UTF-16
            code units: a character beyond the Basic Multilingual Plane, such as an emoji, counts
            twice), which is Excel's limit for a cell; without NUL (U+0000), nor U+FFFE or U+FFFF,
            which XLSX cannot store. So an answer that fits goes into every format collabstate
            writes.
``code``    one of the question's choices (its codes, or their labels in a file).
``flag``    0 or 1 (in a file also true/false, yes/no).

The web form and the readers agree on what a number is: :data:`NUMBER_PATTERN` (digits, a point,
an exponent; no thousands separators, no ``inf`` or ``nan``) is exactly what polars' cast reads as
a finite number, and the form parses with it before Python's ``float``.

>>> from collabstate.instrument.model import NumberQuestion
>>> staff = number_bounds(NumberQuestion(id="staff", type="number", text="Staff?", minimum=0, integer=True))
>>> staff.describe()
'a whole number from 0 to 9,007,199,254,740,991'
>>> staff.check("1" * 401), staff.check("12"), staff.check("2.5")
((None, 'out_of_range'), (12.0, None), (None, 'not_whole'))
>>> text_problem("=HYPERLINK(...)"), text_problem("x" * 40_000), text_problem("nul\\x00"), text_problem("\\ud800")
(None, 'too_long', 'bad_text', 'bad_text')
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # polars only in annotations: loading an instrument does not load it
    import polars as pl

    from .model import NumberQuestion

__all__ = [
    "FORBIDDEN_TEXT",
    "LARGEST",
    "NUMBER_CHARACTERS",
    "NUMBER_PATTERN",
    "TEXT_LENGTH",
    "NumberBounds",
    "forbidden_text_expr",
    "number_bounds",
    "show_number",
    "text_expected",
    "text_length",
    "text_length_expr",
    "text_problem",
]

#: The largest magnitude of a number answer: 2**53 − 1, the largest whole number below which
#: every whole number is exact as a double (and so in Excel, SPSS, Parquet and JavaScript).
LARGEST = 2**53 - 1
#: The most characters a number answer is written in (trimmed).
NUMBER_CHARACTERS = 32
#: The most characters of a text answer, counted as a spreadsheet counts them (UTF-16 code units).
TEXT_LENGTH = 32_767
#: What a number looks like: ``12``, ``-3.5``, ``.5``, ``1e6``. No spaces inside, no ``1,000``.
NUMBER_PATTERN = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
#: Characters no text answer may hold: NUL, and the two noncharacters XLSX cannot store.
FORBIDDEN_TEXT = "\x00\ufffe\uffff"
_NUMBER = re.compile(NUMBER_PATTERN)
_FORBIDDEN = re.compile(f"[{re.escape(FORBIDDEN_TEXT)}]")
#: Lone surrogates (U+D800 to U+DFFF): half of a UTF-16 pair, which no UTF-8 file can carry.
#: A form or a file never yields one (they decode to text without them), but a caller of the
#: library can pass one; a polars frame cannot hold one, so they are checked apart.
_SURROGATE = re.compile("[\ud800-\udfff]")
_ASTRAL = r"[\x{10000}-\x{10FFFF}]"


def show_number(x: float) -> str:
    """A bound as people read it: ``0``, ``100000``, ``0.5``, ``9,007,199,254,740,991``."""
    if x == int(x):
        whole = int(x)
        return f"{whole:,}" if abs(whole) >= 10**7 else str(whole)
    return repr(x)


@dataclass(frozen=True)
class NumberBounds:
    """The numbers a number question's answer may be: from ``minimum`` to ``maximum`` (the
    question's, within ±LARGEST), whole or not, in at most NUMBER_CHARACTERS characters."""

    minimum: float
    maximum: float
    integer: bool

    def describe(self) -> str:
        """``a whole number from 0 to 100``: what the answer may be, in words."""
        kind = "a whole number" if self.integer else "a number"
        return f"{kind} from {show_number(self.minimum)} to {show_number(self.maximum)}"

    def check(self, text: str) -> tuple[float | None, str | None]:
        """``(value, None)`` for an answer that fits, ``(None, kind)`` for one that does not
        (``not_a_number``, ``out_of_range``, ``too_long``, ``not_whole``: the kinds of
        :mod:`collabstate.dataset.validate`), ``(None, None)`` for a blank one. Spaces around the
        number are allowed. A number too large for a double (401 digits) is out of range, never
        infinity."""
        written = text.strip()
        if not written:
            return None, None
        if not _NUMBER.fullmatch(written):
            return None, "not_a_number"
        value = float(written)  # at most inf, for a number beyond a double: out of range below
        if not (self.minimum <= value <= self.maximum):
            return None, "out_of_range"
        if len(written) > NUMBER_CHARACTERS:
            return None, "too_long"
        if self.integer and value != math.floor(value):
            return None, "not_whole"
        return value, None


def number_bounds(question: NumberQuestion) -> NumberBounds:
    """The bounds of a number question: its own minimum and maximum, within ±LARGEST."""
    low = -LARGEST if question.minimum is None else max(question.minimum, -LARGEST)
    high = LARGEST if question.maximum is None else min(question.maximum, LARGEST)
    return NumberBounds(float(low), float(high), question.integer)


def text_length(text: str) -> int:
    """Characters as a spreadsheet counts them: UTF-16 code units (an emoji counts two)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def text_length_expr(expr: pl.Expr) -> pl.Expr:
    """:func:`text_length` of each value of a String expression."""
    return expr.str.len_chars() + expr.str.count_matches(_ASTRAL)


def forbidden_text_expr(expr: pl.Expr) -> pl.Expr:
    """Whether each value of a String expression holds a character of :data:`FORBIDDEN_TEXT`."""
    return expr.str.contains(_FORBIDDEN.pattern)


def text_problem(text: str) -> str | None:
    """``too_long``, ``bad_text`` (a character of FORBIDDEN_TEXT) or None for a text that fits."""
    if len(text) > TEXT_LENGTH // 2 and text_length(text) > TEXT_LENGTH:
        return "too_long"
    if _FORBIDDEN.search(text) or _SURROGATE.search(text):
        return "bad_text"
    return None


def text_expected(kind: str) -> str:
    """What a text answer was expected to be, for a problem of ``kind`` (too_long, bad_text)."""
    if kind == "too_long":
        return f"a text of at most {TEXT_LENGTH:,} characters (Excel's limit for a cell; an emoji counts as two)"
    return "a text without the characters U+0000 (NUL), U+FFFE or U+FFFF, nor half of a surrogate pair, which cannot be stored"
