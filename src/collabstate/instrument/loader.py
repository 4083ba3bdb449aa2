"""Reading instruments from YAML, with errors that name the path and the line.

>>> from collabstate.instrument import load_instrument
>>> load_instrument("readiness-2018").question("q1_example").label
'Worked in collaboration on an example'

A file with problems raises :class:`InstrumentError`, which lists every problem at once::

    my-survey.yaml: 2 problems
      line 14: questions[3].choices[1].code: duplicate code 2
      line 30: questions[7].relevant: unknown question 'q99' (conditions read earlier questions)
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .checks import check_instrument, format_path
from .derived import check_derived, derived_message
from .model import QUESTION_TYPES, Instrument
from .yaml_file import InstrumentError, Problem, clean_loc, line_of, read_file_text, read_yaml

__all__ = [
    "InstrumentError",
    "Problem",
    "builtin_instruments",
    "instrument_schema",
    "load_instrument",
    "parse_instrument",
]


def parse_instrument(text: str, source: str = "<instrument>") -> Instrument:
    """Build an instrument from YAML text; ``source`` names it in error messages."""
    data, lines = read_yaml(text, source)
    if not isinstance(data, dict):
        raise InstrumentError(source, [Problem("", "expected a mapping with id, title and questions", 1)])
    try:
        instrument = Instrument.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = clean_loc(tuple(err["loc"]))
            message = err["msg"]
            better = derived_message(loc, err) if loc[:1] == ("derived",) else None
            if better is not None:
                message = better
                loc = loc[:-1] if loc[-1] == "[key]" else loc  # the key itself: derived[0].recode.one
            elif err["type"] == "union_tag_invalid":
                message = f"unknown question type {err['input'].get('type')!r}; expected one of {', '.join(QUESTION_TYPES)}"
            elif "input" in err and err["type"] not in {"missing", "extra_forbidden"} and not isinstance(err["input"], (dict, list)):
                got = repr(err["input"])
                message = f"{message} (got {got if len(got) <= 80 else got[:79] + '…'})"
            problems.append(Problem(format_path(loc), message, line_of(lines, loc)))
        raise InstrumentError(source, problems) from None
    found = check_instrument(instrument) + check_derived(instrument, instrument.derived)
    problems = [Problem(format_path(loc), msg, line_of(lines, loc)) for loc, msg in found]
    if problems:
        raise InstrumentError(source, problems)
    return instrument


def builtin_instruments() -> list[str]:
    """Ids of the instruments that ship with collabstate."""
    folder = resources.files("collabstate.instrument") / "builtin"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_instrument(ref: str | Path) -> Instrument:
    """Load a built-in instrument by id (``readiness-2018``, ``leaders``) or a YAML file by path."""
    if isinstance(ref, str) and ref in builtin_instruments():
        text = (resources.files("collabstate.instrument") / "builtin" / f"{ref}.yaml").read_text(encoding="utf-8")
        return parse_instrument(text, f"{ref}.yaml")
    text = read_file_text(ref, f"no such file, and not a built-in instrument ({', '.join(builtin_instruments())})")
    return parse_instrument(text, str(Path(ref)))


def instrument_schema() -> dict[str, Any]:
    """The JSON Schema of an instrument file, for editors and other tools."""
    schema = Instrument.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "collabstate instrument"
    plain: dict[str, Any] = json.loads(json.dumps(schema))  # a JSON object reads back as a dict
    return plain
