"""SPSS .sav output (private): variable names, labels, user-missing values, measure levels.

SPSS names cannot hold "/", so a multiple-choice flag ``question/option`` is written as
``question.option`` (question ids never contain "."); :func:`column_from_spss_name` maps back.

Two limits of the format itself: SPSS strings have no missing value and are padded with blanks,
so an empty text and an unanswered one are the same (both read back as not answered), and
trailing spaces of a text are not kept. A number SPSS would read as system-missing (NaN,
±1.7976931348623157e308, -1.7976931348623155e308) is refused. Everything else round-trips exactly.
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import polars as pl

from ..errors import InputError
from ..instrument.model import MatrixQuestion, ScaleQuestion

if TYPE_CHECKING:
    from ..instrument import Column
    from .responses import Responses

__all__ = ["SPSS_RESERVED", "column_from_spss_name", "spss_name", "write_sav"]

#: Words SPSS reserves: never a variable name, in any case.
SPSS_RESERVED = frozenset(["ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"])
MAX_NAME_BYTES = 64
MAX_STRING_BYTES = 32767
MAX_VARIABLE_LABEL_BYTES = 256
MAX_VALUE_LABEL_BYTES = 120
FLAG_LABELS = {0: "Not selected", 1: "Selected"}
#: Numbers a .sav cannot hold: SPSS's system-missing (-DBL_MAX) and its LOWEST and HIGHEST
#: markers, which readers take as missing too (NaN is written as system-missing).
SYSTEM_MISSING = [-sys.float_info.max, -math.nextafter(sys.float_info.max, 0), sys.float_info.max]
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.@#$]*")


def spss_name(column: str) -> str:
    """The SPSS variable name of a data column: ``q3_stakeholders/ccg`` -> ``q3_stakeholders.ccg``.

    Raises ``ValueError`` when the name cannot be a valid SPSS name.
    """
    name = column.replace("/", ".")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        problem = f"is {len(name.encode('utf-8'))} bytes long; SPSS allows at most {MAX_NAME_BYTES}"
    elif not _NAME.fullmatch(name):
        problem = "must start with a letter and hold only letters, digits and _ . @ # $"
    elif name.upper() in SPSS_RESERVED:
        problem = "is a word SPSS reserves"
    else:
        return name
    raise InputError(f"column {column!r} cannot go to SPSS: variable name {name!r} {problem}")


def column_from_spss_name(name: str) -> str:
    """The data column of an SPSS variable name written here:
    ``q3_stakeholders.ccg`` -> ``q3_stakeholders/ccg``."""
    return name.replace(".", "/")


def _truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, on a character boundary."""
    raw = text.encode("utf-8")
    return text if len(raw) <= limit else raw[:limit].decode("utf-8", errors="ignore")


def _user_missing(column: str, codes: list[int], valid: list[int]) -> list[Any]:
    """SPSS user-missing declaration for excluded codes: up to three values, or one range."""
    if len(codes) <= 3:
        return sorted(codes)
    lo, hi = min(codes), max(codes)
    if any(lo <= v <= hi for v in valid):
        raise InputError(
            f"column {column!r}: SPSS can declare at most three user-missing values or one range, "
            f"and excluded codes {sorted(codes)} are neither"
        )
    return [{"lo": lo, "hi": hi}]


def _measure(column: Column) -> str:
    if column.kind == "number":
        return "scale"
    if column.kind == "code" and isinstance(column.question, (ScaleQuestion, MatrixQuestion)):
        return "ordinal"
    return "nominal"


def _check_values(data: pl.DataFrame) -> dict[str, int]:
    """Width in UTF-8 bytes of every string column; raises for a value SPSS cannot hold."""
    widths: dict[str, int] = {}
    for name, dtype in data.schema.items():
        if dtype.is_float():
            lost = data[name].is_nan() | data[name].is_in(SYSTEM_MISSING)
            if lost.any():
                row = int(lost.arg_true()[0])
                raise InputError(f"column {name!r}, row {row + 1}: {data[name][row]!r} would read back from SPSS as system-missing")
        if dtype != pl.String:
            continue
        lengths = data[name].str.len_bytes()
        longest = cast("int | None", lengths.max())  # the max of UInt32 byte lengths: an int, or None when all are null
        if longest is not None and longest > MAX_STRING_BYTES:
            row = int(cast(int, lengths.arg_max()))  # not None: the column has a longest value
            raise InputError(
                f"text in column {name!r}, row {row + 1} is {longest} bytes long (UTF-8); SPSS strings hold at most {MAX_STRING_BYTES}"
            )
        widths[name] = max(1, int(longest or 0))
    return widths


def write_sav(responses: Responses, path: Path, labels: dict[str, str]) -> None:
    """Write ``responses`` to ``path`` as a labelled SPSS .sav file.

    ``labels`` maps every column of the frame to its variable label.
    """
    instrument, data = responses.instrument, responses.data
    names = {c: spss_name(c) for c in data.columns}
    seen: dict[str, str] = {}
    for data_column, name in names.items():
        other = seen.setdefault(name.upper(), data_column)
        if other != data_column:
            raise InputError(f"columns {other!r} and {data_column!r} share the SPSS name {name!r}")
    widths = _check_values(data)

    value_labels: dict[str, dict[int | float, str]] = {}
    missing: dict[str, list[Any]] = {}
    measure: dict[str, str] = {}
    formats: dict[str, str] = {}
    for column in instrument.columns:
        name = names[column.name]
        measure[name] = _measure(column)
        if column.kind == "code":
            value_labels[name] = {c.code: _truncate(c.label, MAX_VALUE_LABEL_BYTES) for c in column.choices}
            excluded = [c.code for c in column.choices if c.excluded]
            if excluded:
                valid = [c.code for c in column.choices if not c.excluded]
                missing[name] = _user_missing(column.name, excluded, valid)
            formats[name] = "F8.0"
        elif column.kind == "flag":
            value_labels[name] = dict(FLAG_LABELS.items())  # a fresh dict typed as write_sav wants (int | float keys)
            formats[name] = "F1.0"
    for design in responses.design_columns:
        numeric = data.schema[design].is_numeric()
        measure[design] = "scale" if design == "weight" else ("ordinal" if numeric else "nominal")
        if data.schema[design].is_integer():
            ends = [v for v in (data[design].min(), data[design].max()) if v is not None]
            digits = max((len(str(v)) for v in ends), default=1)
            formats[design] = f"F{min(max(digits, 8), 40)}.0"
    formats.update({names[c]: f"A{w}" for c, w in widths.items()})

    import pyreadstat  # here, not at the top: reading or estimating never loads it

    pyreadstat.write_sav(
        data.rename(names),
        str(path),
        file_label=_truncate(instrument.id, 64),
        note=f"collabstate instrument: {instrument.id}",
        column_labels={names[c]: _truncate(label, MAX_VARIABLE_LABEL_BYTES) for c, label in labels.items()},
        variable_value_labels=value_labels,
        missing_ranges=missing,
        variable_measure=measure,
        variable_format=formats,
    )
