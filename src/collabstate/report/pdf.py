"""The report as a PDF on A4: the same page as the HTML, printed by WeasyPrint, with a contents
list whose page numbers come from ``target-counter``, page numbers in the footer, and each chart
drawn to SVG by vl-convert from the very spec the HTML embeds.
"""

from __future__ import annotations

import base64
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .html import render_html, spec_for_page
from .model import Chart, Report

__all__ = ["VL_VERSION", "chart_positions", "chart_svgs", "write_pdf"]

#: The Vega-Lite version of the specs (Altair's schema), as vl-convert names it.
VL_VERSION = "6.4"
_WIDTH = re.compile(r'<svg[^>]*\swidth="([\d.]+)"')


def _svg(chart: Chart) -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(spec_for_page(chart), vl_version=VL_VERSION)


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


def write_pdf(report: Report, path: Path, *, svgs: dict[str, str] | None = None) -> tuple[Path, list[dict]]:
    """Write the PDF; the path and where each chart landed (:func:`chart_positions`)."""
    import weasyprint

    svgs = svgs if svgs is not None else chart_svgs(report)

    def extra(chart: Chart) -> dict:
        svg = svgs[chart.id]
        match = _WIDTH.search(svg)
        width = float(match.group(1)) if match else 500.0
        uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return {"svg_uri": uri, "width": min(width, 680)}

    html = render_html(report, mode="pdf", chart_extra=extra)
    document = weasyprint.HTML(string=html, base_url=str(path.parent)).render()
    document.write_pdf(str(path))
    return path, chart_positions(document)
