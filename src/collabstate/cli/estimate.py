"""How ``collabstate estimate`` shows the estimate table: JSON, CSV, or a table a person reads.

Nothing here computes a number: every value comes from :func:`collabstate.stats.estimate`'s
table; this module only formats it (the house rule: one estimate table feeds everything).

JSON: a list of objects with exactly the 15 keys of the table (``ESTIMATE_SCHEMA``), shares on
0–1, ``flags`` a list of strings, ``letters`` a string ("" on total rows and where a group takes
no part in the comparisons), ``null`` for what is missing (never NaN).
CSV: the same columns; ``flags`` joined with ``;``.
"""

from __future__ import annotations

import io
import json
import math
from typing import Any

import polars as pl
from rich.console import Group
from rich.table import Table
from rich.text import Text

from .instrument import Instrument
from .instrument.model import MultipleQuestion
from .stats.compare import GROUP_LETTERS

__all__ = ["FLAG_NOTES", "estimate_csv", "estimate_json", "estimate_records", "estimate_table", "estimate_text"]

SHARES = ("proportion", "net")
FLAG_NOTES = {"low_base": "low base", "no_valid_answers": "no valid answers", "empty_group": "empty group", "no_interval": "no interval"}


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def estimate_records(table: pl.DataFrame) -> list[dict[str, Any]]:
    """The rows of the estimate table as plain dicts (what the JSON holds)."""
    records = []
    for row in table.iter_rows(named=True):
        row = {k: _clean(v) for k, v in row.items()}
        row["flags"] = list(row["flags"] or [])
        row["letters"] = row["letters"] or ""
        records.append(row)
    return records


def estimate_json(table: pl.DataFrame) -> str:
    return json.dumps(estimate_records(table), indent=1, allow_nan=False)


def estimate_csv(table: pl.DataFrame) -> str:
    buffer = io.StringIO()
    table.with_columns(pl.col("flags").list.join(";"), pl.col("letters").fill_null("")).write_csv(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------- for people
class _Labels:
    """Labels of questions, options and groups, falling back to the codes."""

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument

    def question(self, name: str) -> str:
        column = self.instrument.column(name)
        if column is not None:
            return column.label
        if "/" in name:
            index_id, part = name.split("/", 1)
            for ix in self.instrument.indices:
                if ix.id == index_id:
                    dims = {d.id: d.label for d in ix.dimensions}
                    return f"{ix.label}: {dims.get(part, 'gap' if part == 'gap' else part)}"
        try:
            return self.instrument.question(name).label
        except KeyError:
            return name

    def option(self, name: str, option: str | None, statistic: str) -> str:
        if option is None:
            return "mean score" if statistic == "mean" else ""
        column = self.instrument.column(name)
        question = column.question if column is not None else None
        if question is None:
            try:
                question = self.instrument.question(name)
            except KeyError:
                question = None
        if question is not None:
            for net in self.instrument.nets(question):
                if net.id == option and statistic == "net":
                    return f"NET {net.label}"
            if isinstance(question, MultipleQuestion):
                return next((o.label for o in question.options if o.code == option), option)
            if column is not None:
                return next((f"{c.code} {c.label}" for c in column.choices if str(c.code) == option), option)
        if "/" in name:
            index_id = name.split("/", 1)[0]
            for ix in self.instrument.indices:
                if ix.id == index_id:
                    factors = {f.id: f.label for f in ix.factors}
                    named = {"index": "index", "index_100": "index (0–100)", "all_factors": "all factors"}
                    return factors.get(option, named.get(option, option))
        return option

    def group(self, by: str | None, group: str | None) -> str:
        if group is None:
            return "Total"
        names = (by or "").split("|")
        parts = group.split("|")
        shown = []
        for name, code in zip(names, parts):
            column = self.instrument.column(name)
            label = next((c.label for c in column.choices if str(c.code) == code), None) if column is not None else None
            shown.append(label or code)
        return ", ".join(shown)


def estimate_text(row: dict, min_base: int = 10, *, share_decimals: int = 1) -> tuple[str, str]:
    """A row of the estimate table as a person reads it, value and interval: 64.3% (58.8–69.5%),
    2.42 (2.32–2.52); "suppressed" with the reason where the base is under ``min_base``."""
    if "suppressed" in (row["flags"] or []):
        return "suppressed", f"base under {min_base}"
    if row["estimate"] is None:
        return "–", ""
    low, high = row["ci_low"], row["ci_high"]
    if row["statistic"] in SHARES:
        d = share_decimals
        interval = "" if low is None or high is None else f"{100 * low:.{d}f}–{100 * high:.{d}f}%"
        return f"{100 * row['estimate']:.{d}f}%", interval
    dash = " to " if low is not None and low < 0 else "–"
    return f"{row['estimate']:.2f}", "" if low is None or high is None else f"{low:.2f}{dash}{high:.2f}"


def estimate_table(table: pl.DataFrame, instrument: Instrument, *, level: float, min_base: int = 10) -> Group:
    """Rich tables, one per question: shares as percentages, suppressed cells said so."""
    labels = _Labels(instrument)
    show_group = table["by"].drop_nulls().len() > 0
    show_wave = table["wave"].n_unique() > 1
    headings = ["answer", *(["group"] if show_group else []), *(["wave"] if show_wave else []),
                "estimate", f"{level:.0%} interval", "n", *(["letters"] if show_group else []), "notes"]  # fmt: skip
    tables: list[Table] = []
    current = None
    answer = None
    position = 0
    for row in estimate_records(table):
        if row["question"] != current:
            current, answer = row["question"], None
            title = f"[bold]{labels.question(current)}[/] ({current})"
            tables.append(Table(title=title, title_justify="left", title_style="", show_edge=False, pad_edge=False))
            for heading in headings:
                tables[-1].add_column(heading, justify="right" if heading in ("estimate", "n") else "left", overflow="fold")
        value, interval = estimate_text(row, min_base)
        shown = labels.option(row["question"], row["option"], row["statistic"])
        if show_group and answer is not None and shown != answer:
            tables[-1].add_section()
        cells = [shown if shown != answer else ""]
        answer = shown
        if show_group:
            position = 0 if row["group"] is None else position + 1
            letter = f" ({GROUP_LETTERS[position - 1]})" if position and position <= len(GROUP_LETTERS) else ""
            cells.append(labels.group(row["by"], row["group"]) + letter)
        if show_wave:
            cells.append(row["wave"] or "")
        cells += [value, interval, str(row["n"])]
        if show_group:
            cells.append(row["letters"])
        cells.append(", ".join(FLAG_NOTES[f] for f in row["flags"] if f in FLAG_NOTES))
        tables[-1].add_row(*cells)
    if not tables:
        return Group(Text("No estimates."))
    return Group(*[part for t in tables for part in (t, Text(""))][:-1])
