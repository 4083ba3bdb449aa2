"""The report as one self-contained HTML page (and the HTML the PDF is printed from).

The page carries its styles, its chart specs and the Vega, Vega-Lite and vega-embed sources
inline; a Content-Security-Policy forbids any request, so it works offline and nothing leaves it.
Semantic HTML: one h1, h2 per section, h3 per chart or table; tables with captions and
``th scope``; every chart has a text alternative (aria-label and caption) and its data as a table.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from typing import Any

import jinja2

from .assets import vega_bundle
from .model import Chart, Report

__all__ = ["render_html", "spec_for_page", "view_models"]


def _environment() -> jinja2.Environment:
    loader = jinja2.PackageLoader("collabstate.report", "templates")
    return jinja2.Environment(loader=loader, autoescape=jinja2.select_autoescape(["html", "j2"]), trim_blocks=False, lstrip_blocks=False)


def _css(*names: str) -> str:
    folder = resources.files("collabstate.report") / "templates"
    return "\n".join((folder / name).read_text(encoding="utf-8") for name in names)


def spec_for_page(chart: Chart) -> dict[str, Any]:
    """The chart's spec without its title (the page gives it as a heading)."""
    spec = dict(chart.spec)
    spec.pop("title", None)
    return spec


def _json_for_script(spec: dict) -> str:
    return json.dumps(spec, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")


def view_models(report: Report, chart_extra: Callable[[Chart], dict] | None = None) -> dict[str, list[dict]]:
    """Per section, what to draw in order. A chart's data table is drawn after the chart the
    first time it appears; later charts of the same figures point to it."""
    views: dict[str, list[dict]] = {}
    shown: set[str] = set()
    for section in report.sections:
        items = []
        for block in section.blocks:
            if isinstance(block, Chart):
                item = {"chart": block, "show_table": block.data.id not in shown}
                shown.add(block.data.id)
                if chart_extra:
                    item.update(chart_extra(block))
                items.append(item)
            else:
                if block.id in shown:
                    continue
                shown.add(block.id)
                items.append({"chart": None, "table": block})
        views[section.id] = items
    return views


def render_html(report: Report, *, mode: str = "html", chart_extra: Callable[[Chart], dict] | None = None, extra_css: str = "") -> str:
    """The page; ``mode="pdf"`` leaves out the scripts and expects ``chart_extra`` to give each
    chart's ``svg_uri`` and ``width``; ``extra_css`` goes after the stylesheets (a test's seam)."""
    env = _environment()
    template = env.get_template("report.html.j2")
    extra: Callable[[Chart], dict]
    if mode == "html":

        def extra(chart: Chart) -> dict:
            return {"spec_json": _json_for_script(spec_for_page(chart))}

        scripts = vega_bundle()
        css = _css("report.css")
    else:
        extra = chart_extra or (lambda chart: {})
        scripts = []
        css = _css("report.css", "print.css")
    if extra_css:
        css += "\n" + extra_css
    return template.render(report=report, views=view_models(report, extra), mode=mode, scripts=scripts, css=css)
