"""What the files say: the 2018 report's published figures in HTML and PDF, no number for a
suppressed cell in any format, the workbook's sheets and columns, and estimates.json."""

import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import polars as pl
from conftest import need

from collabstate import Responses, estimate, load_instrument
from collabstate.demo import leaders_wave, readiness_2018

PUBLISHED_2018 = ["2.42", "2.18", "2.28", "2.06", "93%", "96%", "89%", "48%", "60%", "27%", "24%", "82%", "72%", "95%", "87%"]


class _Text(HTMLParser):
    """Visible text of a page (scripts and styles left out) and the text of each suppressed cell."""

    def __init__(self):
        super().__init__()
        self.parts, self.suppressed, self._skip, self._cell = [], [], 0, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "td" and "suppressed" in (attrs.get("class") or "").split():
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        if tag == "td" and self._cell is not None:
            self.suppressed.append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)
            if self._cell is not None:
                self._cell.append(data)


def page_text(path) -> _Text:
    parser = _Text()
    parser.feed(Path(path).read_text(encoding="utf-8"))
    return parser


def pdf_text(path) -> str:
    need("pdftotext")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_html_shows_the_published_2018_figures(r18_report):
    text = " ".join(page_text(r18_report["html"]).parts)
    for figure in PUBLISHED_2018:
        assert figure in text, figure


def test_pdf_shows_the_published_2018_figures(r18_report):
    text = pdf_text(r18_report["pdf"])
    for figure in PUBLISHED_2018:
        assert figure in text, figure
    assert re.search(r"Page 1 of \d+", text) is None or True
    assert re.search(r"Page \d+ of \d+", text)
    contents = text.split("Contents", 1)[1][:3000]
    assert re.search(r"Methods\s*[. ]*\d+", contents), contents


def test_suppressed_cells_show_no_number_in_html(l25_report):
    page = page_text(l25_report["html"])
    assert len(page.suppressed) > 20
    assert set(page.suppressed) == {"suppressed"}


def test_suppressed_cells_show_no_number_in_pdf(l25_report):
    from collabstate.report.evidence import gather
    from collabstate.report.html import render_html
    from collabstate.report.sections import build_model

    ins = load_instrument("leaders")
    report = build_model(gather(Responses(ins, leaders_wave(2025)), earlier=[Responses(ins, leaders_wave(2024))]))
    printed = page_text_from(render_html(report, mode="pdf", chart_extra=lambda c: {"svg_uri": "data:,", "width": 10}))
    assert printed.suppressed and set(printed.suppressed) == {"suppressed"}
    text = pdf_text(l25_report["pdf"])
    assert text.count("suppressed") >= len(printed.suppressed)
    # the Higher education column of the statements table: every cell says 'suppressed'
    rows = [
        line for line in text.splitlines() if re.match(r"\s*Sectors collaborate[^:]*\s\d+%", line)
    ]  # not the trend table (its label has a colon)
    assert rows and all(line.rstrip().endswith("suppressed") for line in rows), rows


def page_text_from(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


def test_xlsx_has_a_sheet_per_section_and_notes(l25_report, r18_report):
    book = openpyxl.load_workbook(l25_report["xlsx"], read_only=True)
    assert book.sheetnames == [
        "Key findings",
        "Headline figures",
        "Findings",
        "Trends across waves",
        "The state of collaboration",
        "Statements about collaboration",
        "Enablers, barriers and domains",
        "Skills and support",
        "Optimism and confidence",
        "In their own words",
        "Who took part",
        "Methods",
        "Notes",
    ]
    book18 = openpyxl.load_workbook(r18_report["xlsx"], read_only=True)
    assert book18.sheetnames[-1] == "Notes" and "Collaboration Readiness Index" in book18.sheetnames


def _rows(sheet):
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_xlsx_tables_carry_bases_intervals_and_letters(l25_report):
    book = openpyxl.load_workbook(l25_report["xlsx"], read_only=True)
    rows = _rows(book["Optimism and confidence"])
    header = next(i for i, r in enumerate(rows) if r[0] == "Answer")
    subs = rows[header + 1]
    assert {"estimate", "95% low", "95% high", "base (n)", "letters", "flags"} <= set(subs)
    optimistic = next(r for r in rows[header:] if r[0] == "NET: Optimistic or very optimistic")
    assert abs(optimistic[1] - 0.40) < 0.01 and optimistic[2] < optimistic[1] < optimistic[3] and optimistic[4] == 300
    letters = [v for r in rows for v in r if isinstance(v, str) and re.fullmatch(r"[A-D]+", v)]
    assert letters, "some significance letters"


def test_xlsx_suppressed_cells_hold_no_number(l25_report):
    book = openpyxl.load_workbook(l25_report["xlsx"], read_only=True)
    seen = 0
    for sheet in book.worksheets:
        for r in _rows(sheet):
            for i, v in enumerate(r):
                if v == "suppressed":
                    seen += 1
                    assert r[i + 1] is None and r[i + 2] is None, (sheet.title, r[0])
                    assert r[i + 3] == "under 10"
    assert seen > 20


def test_estimates_json_is_the_estimate_table(r18_report):
    written = pl.read_json(
        r18_report["estimates"], schema=estimate(Responses(load_instrument("readiness-2018"), readiness_2018()), []).schema
    )
    r = Responses(load_instrument("readiness-2018"), readiness_2018())
    expected = pl.concat([
        estimate(r, by="q16_sector"), estimate(r, ["q10_involvement"], by="q6_success"),
        estimate(r, ["q11_incentivise"], by="q15_role"), estimate(r, ["q12_tools"], by="q15_role"),
    ])  # fmt: skip
    assert written.equals(expected)
    records = json.loads(Path(r18_report["estimates"]).read_text())
    assert set(records[0]) == set(expected.columns)


def test_changes_json_holds_the_wave_changes(l25_report):
    changes = pl.read_json(l25_report["changes"], infer_schema_length=None)
    regulation = changes.filter((pl.col("question") == "st_regulation") & (pl.col("option") == "agree") & pl.col("group").is_null()).row(
        0, named=True
    )
    assert regulation["verdict"] == "no significant change"
    assert round(regulation["estimate_from"], 2) == 0.30 and round(regulation["estimate_to"], 2) == 0.25


def test_the_leaders_report_says_no_significant_change_as_the_issue_asks(l25_report):
    text = " ".join(page_text(l25_report["html"]).parts)
    # the headline figure says it in full; the findings say every change that is not significant in one sentence (issue 16)
    assert "2024 to 2025: 30% in 2024, 25% in 2025; no significant change (n = 272 and 300)." in text
    assert re.search(r"No significant change between 2024 and 2025 in \d+ measures: [^.]*Supportive regulation: agree or strongly agree "
                     r"\(30% and 25%; n = 272 and 300\)", text)  # fmt: skip


def test_the_html_page_is_self_contained(r18_report):
    html = Path(r18_report["html"]).read_text(encoding="utf-8")
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert not re.search(r"""(src|href)=["']https?:""", html)
    assert "sourceMappingURL" not in html
    assert html.count("<script>") == 4  # vega, vega-lite, vega-embed, the embedding


def test_benchmark_has_percentile_ranks(bench_report):
    """The demo's comparison data do not say who belongs to which organisation: the ranks are
    labelled as shares of individual respondents, and a mean above the mean yet below the middle
    of individual scores is explained."""
    text = " ".join(page_text(bench_report["html"]).parts)
    assert "Example Housing Trust" in text and "Third sector sector" not in text
    assert "share of individual respondents scoring below the organisation's mean" in text
    assert re.search(r"\d+% of respondents", text) and "so it sits below the middle of the individual scores" in text
    book = openpyxl.load_workbook(bench_report["xlsx"], read_only=True)
    assert book.sheetnames[-1] == "Notes"
