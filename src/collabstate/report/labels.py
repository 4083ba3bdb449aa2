"""Labels of questions, options and groups as people read them, falling back to the codes:
what the command line's tables and the crosstabs show.

>>> from collabstate.instrument import load_instrument
>>> labels = Labels(load_instrument("leaders"))
>>> labels.question("st_network"), labels.option("sector", "2", "proportion"), labels.group("sector", "4")
('Strong networks in other sectors', '2 Private', 'Higher education')
"""

from __future__ import annotations

from ..instrument import Instrument
from ..instrument.model import MultipleQuestion

__all__ = ["Labels"]


class Labels:
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
