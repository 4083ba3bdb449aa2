"""What was answered: the ``Responses`` type and the canonical wide frame it holds.

A ``Responses`` object is answers bound to their instrument and to the survey design (weights,
strata, clusters): describe the design once, estimate many times, as in R's ``survey``.

The canonical wide frame has one row per respondent and, in this order:

- the design columns present, from ``respondent_id`` (String), ``wave`` (Int64 when every wave
  is a whole number, otherwise String), ``weight`` (Float64), ``stratum`` (String),
  ``cluster`` (String), ``org_id`` (String: the organisation, for panels of organisations);
- one column per data column of the instrument (:attr:`Instrument.columns`), in questionnaire
  order: codes as Int64, multiple-choice flags as Int8 (0/1), text as String, numbers as Float64.
  ``null`` is "not answered"; an excluded code such as 9 "Not applicable" is kept as its code.

>>> from collabstate.instrument import load_instrument
>>> import polars as pl
>>> r = Responses(load_instrument("leaders"), pl.DataFrame({"sector": [1, 2]}))
>>> r.n, r.data.schema["sector"]
(2, Int64)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from ..errors import InputError, UsageError
from ..instrument import DESIGN_COLUMNS, Instrument

__all__ = ["DESIGN_DTYPES", "KIND_DTYPES", "Responses", "canonical_schema"]

DESIGN_DTYPES: dict[str, pl.DataType] = {
    "respondent_id": pl.String(),
    "wave": pl.Int64(),
    "weight": pl.Float64(),
    "stratum": pl.String(),
    "cluster": pl.String(),
    "org_id": pl.String(),
}

KIND_DTYPES: dict[str, pl.DataType] = {
    "code": pl.Int64(),
    "flag": pl.Int8(),
    "text": pl.String(),
    "number": pl.Float64(),
}


def canonical_schema(instrument: Instrument, design: list[str] | tuple[str, ...] = ()) -> dict[str, pl.DataType]:
    """Column name -> dtype of the canonical frame, for the given design columns present."""
    schema = {name: DESIGN_DTYPES[name] for name in DESIGN_COLUMNS if name in design}
    schema.update({c.name: KIND_DTYPES[c.kind] for c in instrument.columns})
    return schema


@dataclass
class Responses:
    """Answers to one instrument, in the canonical wide frame, with their design.

    Build one from a file with :func:`collabstate.read_responses`; from a frame already in
    canonical form, construct it directly: missing question columns are added as all
    unanswered, and columns are put in canonical order and dtypes.
    """

    instrument: Instrument
    data: pl.DataFrame
    source: str | None = None
    #: Names of the design columns to use; default: ``weight``, ``stratum``, ``cluster`` when present.
    weight: str | None = field(default=None)
    strata: str | None = field(default=None)
    cluster: str | None = field(default=None)
    #: Each respondent's row in the file it was read from, as a spreadsheet shows it (the header is
    #: row 1), so that a message can name the rows a person sees; None for data made in memory.
    rows: np.ndarray | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        present = [c for c in DESIGN_COLUMNS if c in self.data.columns]
        schema = canonical_schema(self.instrument, present)
        if "wave" in present and not self.data.schema["wave"].is_integer():
            schema["wave"] = pl.String()
        unknown = [c for c in self.data.columns if c not in schema]
        if unknown:
            raise InputError(
                f"columns not in instrument {self.instrument.id!r}: {', '.join(unknown[:10])}" + (" …" if len(unknown) > 10 else "")
            )
        self.data = self.data.select(
            pl.col(name).cast(dtype, strict=True) if name in self.data.columns else pl.lit(None, dtype).alias(name)
            for name, dtype in schema.items()
        )
        self.weight = self.weight or ("weight" if "weight" in present else None)
        self.strata = self.strata or ("stratum" if "stratum" in present else None)
        self.cluster = self.cluster or ("cluster" if "cluster" in present else None)
        if self.rows is not None:
            self.rows = np.asarray(self.rows, dtype=np.int64)
            if self.rows.shape != (self.n,):
                raise UsageError(f"rows: one row number per respondent is needed ({self.n}), not {len(self.rows)}")

    @property
    def n(self) -> int:
        """Number of respondents."""
        return self.data.height

    @property
    def design_columns(self) -> list[str]:
        return [c for c in DESIGN_COLUMNS if c in self.data.columns]

    @property
    def question_columns(self) -> list[str]:
        return [c.name for c in self.instrument.columns]

    def weights(self) -> pl.Series:
        """The weights, or 1 for every respondent when the data carry none."""
        if self.weight is None:
            return pl.Series("weight", [1.0] * self.n, dtype=pl.Float64)
        return self.data[self.weight]

    def row_numbers(self, positions: np.ndarray) -> list[int]:
        """The rows of the respondents at ``positions`` (0-based) as a person finds them: the
        file's rows when read from a file, else their place in the data counting from 1."""
        positions = np.asarray(positions, dtype=np.int64)
        numbers: list[int] = (self.rows[positions] if self.rows is not None else positions + 1).tolist()
        return numbers

    def describe_rows(self, positions: np.ndarray, limit: int = 5) -> str:
        """``'rows 159, 227 and 232'``: the first ``limit`` of them and how many more; without a
        file, ``'respondents 1, 21 and 41, counting from 1 in data order'``."""
        numbers = self.row_numbers(positions)
        shown = [f"{n:,}" for n in numbers[:limit]]
        if len(numbers) > limit:
            text = f"{', '.join(shown)} and {len(numbers) - limit:,} more"
        else:
            text = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
        if self.rows is not None:
            return f"row{'s' if len(numbers) > 1 else ''} {text}"
        return f"respondent{'s' if len(numbers) > 1 else ''} {text}, counting from 1 in data order"

    def __repr__(self) -> str:
        design = ", ".join(self.design_columns) or "no design columns"
        return f"<Responses {self.instrument.id}: {self.n} respondents; {design}>"
