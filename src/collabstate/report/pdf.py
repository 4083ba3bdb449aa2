"""The report as a PDF on A4: the same page as the HTML, printed by WeasyPrint, with a contents
list whose page numbers come from ``target-counter``, page numbers in the footer, and each chart
drawn to SVG by vl-convert from the very spec the HTML embeds.
"""

from __future__ import annotations

import base64
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .html import render_html, spec_for_page
from .model import Chart, Report

__all__ = ["VL_VERSION", "PrintedPdf", "chart_positions", "chart_svgs", "layout_facts", "print_pdf", "write_pdf"]

#: The Vega-Lite version of the specs (Altair's schema), as vl-convert names it.
VL_VERSION = "6.4"
_WIDTH = re.compile(r'<svg[^>]*\swidth="([\d.]+)"')
#: Labels Vega hid (opacity 0) because they would overlap: left in, they are invisible text in the
#: PDF, found by search and copied with the page, printed over their neighbours.
_HIDDEN_TEXT = re.compile(r'<text[^>]*\sopacity="0"[^>]*>.*?</text>', re.S)


def _svg(chart: Chart) -> str:
    import vl_convert as vlc

    return _HIDDEN_TEXT.sub("", vlc.vegalite_to_svg(spec_for_page(chart), vl_version=VL_VERSION))


def chart_svgs(report: Report, workers: int = 2) -> dict[str, str]:
    """Chart id -> SVG text, for every chart of the report."""
    charts = [b for s in report.sections for b in s.blocks if isinstance(b, Chart)]
    unique = {c.id: c for c in charts}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        svgs = list(pool.map(_svg, unique.values()))
    return dict(zip(unique, svgs))


def chart_positions(document) -> list[dict]:
    """Where each chart landed: ``{"chart", "page" (0-based), "x", "y", "width", "height"}`` in
    CSS pixels (96 per inch) from the page's top left corner."""
    found = []
    for number, page in enumerate(document.pages):
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if element is not None and element.tag == "img" and "vis" in (element.get("class") or "").split():
                found.append(
                    {
                        "chart": element.get("data-chart"),
                        "page": number,
                        "x": box.content_box_x(),
                        "y": box.content_box_y(),
                        "width": box.width,
                        "height": box.height,
                    }
                )
    return found


#: CSS pixels (96 per inch) to PDF points (72 per inch).
PT_PER_PX = 0.75
_HEADINGS = {"h1", "h2", "h3", "h4"}


def _classes(element) -> list[str]:
    return (element.get("class") or "").split()


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def layout_facts(document) -> dict:
    """What the layout checks need from the printer's own boxes, in PDF points from each page's top
    left corner (pages 1-based):

    - ``tables``: per data table (its ``id``), the page of each body row, in row order;
    - ``headings``: each heading (``h1``–``h4``, a block title) with its page, text and bottom;
    - ``overflows``: text running out of its table cell (page, the cell's text, by how much).
    """
    from weasyprint.formatting_structure import boxes

    rows: dict[str, dict[int, set[int]]] = {}
    headings: list[dict] = []
    overflows: list[dict] = []
    seen_overflow: set[tuple[int, int]] = set()
    seen_heading: set[tuple[int, int]] = set()

    def walk(box, page: int, cell, wrap: str | None, body) -> None:
        element = getattr(box, "element", None)
        if element is not None and box.element_tag == element.tag:
            if "table-wrap" in _classes(element):
                wrap = element.get("id") or wrap
            if isinstance(box, boxes.TableRowGroupBox):
                body = element if element.tag == "tbody" else None
            if isinstance(box, boxes.TableRowBox) and body is not None and wrap is not None:
                rows.setdefault(wrap, {}).setdefault(list(body).index(element), set()).add(page)
        if isinstance(box, boxes.TableCellBox):
            cell = box
        if (
            isinstance(box, boxes.BlockBox)
            and element is not None
            and box.element_tag == element.tag
            and (element.tag in _HEADINGS or {"block-title", "table-title"} & set(_classes(element)))
            and (page, id(element)) not in seen_heading
        ):
            seen_heading.add((page, id(element)))
            top, bottom = box.border_box_y(), box.border_box_y() + box.border_height()
            headings.append({"page": page, "text": _text(element), "top": top * PT_PER_PX, "bottom": bottom * PT_PER_PX})
        if isinstance(box, boxes.TextBox) and cell is not None and box.text.strip():
            right = cell.border_box_x() + cell.border_width()
            over = box.position_x + box.width - right
            key = (page, id(cell.element))
            if over > 0.5 and key not in seen_overflow:
                seen_overflow.add(key)
                overflows.append({"page": page, "text": _text(cell.element)[:80], "by": round(over * PT_PER_PX, 1)})
        for child in getattr(box, "children", ()) or ():
            walk(child, page, cell, wrap, body)

    for number, page in enumerate(document.pages, start=1):
        walk(page._page_box, number, None, None, None)
    tables = []
    for table_id, by_row in rows.items():
        tables.append({"id": table_id, "rows": [min(by_row[i]) for i in sorted(by_row)]})
    return {"tables": tables, "headings": headings, "overflows": overflows}


@dataclass
class PrintedPdf:
    path: Path
    charts: list[dict] = field(default_factory=list)
    layout: dict = field(default_factory=dict)


def print_pdf(report: Report, path: Path, *, svgs: dict[str, str] | None = None, extra_css: str = "") -> PrintedPdf:
    """Print the PDF: the path, where each chart landed (:func:`chart_positions`) and the layout
    facts (:func:`layout_facts`); ``extra_css`` is appended to the print stylesheet (the layout
    checks' tests break the layout with it)."""
    import weasyprint

    svgs = svgs if svgs is not None else chart_svgs(report)

    def extra(chart: Chart) -> dict:
        svg = svgs[chart.id]
        match = _WIDTH.search(svg)
        width = float(match.group(1)) if match else 500.0
        uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return {"svg_uri": uri, "width": min(width, 680)}

    html = render_html(report, mode="pdf", chart_extra=extra, extra_css=extra_css)
    document = weasyprint.HTML(string=html, base_url=str(path.parent)).render()
    document.write_pdf(str(path))
    return PrintedPdf(path, chart_positions(document), layout_facts(document))


def write_pdf(report: Report, path: Path, *, svgs: dict[str, str] | None = None) -> tuple[Path, list[dict]]:
    """Write the PDF; the path and where each chart landed (:func:`chart_positions`)."""
    printed = print_pdf(report, path, svgs=svgs)
    return printed.path, printed.charts
