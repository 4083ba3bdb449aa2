"""A wave's crosstabs, on the Tables page: rows (questions, columns, indices, derived variables)
by banners side by side, a filter and the statistics each option shows.

Every number comes from :func:`collabstate.stats.crosstab` and every table is laid out by
:func:`collabstate.report.crosstab.crosstab_layout`, as ``collabstate table`` does on the wave's
exported responses: the page's HTML table, its workbook (:func:`table_xlsx`, the bytes of
``collabstate table … --format xlsx``) and a saved table in the report
(:func:`saved_tables_for_report`) say the same thing.

The wave's completed responses (:func:`~collabstate.web.surveys.actions.responses_of`, with the
instrument's derived variables computed) are kept in memory between requests, a few waves at a
time (:data:`CACHED_WAVES`), keyed by what they are made of: the count, the sum and the largest
of the completed responses' numbers and the questionnaire (responses are only added or deleted,
as the live results' cache says). Each request asks the database for that key (one query) and
reads the responses again only when it has changed, so changing a table's choices costs the
estimates, never a read of every answer. :func:`forget` drops a wave's, as an erasure must.
"""

from __future__ import annotations

import hashlib
import html
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.utils.safestring import SafeString, mark_safe

from ...dataset import Responses, derive
from ...errors import CollabstateError
from ...instrument import Instrument
from ...instrument.checks import check_condition, condition_names
from ...instrument.logic import ConditionError, parse_condition
from ...instrument.model import MatrixQuestion, ScaleQuestion, SingleQuestion, TextQuestion
from ...report.crosstab import STATISTICS, CrosstabLayout, crosstab_layout, write_crosstab_xlsx
from ...stats import crosstab
from ...stats.crosstab import MAX_BANNERS
from ...stats.design import Design
from ..surveys.actions import completed_fingerprint, responses_of
from ..surveys.models import Wave
from .models import SavedTable

__all__ = [
    "CACHED_WAVES", "DEFAULT_STATISTICS", "MAX_BANNERS", "MAX_ROWS", "STATISTICS", "TableChoice", "WaveData", "banner_choices",
    "example_filter", "filter_problem", "forget", "layout_html", "report_key", "row_groups", "saved_tables_for_report",
    "table_layout", "table_xlsx", "wave_data",
]  # fmt: skip

#: Waves whose responses are kept in memory between requests (the least recently used goes first).
CACHED_WAVES = 4
#: Names down the side of one table, at most.
MAX_ROWS = 60
#: What a new table shows, as ``collabstate table`` does by default.
DEFAULT_STATISTICS = STATISTICS
STATISTIC_LABELS = {"estimate": "Estimate (share or mean)", "interval": "Interval (95%)", "letters": "Significance letters"}


@dataclass(frozen=True)
class TableChoice:
    """What a table is: names down the side (``rows``), banners across (``columns``), a filter
    (``""`` for every respondent) and the statistics shown."""

    rows: tuple[str, ...]
    columns: tuple[str, ...] = ()
    filter: str = ""
    statistics: tuple[str, ...] = DEFAULT_STATISTICS

    @classmethod
    def of(cls, saved: SavedTable) -> TableChoice:
        return cls(tuple(saved.rows), tuple(saved.columns), saved.filter, tuple(saved.statistics))

    def query(self) -> str:
        """As the Tables page's query string (shareable, and what the page's form sends)."""
        return urlencode({"rows": self.rows, "columns": self.columns, "filter": self.filter, "statistics": self.statistics}, doseq=True)

    def describe(self, instrument: Instrument) -> str:
        """In words, for a caption: '3 rows by Sector and Role, where q1_example == 1'."""
        from ...report.labels import Labels

        labels = Labels(instrument)
        text = f"{len(self.rows)} row{'s' if len(self.rows) != 1 else ''}"
        text += " by " + _and([labels.question(c) for c in self.columns]) if self.columns else ", in total"
        return text + (f", respondents for whom {self.filter}" if self.filter else "")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# ------------------------------------------------------------------------------ what is offered
def with_derived(instrument: Instrument) -> Instrument:
    """The instrument with its derived variables as questions (what the names are checked against)."""
    from ...instrument.derived import with_derived as add

    return add(instrument, ())


def row_groups(instrument: Instrument) -> list[tuple[str, list[tuple[str, str]]]]:
    """What may go down the side, grouped as the page lists it: (heading, [(name, label)]).
    Every question with estimates (a grid and a multiple-choice question as a whole), each row
    of a grid on its own, the indices and the derived variables."""
    derived = {d.id for d in instrument.derived}
    full = with_derived(instrument)
    questions = [(q.id, q.label) for q in full.questions if not isinstance(q, TextQuestion) and q.id not in derived]
    groups: list[tuple[str, list[tuple[str, str]]]] = [("Questions", questions)]
    for q in full.questions:
        if isinstance(q, MatrixQuestion):
            groups.append((f"Rows of the grid ‘{q.label}’", [(c.name, c.label) for c in full.columns if c.question is q]))
    if full.indices:
        groups.append(("Indices", [(ix.id, ix.label) for ix in full.indices]))
    made = [(q.id, q.label) for q in full.questions if q.id in derived]
    if made:
        groups.append(("Derived variables", made))
    return groups


def banner_choices(instrument: Instrument) -> list[tuple[str, str]]:
    """What may go across the top: single-choice and scale questions, then derived variables
    (a banner's groups are its codes)."""
    full = with_derived(instrument)
    return [(q.id, q.label) for q in full.questions if isinstance(q, (SingleQuestion, ScaleQuestion))]


def example_filter(instrument: Instrument) -> str:
    """A filter this wave's questionnaire can take, to show how one is written: its first
    single-choice question equal to its first code (``q1_example == 1``)."""
    for q in instrument.questions:
        if isinstance(q, SingleQuestion) and instrument.choices(q):
            return f"{q.id} == {instrument.choices(q)[0].code}"
    return "not answered(" + next((c.name for c in instrument.columns), "q1") + ")"


def filter_problem(instrument: Instrument, text: str) -> str | None:
    """Why ``text`` cannot filter this wave's respondents (None when it can): it must parse, name
    the wave's questions, columns or derived variables, and compare each with what it holds.
    The sentence ends by saying what was expected."""
    expected = f"expected a condition on this wave's answers such as {example_filter(instrument)}"
    try:
        parse_condition(text)
    except ConditionError as exc:
        return f"{exc}; {expected}"
    full = with_derived(instrument)
    for _loc, problem in check_condition(full, text, (), condition_names(full), "this wave's questions and derived variables"):
        return f"{problem}; {expected}"
    return None


# ------------------------------------------------------------------------------- the responses
@dataclass
class WaveData:
    """The wave's completed responses as the tables read them: derived variables computed, and
    the design built once (a web wave holds answers only: no weights, strata or clusters)."""

    key: str
    responses: Responses
    n_problems: int  # stored answers that do not fit the questionnaire, read as not answered
    design: Design | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return self.responses.n

    def the_design(self) -> Design:
        if self.design is None:
            self.design = Design.from_responses(self.responses)
        return self.design


_cache: OrderedDict[int, WaveData] = OrderedDict()
_lock = threading.Lock()


def _key(wave: Wave) -> str | None:
    """What the wave's tables are computed from, as a short key; None before anyone completes."""
    done = completed_fingerprint(wave)
    if done is None:
        return None
    n, total, last = done
    text = f"{n}|{total}|{last}|{wave.instrument_ref}|{wave.instrument_yaml}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def wave_data(wave: Wave) -> WaveData | None:
    """The wave's completed responses with its derived variables (from memory when nothing has
    changed); None when nobody has completed yet."""
    key = _key(wave)
    if key is None:
        forget(wave)
        return None
    with _lock:
        found = _cache.get(wave.pk)
        if found is not None and found.key == key:
            _cache.move_to_end(wave.pk)
            return found
    current = responses_of(wave)
    data = WaveData(key, derive(current.responses), current.n_problems)
    with _lock:
        _cache[wave.pk] = data
        _cache.move_to_end(wave.pk)
        while len(_cache) > CACHED_WAVES:
            _cache.popitem(last=False)
    return data


def forget(wave: Wave) -> None:
    """Drop the wave's responses kept in memory (an erasure calls it)."""
    with _lock:
        _cache.pop(wave.pk, None)


# ---------------------------------------------------------------------------------- the tables
def table_layout(data: WaveData, choice: TableChoice, title: str = "") -> CrosstabLayout:
    """The layout of ``choice`` on the wave's responses, as ``collabstate table`` lays it out
    (its defaults: Wilson intervals at 95%, bases under 10 suppressed). Raises the core's
    :class:`~collabstate.errors.UsageError` for a name it does not know."""
    if len(choice.columns) > MAX_BANNERS:
        from ...errors import UsageError

        raise UsageError(argument="columns", value=",".join(choice.columns), expected=f"at most {MAX_BANNERS} banners")
    condition = choice.filter or None
    table = crosstab(data.responses, list(choice.rows), list(choice.columns), filter=condition, design=data.the_design())
    return crosstab_layout(table, data.responses.instrument, statistics=choice.statistics, title=title, filter=condition)


def table_xlsx(layout: CrosstabLayout) -> bytes:
    """The workbook of a table: :func:`~collabstate.report.crosstab.write_crosstab_xlsx`'s bytes."""
    book = write_crosstab_xlsx(layout)
    assert book is not None  # no target: the bytes are returned
    return book


def saved_tables_for_report(wave: Wave, data: WaveData | Responses | None = None) -> list[CrosstabLayout | str]:
    """The wave's saved tables marked for the report, by name, each laid out on the wave's
    responses (``data``: those read already, else read now) and titled by its name; a table that
    can no longer be made (a name the questionnaire lost) is a sentence saying why instead.
    Empty when none is marked or nobody has completed."""
    saved = list(wave.saved_tables.filter(in_report=True))
    if not saved:
        return []
    if isinstance(data, Responses):
        data = WaveData("", derive(data), 0)
    data = data or wave_data(wave)
    if data is None or data.n == 0:
        return []
    out: list[CrosstabLayout | str] = []
    for table in saved:
        try:
            out.append(table_layout(data, TableChoice.of(table), title=table.name))
        except CollabstateError as exc:
            out.append(f"The saved table ‘{table.name}’ cannot be made of these responses: {exc}")
    return out


def report_key(wave: Wave) -> list[Sequence[object]]:
    """What the report takes of the saved tables (part of its cache's key): a table added to the
    report, taken out or changed builds it afresh."""
    return [[t.pk, t.name, t.rows, t.columns, t.filter, t.statistics] for t in wave.saved_tables.filter(in_report=True)]


# --------------------------------------------------------------------------------- as HTML
def layout_html(layout: CrosstabLayout, caption: str, table_id: str = "crosstab") -> SafeString:
    """The layout as an accessible HTML table: a caption; Total, then each banner's heading over
    its groups (``scope="colgroup"``, spanning them) and the groups with their letters
    (``scope="col"``); a ``tbody`` per question headed by it (``scope="rowgroup"``), each row
    headed by what it shows (``scope="row"``; an interval's or letters' row names its answer to
    screen readers). A suppressed cell says so and why; a low base is marked and said.

    Built as text rather than by the template engine: a table of 20 questions by 3 banners has
    some 6,000 cells, and this takes a few milliseconds where a template took tens."""
    e = html.escape
    columns = layout.columns
    spans: list[tuple[str | None, str, int]] = []  # (banner id, heading, columns): by `by`, so two banners of one label stay apart
    for column in columns:
        if spans and spans[-1][0] == column.by and column.by is not None:
            spans[-1] = (column.by, spans[-1][1], spans[-1][2] + 1)
        else:
            spans.append((column.by, column.banner, 1))
    caption_id = f"{table_id}-caption"
    out = [f'<div class="table-wrap crosstab-wrap" role="region" aria-labelledby="{caption_id}" tabindex="0">',
           f'<table class="table crosstab" id="{table_id}"><caption id="{caption_id}"><span class="crosstab-sticky">{e(caption)}</span></caption>',
           '<colgroup><col class="crosstab-stub"></colgroup>']  # fmt: skip
    out += [f'<colgroup span="{span}"></colgroup>' for _, _, span in spans]
    out.append('<thead><tr><td rowspan="2" class="crosstab-corner"></td>')
    for by, heading, span in spans:
        if by is None:
            out.append('<th scope="col" rowspan="2" class="numeric">Total</th>')
        else:
            out.append(f'<th scope="colgroup" colspan="{span}" class="crosstab-banner">{e(heading)}</th>')
    out.append("</tr><tr>")
    out += [f'<th scope="col" class="numeric">{e(c.label)} <span class="crosstab-letter">({e(c.letter)})</span></th>'
            if c.letter else f'<th scope="col" class="numeric">{e(c.label)}</th>' for c in columns if c.by is not None]  # fmt: skip
    out.append("</tr></thead>")
    width = len(columns) + 1
    option = ""
    open_body = False
    for row in layout.rows:
        if row.kind == "question":
            out.append("</tbody>" if open_body else "")
            out.append(
                f'<tbody><tr class="crosstab-question"><th scope="rowgroup" colspan="{width}"><span class="crosstab-sticky">{e(row.label)}</span></th></tr>'
            )
            open_body = True
            continue
        if row.kind == "estimate":
            option = row.label
        head = e(row.label)
        if row.kind in ("interval", "letters"):
            head = f'<span class="visually-hidden">{e(option)}: </span>{head}'
        cells = "".join(_cell_html(cell) for cell in row.cells)
        out.append(f'<tr class="crosstab-{row.kind}"><th scope="row">{head}</th>{cells}</tr>')
    if open_body:
        out.append("</tbody>")
    out.append("</table></div>")
    return mark_safe("".join(out))  # every text in it escaped above


def _cell_html(cell) -> str:
    if cell.text == "suppressed":
        return f'<td class="numeric crosstab-suppressed">suppressed<span class="visually-hidden"> ({html.escape(cell.note)})</span></td>'
    if cell.note == "low base":
        return (f'<td class="numeric">{html.escape(cell.text)}<span class="crosstab-mark" aria-hidden="true">*</span>'
                '<span class="visually-hidden"> (low base)</span></td>')  # fmt: skip
    return f'<td class="numeric">{html.escape(cell.text)}</td>'
