"""The demo's coded open answers: a codebook of the leaders' ``barriers_text`` and the codes that
matching its keywords gives on the demo waves (``coding/barriers-codebook.yaml`` and
``coding/barriers-codes.csv``, shipped with the package for docs/text-coding.md; a test checks the
file is what :func:`keyword_codes` gives).

Keyword matching is the crudest coder (a word, case folded, found in the answer): enough for a
demo, and a start an analyst corrects; a code is given once per answer, whatever its keywords.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import polars as pl

from ..instrument.codebook import Codebook

__all__ = ["DEMO_CODEBOOK", "DEMO_CODES", "keyword_codes"]

_HERE = files("collabstate") / "demo" / "coding"
#: The shipped codebook and codes file (paths inside the installed package).
DEMO_CODEBOOK = Path(str(_HERE / "barriers-codebook.yaml"))
DEMO_CODES = Path(str(_HERE / "barriers-codes.csv"))


def keyword_codes(frame: pl.DataFrame, book: Codebook, coder: str = "keywords") -> pl.DataFrame:
    """One row per code whose keywords an answer holds: wave, respondent_id, code, coder (in the
    frame's order, then the codebook's)."""
    rows = []
    has_wave = "wave" in frame.columns
    for record in frame.iter_rows(named=True):
        text = (record[book.question] or "").casefold()
        if not text.strip():
            continue
        for code in book.codes:
            if any(k.casefold() in text for k in code.keywords):
                rows.append(
                    {
                        "wave": str(record["wave"]) if has_wave else None,
                        "respondent_id": record["respondent_id"],
                        "code": code.id,
                        "coder": coder,
                    }
                )
    out = pl.DataFrame(rows, schema={"wave": pl.String, "respondent_id": pl.String, "code": pl.String, "coder": pl.String})
    return out if has_wave else out.drop("wave")
