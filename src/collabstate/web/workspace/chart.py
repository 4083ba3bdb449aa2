"""A bar chart drawn on the server as inline SVG: no script, nothing fetched. The chart is one
image to assistive technology (``role="img"`` with a title and a description); the table next
to it carries the same numbers for everyone.

>>> chart = bar_chart([("1 Dec", 3), ("2 Dec", 0), ("3 Dec", 5)], title="Completions per day")
>>> [b["height"] > 0 for b in chart["bars"]], [t["value"] for t in chart["ticks"]]
([True, False, True], [0, 2, 4, 6])
>>> chart["description"]
'3 bars, from 1 Dec to 3 Dec; the highest is 5 (3 Dec).'
"""

from __future__ import annotations

import math

__all__ = ["bar_chart"]

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 10, 40  # room for the axis labels
MAX_BAR = 48


def _step(top: int) -> int:
    """A round step for about four gridlines up to ``top``: 1, 2, 5, 10, 20, 50 …"""
    raw = max(top / 4, 1)
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def bar_chart(points: list[tuple[str, int]], title: str) -> dict:
    """Geometry for ``points`` (label, count): bars, gridlines and the labels to show (at most
    about twelve along the bottom, so that they never overlap)."""
    top = max((v for _, v in points), default=0)
    step = _step(top)
    ceiling = max(step, math.ceil(top / step) * step)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = inner_w / max(len(points), 1)
    every = max(1, math.ceil(len(points) / 12))
    bars = []
    width = min(slot * 0.8, MAX_BAR)
    for i, (label, value) in enumerate(points):
        h = inner_h * value / ceiling
        bars.append({
            "x": round(LEFT + (i + 0.5) * slot - width / 2, 2), "width": round(width, 2),
            "y": round(TOP + inner_h - h, 2), "height": round(h, 2), "label": label, "value": value,
            "label_x": round(LEFT + (i + 0.5) * slot, 2), "show_label": i % every == 0,
        })  # fmt: skip
    ticks = [{"value": v, "y": round(TOP + inner_h - inner_h * v / ceiling, 2)} for v in range(0, ceiling + 1, step)]
    description = ""
    if points:
        label, value = max(points, key=lambda p: p[1])
        description = f"{len(points)} bars, from {points[0][0]} to {points[-1][0]}; the highest is {value} ({label})."
    return {"title": title, "description": description, "bars": bars, "ticks": ticks, "width": WIDTH, "height": HEIGHT,
            "left": LEFT, "right": WIDTH - RIGHT, "baseline": TOP + inner_h, "label_y": HEIGHT - BOTTOM + 18}  # fmt: skip
