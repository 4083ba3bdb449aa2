"""Every parameter a report states is the one it was built with (issue 13, item 6): a report at
90% with a suppression base of 12 says 90% and 'under 12' everywhere, never 95% or 'under 10'."""

from __future__ import annotations

import re

import openpyxl

from collabstate import Responses, load_instrument
from collabstate.demo import leaders_wave
from collabstate.report.evidence import gather
from collabstate.report.html import render_html
from collabstate.report.sections import build_model
from collabstate.report.xlsx import write_xlsx


def _words(html: str) -> str:
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


def test_a_report_states_the_level_and_bases_it_was_built_with(tmp_path):
    ins = load_instrument("leaders")
    ev = gather(Responses(ins, leaders_wave(2025)), earlier=[Responses(ins, leaders_wave(2024))], level=0.90, min_base=12, low_base=40)
    report = build_model(ev)
    html = render_html(report)
    words = _words(html)
    stated = re.compile(r"95% (interval|level|low|high)|\(95%\)|under 10\b")  # 95% as a figure may well appear
    assert "90% interval" in words and "90% level" in words and "under 12" in words
    assert not stated.search(words), stated.search(words)
    charts = "".join(re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S))
    assert "(90%)" in charts and "(95%)" not in charts  # the charts' tooltips
    book = openpyxl.load_workbook(write_xlsx(report, tmp_path / "tables.xlsx"), read_only=True)
    cells = {str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v is not None}
    assert "90% low" in cells and "under 12" in cells
    assert not any(stated.search(c) for c in cells)
