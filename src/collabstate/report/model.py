"""What a report holds, independent of how it is shown: sections of headline figures, charts,
tables, findings and quotes. HTML, PDF, XLSX and PPTX are four renderings of one :class:`Report`.

Every number in it is a :class:`Cell` made from one row of the estimate table (or of the wave
change table): the cell knows its estimate, interval, base, flags and letters, and how to say them.
A suppressed cell (base under the minimum) never says its number: it says ``suppressed``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeGuard

__all__ = [
    "DEFAULT_READING",
    "Cell",
    "Chart",
    "Column",
    "Figure",
    "Quote",
    "Reading",
    "Report",
    "Row",
    "Section",
    "Table",
    "as_shown",
    "fmt_count",
    "fmt_number",
    "fmt_pct",
    "fmt_points",
    "shown_estimates",
]

Kind = Literal["share", "mean", "gap", "change", "count", "text"]
#: What a chart draws when it is not bars or lines: a profile of the rows round a circle, or the
#: rows placed by their first two figures.
Form = Literal["", "radar", "scatter"]

SUPPRESSED = "suppressed"
LOW_BASE_MARK = "*"


def _finite(x: object) -> TypeGuard[float]:
    """A real number that is not NaN or infinite (an int counts as one)."""
    return isinstance(x, (int, float)) and math.isfinite(x)


def fmt_pct(x: float | None) -> str:
    """0.9304 -> '93%'."""
    return f"{x * 100:.0f}%" if _finite(x) else ""


def fmt_number(x: float | None, digits: int = 2) -> str:
    return f"{x:.{digits}f}" if _finite(x) else ""


def fmt_points(x: float | None) -> str:
    """A change in shares, in percentage points: -0.11 -> '−11' (tables say 'points' in the header)."""
    if not _finite(x):
        return ""
    v = round(x * 100)
    sign = "+" if v > 0 else ("−" if v < 0 else "±")
    return f"{sign}{abs(v)}"


def as_shown(x: float, kind: str) -> float:
    """A figure as a reader sees it, as a number: a share to whole percent (0.206 -> 0.21), a mean
    or score to two decimals. Changes are shown as the difference of these, so they agree with
    the figures beside them."""
    return float(f"{x * 100:.0f}") / 100 if kind == "share" else float(f"{x:.2f}")


def fmt_count(n: int | None) -> str:
    return f"{n:,}" if isinstance(n, int) else ""


@dataclass(frozen=True)
class Reading:
    """What a report states about how to read its numbers, set once (by the evidence it is built
    from) and read by every sentence, cell and note: the interval level, the base under which an
    estimate is suppressed and the base under which it is flagged."""

    level: float = 0.95
    min_base: int = 10
    low_base: int = 30

    @property
    def percent(self) -> str:
        """The level as read: '95%'."""
        return f"{self.level:.0%}"

    @property
    def suppressed_base(self) -> str:
        """A suppressed base as read: 'under 10'."""
        return f"under {self.min_base}"


#: The reading of a report built with the defaults.
DEFAULT_READING = Reading()


@dataclass(frozen=True)
class Cell:
    """One number a person reads, with everything needed to read it honestly."""

    kind: Kind
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None
    flags: tuple[str, ...] = ()
    letters: str = ""
    text: str = ""  # for kind "text"; a note such as a verdict otherwise
    reading: Reading = field(default=DEFAULT_READING, compare=False, repr=False)

    @classmethod
    def from_row(cls, row: dict[str, Any] | None, kind: Kind, reading: Reading = DEFAULT_READING) -> Cell:
        """A cell from one row of the estimate table (``None``: an empty cell)."""
        if row is None:
            return cls(kind, flags=("no_valid_answers",), reading=reading)
        return cls(
            kind,
            row.get("estimate"),
            row.get("ci_low"),
            row.get("ci_high"),
            row.get("n"),
            tuple(row.get("flags") or ()),
            row.get("letters") or "",
            reading=reading,
        )

    @classmethod
    def of_text(cls, text: str) -> Cell:
        return cls("text", text=text)

    @property
    def suppressed(self) -> bool:
        return "suppressed" in self.flags

    @property
    def low_base(self) -> bool:
        return "low_base" in self.flags and not self.suppressed

    @property
    def shown(self) -> bool:
        """A number may be shown: not suppressed and finite."""
        return self.kind != "text" and not self.suppressed and _finite(self.estimate)

    def _fmt(self, x: float | None) -> str:
        if self.kind == "share":
            return fmt_pct(x)
        if self.kind == "change":
            return fmt_points(x)
        if self.kind == "count":
            return fmt_count(int(x)) if _finite(x) else ""
        return fmt_number(x)

    @property
    def value(self) -> str:
        """The estimate as read: '93%', '2.42', 'suppressed', or '' when there is none."""
        if self.kind == "text":
            return self.text
        if self.suppressed:
            return SUPPRESSED
        return self._fmt(self.estimate)

    @property
    def interval(self) -> str:
        """'87–96%' or '2.32–2.52'; '' when not shown."""
        if not self.shown or not (_finite(self.ci_low) and _finite(self.ci_high)):
            return ""
        if self.kind == "share":
            return f"{self.ci_low * 100:.0f}–{self.ci_high * 100:.0f}%"
        if self.kind == "change":
            return f"{fmt_points(self.ci_low)} to {fmt_points(self.ci_high)}"
        return f"{self.ci_low:.2f} to {self.ci_high:.2f}"

    @property
    def base(self) -> str:
        """The base as read; a suppressed base is never given exactly."""
        if self.n is None:
            return ""
        return self.reading.suppressed_base if self.suppressed else fmt_count(self.n)

    @property
    def marks(self) -> str:
        return LOW_BASE_MARK if self.low_base else ""

    @property
    def plain(self) -> str:
        """Value, letters and low-base mark in one string: '45% B*'."""
        bits = [self.value]
        if self.letters and self.shown:
            bits.append(self.letters)
        return " ".join(b for b in bits if b) + self.marks

    def tooltip(self, *, with_value: bool = True) -> str:
        if not self.shown:
            return self.value
        parts = [self.value] if with_value else []
        if self.interval:
            parts.append(f"{self.reading.percent} interval {self.interval}")
        if self.n is not None:
            parts.append(f"base {self.base}")
        return "; ".join(parts)


def shown_estimates(cells: Sequence[Cell]) -> list[float] | None:
    """The estimates of ``cells`` when every one of them is shown (so each is a finite number);
    None when any is not."""
    values = [c.estimate for c in cells if c.shown and _finite(c.estimate)]
    return values if len(values) == len(cells) else None


@dataclass
class Column:
    label: str
    letter: str = ""  # the significance letter of a group column
    base: int | None = None  # the group's base, when one base serves the column


@dataclass
class Row:
    label: str
    cells: list[Cell]
    note: str = ""


@dataclass
class Table:
    id: str
    caption: str
    row_header: str
    columns: list[Column]
    rows: list[Row]
    notes: list[str] = field(default_factory=list)
    show_intervals: bool = False
    show_bases: bool = True

    @property
    def has_letters(self) -> bool:
        return any(c.letter for c in self.columns)

    def column_bases(self) -> list[str]:
        """The base of each column as read: one number, a range when rows differ ('270–272'),
        'under 10' when every cell of the column is suppressed and 'under 10–300' when some are
        (the report's suppression base),
        '' when the column has none."""
        out = []
        for i, column in enumerate(self.columns):
            cells = [r.cells[i] for r in self.rows if i < len(r.cells) and r.cells[i].kind in ("share", "mean", "gap")]
            ns = sorted({c.n for c in cells if c.n is not None and not c.suppressed})
            suppressed = any(c.suppressed for c in cells)
            if column.base is not None and not ns and not suppressed:
                ns = [column.base]
            low = cells[0].reading.suppressed_base if suppressed else (fmt_count(ns[0]) if ns else "")
            high = fmt_count(ns[-1]) if ns else ""
            out.append(low if not high or low == high else (f"{low}–{high}"))
        return out


@dataclass
class Chart:
    """A Vega-Lite spec, its text alternative and the table of its data."""

    id: str
    title: str
    alt: str
    spec: dict[str, Any]
    data: Table
    wide: bool = False
    #: The table's figure columns are waves in time order (a trend): drawn as lines over them.
    over_waves: bool = False
    #: The kind of figure drawn, when the table holds more than one (a trend of shares, beside
    #: one of means, from one table); None: the kind of the table's first figure.
    kind: Kind | None = None
    #: A radar (a profile) or a scatter (each row a point: first column across, second up); "" else.
    form: Form = ""


@dataclass
class Figure:
    """A headline figure: a big number with its label, interval, base and, with a previous wave,
    the change as a sentence that respects significance."""

    label: str
    cell: Cell
    detail: str = ""


@dataclass
class Quote:
    text: str
    attribution: str


@dataclass
class Section:
    id: str
    title: str
    intro: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    blocks: list[Chart | Table] = field(default_factory=list)
    quotes: dict[str, list[Quote]] = field(default_factory=dict)
    lists: list[tuple[str, list[str]]] = field(default_factory=list)
    #: The analyst's commentary (a report spec), as HTML made from Markdown with raw HTML escaped.
    commentary: str = ""

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    @property
    def charts(self) -> list[Chart]:
        return [b for b in self.blocks if isinstance(b, Chart)]


@dataclass
class Report:
    title: str
    subtitle: str
    sections: list[Section]
    generated: str = ""
    notes: list[str] = field(default_factory=list)
    reading: Reading = DEFAULT_READING
    #: From a report spec: the organisation on the cover, colours (primary, accent) and the
    #: footnotes of the live figures in the commentary, numbered in order.
    organisation: str = ""
    colours: dict[str, str] = field(default_factory=dict)
    footnotes: list[str] = field(default_factory=list)
    #: People's and organisations' names (an invitee list's) taken out of every quote shown.
    redact_names: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    #: What the analyst should look at before the report goes out (a quote something was removed from).
    review: list[str] = field(default_factory=list)

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)
