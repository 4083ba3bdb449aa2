"""One family for every error a person can fix.

Everything collabstate raises about its input, its arguments or its state is a
:class:`CollabstateError`. An error's message is its class's ``template`` filled from the context it
carries (the file, row, column, field, the value and what was expected), so the message and the
context cannot disagree, tests assert on the template, and a program reads the context rather than
parsing the text. The command line maps the family to exit codes in one place
(:mod:`collabstate.cli`), from each class's ``exit_code``::

    CollabstateError                      exit 1
    ├── InputError        (ValueError)    a file, row, column or field is not what was expected
    │                                     (instruments, conditions, data files, targets, waves, invitees)
    ├── UsageError        (ValueError)    exit 2: an argument the caller gave cannot be used
    │   └── UnknownNameError (KeyError)   a name (question, column, code, index) that is not there
    ├── RefusedError      (ValueError)    the request is understood, but the data or state refuse it
    └── SetupError        (RuntimeError)  exit 3: this machine lacks something (fonts, R, a browser)

Each class also derives from the built-in exception its callers caught before the family existed,
so ``except ValueError`` and ``except KeyError`` still work; but ``str()`` of every member is its
message, never a quoted repr (``KeyError`` would quote it).

>>> error = InputError(file="staff.csv", row=4, column="sector", value="9", expected="one of 1, 2, 3, 4")
>>> print(error)
staff.csv, row 4, column sector: '9' is not valid; expected one of 1, 2, 3, 4
>>> error.context["row"], error.exit_code
(4, 1)
>>> print(UnknownNameError(name="q6_sucess", kind="a question of leaders", known=["q1_sector", "q6_success"]))
'q6_sucess' is not a question of leaders (did you mean 'q6_success'?)
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

__all__ = ["CollabstateError", "InputError", "RefusedError", "SetupError", "UnknownNameError", "UsageError", "did_you_mean", "place"]


class CollabstateError(Exception):
    """The base of the family: a message template filled from ``context``.

    Raise a member with the context its template names, or with one ``detail`` sentence for a
    message no template covers yet (the context is kept either way)::

        raise RefusedError("the wave has no responses yet")
    """

    template: ClassVar[str] = "{detail}"
    exit_code: ClassVar[int] = 1

    def __init__(self, detail: str | None = None, /, **context: Any) -> None:
        if detail is not None:
            context["detail"] = detail
        self.context: dict[str, Any] = context
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The template filled from the context (with the values ``_fill`` derives)."""
        return self.template.format_map(_Fill(self._fill()))

    def _fill(self) -> Mapping[str, Any]:
        return self.context

    def __str__(self) -> str:
        return self.message


class _Fill(dict[str, Any]):
    """A template's values; a missing one reads as empty rather than raising inside an error."""

    def __missing__(self, key: str) -> str:
        return ""


def place(file: str | None = None, row: int | None = None, column: str | None = None, field: str | None = None) -> str:
    """Where something is, as a person reads it: ``staff.csv, row 4, column sector``.

    >>> place("leaders.yaml", field="questions[3].choices")
    'leaders.yaml, field questions[3].choices'
    """
    parts = [part for part in (file, None if row is None else f"row {row}", None if column is None else f"column {column}") if part]
    if field:
        parts.append(f"field {field}")
    return ", ".join(parts)


def did_you_mean(name: str, known: Iterable[object]) -> str:
    """The closest known name as a hint to append to a message, or ``""`` when none is close.

    >>> did_you_mean("setor", ["sector", "region"]), did_you_mean("zzz", ["sector"])
    (" (did you mean 'sector'?)", '')
    """
    close = difflib.get_close_matches(name, [str(k) for k in known], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class InputError(CollabstateError, ValueError):
    """Something in a file or table the user gave is not what was expected.

    Context: ``file``, ``row`` (as the user counts rows), ``column``, ``field`` (a key path in a
    YAML file), ``value`` (as read), ``problem`` (default "is not valid") and ``expected``. Or a
    single ``detail`` that already says all of it, for errors whose place is part of the sentence.
    """

    template: ClassVar[str] = "{where}{sep}{shown}{problem}{expect}"

    def _fill(self) -> Mapping[str, Any]:
        ctx = self.context
        if "detail" in ctx:
            where = place(ctx.get("file"), ctx.get("row"), ctx.get("column"), ctx.get("field"))
            return {"where": where, "sep": ": " if where else "", "problem": ctx["detail"]}
        value = ctx.get("value")
        where = place(ctx.get("file"), ctx.get("row"), ctx.get("column"), ctx.get("field"))
        return {
            "where": where,
            # "staff.csv, row 4: '9' is not valid", but "column wave is not in the responses"
            "sep": ": " if value is not None or ctx.get("file") or ctx.get("row") is not None else " ",
            "shown": "" if value is None else f"{str(value)!r} ",
            "problem": ctx.get("problem", "is not valid"),
            "expect": f"; expected {ctx['expected']}" if ctx.get("expected") else "",
        }


class UsageError(CollabstateError, ValueError):
    """An argument the caller gave cannot be used (exit code 2, as a command-line usage error).

    Context: ``argument`` (the parameter or option), ``value`` and ``expected``; or a ``detail``.
    """

    template: ClassVar[str] = "{argument}{value}{expect}"
    exit_code: ClassVar[int] = 2

    def _fill(self) -> Mapping[str, Any]:
        ctx = self.context
        if "detail" in ctx:
            return {"argument": ctx["detail"]}
        return {
            "argument": ctx.get("argument", "the argument"),
            "value": f" {ctx['value']!r} is not valid" if "value" in ctx else " is not valid",
            "expect": f"; expected {ctx['expected']}" if ctx.get("expected") else "",
        }


class UnknownNameError(UsageError, KeyError):
    """A name that is not there: ``name``, what it should be (``kind``: "a question of leaders")
    and the ``known`` names, from which the message suggests the closest."""

    template: ClassVar[str] = "{quoted} is not {kind}{hint}"

    def _fill(self) -> Mapping[str, Any]:
        ctx = self.context
        if "detail" in ctx:
            return {"quoted": ctx["detail"], "kind": "", "hint": ""}
        name = str(ctx.get("name", ""))
        known: Iterable[Any] = ctx.get("known") or ()
        return {"quoted": repr(name), "kind": ctx.get("kind", "known"), "hint": did_you_mean(name, known)}


class RefusedError(CollabstateError, ValueError):
    """The request is understood but the data or the state refuse it: too few respondents to
    report, an export whose wave has nothing to write, an action the wave's state does not allow."""


class SetupError(CollabstateError, RuntimeError):
    """This machine lacks something collabstate needs (fonts and scripts for PDF, R, a browser);
    the message says what and how to install it (exit code 3)."""

    exit_code: ClassVar[int] = 3
