"""Population targets for weighting: margins per variable, read from YAML or CSV and checked with
messages that name the file, the line and what was expected.

A margin is a variable (a single-choice question such as ``sector``, or a design column:
``wave``, ``stratum``, ``cluster``) or a cross of variables written ``sector*region``, mapped to
its codes' targets. A cross's codes are written the same way (``1*north``) or, from Python, as
tuples. YAML::

    sector: {1: 0.40, 2: 0.35, 3: 0.25}     # shares (every target at most 1): sum to 1 within 1e-6
    region: {north: 5200, south: 4800}      # population totals

CSV, one target per row::

    variable,code,target
    sector,1,0.40

Blank answers: the code ``missing`` (YAML ``missing: 0.03`` or ``~: 0.03``; CSV ``sector,missing,0.03``;
in a cross ``missing*north``) is the target of respondents who left the variable blank, raked as a
cell of their own (see :mod:`~collabstate.stats._missing` for the choices when it is not given).

Shares are scaled to the population total: the total of the margins given as totals (they must
agree), or else the sum of the input weights, so that shares leave the sum of the weights as it was.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import polars as pl
import yaml

from ..dataset import Responses
from ..errors import InputError
from ..instrument.safe_yaml import MAX_YAML_BYTES, BoundedLoader, YAMLLimitError, compose_bounded
from ._missing import MISSING, MissingMode, WeightingDataError, is_missing_code, respondents

__all__ = ["DESIGN_VARIABLES", "ResolvedMargin", "Targets", "TargetsError", "load_targets"]

SHARE_TOLERANCE = 1e-6
DESIGN_VARIABLES = ("wave", "stratum", "cluster")
Key = str | tuple[str, ...]
Code = int | str | None  # a code of one variable, typed as the data hold it; None: the cell of blank answers
Cell = Code | tuple[Code, ...]  # a margin's cell: a code, or one code per variable of a cross


class TargetsError(InputError):
    """A targets file or table that cannot be used; the message says where and what was expected."""


def _key(key: Any) -> Key:
    names = tuple(key) if isinstance(key, (tuple, list)) else tuple(p.strip() for p in str(key).split("*"))
    if not names or any(not isinstance(n, str) or not n for n in names):
        raise TargetsError(f"targets: {key!r} is not a variable name or a cross of names (a*b)")
    return names[0] if len(names) == 1 else names


def _label(key: Key) -> str:
    return key if isinstance(key, str) else "*".join(key)


@dataclass(frozen=True)
class ResolvedMargin:
    """A margin matched to the responses: cells, their targets, and each respondent's cell."""

    key: Key
    cells: list[Cell]  # typed codes (tuples for a cross)
    targets: np.ndarray  # as given (shares or totals)
    share: bool
    codes: np.ndarray  # per respondent 0..len(cells)-1; len(cells) for a respondent with no cell (zero weight, or blank)
    blank: np.ndarray  # respondents with a weight and a blank answer, left out of the raking ("unweighted")

    @property
    def label(self) -> str:
        return _label(self.key)

    @property
    def levels(self) -> int:
        return len(self.cells) + 1


@dataclass(frozen=True)
class Targets:
    """Margins ``{variable or (var, var): {code: target}}``; see the module docstring.

    >>> t = Targets({"sector": {1: 0.4, 2: 0.35, 3: 0.25}, "stratum*wave": {"a*1": 10, "b*1": 30}})
    >>> t.keys, t.is_share("sector"), t.is_share(("stratum", "wave"))
    (['sector', ('stratum', 'wave')], True, False)
    """

    margins: Mapping[Any, Mapping[Any, float]]
    source: str | None = None
    lines: Mapping[Any, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        margins: dict[Key, dict[Any, float]] = {}
        lines = dict(self.lines)
        object.__setattr__(self, "lines", lines)  # filled in below with the normalised keys
        for raw, cells in self.margins.items():
            key = _key(raw)
            if raw in lines:
                lines.setdefault(key, lines[raw])
            if key in margins:
                raise TargetsError(f"{self.where(key)}the margin {_label(key)!r} is given twice")
            if not isinstance(cells, Mapping) or not cells:
                raise TargetsError(f"{self.where(key)}the targets of {_label(key)!r} must be a non-empty mapping of code to target")
            margins[key] = {}
            for code, value in cells.items():
                line = lines.get((raw, code))
                if isinstance(key, tuple):
                    code = tuple(code) if isinstance(code, (tuple, list)) else tuple(p.strip() for p in str(code).split("*"))
                    if len(code) != len(key):
                        raise TargetsError(
                            f"{self._at(line, key)}code {'*'.join(map(str, code))!r} of {_label(key)!r} needs one code per variable ({len(key)})"
                        )
                if line is not None:
                    lines[(key, code)] = line
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                    raise TargetsError(
                        f"{self.where(key, code)}the target of {_code(code)} of {_label(key)!r} must be a number, not {value!r}"
                    )
                if value < 0:
                    raise TargetsError(
                        f"{self.where(key, code)}the target of {_code(code)} of {_label(key)!r} is negative ({value}); targets are shares or totals, 0 or more"
                    )
                margins[key][code] = float(value)
        if not margins:
            raise TargetsError(f"{self.where(None)}no margins: give at least one variable with its targets")
        object.__setattr__(self, "margins", margins)
        for key, cells in margins.items():
            total = sum(cells.values())
            if self.is_share(key) and abs(total - 1.0) > SHARE_TOLERANCE:
                raise TargetsError(
                    f"{self.where(key)}the targets of {_label(key)!r} are shares (none above 1) but sum to {total:.8g}, "
                    f"not 1 (within {SHARE_TOLERANCE:g}); give shares that sum to 1 or population totals"
                )

    @property
    def keys(self) -> list[Key]:
        return list(self.margins)

    def is_share(self, key: Key) -> bool:
        """A margin is read as shares when none of its targets is above 1, else as totals."""
        return all(v <= 1.0 for v in self.margins[key].values())

    def _at(self, line: int | None, key: Key | None = None) -> str:
        if self.source and line is not None:
            return f"{self.source}, line {line}: "
        if self.source:
            return f"{self.source}: "
        return "targets: "

    def where(self, key: Key | None, code: Any = ...) -> str:
        """Prefix of an error message: the file and line of a margin (or of one of its codes)."""
        line = self.lines.get((key, code)) if code is not ... else None
        return self._at(line if line is not None else self.lines.get(key), key)

    def total(self, base_total: float) -> float:
        """The population total: that of the margins given as totals (they must agree), else ``base_total``."""
        totals = [(k, sum(c.values())) for k in self.margins if not self.is_share(k) for c in [self.margins[k]]]
        for k, t in totals[1:]:
            k0, t0 = totals[0]
            if abs(t - t0) > SHARE_TOLERANCE * max(abs(t0), 1.0):
                raise TargetsError(
                    f"{self.where(k)}the targets of {_label(k)!r} total {t:,.10g} but those of {_label(k0)!r} total {t0:,.10g}: "
                    "the margins must describe one population (give the same total, or shares)"
                )
        return totals[0][1] if totals else float(base_total)

    # ------------------------------------------------------------------ matching the responses
    def resolve(
        self, responses: Responses, weights: np.ndarray, keys: list[Key] | None = None, missing: MissingMode = None
    ) -> list[ResolvedMargin]:
        """Match every margin (or ``keys``) to the responses: check its variables and codes, and
        place each respondent in its cell. A respondent with a positive weight must have a cell;
        one with a blank answer gets the cell of ``missing``, or, with ``missing="unweighted"``,
        none (:attr:`ResolvedMargin.blank`). See :mod:`~collabstate.stats._missing`."""
        return [self._resolve(responses, weights, key, missing) for key in (keys or self.keys)]

    def _resolve(self, responses: Responses, weights: np.ndarray, key: Key, missing: MissingMode = None) -> ResolvedMargin:
        names = (key,) if isinstance(key, str) else key
        kinds = [self._variable(responses, key, name) for name in names]
        cells: list[Cell] = []
        for code in self.margins[key]:
            parts = (code,) if isinstance(key, str) else code
            typed = tuple(self._convert(responses, key, code, name, kind, part) for name, kind, part in zip(names, kinds, parts))
            cells.append(typed[0] if isinstance(key, str) else typed)
        seen: dict[Cell, object] = {}
        for raw, cell in zip(self.margins[key], cells):
            if cell in seen:
                raise TargetsError(f"{self.where(key, raw)}code {_code(cell)} of {_label(key)!r} is given twice")
            seen[cell] = raw
        codes = _cell_codes(responses.data, names, cells)
        own = [raw for raw, cell in zip(self.margins[key], cells) if _blank(cell)]  # targets of blank answers
        if own and missing == "unweighted":
            raise TargetsError(
                f"{self.where(key, own[0])}the targets give a target for blank answers of {_label(key)!r}, but blank answers are to be "
                "left out of the raking (unweighted): drop the target, or rake them as a cell of their own"
            )
        unmatched = (codes < 0) & (weights > 0)
        blank = np.zeros(len(codes), dtype=bool)
        if unmatched.any():
            nulls = responses.data.select(pl.any_horizontal([pl.col(n).is_null() for n in names])).to_series().to_numpy()
            if (unmatched & ~nulls).any():
                self._unplaced(responses, key, names, unmatched & ~nulls, "which has no target")
            blank = unmatched
            if own or missing == "own-cell":
                self._unplaced(responses, key, names, blank, "and no target")
            if missing is None:
                empty = [n for n in names if responses.data[n].filter(pl.Series(blank)).null_count()]
                said = " or ".join(map(repr, empty))
                raise WeightingDataError(
                    f"{respondents(int(blank.sum()), 'have')} no answer to {said}, a variable the weights are raked on: "
                    f"{responses.describe_rows(np.flatnonzero(blank))}. Raking places every respondent with a weight in a cell of the column {said}",
                    source=responses.source,
                    column=empty[0],
                    rows=responses.row_numbers(np.flatnonzero(blank)),
                    choices=True,
                )
        codes = np.where(codes < 0, len(cells), codes)
        targets = np.array(list(self.margins[key].values()), dtype=np.float64)
        return ResolvedMargin(key, cells, targets, self.is_share(key), codes, blank)

    def _unplaced(self, responses: Responses, key: Key, names: tuple[str, ...], unmatched: np.ndarray, why: str) -> None:
        """Raise: respondents with a weight whose answers (or blank answers) have no target."""
        frame = responses.data.select(names).filter(pl.Series(unmatched))
        value, count = frame.group_by(names).len().sort("len", descending=True).row(0)[:-1], frame.height
        cell = "*".join(MISSING if v is None else str(v) for v in value)
        where = responses.describe_rows(np.flatnonzero(unmatched)) + (f" of {responses.source}" if responses.source else "")
        if why == "and no target":
            most = "" if isinstance(key, str) else f", most of them in the cell {cell}"
            raise TargetsError(
                f"{self.where(key)}{_label(key)!r} has no target for blank answers: {respondents(count)} left it blank{most}: {where}. "
                f"Add a target for them under {_label(key)!r} (`{cell}: 0.03`, say: the share or total of the population that the blank "
                "answers stand for), or leave them out of the raking at their input weight"
            )
        n = int(frame.group_by(names).len().sort("len", descending=True).row(0)[-1])
        raise TargetsError(
            f"{self.where(key)}{respondents(count)} with a weight cannot be placed in a cell of {_label(key)!r}: {n} of them have "
            f"code {cell}, {why} (they are {where}); give it a target, or merge it with another code in the data"
        )

    def _variable(self, responses: Responses, key: Key, name: str) -> str:
        column = responses.instrument.column(name)
        if column is not None and column.kind == "code":
            return "code"
        if name in DESIGN_VARIABLES and name in responses.data.columns:
            return "int" if responses.data.schema[name].is_integer() else "str"
        known = [c.name for c in responses.instrument.columns if c.kind == "code"] + [
            c for c in DESIGN_VARIABLES if c in responses.data.columns
        ]
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise TargetsError(
            f"{self.where(key)}{name!r} is not a single-choice question or a design column ({', '.join(DESIGN_VARIABLES)}) "
            f"of the responses to instrument {responses.instrument.id!r}{hint}"
        )

    def _convert(self, responses: Responses, key: Key, raw: Any, name: str, kind: str, part: Any) -> Code:
        at = self.where(key, raw)
        if is_missing_code(part):
            return None  # the cell of blank answers
        if kind == "str":
            return str(part)
        try:
            value = int(part) if not isinstance(part, float) or part.is_integer() else None
        except (TypeError, ValueError):
            value = None
        if value is None:
            raise TargetsError(f"{at}code {part!r} of {name!r} must be a whole number")
        if kind == "code":
            column = responses.instrument.column(name)
            if column is None:  # _variable says "code" only for a coded column of the instrument
                raise AssertionError(f"instrument {responses.instrument.id!r} has no column {name!r}")
            choices = [c.code for c in column.choices]
            if value not in choices:
                raise TargetsError(f"{at}code {value} is not a choice of {name!r} (its choices: {', '.join(map(str, choices))})")
        return value


def _code(code: Any) -> str:
    return "code " + ("*".join(map(str, code)) if isinstance(code, tuple) else str(code))


def _blank(cell: Any) -> bool:
    """The cell of blank answers (a cross: blank in any of its variables)."""
    return cell is None or (isinstance(cell, tuple) and any(c is None for c in cell))


def _cell_codes(data: pl.DataFrame, names: tuple[str, ...], cells: list[Cell]) -> np.ndarray:
    """Each respondent's cell among ``cells`` (-1 for none); a blank answer matches the cell of
    ``missing`` (None) when there is one."""
    if len(names) == 1:
        mapping = {c: i for i, c in enumerate(cells) if c is not None}
        codes = data[names[0]].replace_strict(mapping, default=None, return_dtype=pl.Int64).fill_null(-1).to_numpy()
        if None in cells:
            codes = np.where(data[names[0]].is_null().to_numpy(), cells.index(None), codes)
        return codes
    # a cross: match on the values as text, a blank written as a character no value holds
    key = pl.concat_str([pl.col(n).cast(pl.String).fill_null("\x00") for n in names], separator="\x1f")
    crossed = cast("list[tuple[Code, ...]]", cells)  # the cells of a cross are tuples, one code per variable (Targets._resolve)
    lookup = pl.DataFrame({n: [c[j] for c in crossed] for j, n in enumerate(names)}, schema={n: data.schema[n] for n in names})
    mapping = dict(zip(lookup.select(key).to_series().to_list(), range(len(cells))))
    keys = data.select(key).to_series()
    return keys.replace_strict(mapping, default=None, return_dtype=pl.Int64).fill_null(-1).to_numpy()


# ---------------------------------------------------------------------------------- files
def load_targets(path: str | Path, responses: Responses | None = None) -> Targets:
    """Targets from a YAML or CSV file (see the module docstring); with ``responses``, also check
    that every variable and code exists, so that the error names the file and line."""
    path = Path(path)
    name = path.name
    if not path.exists():
        raise TargetsError(f"{name}: no such file")
    if not path.is_file():
        raise TargetsError(f"{name}: not a file")
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".csv"):
        raise TargetsError(f"{name}: targets are read from .yaml, .yml or .csv files, not {suffix or 'a file without extension'}")
    if path.stat().st_size > MAX_YAML_BYTES:
        raise TargetsError(f"{name}: the file is over {MAX_YAML_BYTES >> 20} MB; a targets file is a few lines per variable")
    text = _text(path.read_bytes(), name)
    margins: Mapping[str, Mapping[Any, float]]  # as Targets takes them (it checks the targets of a YAML file are numbers)
    lines: Mapping[Any, int]
    if suffix in (".yaml", ".yml"):
        margins, lines = _read_yaml(text, name)
    else:
        margins, lines = _read_csv(text, name)
    targets = Targets(margins, source=name, lines=lines)
    if responses is not None:
        targets.resolve(responses, np.zeros(responses.n))
    return targets


def _text(data: bytes, name: str) -> str:
    """The file's text (UTF-8, with or without a byte-order mark), or an error naming the line of
    the first byte that is not UTF-8 and any NUL byte (binary data is not a targets file)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TargetsError(
            f"{name}, line {line}: not UTF-8 text: byte 0x{data[exc.start]:02X} at offset {exc.start} cannot be decoded; save the file as UTF-8"
        ) from None
    if "\x00" in text:
        raise TargetsError(f"{name}, line {text[: text.index(chr(0))].count(chr(10)) + 1}: a NUL byte; a targets file is text")
    return text


def _read_yaml(text: str, name: str) -> tuple[dict[str, dict[int | str, Any]], dict[str | tuple[str, int | str], int]]:
    try:
        loader = BoundedLoader(text)
        try:
            root = compose_bounded(loader)
        finally:
            loader.dispose()
    except YAMLLimitError as e:
        where = f", line {e.line}" if e.line else ""
        raise TargetsError(f"{name}{where}: {e.problem}") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise TargetsError(f"{name}{where}: not valid YAML ({getattr(e, 'problem', None) or e})") from None
    example = "e.g. `sector: {1: 0.4, 2: 0.35, 3: 0.25}`"
    if root is None:
        raise TargetsError(f"{name}: the file is empty; expected a mapping of variables to their targets, {example}")
    if not isinstance(root, yaml.MappingNode):
        raise TargetsError(f"{name}, line {root.start_mark.line + 1}: expected a mapping of variables to their targets, {example}")
    build = yaml.constructor.SafeConstructor()
    margins: dict[str, dict[int | str, Any]] = {}
    lines: dict[str | tuple[str, int | str], int] = {}
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1
        variable = build.construct_object(key_node)
        if not isinstance(variable, str):
            raise TargetsError(f"{name}, line {line}: expected a variable name, not {variable!r}")
        if variable in margins:
            raise TargetsError(f"{name}, line {line}: the margin {variable!r} is given twice (also on line {lines[variable]})")
        if not isinstance(value_node, yaml.MappingNode):
            raise TargetsError(f"{name}, line {line}: the targets of {variable!r} must be a mapping of code to target, {example}")
        margins[variable], lines[variable] = {}, line
        for code_node, target_node in value_node.value:
            code_line = code_node.start_mark.line + 1
            code = build.construct_object(code_node)
            code = MISSING if code is None else code  # `~: 0.03`: the target of blank answers
            if not isinstance(code, (int, str)) or isinstance(code, bool):
                raise TargetsError(f"{name}, line {code_line}: expected a code of {variable!r}, not {code!r}")
            if code in margins[variable]:
                raise TargetsError(
                    f"{name}, line {code_line}: code {code} of {variable!r} is given twice (also on line {lines[(variable, code)]})"
                )
            margins[variable][code] = build.construct_object(target_node, deep=True)
            lines[(variable, code)] = code_line
    return margins, lines


def _csv_rows(reader: Any, name: str) -> Iterator[list[str]]:
    """The rows of ``reader``; a row the csv module refuses is a TargetsError naming its line."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = "a value of more than 131,072 characters" if "field larger than field limit" in str(exc) else str(exc)
            raise TargetsError(
                f"{name}, line {reader.line_num}: cannot be read as CSV: {reason}; expected variable, code, target"
            ) from None
        yield row


def _read_csv(text: str, name: str) -> tuple[dict[str, dict[str, float]], dict[str | tuple[str, str], int]]:
    """The targets of a CSV file's text (decoded by :func:`_text`); a line that is not CSV (a value
    over Python's csv field limit of 131,072 characters) is a :class:`TargetsError` naming it."""
    margins: dict[str, dict[str, float]] = {}
    lines: dict[str | tuple[str, str], int] = {}
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = _csv_rows(reader, name)
    header = [h.strip().lower() for h in next(rows, [])]
    if not {"variable", "code", "target"} <= set(header):
        raise TargetsError(f"{name}, line 1: expected the columns variable, code, target; found {', '.join(header) or 'none'}")
    at = {h: header.index(h) for h in ("variable", "code", "target")}
    for row in rows:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            raise TargetsError(f"{name}, line {line}: expected {len(header)} values (variable, code, target), found {len(row)}")
        variable, code, target = (row[at[h]].strip() for h in ("variable", "code", "target"))
        if not variable or not code:
            raise TargetsError(
                f"{name}, line {line}: the variable and the code must not be empty (write `{MISSING}` as the code of "
                "the target of blank answers)"
            )
        try:
            value = float(target)
        except ValueError:
            raise TargetsError(f"{name}, line {line}: the target {target!r} of code {code} of {variable!r} is not a number") from None
        cells = margins.setdefault(variable, {})
        lines.setdefault(variable, line)
        if code in cells:
            raise TargetsError(f"{name}, line {line}: code {code} of {variable!r} is given twice (also on line {lines[(variable, code)]})")
        cells[code] = value
        lines[(variable, code)] = line
    if not margins:
        raise TargetsError(f"{name}: no targets; expected rows of variable, code, target")
    return margins, lines
