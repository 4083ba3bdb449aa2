"""The Tables page of a wave (issue 15): a viewer sees a crosstab whose every cell is the one
``crosstab`` and ``crosstab_layout`` give on the wave's responses (a derived variable of the
wave's own questionnaire as a banner, a filter, a suppressed group), and downloads its workbook;
only analysts save, put in the report and delete tables, each in the audit log; another
organisation's wave is a 404; a bad filter or a name the questionnaire lacks is the form's
error, never a 500; a saved table for the report is a section Tables of the wave's report."""

from __future__ import annotations

from html.parser import HTMLParser
from importlib import resources
from io import BytesIO

import openpyxl
import polars as pl
import pytest
from django.urls import reverse

from collabstate.dataset import derive
from collabstate.instrument import load_instrument
from collabstate.report.crosstab import crosstab_layout, write_crosstab_xlsx
from collabstate.stats import crosstab
from collabstate.web.surveys.actions import responses_of
from collabstate.web.workspace import tables
from collabstate.web.workspace.importing import import_responses
from collabstate.web.workspace.models import AuditEntry, Membership, SavedTable

DERIVED = """
derived:
  - id: public_or_not
    label: Public or other sectors
    from: q16_sector
    recode: {1: [1], 2: [2, 3]}
    labels: {1: Public sector, 2: "Other <sectors> & co"}
"""
N = 60
#: Sector 1 to 3 of each respondent: 45, 10 and 5 (the third sector's base, 5, is under 10: suppressed).
SECTORS = ["1"] * 45 + ["2"] * 10 + ["3"] * 5
CHOICE = {"rows": ["q1_example", "q7_importance"], "columns": ["q16_sector", "public_or_not"], "filter": "",
          "statistics": ["estimate", "interval", "letters"]}  # fmt: skip


@pytest.fixture
def wave(make_wave, org_b):
    """A wave of organisation B with readiness-2018 and a derived variable of its own, 60 completed responses."""
    text = (resources.files("collabstate.instrument") / "builtin" / "readiness-2018.yaml").read_text(encoding="utf-8") + DERIVED
    wave = make_wave("tables-2026", "", organisation=org_b, title="Tables 2026", instrument_yaml=text)
    frame = pl.DataFrame({"q1_example": ["1" if i % 3 else "2" for i in range(N)], "q16_sector": SECTORS,
                          "q7_importance": [str(1 + i % 5) for i in range(N)], "q15_role": [str(1 + i % 4) for i in range(N)]})  # fmt: skip
    assert import_responses(wave, frame, name="paper.csv").imported == N
    tables.forget(wave)
    return wave


@pytest.fixture
def viewer(member, org_b):
    return member(org_b, Membership.VIEWER, "viewer-b")


@pytest.fixture
def analyst(member, org_b):
    return member(org_b, Membership.ANALYST, "analyst-b")


def page(client, wave, choice=CHOICE, what: str = "tables"):
    return client.get(reverse(f"workspace:{what}", args=[wave.pk]), choice)


def expected_layout(wave, choice=CHOICE, title: str = ""):
    """What ``collabstate table`` lays out of the same responses."""
    responses = derive(responses_of(wave).responses)
    filter = choice["filter"] or None
    table = crosstab(responses, choice["rows"], choice["columns"], filter=filter)
    return crosstab_layout(table, responses.instrument, statistics=choice["statistics"], filter=filter, title=title)


class Grid(HTMLParser):
    """The crosstab's rows: the texts of their cells (row header first), the visually hidden
    words included; and its header cells with their scope and span."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.heads: list[tuple[str, str, str]] = []
        self.caption = ""
        self._in = self._cell = self._caption = None
        self._attrs: dict = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == "crosstab":
            self._in = True
        elif self._in and tag == "caption":
            self._caption = ""
        elif self._in and tag == "tr":
            self.rows.append([])
        elif self._in and tag in ("th", "td"):
            self._cell, self._attrs = "", attrs

    def handle_endtag(self, tag):
        if tag == "table":
            self._in = None
        elif tag == "caption" and self._caption is not None:
            self.caption, self._caption = self._caption, None
        elif tag in ("th", "td") and self._cell is not None:
            text = " ".join(self._cell.split())
            self.rows[-1].append(text)
            if tag == "th":
                self.heads.append((text, self._attrs.get("scope", ""), self._attrs.get("colspan", "1")))
            self._cell = None

    def handle_data(self, data):
        if self._caption is not None:
            self._caption += data
        if self._cell is not None:
            self._cell += data


def grid(response) -> Grid:
    parser = Grid()
    parser.feed(response.content.decode())
    return parser


def shown(cell) -> str:
    """A layout's cell as the page shows it (what is said to screen readers too)."""
    if cell.text == "suppressed":
        return f"suppressed ({cell.note})"
    return cell.text + ("* (low base)" if cell.note == "low base" else "")


def test_a_viewer_sees_the_crosstab_of_the_responses_without_javascript(client, wave, viewer):
    client.force_login(viewer)
    response = page(client, wave)
    assert response.status_code == 200
    found = grid(response)
    layout = expected_layout(wave)
    # the headings: Total, each banner over its groups, the groups with their letters
    assert ("Sector", "colgroup", "3") in found.heads and ("Public or other sectors", "colgroup", "2") in found.heads
    assert ("Total", "col", "1") in found.heads and ("Third sector (C)", "col", "1") in found.heads
    assert found.caption == "2 rows by Sector and Public or other sectors"
    body = [r for r in found.rows[2:] if len(r) > 1]
    wanted = [[row.label, *(shown(c) for c in row.cells)] for row in layout.rows if row.kind != "question"]
    for got, want in zip(body, wanted):  # interval and letters rows name their answer to screen readers
        assert got[0].endswith(want[0]) and got[1:] == want[1:], (got, want)
    assert len(body) == len(wanted)
    headings = [r[0] for r in found.rows[2:] if len(r) == 1]
    assert headings == ["Worked in collaboration on an example", "Importance of collaboration to delivering services"]
    # the numbers themselves: two in three worked on an example; the third sector (5) is suppressed
    yes = next(r for r in body if r[0] == "1 Yes")
    assert yes[1] == "67%" and yes[4] == "suppressed (base under 10)"
    assert yes[5] == "67%" and body[-1][1] == "60"  # the derived variable's Public sector; the base
    html = response.content.decode()
    assert ("Other <sectors> & co (B)", "col", "1") in found.heads and "Other &lt;sectors&gt; &amp; co" in html and "<sectors>" not in html
    assert "Download this table" in html
    assert "Save this table" not in response.content.decode()  # viewers do not save


def test_a_filter_is_a_domain_and_the_download_is_the_command_lines_workbook(client, wave, viewer):
    client.force_login(viewer)
    choice = {**CHOICE, "filter": "q16_sector in (1, 2)", "statistics": ["estimate", "letters"]}
    found = grid(page(client, wave, choice))
    layout = expected_layout(wave, choice)
    assert [r[1:] for r in found.rows[2:] if len(r) > 1] == [[shown(c) for c in row.cells] for row in layout.rows if row.kind != "question"]
    assert found.caption.endswith("respondents for whom q16_sector in (1, 2)")
    download = page(client, wave, choice, "table_download")
    assert download.status_code == 200 and download["Content-Disposition"] == 'attachment; filename="tables-2026-table.xlsx"'
    book, wanted = openpyxl.load_workbook(BytesIO(download.content)), openpyxl.load_workbook(BytesIO(write_crosstab_xlsx(layout)))
    assert list(book.active.values) == list(wanted.active.values)
    assert any(row[0] == "Respondents for whom q16_sector in (1, 2) (a domain of the full design)" for row in book.active.values)


@pytest.mark.parametrize(
    ("choice", "field", "words"),
    [
        ({"filter": "secter == 1"}, "Filter", ["unknown question 'secter'", "did you mean 'q16_sector'", "expected a condition"]),
        ({"filter": "q16_sector =="}, "Filter", ["condition ends too soon", "expected a condition on this wave's answers such as"]),
        ({"filter": "q16_sector == 9"}, "Filter", ["'q16_sector' has no code 9"]),
        ({"rows": ["q99"]}, "Down the side", ["q99 is not a question, grid row, index or derived variable of this wave"]),
        ({"columns": ["q3_stakeholders"]}, "Across the top (banners)", ["q3_stakeholders is not a single-choice question or derived"]),
        ({"rows": []}, "Down the side", ["Choose at least one"]),
        ({"statistics": ["estimate", "p-value"]}, "Show for each answer", ["p-value is not one of estimate, interval and letters"]),
    ],
    ids=["unknown-name", "unparsable", "no-such-code", "unknown-row", "multiple-as-banner", "no-rows", "unknown-statistic"],
)
def test_a_bad_choice_is_the_forms_error(client, wave, viewer, choice, field, words):
    client.force_login(viewer)
    for what in ("tables", "table_download"):
        response = page(client, wave, {**CHOICE, **choice}, what)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/html"), what
        html = " ".join(response.content.decode().replace("&#x27;", "'").split())
        assert "There is a problem" in html and f"{field}: " in html and "<title>Error: Tables" in html
        for word in words:
            assert word in html, (word, html[html.find("There is a problem") :][:600])
        assert 'id="crosstab"' not in html


def test_a_link_naming_no_statistics_shows_the_default_ones_and_the_form_asking_none_is_told(client, wave, viewer):
    """A link typed or made by hand (no ``statistics``) shows the defaults, as the empty form
    ticks them; the form itself (which sends ``asked``) with every box unticked is an error."""
    client.force_login(viewer)
    linked = {k: v for k, v in CHOICE.items() if k != "statistics"}
    html = page(client, wave, linked).content.decode()
    assert 'id="crosstab"' in html and "There is a problem" not in html
    assert html.count('name="statistics"') == html.count('name="statistics" value') == 3
    assert all(f'value="{s}" id="id_statistics_{i}" checked' in html for i, s in enumerate(("estimate", "interval", "letters")))
    asked = page(client, wave, {**linked, "asked": "1"}).content.decode()
    assert "Choose at least one of estimate, interval and letters" in asked and 'id="crosstab"' not in asked


def test_the_script_asks_for_the_changing_parts_only(client, wave, viewer):
    client.force_login(viewer)
    partial = page(client, wave, {**CHOICE, "partial": "1"}).content.decode()
    assert "<html" not in partial and 'id="crosstab"' in partial and 'id="table-result"' in partial
    assert partial.count("data-swap") == 2 + 4  # the errors, the result, each control's error message
    assert 'src="/static/workspace/tables.js"' in page(client, wave).content.decode()


def test_only_analysts_save_put_in_the_report_and_delete_with_an_audit_entry(client, wave, viewer, analyst):
    client.force_login(viewer)
    assert client.post(reverse("workspace:save_table", args=[wave.pk]), {**CHOICE, "name": "Mine"}).status_code == 403
    client.force_login(analyst)
    saved = client.post(reverse("workspace:save_table", args=[wave.pk]), {**CHOICE, "name": "  By sector ", "in_report": "on"})
    assert saved.status_code == 302 and saved["Location"].endswith("#saved-tables")
    table = SavedTable.objects.get(wave=wave)
    assert (table.name, table.rows, table.columns, table.in_report) == ("By sector", CHOICE["rows"], CHOICE["columns"], True)
    assert table.created_by == analyst
    again = client.post(reverse("workspace:save_table", args=[wave.pk]), {**CHOICE, "name": "By sector"})
    assert again.status_code == 200 and "has a saved table called ‘By sector’ already" in again.content.decode()
    assert SavedTable.objects.count() == 1
    listed = client.get(reverse("workspace:tables", args=[wave.pk])).content.decode()
    assert "By sector" in listed and reverse("workspace:saved_table_download", args=[wave.pk, table.pk]) in listed
    on_the_waves_page = client.get(reverse("workspace:wave", args=[wave.pk])).content.decode()
    assert reverse("workspace:saved_table_download", args=[wave.pk, table.pk]) in on_the_waves_page

    client.force_login(viewer)  # viewers download a saved table, titled by its name
    book = openpyxl.load_workbook(BytesIO(client.get(reverse("workspace:saved_table_download", args=[wave.pk, table.pk])).content))
    wanted = openpyxl.load_workbook(BytesIO(write_crosstab_xlsx(expected_layout(wave, title="By sector"))))
    assert list(book.active.values) == list(wanted.active.values)
    for name in ("table_in_report", "delete_table"):
        assert client.post(reverse(f"workspace:{name}", args=[wave.pk, table.pk]), {"in_report": "0"}).status_code == 403

    client.force_login(analyst)
    assert client.post(reverse("workspace:table_in_report", args=[wave.pk, table.pk]), {"in_report": "0"}).status_code == 302
    assert not SavedTable.objects.get(pk=table.pk).in_report
    assert client.post(reverse("workspace:delete_table", args=[wave.pk, table.pk])).status_code == 302
    assert not SavedTable.objects.exists()
    audit = list(AuditEntry.objects.filter(wave=wave, action=AuditEntry.TABLES).order_by("pk").values_list("user__username", "detail"))
    assert audit == [
        ("analyst-b", "table ‘By sector’ saved: q1_example, q7_importance by q16_sector, public_or_not; in the report"),
        ("analyst-b", "table ‘By sector’ taken out of the report"),
        ("analyst-b", "table ‘By sector’ deleted"),
    ]


def test_another_organisations_wave_is_not_found(client, wave, analyst_a):
    client.force_login(analyst_a)
    table = SavedTable.objects.create(wave=wave, name="B's", rows=["q1_example"], statistics=["estimate"])
    for name, args in (("tables", []), ("table_download", []), ("saved_table_download", [table.pk])):
        assert client.get(reverse(f"workspace:{name}", args=[wave.pk, *args]), CHOICE).status_code == 404, name
    for name, args in (("save_table", []), ("table_in_report", [table.pk]), ("delete_table", [table.pk])):
        assert client.post(reverse(f"workspace:{name}", args=[wave.pk, *args]), {**CHOICE, "name": "x"}).status_code == 404, name
    assert SavedTable.objects.count() == 1 and not AuditEntry.objects.filter(action=AuditEntry.TABLES).exists()


def test_a_table_saved_for_the_report_is_its_section_tables(client, wave, analyst, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    client.force_login(analyst)
    client.post(reverse("workspace:save_table", args=[wave.pk]), {**CHOICE, "name": "Examples by sector", "in_report": "on"})
    client.post(reverse("workspace:save_table", args=[wave.pk]), {**CHOICE, "name": "Not in the report"})
    assert [layout.title for layout in tables.saved_tables_for_report(wave)] == ["Examples by sector"]
    results = client.get(reverse("workspace:results", args=[wave.pk]))
    assert "Saved table ‘Examples by sector’ (Excel workbook)" in results.content.decode()
    report = b"".join(client.get(reverse("workspace:results_report", args=[wave.pk])).streaming_content).decode()
    section = report[report.index('<section id="sec-tables"') :]
    section = section[: section.index("</section>")]
    assert '<h2 id="h-tables">Tables</h2>' in section and "Examples by sector" in section and "Not in the report" not in section
    assert "Sector: Third sector" in section and "suppressed" in section and "under 10" in section  # its base, as the report says one
    table = SavedTable.objects.get(name="Examples by sector")  # taken out: the report is built afresh, without it
    client.post(reverse("workspace:table_in_report", args=[wave.pk, table.pk]), {"in_report": "0"})
    report = b"".join(client.get(reverse("workspace:results_report", args=[wave.pk])).streaming_content).decode()
    assert 'id="sec-tables"' not in report


def test_no_responses_yet(client, make_wave, org_b, viewer):
    wave = make_wave("empty-2026", organisation=org_b)
    client.force_login(viewer)
    response = page(client, wave)
    assert response.status_code == 200 and "Nobody has completed the survey yet" in response.content.decode()
    assert page(client, wave, what="table_download")["Content-Type"].startswith("text/html")
    assert load_instrument("readiness-2018").id == wave.instrument.id
