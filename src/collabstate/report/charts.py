"""Chart specs (Vega-Lite, written with Altair): one spec per chart, interactive in the HTML
(vega-embed) and drawn to SVG for the PDF (vl-convert).

Each builder takes records that sections made from cells (estimates, intervals, bases and their
formatted text, suppressed cells left out) and returns a plain Vega-Lite dict. Tooltips give the
value, the interval (with its level) and the base. Colours are colour-blind safe: Okabe and Ito's palette for
categories, ColorBrewer's PuOr for ordered answer scales.
"""

from __future__ import annotations

import math
from typing import Any

import altair as alt

__all__ = [
    "OKABE_ITO",
    "diverging_bars",
    "dot_intervals",
    "gap_bars",
    "ordered_colours",
    "radar",
    "ranked_bars",
    "scatter",
    "stacked_bars",
    "trend_lines",
    "wave_colours",
]

#: Okabe & Ito (2008), without yellow (too light on white).
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
NEUTRAL = "#BDBDBD"
#: Validate specs against the Vega-Lite schema when building them (tests turn it on; it costs
#: about 50 ms a chart).
VALIDATE = False
WIDTH = 470
FONT = "DejaVu Sans, Verdana, sans-serif"

TOOLTIP = [
    alt.Tooltip("label:N", title="Item"),
    alt.Tooltip("series:N", title="Series"),
    alt.Tooltip("value_text:N", title="Estimate"),
    alt.Tooltip("interval_text:N", title="Interval"),
    alt.Tooltip("base_text:N", title="Base (n)"),
]


def ordered_colours(k: int, neutral: int | None = None) -> list[str]:
    """k colours from negative (orange) to positive (purple); the neutral middle grey."""
    neg = ["#E66101", "#FDB863", "#F4A582"]
    pos = ["#5E3C99", "#B2ABD2", "#8073AC"]
    lower = k // 2
    upper = k - lower - (1 if neutral is not None else 0)
    left = {1: ["#E66101"], 2: ["#E66101", "#FDB863"], 3: ["#B35806", "#E66101", "#FDB863"]}.get(lower, neg[:lower])
    right = {1: ["#5E3C99"], 2: ["#B2ABD2", "#5E3C99"], 3: ["#B2ABD2", "#8073AC", "#542788"]}.get(upper, pos[:upper])
    return [*left, *([NEUTRAL] if neutral is not None else []), *right]


def wave_colours(k: int) -> list[str]:
    """k colours for waves in time order, earlier lighter, the latest the darkest blue."""
    return ["#BDBDBD", OKABE_ITO[5], OKABE_ITO[0]][-k:] if k <= 3 else OKABE_ITO[:k]


def _wrap(text: str, width: int = 26) -> str:
    """A label broken into lines of about ``width`` characters, joined by '|' (split in the chart)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "|".join(lines)


def trend_lines(records: list[dict], *, title: str, waves: list[str], share: bool, description: str = "", columns: int = 3) -> dict:
    """Small multiples, one panel per measure: the estimate of each wave (in time order) joined by
    a line, with its interval as a whisker. ``records`` carry ``label`` (the measure) and
    ``series`` (the wave)."""
    labels = list(dict.fromkeys(r["label"] for r in records))
    data = alt.Data(values=[{**r, "panel": _wrap(r["label"])} for r in records])
    panels = [_wrap(label) for label in labels]
    x = alt.X("series:N", title=None, sort=waves, scale=alt.Scale(domain=waves), axis=alt.Axis(labelAngle=0, labelLimit=60))
    scale = alt.Scale(domain=[0, 1], nice=False) if share else alt.Scale(zero=False)
    y = alt.Y("estimate:Q", title=None, scale=scale, axis=alt.Axis(format=".0%" if share else ".1f", tickCount=4))
    base = alt.Chart()
    whiskers = base.mark_rule(color="#555555").encode(x=x, y=alt.Y("ci_low:Q", scale=scale), y2="ci_high:Q", tooltip=TOOLTIP)
    line = base.mark_line(color=OKABE_ITO[0]).encode(x=x, y=y)
    dots = base.mark_point(filled=True, size=45, color=OKABE_ITO[0], opacity=1).encode(x=x, y=y, tooltip=TOOLTIP)
    width = max(90, min(150, (WIDTH - 30 * columns) // columns))
    layered = alt.layer(whiskers, line, dots, data=data).properties(width=width, height=80)
    header = alt.Header(labelExpr="split(datum.value, '|')", labelFontSize=10, labelLimit=0, title=None, labelAlign="center")
    chart = layered.facet(facet=alt.Facet("panel:N", sort=panels, header=header, title=None), columns=columns)
    return _config(chart.properties(title=title), description or title)


def _legend_columns(labels: list[str], most: int = 3) -> int:
    longest = max((len(x) for x in labels), default=0)
    return 1 if longest > 28 else (2 if longest > 16 else min(most, max(1, len(labels))))


def _config(chart: alt.TopLevelMixin, description: str) -> dict[str, Any]:
    spec = chart.properties(description=description).configure(font=FONT).configure_view(stroke=None)
    spec = spec.configure_axis(labelFontSize=11, titleFontSize=11, labelLimit=260).configure_legend(
        labelFontSize=11, titleFontSize=11, orient="bottom", labelLimit=300
    )
    out = spec.to_dict(validate=VALIDATE)
    out.pop("$schema", None)
    out["$schema"] = "https://vega.github.io/schema/vega-lite/v6.json"
    return out


def dot_intervals(
    records: list[dict],
    *,
    title: str,
    x_title: str,
    domain: tuple[float, float] | None = None,
    share: bool = False,
    description: str = "",
    series_order: list[str] | None = None,
) -> dict:
    """Dots with interval whiskers: one row per item, one colour per series."""
    data = alt.Data(values=records)
    labels = list(dict.fromkeys(r["label"] for r in records))
    series = series_order or list(dict.fromkeys(r["series"] for r in records))
    scale = alt.Scale(domain=list(domain), nice=False) if domain else alt.Scale(zero=False)
    fmt = ".0%" if share else ".1f"
    x = alt.X("estimate:Q", title=x_title, scale=scale, axis=alt.Axis(format=fmt))
    y = alt.Y("label:N", title=None, sort=labels)
    colour = alt.Color("series:N", title=None, sort=series, scale=alt.Scale(domain=series, range=OKABE_ITO[: len(series)]))
    offset = alt.YOffset("series:N", sort=series) if len(series) > 1 else alt.Undefined
    rule = alt.Chart(data).mark_rule(strokeWidth=2).encode(y=y, yOffset=offset, x="ci_low:Q", x2="ci_high:Q", color=colour, tooltip=TOOLTIP)
    shapes = ["circle", "square", "triangle-up", "diamond", "cross"]
    shape = alt.Shape("series:N", title=None, sort=series, scale=alt.Scale(domain=series, range=(shapes * 2)[: len(series)]))
    dots = (
        alt.Chart(data)
        .mark_point(filled=True, size=70, opacity=1)
        .encode(y=y, yOffset=offset, x=x, color=colour, shape=shape, tooltip=TOOLTIP)
    )
    height = max(60, 22 * len(labels) * (1 if len(series) < 2 else 1.4))
    return _config((rule + dots).properties(width=WIDTH, height=height, title=title), description or title)


def ranked_bars(records: list[dict], *, title: str, description: str = "", series_order: list[str] | None = None) -> dict:
    """Horizontal bars of shares, highest first, with interval whiskers; a bar per wave when two."""
    data = alt.Data(values=records)
    series = series_order or list(dict.fromkeys(r["series"] for r in records))
    order = list(dict.fromkeys(r["label"] for r in records))
    y = alt.Y("label:N", title=None, sort=order)
    offset = alt.YOffset("series:N", sort=series) if len(series) > 1 else alt.Undefined
    colour = alt.Color("series:N", title=None, sort=series, scale=alt.Scale(domain=series, range=wave_colours(len(series))))
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=y,
            yOffset=offset,
            x=alt.X("estimate:Q", title="Share of valid answers", axis=alt.Axis(format=".0%", tickCount=5), scale=alt.Scale(domain=[0, 1])),
            color=colour,
            tooltip=TOOLTIP,
        )
    )
    whiskers = alt.Chart(data).mark_rule(color="#333333").encode(y=y, yOffset=offset, x="ci_low:Q", x2="ci_high:Q", tooltip=TOOLTIP)
    height = 20 * len(order) * (1 if len(series) < 2 else 1.6)
    return _config((bars + whiskers).properties(width=WIDTH - 60, height=height, title=title), description or title)


def gap_bars(records: list[dict], *, title: str, description: str = "") -> dict:
    """The importance–prevalence gap per factor, with its interval; colour says significance."""
    data = alt.Data(values=records)
    order = list(dict.fromkeys(r["label"] for r in records))
    kinds = ["significant", "not significant"]
    y = alt.Y("label:N", title=None, sort=order)
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=y,
            x=alt.X("estimate:Q", title="Gap (importance − prevalence, 0–3 scale)"),
            color=alt.Color("significance:N", title=None, sort=kinds, scale=alt.Scale(domain=kinds, range=[OKABE_ITO[0], NEUTRAL])),
            tooltip=[*TOOLTIP[:1], alt.Tooltip("significance:N", title="Significance"), *TOOLTIP[2:]],
        )
    )
    whiskers = alt.Chart(data).mark_rule(color="#333333").encode(y=y, x="ci_low:Q", x2="ci_high:Q")
    zero = alt.Chart(alt.Data(values=[{"x": 0}])).mark_rule(color="#000000").encode(x="x:Q")
    return _config((bars + whiskers + zero).properties(width=WIDTH - 40, height=22 * len(order), title=title), description or title)


def radar(
    records: list[dict], *, title: str, axes: list[str], maximum: float, description: str = "", series_order: list[str] | None = None
) -> dict:
    """A radar (spider) chart of one or more series over ``axes``, drawn on a 0–``maximum`` grid."""
    k = len(axes)
    series = series_order or list(dict.fromkeys(r["series"] for r in records))

    def at(i: int, r: float) -> tuple[float, float]:
        angle = 2 * math.pi * i / k
        return r * math.sin(angle), r * math.cos(angle)

    grid = []
    for level in range(1, int(maximum) + 1):
        for i in range(k + 1):
            x, y = at(i % k, level)
            grid.append({"ring": str(level), "i": i, "x": x, "y": y})
    spokes = [{"x": 0, "y": 0, "x2": at(i, maximum)[0], "y2": at(i, maximum)[1]} for i in range(k)]
    names = [{"name": a, "x": at(i, maximum * 1.16)[0], "y": at(i, maximum * 1.16)[1]} for i, a in enumerate(axes)]
    # The scale: each ring's value beside the first (upright) spoke, so a reader can read a point off it.
    ticks = [{"value": f"{level:g}", "x": 0.0, "y": float(level)} for level in range(0, int(maximum) + 1)]
    points = []
    for s in series:
        mine = {r["label"]: r for r in records if r["series"] == s}
        if not all(a in mine for a in axes):
            continue
        for i in range(k + 1):
            r = mine[axes[i % k]]
            x, y = at(i % k, r["estimate"])
            points.append({**r, "i": i, "x": x, "y": y})
    lim = maximum * 1.35
    sx = alt.Scale(domain=[-lim, lim], nice=False)
    sy = alt.Scale(domain=[-lim, lim], nice=False)
    rings = (
        alt.Chart(alt.Data(values=grid))
        .mark_line(color="#CCCCCC", strokeWidth=1)
        .encode(x=alt.X("x:Q", scale=sx, axis=None), y=alt.Y("y:Q", scale=sy, axis=None), detail="ring:N", order="i:Q")
    )
    axes_lines = (
        alt.Chart(alt.Data(values=spokes))
        .mark_rule(color="#CCCCCC")
        .encode(x=alt.X("x:Q", scale=sx, axis=None), y=alt.Y("y:Q", scale=sy, axis=None), x2="x2:Q", y2="y2:Q")
    )
    text = (
        alt.Chart(alt.Data(values=names))
        .mark_text(fontSize=11, color="#222222")
        .encode(x=alt.X("x:Q", scale=sx, axis=None), y=alt.Y("y:Q", scale=sy, axis=None), text="name:N")
    )
    scale = (
        alt.Chart(alt.Data(values=ticks))
        .mark_text(fontSize=9, color="#555555", align="left", baseline="middle", dx=4, dy=-6)
        .encode(x=alt.X("x:Q", scale=sx, axis=None), y=alt.Y("y:Q", scale=sy, axis=None), text="value:N")
    )
    colour = alt.Color("series:N", title=None, sort=series, scale=alt.Scale(domain=series, range=OKABE_ITO[: len(series)]))
    lines = (
        alt.Chart(alt.Data(values=points))
        .mark_line(strokeWidth=2, point=alt.OverlayMarkDef(filled=True, size=40))
        .encode(x=alt.X("x:Q", scale=sx, axis=None), y=alt.Y("y:Q", scale=sy, axis=None), color=colour, order="i:Q", tooltip=TOOLTIP)
    )
    size = 360
    return _config((rings + axes_lines + scale + text + lines).properties(width=size, height=size, title=title), description or title)


def scatter(records: list[dict], *, title: str, x_title: str, y_title: str, description: str = "") -> dict:
    """Items placed by two estimates (importance across, prevalence up) with both intervals and a
    line where they are equal."""
    data = alt.Data(values=records)
    lo = min(min(r["x_low"], r["y_low"]) for r in records)
    hi = max(max(r["x_high"], r["y_high"]) for r in records)
    pad = (hi - lo) * 0.08
    dom = [math.floor((lo - pad) * 10) / 10, math.ceil((hi + pad) * 10) / 10]
    sx, sy = alt.Scale(domain=dom, nice=False), alt.Scale(domain=dom, nice=False)
    tooltip = [alt.Tooltip("label:N", title="Factor"), alt.Tooltip("x_text:N", title=x_title), alt.Tooltip("y_text:N", title=y_title)]
    x = alt.X("x:Q", title=x_title, scale=sx)
    y = alt.Y("y:Q", title=y_title, scale=sy)
    diag = (
        alt.Chart(alt.Data(values=[{"x": dom[0], "y": dom[0]}, {"x": dom[1], "y": dom[1]}]))
        .mark_line(color="#999999", strokeDash=[4, 4])
        .encode(x=x, y=y)
    )
    hbar = alt.Chart(data).mark_rule(color="#56B4E9").encode(x=alt.X("x_low:Q", scale=sx), x2="x_high:Q", y=y)
    vbar = alt.Chart(data).mark_rule(color="#E69F00").encode(y=alt.Y("y_low:Q", scale=sy), y2="y_high:Q", x=x)
    dots = alt.Chart(data).mark_point(filled=True, size=70, color="#000000", opacity=1).encode(x=x, y=y, tooltip=tooltip)
    placed: list[dict] = []
    for r in sorted(records, key=lambda r: (r["y"], r["x"])):
        near = any(
            abs(r["x"] - q["x"]) < (hi - lo) * 0.12 and abs(r["y"] - q["y"]) < (hi - lo) * 0.04 and q["side"] == "right" for q in placed
        )
        placed.append({**r, "side": "left" if near else "right"})
    data = alt.Data(values=placed)
    right = (
        alt.Chart(data)
        .transform_filter("datum.side == 'right'")
        .mark_text(align="left", dx=7, dy=-7, fontSize=11)
        .encode(x=x, y=y, text="label:N")
    )
    left = (
        alt.Chart(data)
        .transform_filter("datum.side == 'left'")
        .mark_text(align="right", dx=-7, dy=7, fontSize=11)
        .encode(x=x, y=y, text="label:N")
    )
    labels = right + left
    return _config((diag + hbar + vbar + dots + labels).properties(width=400, height=400, title=title), description or title)


def diverging_bars(
    records: list[dict], *, title: str, choices: list[str], colours: list[str], description: str = "", facet: bool = True
) -> dict:
    """Answer distributions as diverging stacked bars: negative answers left of zero, positive
    right, a neutral middle split across it. Records carry ``x0``/``x1`` (the segment's extent),
    ``row`` (the item) and ``group``."""
    data = alt.Data(values=records)
    groups = list(dict.fromkeys(r["group"] for r in records))
    rows = list(dict.fromkeys(r["row"] for r in records))
    tooltip = [
        alt.Tooltip("row:N", title="Item"),
        alt.Tooltip("group:N", title="Group"),
        alt.Tooltip("choice:N", title="Answer"),
        alt.Tooltip("value_text:N", title="Share"),
        alt.Tooltip("interval_text:N", title="Interval"),
        alt.Tooltip("base_text:N", title="Base (n)"),
    ]
    lo = min(r["x0"] for r in records)
    hi = max(r["x1"] for r in records)
    lo, hi = math.floor(lo * 10) / 10, math.ceil(hi * 10) / 10
    # Ticks every 20 points through the zero line (the labels are unsigned shares on both sides).
    ticks = [k / 5 for k in range(math.ceil(lo * 5 - 1e-9), math.floor(hi * 5 + 1e-9) + 1)]

    def bars(source) -> alt.Chart:
        return source.mark_bar(stroke="#FFFFFF", strokeWidth=0.5).encode(
            x=alt.X(
                "x0:Q",
                title="Share of valid answers (negative answers to the left of the line)",
                axis=alt.Axis(format=".0%", values=ticks, labelExpr="format(abs(datum.value), '.0%')"),
                scale=alt.Scale(domain=[lo, hi], nice=False),
            ),
            x2="x1:Q",
            y=alt.Y("group:N", title=None, sort=groups),
            color=alt.Color(
                "choice:N",
                title=None,
                sort=choices,
                scale=alt.Scale(domain=choices, range=colours),
                legend=alt.Legend(columns=_legend_columns(choices)),
            ),
            tooltip=tooltip,
        )

    zero = alt.Chart(alt.Data(values=[{"x": 0}])).mark_rule(color="#000000").encode(x="x:Q")
    if facet and len(rows) > 1:
        # the bars take the facet's data (one item per panel); the zero line has its own
        chart = (
            alt.layer(bars(alt.Chart()), zero)
            .properties(width=WIDTH - 150, height=alt.Step(14))
            .facet(
                row=alt.Row(
                    "row:N",
                    sort=rows,
                    title=None,
                    header=alt.Header(
                        labelAngle=0, labelAlign="left", labelAnchor="start", labelOrient="top", labelFontSize=11, labelFontWeight="bold"
                    ),
                ),
                data=data,
                spacing=6,
            )
            .properties(title=title)
        )
        return _config(chart, description or title)
    return _config(
        alt.layer(bars(alt.Chart(data)), zero).properties(width=WIDTH - 120, height=alt.Step(16), title=title), description or title
    )


def stacked_bars(records: list[dict], *, title: str, choices: list[str], colours: list[str], description: str = "") -> dict:
    """100% stacked bars of an answer distribution per group, answers in scale order."""
    data = alt.Data(values=records)
    groups = list(dict.fromkeys(r["group"] for r in records))
    tooltip = [
        alt.Tooltip("group:N", title="Group"),
        alt.Tooltip("choice:N", title="Answer"),
        alt.Tooltip("value_text:N", title="Share"),
        alt.Tooltip("interval_text:N", title="Interval"),
        alt.Tooltip("base_text:N", title="Base (n)"),
    ]
    chart = (
        alt.Chart(data)
        .mark_bar(stroke="#FFFFFF", strokeWidth=0.5)
        .encode(
            x=alt.X(
                "x0:Q", title="Share of valid answers", axis=alt.Axis(format=".0%", tickCount=5), scale=alt.Scale(domain=[0, 1], nice=False)
            ),
            x2="x1:Q",
            y=alt.Y("group:N", title=None, sort=groups),
            color=alt.Color(
                "choice:N",
                title=None,
                sort=choices,
                scale=alt.Scale(domain=choices, range=colours),
                legend=alt.Legend(columns=_legend_columns(choices, 2), labelLimit=360),
            ),
            tooltip=tooltip,
        )
    )
    return _config(chart.properties(width=WIDTH - 100, height=alt.Step(20), title=title), description or title)
