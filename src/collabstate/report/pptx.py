"""The report as slides (``report.pptx``): the charts as native PowerPoint charts, to be edited,
restyled and pasted into a deck.

Written with python-pptx, the well-kept library for PowerPoint files (it writes each chart's
data into a workbook embedded in the file, so PowerPoint's "Edit data" opens the numbers).

The deck, in order:

1. **Title slide** (the template's first layout, or one named "Title Slide"): the report's
   title; the organisation (a report spec's), the subtitle and the line saying how it was generated.
2. **Key messages** (a title-only layout): a report spec's key messages, their live figures'
   footnotes (base and interval) in the notes; else the report's key findings (the measures that
   moved or differ most, significantly), else its first findings.
3. **Headline figures**: the first headline figures (the section ``headlines``, else the first
   section with figures), each a big number, its label and its detail (the change since the
   previous wave, or its interval and base); the notes give every one with its interval and base.
4. **One slide per chart** of the report (:class:`~collabstate.report.model.Chart`, in the
   order of the sections), titled with the chart's title. The chart is a PowerPoint chart object
   holding the chart's table (``Chart.data``): each figure of the table's kind (shares, means or
   gaps; a chart over waves says which) becomes a point, never a picture. Categories are the
   table's rows and series its columns (a trend: the waves are the categories and each measure
   a line, ``LINE_MARKERS``); answers that add up to the whole in every row are stacked
   (``BAR_STACKED``), anything else is clustered (``COLUMN_CLUSTERED`` for a few short
   categories, else ``BAR_CLUSTERED``, first row on top). A radar of the report is a radar
   (``RADAR_MARKERS``) and a scatter a scatter (``XY_SCATTER``: a series per row, named beside its
   point, placed by the first column across and the second up). Shares are written as fractions with a
   percent number format, means with two decimals. A suppressed figure (base under the report's
   minimum) is left empty, never a number, and the footer says how many are (a series all of whose
   figures are suppressed says so in its name, "Higher education (suppressed)"). Columns of another
   kind (changes, significance, bases) and rows of another kind (a mean under the answers' shares)
   are not drawn; the notes name them (the workbook, ``tables.xlsx``, holds them). The footer
   gives the base ("Base: n = 274–300; 95% intervals in the notes") and the notes, for each series,
   every figure with its letters, its interval and its base, then the table's own notes. The
   chart's text alternative is the chart object's alt text.
5. **How to read these figures**: the report's legend (intervals, suppression, letters).

With ``template`` (an organisation's ``.pptx``, ``collabstate report --pptx-template``) the deck
takes its slide size, masters, theme and layouts (the title layout is the one named "Title Slide",
else the first; the others use the one named "Title Only", else the sixth, else the first), and
its own slides are removed. Charts then take the theme's colours; without a template the deck is
16:9 and the series take the report's colour-blind safe palette (Okabe and Ito's).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from pptx import Presentation
from pptx.chart.data import CategoryChartData, XyChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.enum.text import MSO_ANCHOR
from pptx.exc import PackageNotFoundError
from pptx.util import Emu, Pt

from ..errors import UsageError
from .charts import OKABE_ITO
from .model import Cell, Chart, Figure, Kind, Report, Section

__all__ = ["KEY_MESSAGES", "SUPPRESSED_SERIES", "Plot", "check_template", "commentary_text", "plot_of", "write_pptx"]

#: How many headline figures (or findings) the key-messages slide holds.
KEY_MESSAGES = 5
#: The number format of each kind of figure, in the chart's data and on its value axis.
NUMBER_FORMATS: dict[str, str] = {"share": "0%", "mean": "0.00", "gap": "+0.00;-0.00;0.00"}
PLOTTED: tuple[Kind, ...] = ("share", "mean", "gap")
#: At most this many points get data labels (more would cover the bars).
LABELLED_POINTS = 30
WIDE = Emu(12192000)  # 13.333 in: a 16:9 slide 7.5 in high
GREY = RGBColor(0x55, 0x55, 0x55)
#: Added to the name of a series every figure of which is suppressed.
SUPPRESSED_SERIES = " (suppressed)"


@dataclass
class Plot:
    """What one chart slide draws: the kind of figure, the chart type, the categories, the series
    (each a name and one cell per category) and what of the table is not drawn."""

    kind: Kind
    chart_type: XL_CHART_TYPE
    categories: list[str]
    series: list[tuple[str, list[Cell]]]
    left_out: list[str] = field(default_factory=list)

    @property
    def cells(self) -> list[Cell]:
        return [c for _, cells in self.series for c in cells]

    def values(self, cells: Sequence[Cell]) -> list[float | None]:
        """The chart's numbers: the estimate of each shown cell; None (an empty point) for a
        suppressed cell or one without a figure."""
        return [float(c.estimate) if c.shown and c.estimate is not None else None for c in cells]


def _first_kind(chart: Chart) -> Kind | None:
    for row in chart.data.rows:
        for cell in row.cells:
            if cell.kind in PLOTTED:
                return cell.kind
    return None


def plot_of(chart: Chart) -> Plot:
    """The figures of ``chart.data`` a slide draws: the rows all of whose figures are of the kind
    drawn, and the columns whose cell in each of those rows is of that kind (a scatter: the first
    two). The categories of a trend are the waves, of a scatter the two measures (across, up)."""
    table = chart.data
    kind = chart.kind or _first_kind(chart) or "share"
    width = len(table.columns)

    def figures(row) -> list[Cell]:
        return [c for c in row.cells[:width] if c.kind not in ("text", "change", "count")]

    rows = [r for r in table.rows if figures(r) and all(c.kind == kind for c in figures(r))]
    columns = [i for i in range(width) if rows and all(i < len(r.cells) and r.cells[i].kind == kind for r in rows)]
    left_out = [f"the row '{r.label}'" for r in table.rows if r not in rows]
    left_out += [f"the column '{c.label}'" for i, c in enumerate(table.columns) if i not in columns]
    row_labels, column_labels = [r.label for r in rows], [table.columns[i].label for i in columns]
    if chart.over_waves or (chart.form == "scatter" and len(columns) >= 2):
        if chart.form == "scatter":
            left_out += [f"the column '{table.columns[i].label}'" for i in columns[2:]]
            columns, column_labels = columns[:2], column_labels[:2]
        series = [(r.label, [r.cells[i] for i in columns]) for r in rows]
        chart_type = XL_CHART_TYPE.XY_SCATTER if chart.form == "scatter" else XL_CHART_TYPE.LINE_MARKERS
        return Plot(kind, chart_type, column_labels, series, left_out)
    series = [(table.columns[i].label, [r.cells[i] for r in rows]) for i in columns]
    if chart.form == "radar":
        chart_type = XL_CHART_TYPE.RADAR_MARKERS
    elif kind == "share" and len(columns) > 1 and rows and all(_whole(r.cells[i] for i in columns) for r in rows):
        chart_type = XL_CHART_TYPE.BAR_STACKED
    elif len(rows) <= 6 and len(rows) * max(len(columns), 1) <= 24 and all(len(x) <= 14 for x in row_labels):
        chart_type = XL_CHART_TYPE.COLUMN_CLUSTERED
    else:
        chart_type = XL_CHART_TYPE.BAR_CLUSTERED
    return Plot(kind, chart_type, row_labels, series, left_out)


def _whole(cells) -> bool:
    """The shares of a row are the answers of one question: they add up to the whole."""
    shown = [c.estimate for c in cells if c.shown and c.estimate is not None]
    return bool(shown) and all(c.shown or c.suppressed for c in cells) and math.isclose(sum(shown), 1.0, abs_tol=0.02)


def check_template(template: str | Path) -> None:
    """Refuse, before the long work, a template that is missing or no PowerPoint file."""
    _open(template)


def _open(template: str | Path | None):
    if template is None:
        prs = Presentation()
        _widen(prs)
        return prs
    path = Path(template)
    if not path.is_file():
        raise UsageError(f"{path}: no such PowerPoint template")
    try:
        prs = Presentation(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise UsageError(f"{path}: not a PowerPoint (.pptx) file that can be used as a template ({exc})") from None
    slides = prs.slides._sldIdLst  # python-pptx has no public call to remove a slide
    for slide_id in list(slides):
        prs.part.drop_rel(slide_id.rId)
        slides.remove(slide_id)
    return prs


def _widen(prs) -> None:
    """python-pptx's own template is 4:3: make it 16:9, moving and stretching the master's and
    layouts' placeholders with it."""
    scale = WIDE / prs.slide_width
    masters = [prs.slide_master, *prs.slide_layouts]
    for part in masters:
        for shape in part.shapes:
            if getattr(shape._element, "xfrm", None) is not None and shape.left is not None:
                shape.left, shape.width = Emu(round(shape.left * scale)), Emu(round(shape.width * scale))
    prs.slide_width = WIDE


def _layout(prs, name: str, index: int):
    layouts = list(prs.slide_layouts)
    named = [layout for layout in layouts if layout.name.strip().lower() == name]
    return named[0] if named else layouts[index] if index < len(layouts) else layouts[0]


class _Deck:
    def __init__(self, report: Report, template: str | Path | None):
        self.report, self.reading = report, report.reading
        self.prs = _open(template)
        self.themed = template is not None
        self.title_layout = _layout(self.prs, "title slide", 0)
        self.plain_layout = _layout(self.prs, "title only", 5)
        self.width, self.height = self.prs.slide_width, self.prs.slide_height
        title = next((p for p in self.plain_layout.placeholders if p.placeholder_format.idx == 0), None)
        left = title.left if title is not None and title.left is not None else None
        # the body lines up with the layout's title, unless that sits far in
        self.margin = Emu(left if left is not None and 0 < left < self.width // 6 else self.width // 24)

    # -- slides -----------------------------------------------------------------------------

    def title_slide(self) -> None:
        slide = self.prs.slides.add_slide(self.title_layout)
        self._title(slide, self.report.title)
        lines = [x for x in (self.report.organisation, self.report.subtitle, self.report.generated) if x]
        subtitle = next((p for p in slide.placeholders if p.placeholder_format.idx == 1), None)
        if subtitle is not None:
            subtitle.text_frame.text = "\n".join(lines)
        else:
            self._text(slide, lines, top=Emu(self.height // 2), size=18)
        slide.notes_slide.notes_text_frame.text = "\n".join([self.report.title, *lines])

    def key_messages(self) -> None:
        """The spec's key messages, else the report's key findings, else its first findings."""
        messages, notes = _key_messages(self.report)
        slide = self.prs.slides.add_slide(self.plain_layout)
        self._title(slide, "Key messages")
        top, bottom = self._body(slide)
        lines = ["• " + x for x in messages[:KEY_MESSAGES]] or ["The report has no key messages or findings."]
        box = self._text(slide, lines, top=top, height=bottom - top, size=18 if len(lines) <= 3 else 16)
        for p in box.text_frame.paragraphs:
            p.space_after = Pt(12)
        if len(messages) > KEY_MESSAGES:
            notes.append(f"The slide gives the first {KEY_MESSAGES} of {len(messages)}; every one is above.")
        slide.notes_slide.notes_text_frame.text = "\n".join(notes)

    def headline_figures(self) -> None:
        """The first headline figures, each a big number over its label and detail; every one,
        with its interval and base, in the notes."""
        figures = _headline_figures(self.report)
        if not figures:
            return
        slide = self.prs.slides.add_slide(self.plain_layout)
        self._title(slide, "Headline figures")
        top, bottom = self._body(slide)
        frame = self._text(slide, [], top=top, height=bottom - top).text_frame
        for k, f in enumerate(figures[:KEY_MESSAGES]):
            head = frame.paragraphs[0] if k == 0 else frame.add_paragraph()
            value = head.add_run()
            value.text, value.font.bold, value.font.size = f.cell.value or "–", True, Pt(26)
            label = head.add_run()
            label.text, label.font.size = "  " + f.label, Pt(16)
            detail = frame.add_paragraph()
            detail.text = f.detail or _said(f.cell, self.reading.percent)
            detail.font.size, detail.font.color.rgb = Pt(12), GREY
            detail.space_after = Pt(10)
        notes = ["Headline figures (estimate, interval, base):"]
        notes += [f"{f.label}: {_cell_line(f.cell, self.reading.percent)}" + (f". {f.detail}" if f.detail else "") for f in figures]
        if len(figures) > KEY_MESSAGES:
            notes.append(f"The slide shows the first {KEY_MESSAGES} of {len(figures)} headline figures; every one is above.")
        slide.notes_slide.notes_text_frame.text = "\n".join(notes)

    def chart_slide(self, section: Section, chart: Chart) -> None:
        plot = plot_of(chart)
        slide = self.prs.slides.add_slide(self.plain_layout)
        self._title(slide, chart.title)
        top, bottom = self._body(slide)
        footer = Emu(round(self.height * 0.06))
        data = _chart_data(plot)
        frame = slide.shapes.add_chart(plot.chart_type, self.margin, top, self.width - 2 * self.margin, bottom - top - footer, data)
        frame.name = f"Chart {chart.id}"
        frame._element.nvGraphicFramePr.cNvPr.set("descr", chart.alt)  # the alt text; python-pptx has no call for it
        self._style(frame.chart, plot)
        self._text(slide, [self._footer(plot)], top=bottom - footer, height=footer, size=11, colour=GREY)
        slide.notes_slide.notes_text_frame.text = "\n".join(self._notes(section, chart, plot))

    def reading_slide(self) -> None:
        slide = self.prs.slides.add_slide(self.plain_layout)
        self._title(slide, "How to read these figures")
        top, bottom = self._body(slide)
        lines = [*self.report.notes, self.report.generated]
        self._text(slide, [x for x in lines if x], top=top, height=bottom - top, size=14)

    # -- parts ------------------------------------------------------------------------------

    def _title(self, slide, text: str) -> None:
        if slide.shapes.title is not None:
            slide.shapes.title.text_frame.text = text
            if len(text) > 60:
                slide.shapes.title.text_frame.paragraphs[0].font.size = Pt(24 if len(text) <= 100 else 20)
        else:
            self._text(slide, [text], top=Emu(self.height // 20), size=28)

    def _body(self, slide) -> tuple[Emu, Emu]:
        """The space under the title, to the bottom margin."""
        title = slide.shapes.title
        top = title.top + title.height if title is not None and title.top is not None else Emu(self.height // 6)
        top = Emu(min(top, self.height // 4) + self.height // 60)
        return top, Emu(self.height - self.height // 40)

    def _text(self, slide, lines: list[str], *, top: int, height: int | None = None, size: int = 14, colour: RGBColor | None = None):
        box = slide.shapes.add_textbox(self.margin, top, self.width - 2 * self.margin, height or Emu(self.height // 8))
        frame = box.text_frame
        frame.word_wrap = True
        frame.vertical_anchor = MSO_ANCHOR.TOP
        for i, line in enumerate(lines):
            p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            p.text, p.font.size = line, Pt(size)
            if colour is not None:
                p.font.color.rgb = colour
        return box

    def _style(self, chart, plot: Plot) -> None:
        fmt = NUMBER_FORMATS[plot.kind]
        chart.font.size = Pt(11)
        chart.has_title = False
        chart.has_legend = len(plot.series) > 1
        if chart.has_legend:
            many = len(plot.series) > 6  # a trend of many measures: a column of names beside the lines
            chart.legend.position = XL_LEGEND_POSITION.RIGHT if many else XL_LEGEND_POSITION.BOTTOM
            chart.legend.include_in_layout = False
            if many:
                chart.legend.font.size = Pt(9)
        axis = chart.value_axis
        axis.tick_labels.number_format, axis.tick_labels.number_format_is_linked = fmt, False
        axis.has_major_gridlines = True
        if plot.kind == "share":
            axis.minimum_scale = 0.0
            if plot.chart_type in (XL_CHART_TYPE.BAR_STACKED, XL_CHART_TYPE.LINE_MARKERS):
                axis.maximum_scale = 1.0
        if plot.chart_type in (XL_CHART_TYPE.BAR_CLUSTERED, XL_CHART_TYPE.BAR_STACKED):
            chart.category_axis.reverse_order = True  # the table's first row on top, as in the report
        chart_plot = chart.plots[0]
        if plot.chart_type == XL_CHART_TYPE.XY_SCATTER:
            self._scatter(chart, plot)
        elif plot.chart_type not in (XL_CHART_TYPE.LINE_MARKERS, XL_CHART_TYPE.RADAR_MARKERS):
            chart_plot.gap_width = 60
        if len(plot.cells) <= LABELLED_POINTS and plot.chart_type != XL_CHART_TYPE.XY_SCATTER:
            chart_plot.has_data_labels = True
            labels = chart_plot.data_labels
            labels.number_format, labels.number_format_is_linked = fmt, False
            labels.font.size = Pt(10)
        if not self.themed:
            for k, series in enumerate(chart_plot.series):
                colour = RGBColor.from_string(OKABE_ITO[k % len(OKABE_ITO)].lstrip("#"))
                if plot.chart_type in (XL_CHART_TYPE.LINE_MARKERS, XL_CHART_TYPE.RADAR_MARKERS, XL_CHART_TYPE.XY_SCATTER):
                    if plot.chart_type != XL_CHART_TYPE.XY_SCATTER:
                        series.format.line.color.rgb = colour
                    series.marker.format.fill.solid()
                    series.marker.format.fill.fore_color.rgb = colour
                else:
                    series.format.fill.solid()
                    series.format.fill.fore_color.rgb = colour

    def _scatter(self, chart, plot: Plot) -> None:
        """Each row a point, named beside it (no legend); the axes named after the two measures."""
        chart.has_legend = False
        fmt = NUMBER_FORMATS[plot.kind]
        for axis, title in zip((chart.category_axis, chart.value_axis), plot.categories):
            axis.has_title = True
            axis.axis_title.text_frame.text = title
            axis.tick_labels.number_format, axis.tick_labels.number_format_is_linked = fmt, False
        for series, (label, cells) in zip(chart.plots[0].series, plot.series):
            series.format.line.fill.background()  # points, not lines between them
            if None not in plot.values(cells):
                point = series.points[0].data_label
                point.text_frame.text, point.position = label, XL_LABEL_POSITION.RIGHT
                point.text_frame.paragraphs[0].font.size = Pt(9)

    def _footer(self, plot: Plot) -> str:
        ns = sorted({c.n for c in plot.cells if c.n is not None and not c.suppressed})
        base = "Base: " + (f"n = {ns[0]:,}" if len(ns) == 1 else f"n = {ns[0]:,}–{ns[-1]:,}" if ns else "none shown")
        suppressed = sum(c.suppressed for c in plot.cells)
        bits = [base]
        if suppressed:
            bits.append(f"{suppressed} suppressed (base {self.reading.suppressed_base}), left empty")
        if any(c.low_base for c in plot.cells):
            bits.append(f"some bases under {self.reading.low_base}: read with care")
        bits.append(f"{self.reading.percent} intervals in the notes")
        return "; ".join(bits)

    def _notes(self, section: Section, chart: Chart, plot: Plot) -> list[str]:
        lines = [f"{chart.title} (section: {section.title})", chart.alt, ""]
        for name, cells in plot.series:
            ns = sorted({c.n for c in cells if c.n is not None and not c.suppressed})
            if ns:
                base = f"base n = {ns[0]:,}" if len(ns) == 1 else f"bases n = {ns[0]:,}–{ns[-1]:,}"
            else:
                base = f"base {self.reading.suppressed_base}: every figure suppressed" if any(c.suppressed for c in cells) else "no base"
            lines.append(f"{name} ({base}):")
            lines += [f"  {label}: {_cell_line(cell, self.reading.percent)}" for label, cell in zip(plot.categories, cells)]
        suppressed = sum(c.suppressed for c in plot.cells)
        if suppressed:
            lines.append(
                f"{suppressed} figures are suppressed (base {self.reading.suppressed_base}): their points are left empty, never given a number."
            )
        if plot.left_out:
            lines.append("Not drawn (another kind of figure; in the tables, tables.xlsx): " + ", ".join(plot.left_out) + ".")
        lines += [x for x in chart.data.notes if x]
        return lines


def _chart_data(plot: Plot) -> CategoryChartData | XyChartData:
    """The chart's data, held in the workbook embedded in the chart: a series per ``plot`` series,
    suppressed figures empty (a scatter: no point). A series all of whose figures are suppressed
    says so in its name, for the legend shows a name without bars."""
    fmt = NUMBER_FORMATS[plot.kind]

    def name(label: str, cells: Sequence[Cell]) -> str:
        return label + (SUPPRESSED_SERIES if cells and all(c.suppressed for c in cells) else "")

    if plot.chart_type == XL_CHART_TYPE.XY_SCATTER:
        xy = XyChartData(number_format=fmt)
        for label, cells in plot.series:
            series = xy.add_series(name(label, cells), number_format=fmt)
            x, y = plot.values(cells)
            if x is not None and y is not None:
                series.add_data_point(x, y)
        return xy
    data = CategoryChartData(number_format=fmt)
    data.categories = plot.categories or [""]
    for label, cells in plot.series or [("", [])]:
        data.add_series(name(label, cells), plot.values(cells) or [None])
    return data


def _cell_line(cell: Cell, percent: str) -> str:
    """'45% B (95% interval 40–50%; n = 120)'; 'suppressed (base under 10): left empty'."""
    if cell.suppressed:
        return f"suppressed (base {cell.base}): left empty"
    if not cell.shown:
        return f"no figure ({', '.join(cell.flags) or 'not estimated'})"
    bits = [f"{percent} interval {cell.interval}"] if cell.interval else []
    if cell.n is not None:
        bits.append(f"n = {cell.base}")
    if cell.low_base:
        bits.append("low base: read with care")
    return cell.plain.rstrip("*") + (f" ({'; '.join(bits)})" if bits else "")


def _said(cell: Cell, percent: str) -> str:
    if not cell.shown:
        return cell.value
    bits = [f"{percent} interval {cell.interval}"] if cell.interval else []
    if cell.n is not None:
        bits.append(f"base {cell.base}")
    return "; ".join(bits)


class _Text(HTMLParser):
    """The paragraphs and list items of commentary HTML as plain text; a footnote's number as
    '[1]'."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.sup = False

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("p", "li", "h1", "h2", "h3", "h4", "br"):
            self._end()
        self.sup = self.sup or tag == "sup"

    def handle_endtag(self, tag: str) -> None:
        if tag == "sup":
            self.sup = False
        elif tag in ("p", "li", "h1", "h2", "h3", "h4"):
            self._end()

    def handle_data(self, data: str) -> None:
        self.current.append(f"[{data}]" if self.sup else data)

    def _end(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.blocks.append(text)
        self.current = []


def commentary_text(html: str) -> list[str]:
    """Commentary (a report spec's Markdown, made HTML) as plain paragraphs."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    parser._end()
    return parser.blocks


def _key_messages(report: Report) -> tuple[list[str], list[str]]:
    """What the key-messages slide says and its notes: the spec's key messages with their
    footnotes, else the key findings (the measures that moved or differ most) with the section's
    introduction, else the first findings of the report."""
    spec = report.section("key-messages")
    if spec is not None and spec.commentary:
        messages = commentary_text(spec.commentary)
        notes = ["Key messages, as the report's spec gives them; each figure's base and interval:"]
        return messages, [*notes, *messages, "", *(f"[{n}] {x}" for n, x in enumerate(report.footnotes, 1))]
    key = report.section("key-findings")
    if key is not None and key.findings:
        return list(key.findings), [*key.intro, "", *key.findings]
    findings = [x for s in report.sections for x in s.findings]
    return findings, list(findings)


def _headline_figures(report: Report) -> list[Figure]:
    section = report.section("headlines") or next((s for s in report.sections if s.figures), None)
    return list(section.figures) if section is not None else []


def write_pptx(report: Report, path: Path, *, template: str | Path | None = None) -> Path:
    """Write the deck (see the module's docstring) to ``path``; ``template``: an organisation's
    ``.pptx`` whose size, masters, theme and layouts it takes (its slides are dropped)."""
    deck = _Deck(report, template)
    deck.title_slide()
    deck.key_messages()
    deck.headline_figures()
    for section in report.sections:
        for chart in section.charts:
            deck.chart_slide(section, chart)
    deck.reading_slide()
    deck.prs.save(str(path))
    return path
