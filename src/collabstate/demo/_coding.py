"""The demo's coded open answers: codebooks of the leaders' ``barriers_text`` and
``enablers_text`` (the seed report's themes by sector) and the codes that matching their keywords
gives on the demo waves (``coding/barriers-codebook.yaml``, ``coding/barriers-codes.csv``,
``coding/enablers-codebook.yaml``, ``coding/enablers-codes.csv``, shipped with the package for
docs/text-coding.md and the demo's 2025 report; a test checks each file is what
:func:`keyword_codes` gives: ``python -m collabstate.demo._coding`` writes them again).

Keyword matching is the crudest coder (a word, case folded, found in the answer): enough for a
demo, and a start an analyst corrects; a code is given once per answer, whatever its keywords.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import polars as pl

from ..instrument.codebook import Codebook

__all__ = ["DEMO_CODEBOOK", "DEMO_CODES", "ENABLERS_CODEBOOK", "ENABLERS_CODES", "keyword_codes"]

_HERE = files("collabstate") / "demo" / "coding"
#: The shipped codebook and codes file (paths inside the installed package).
DEMO_CODEBOOK = Path(str(_HERE / "barriers-codebook.yaml"))
DEMO_CODES = Path(str(_HERE / "barriers-codes.csv"))
ENABLERS_CODEBOOK = Path(str(_HERE / "enablers-codebook.yaml"))
ENABLERS_CODES = Path(str(_HERE / "enablers-codes.csv"))
#: (codebook, codes file) of each coded question of the demo.
DEMO_CODINGS = ((DEMO_CODEBOOK, DEMO_CODES), (ENABLERS_CODEBOOK, ENABLERS_CODES))
#: The demo waves the codes files cover.
YEARS = (2024, 2025, 2026)


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


def write_demo_codes() -> None:
    """Write the shipped codes files again from the codebooks and the demo waves."""
    from ..dataset.csv_text import write_csv
    from ..instrument import load_instrument
    from ..instrument.codebook import load_codebook
    from ._leaders import leaders_wave

    leaders = load_instrument("leaders")
    for book_path, codes_path in DEMO_CODINGS:
        book = load_codebook(book_path, leaders)
        write_csv(pl.concat([keyword_codes(leaders_wave(year), book) for year in YEARS]), codes_path)


if __name__ == "__main__":
    write_demo_codes()
