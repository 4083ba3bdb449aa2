"""How it is shown: reports a leader reads, as one offline HTML page with interactive charts, an A4
PDF, an XLSX workbook of every table and the JSON estimate table behind them.

>>> from collabstate import Responses, load_instrument
>>> from collabstate.demo import leaders_wave
>>> from collabstate.report import build_report
>>> ins = load_instrument("leaders")
>>> paths = build_report(Responses(ins, leaders_wave(2025)), "report-2025",
...                      previous=Responses(ins, leaders_wave(2024)))       # doctest: +SKIP
>>> paths.html, paths.pdf, paths.xlsx, paths.estimates                       # doctest: +SKIP

Everything a report shows is read from the estimate table (:func:`collabstate.estimate`) and, with a
previous wave, the wave-change table (:func:`collabstate.stats.wave_change`).
"""

from ..lazy import lazy_exports

_EXPORTS = {"AssetsMissing": "assets", "FORMATS": "build", "ReportPaths": "build", "build_report": "build"}

__all__, __getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
