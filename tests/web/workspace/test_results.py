"""Live results and report downloads: the report of ``collabstate report``, built by the same code
on a wave's completed responses (respondents driven through the real respondents' pages), shown in
the workspace with a breakdown and an earlier wave of the same organisation to compare with;
small bases suppressed as the report suppresses them; the downloads equal the command line's
report of the wave's exported data (the PDF's made by a job in the background, its runner run
here in-process); a built report is read from disk the second time."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from io import BytesIO

import openpyxl
import polars as pl
import pytest
from django.urls import reverse
from django.utils import timezone
from typer.testing import CliRunner
from workspace_helpers import complete, respond, tokens_in_outbox

from collabstate.cli import app
from collabstate.dataset import write_responses
from collabstate.web.surveys.actions import responses_of
from collabstate.web.surveys.invitations import add_invitees
from collabstate.web.surveys.models import Respondent
from collabstate.web.workspace import actions, results
from collabstate.web.workspace.dashboard import progress
from collabstate.web.workspace.importing import import_responses
from collabstate.web.workspace.models import ExportJob, Membership


@pytest.fixture(autouse=True)
def _reports_in_tmp(settings, tmp_path):
    """Built reports go under the test's own VAR_DIR."""
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def builds(monkeypatch):
    """Every call of the report's builder from the workspace, counted (it still builds)."""
    calls: list[dict] = []
    real = results.build_report

    def counting(responses, out_dir, **options):
        calls.append({"n": responses.responses.n, "label": responses.label, **options})
        return real(responses, out_dir, **options)

    monkeypatch.setattr(results, "build_report", counting)
    return calls


@pytest.fixture
def analyst(member, org_b):
    return member(org_b, Membership.ANALYST, "analyst-b")


@pytest.fixture
def wave40(make_wave, org_b, client, start):
    """A wave of organisation B with 40 completed responses (and one started, not completed)."""
    wave = make_wave("readiness-2026", organisation=org_b, title="Readiness 2026")
    respond(client, start, wave)
    start(wave)
    return wave


class Cells(HTMLParser):
    """The report's tables: caption -> header row and body rows (cell texts)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption = self._row = self._cell = None
        self._rows: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._rows = []
        elif tag == "caption":
            self._caption = ""
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "caption":
            self.tables[self._caption.strip()] = self._rows
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join(self._cell.split()))
            self._cell = None
        elif tag == "tr":
            self._rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._caption is not None and self._row is None and self._cell is None and not self._rows:
            self._caption += data
        if self._cell is not None:
            self._cell += data


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = Cells()
    parser.feed(html)
    return parser.tables


def frame_of(client, page) -> str:
    """The report shown in the results page's frame."""
    src = re.search(r'<iframe class="report-frame" src="([^"]+)"', page.content.decode())[1].replace("&amp;", "&")
    report = client.get(src)
    assert report.status_code == 200 and report["Content-Type"].startswith("text/html")
    return b"".join(report.streaming_content).decode()


IMPORTANCE = "Importance of collaboration to delivering services, by sector: share of valid answers"


def results_page(client, wave, **query):
    return client.get(reverse("workspace:results", args=[wave.pk]), query)


def column(table: list[list[str]], header: str) -> list[str]:
    """A column's body cells (the header row first in the table, the base row last)."""
    at = table[0].index(header)
    return [row[at] for row in table[1:-1]]


def selected(html: str, name: str) -> str:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)[0]
    return re.search(r'<option value="([^"]*)" selected>', select)[1]


def boxes(html: str, name: str = "previous", *, checked: bool = False) -> list[str]:
    """The values of a group of checkboxes (only the ticked ones with ``checked``)."""
    tags = re.findall(rf'<input type="checkbox" name="{name}"[^>]*>', html)
    return [re.search(r'value="([^"]*)"', t)[1] for t in tags if not checked or " checked" in t]


def test_the_live_page_shows_the_report_of_the_completed_responses(client, wave40, analyst):
    client.force_login(analyst)
    page = results_page(client, wave40)
    html = page.content.decode()
    assert page.status_code == 200
    assert "The report of the 40 completed responses so far" in html  # the one who did not complete is not in it
    assert (
        f'<iframe class="report-frame" src="/workspace/waves/{wave40.pk}/results/report/?by=q16_sector" title="Report: Readiness 2026'
        in html
    )
    assert selected(html, "by") == "q16_sector"  # the command line's default breakdown
    assert boxes(html, checked=True) == []

    frame = client.get(reverse("workspace:results_report", args=[wave40.pk]), {"by": "q16_sector"})
    assert frame["X-Frame-Options"] == "SAMEORIGIN" and "default-src 'none'" in frame["Content-Security-Policy"]
    report = frame_of(client, page)
    assert report.count('class="vis" role="img"') == report.count('<script type="application/json" id="spec-') == 4  # charts
    assert "<h1>Readiness 2026</h1>" in report
    shown = tables(report)
    assert shown[IMPORTANCE][0] == ["Answer", "All", "Public (A)", "Private (B)", "Third sector (C)"]
    assert shown[IMPORTANCE][1][:4] == ["Not important", "12%", "0%*", "0%*"]  # 5 of 40; * marks bases under 30
    assert shown["Sector: share of valid answers"][1:4] == [["Public", "50%"], ["Private", "38%"], ["Third sector", "12%"]]
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", report)  # nothing from elsewhere (the browser test watches requests)


def test_a_breakdown_group_under_10_shows_no_figure_until_it_reaches_10(client, wave40, analyst, start):
    client.force_login(analyst)
    report = frame_of(client, results_page(client, wave40))
    table = tables(report)[IMPORTANCE]
    assert set(column(table, "Third sector (C)")) == {"suppressed"}
    assert table[-1][-1] == "under 10"  # its base, not 5
    assert all(re.fullmatch(r"[\d.]+%?\*", cell) for cell in column(table, "Private (B)"))  # 15: shown, marked low
    assert "Third sector" not in "".join(re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', report, re.S))  # nor in a chart
    # the five third-sector respondents all said 'Not important': 100% if it were shown
    respond(client, start, wave40, {"3": 5})
    table = tables(frame_of(client, results_page(client, wave40)))[IMPORTANCE]
    assert column(table, "Third sector (C)")[0] == "100%*" and table[-1][-1] == "10"  # 100% cannot vary: no letters (issue 12)


def test_breakdown_and_an_earlier_wave_of_the_same_organisation(client, make_wave, wave40, analyst, org_a, builds, start):
    now = timezone.now()
    earlier = make_wave("readiness-2025", organisation=wave40.organisation, title="Readiness 2025")
    respond(client, start, earlier, {"1": 6, "2": 6})
    others = [
        make_wave("alpha-2025", organisation=org_a, title="Alpha 2025"),  # another organisation's
        make_wave("leaders-2025", "leaders", organisation=wave40.organisation, title="Leaders 2025"),
    ]  # another questionnaire
    respond(client, start, others[0], {"1": 12})
    for _ in range(12):
        complete(client, start(others[1]), {"sector": "1"})
    later = make_wave("readiness-2027", organisation=wave40.organisation, title="Readiness 2027")  # opens after
    respond(client, start, later, {"1": 12})
    for wave, days in ((earlier, 400), (others[0], 400), (others[1], 400), (later, -1)):
        type(wave).objects.filter(pk=wave.pk).update(opens_at=now - dt.timedelta(days=days), closes_at=now - dt.timedelta(days=days - 30))
    client.force_login(analyst)

    html = results_page(client, wave40).content.decode()
    assert boxes(html) == [str(earlier.pk)]
    assert re.findall(r'<option value="(\w+)"', re.search(r'<select name="by".*?</select>', html, re.S)[0]) == [
        "q1_example", "q4_n_orgs", "q5_staff_level", "q6_success", "q7_importance", "q9_better", "q10_involvement",
        "q11_incentivise", "q12_tools", "q15_role", "q16_sector", "q19_receive_report", "none"]  # fmt: skip

    page = results_page(client, wave40, by="q6_success", previous=earlier.pk)
    html = page.content.decode()
    assert selected(html, "by") == "q6_success" and boxes(html, checked=True) == [str(earlier.pk)]
    assert "compared with Readiness 2025," in html
    assert f"?by=q6_success&amp;previous={earlier.pk}" in html  # the frame and the downloads
    report = frame_of(client, page)
    shown = tables(report)
    assert "Importance of collaboration to delivering services, by success so far: share of valid answers" in shown
    assert IMPORTANCE not in shown
    assert builds[-1]["by"] == "q6_success" and [w.responses.n for w in builds[-1]["earlier"]] == [12]
    assert [builds[-1]["label"], builds[-1]["earlier"][0].label] == ["Readiness 2026", "Readiness 2025"]
    assert "Readiness 2025 (12 respondents" in report

    assert IMPORTANCE.replace(", by sector", "") in tables(frame_of(client, results_page(client, wave40, by="none")))
    assert builds[-1]["by"] is None

    # only what is offered is accepted: another organisation's wave, another questionnaire, a later wave, itself
    for wrong in [*others, later, wave40]:
        for name in ("results", "results_report"):
            assert client.get(reverse(f"workspace:{name}", args=[wave40.pk]), {"previous": wrong.pk}).status_code == 404
        assert client.get(reverse("workspace:download", args=[wave40.pk, "xlsx"]), {"previous": wrong.pk}).status_code == 404
    assert results_page(client, wave40, by="q13_importance").status_code == 404
    assert "Alpha" not in "".join(str(b) for b in builds)


def sheets(path) -> dict[str, list[tuple]]:
    """A workbook's cell values by sheet, leaving out the line that says when and from what file
    it was generated (a wave, or a file's name)."""
    book = openpyxl.load_workbook(path, read_only=True)
    return {
        name: [row for row in book[name].iter_rows(values_only=True) if not str(row[0]).startswith("Generated by")]
        for name in book.sheetnames
    }


def pdf_lines(path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [" ".join(line.split()) for line in text.splitlines() if line.strip() and "Generated by" not in line]


def test_downloads_equal_the_command_line_report_of_the_exported_data(client, make_wave, wave40, analyst, start, tmp_path, monkeypatch,
                                                                      django_capture_on_commit_callbacks, work_off):  # fmt: skip
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    earlier = make_wave("readiness-2025", organisation=wave40.organisation, title="Readiness 2025")
    respond(client, start, earlier, {"1": 8, "2": 7})
    type(earlier).objects.filter(pk=earlier.pk).update(opens_at=timezone.now() - dt.timedelta(days=400))
    client.force_login(analyst)
    web, names = tmp_path / "web", {}
    web.mkdir()
    query = {"by": "q6_success", "previous": earlier.pk}
    # the PDF: prepared by a job (its task run here by the queue's worker), then downloaded from the job
    assert "Content-Disposition" not in client.get(reverse("workspace:download", args=[wave40.pk, "pdf"]), query)  # the page that asks
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(reverse("workspace:prepare_report", args=[wave40.pk, "pdf"]) + f"?by=q6_success&previous={earlier.pk}")
    job = ExportJob.objects.get()
    assert asked["Location"] == reverse("workspace:export_job", args=[wave40.pk, job.pk]) and list(job.compared.all()) == [earlier]
    assert [task.status for task in work_off()] == ["SUCCESSFUL"]
    assert ExportJob.objects.get().status == ExportJob.DONE
    for what in ("html", "xlsx", "json", "pdf"):
        if what == "pdf":
            response = client.get(reverse("workspace:export_download", args=[wave40.pk, job.pk]))
        else:
            response = client.get(reverse("workspace:download", args=[wave40.pk, what]), query)
        assert response.status_code == 200, what
        names[what] = re.fullmatch(r'attachment; filename="([^"]+)"', response["Content-Disposition"])[1]
        (web / names[what]).write_bytes(b"".join(response.streaming_content))
    stem = "readiness-2026-by-q6_success-vs-readiness-2025"
    assert names == {
        "html": f"{stem}-report.html",
        "xlsx": f"{stem}-report.xlsx",
        "json": f"{stem}-estimates.json",
        "pdf": f"{stem}-report.pdf",
    }

    # the command line, on the two waves' exported data, in files named as the site labels the waves (their titles)
    for wave in (wave40, earlier):
        write_responses(responses_of(wave).responses, tmp_path / f"{wave.title}.csv")
    out = tmp_path / "cli"
    cli = CliRunner().invoke(app, ["report", str(tmp_path / "Readiness 2026.csv"), "--instrument", "readiness-2018", "--by", "q6_success",
                                   "--compare", str(tmp_path / "Readiness 2025.csv"), "--title", "Readiness 2026", "--out", str(out)])  # fmt: skip
    assert cli.exit_code == 0, cli.output

    estimates = json.loads((web / names["json"]).read_text())
    assert len(estimates) > 100 and {row["by"] for row in estimates} >= {"q6_success"}
    assert estimates == json.loads((out / "estimates.json").read_text())
    assert sheets(web / names["xlsx"]) == sheets(out / "tables.xlsx")
    web_tables, cli_tables = tables((web / names["html"]).read_text()), tables((out / "report.html").read_text())
    assert len(web_tables) > 20 and web_tables == cli_tables
    assert "Headline figures in each wave" in web_tables and any("Readiness 2025 and Readiness 2026" in caption for caption in web_tables)
    assert pdf_lines(web / names["pdf"]) == pdf_lines(out / "report.pdf")


def test_default_download_names_and_the_codebook(client, wave40, analyst):
    client.force_login(analyst)
    response = client.get(reverse("workspace:download", args=[wave40.pk, "json"]))
    assert response["Content-Disposition"] == 'attachment; filename="readiness-2026-estimates.json"'
    response = client.get(reverse("workspace:download", args=[wave40.pk, "codebook"]))
    assert response["Content-Disposition"] == 'attachment; filename="readiness-2026-codebook.xlsx"'
    book = openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book["codebook"].iter_rows(values_only=True))
    assert rows[0][:4] == ("column", "question", "type", "kind")
    assert [r[0] for r in rows[1:]] == [c.name for c in wave40.instrument.columns]
    assert client.get(reverse("workspace:download", args=[wave40.pk, "docx"])).status_code == 404


def test_a_wave_nobody_has_completed_says_so(client, make_wave, org_b, analyst, start, builds):
    wave = make_wave("quiet", organisation=org_b, title="Quiet wave")
    complete_not = start(wave)
    client.post(f"/r/{complete_not}/")  # started, not completed
    client.force_login(analyst)
    for url in (reverse("workspace:results", args=[wave.pk]), reverse("workspace:results_report", args=[wave.pk]),
                reverse("workspace:download", args=[wave.pk, "pdf"])):  # fmt: skip
        page = client.get(url)
        assert page.status_code == 200 and "Content-Disposition" not in page
        html = page.content.decode()
        assert "Nobody has completed the survey yet, so there are no results to show." in html
        assert "<iframe" not in html and "Download the report" not in html
    assert builds == []


def test_a_built_report_is_read_from_disk_until_the_responses_change(client, wave40, analyst, viewer_b, start, builds):
    client.force_login(analyst)
    first = results_page(client, wave40)
    frame_of(client, first)
    client.force_login(viewer_b)  # another person, the same report
    second = results_page(client, wave40)
    frame_of(client, second)
    assert len(builds) == 1 and builds[0]["n"] == 40
    folders = [f for f in (results._root() / f"wave-{wave40.pk}").glob("*-p0-*") if f.is_dir()]
    assert len(folders) == 1 and (folders[0] / "report.html").is_file()
    assert "Download the report" not in second.content.decode()  # a viewer sees the results, downloads are for analysts

    client.force_login(analyst)
    for _ in range(2):
        client.get(reverse("workspace:download", args=[wave40.pk, "xlsx"]))  # the page's build has the workbook
    assert len(builds) == 1

    respond(client, start, wave40, {"1": 1})  # one more completes: built afresh, the old one removed
    assert "The report of the 41 completed responses" in results_page(client, wave40).content.decode()
    assert len(builds) == 2 and builds[1]["n"] == 41
    now = [f for f in (results._root() / f"wave-{wave40.pk}").glob("*-p0-*") if f.is_dir()]
    assert len(now) == 1 and now != folders


def test_an_erasure_removes_the_wave_s_built_reports(client, make_wave, org_b, owner_b, builds, django_capture_on_commit_callbacks):
    wave = make_wave("identified", organisation=org_b, title="Named wave", mode="identified", open_link=False)
    add_invitees(wave, "email,sector\n" + "".join(f"p{i}@example.org,Public\n" for i in range(12)))
    actions.send(wave)
    for i, token in enumerate(tokens_in_outbox().values()):
        complete(client, token, {"q1_example": "1", "q7_importance": str(3 + i % 3), "q16_sector": "1"})
    client.force_login(owner_b)
    assert "The report of the 12 completed responses" in results_page(client, wave).content.decode()
    folder = results._root() / f"wave-{wave.pk}"
    assert any(folder.glob("*/report.html"))
    with django_capture_on_commit_callbacks(execute=True):
        actions.erase_respondent(wave, wave.invitees.get(email="p0@example.org"), owner_b)
    assert not folder.exists()
    assert "The report of the 11 completed responses" in results_page(client, wave).content.decode()
    assert len(builds) == 2


def test_results_compare_with_several_earlier_waves_in_the_order_they_opened(client, make_wave, wave40, analyst, start):
    """Issue 12: any set of earlier waves, whatever order they are ticked or were made in, comes
    out in the order the waves opened; every change is this wave minus an earlier one."""
    now = timezone.now()
    later_made = make_wave("readiness-2025", organisation=wave40.organisation, title="Readiness 2025")
    first_made = make_wave("readiness-2024", organisation=wave40.organisation, title="Readiness 2024")
    for wave, days, answers in ((first_made, 800, ["5"] * 30), (later_made, 400, ["5"] * 15 + ["2"] * 15)):
        for importance in answers:  # 2024: all critical; 2025: half; 2026 (wave40): about 58% important or critical
            complete(client, start(wave), {"q1_example": "2", "q7_importance": importance})
        type(wave).objects.filter(pk=wave.pk).update(opens_at=now - dt.timedelta(days=days), closes_at=now - dt.timedelta(days=days - 30))
    client.force_login(analyst)
    page = client.get(reverse("workspace:results", args=[wave40.pk]) + f"?by=none&previous={first_made.pk}&previous={later_made.pk}")
    html = page.content.decode()
    assert page.status_code == 200 and sorted(boxes(html, checked=True)) == sorted([str(first_made.pk), str(later_made.pk)])
    assert "compared with Readiness 2025 and Readiness 2024" in html
    trend = tables(frame_of(client, page))["Headline figures in each wave"]
    assert trend[0][:4] == ["Measure", "Readiness 2024", "Readiness 2025", "Readiness 2026"]
    header = trend[0]
    row = next(r for r in trend if r[0].startswith("Importance of collaboration to delivering services: important or critical"))
    since_first = row[header.index("Change since Readiness 2024")]  # shares and index means together: no "(points)"
    assert row[1].startswith("100%") and row[2].startswith("50%")
    assert row[header.index("Significance since Readiness 2024")] == "significant fall" and since_first.startswith("−")


def methods_line(report: str, start: str) -> str:
    """A line of the report's methods section (its text, tags left out)."""
    return " ".join(re.sub(r"<[^>]+>", "", re.search(rf"<li>({re.escape(start)}.*?)</li>", report, re.S)[1]).split())


@pytest.fixture
def invited_and_imported(client, make_wave, org_b):
    """The reader's wave (issue 12): 5 invited, all 5 completed on the web, 149 responses imported from a file."""
    wave = make_wave("invited-and-imported", organisation=org_b, title="Invited and imported", mode="identified", open_link=False)
    add_invitees(wave, "email,sector\n" + "".join(f"p{i}@example.org,Public\n" for i in range(5)))
    actions.send(wave)
    for token in tokens_in_outbox().values():
        complete(client, token, {"q1_example": "1", "q16_sector": "1"})
    report = import_responses(wave, pl.DataFrame({"q1_example": ["1"] * 149, "q16_sector": ["2"] * 149}), name="paper.csv")
    assert report.imported == 149
    return wave


def test_report_response_rate_counts_invitees_not_imports(client, invited_and_imported, analyst, builds):
    client.force_login(analyst)
    report = frame_of(client, results_page(client, invited_and_imported))
    assert "154 respondents" in methods_line(report, "154 respondents")  # every response is analysed
    assert methods_line(report, "Response rate:") == (
        "Response rate: 5 of 5 invited, 100.0%; plus 149 responses imported from files, analysed but not part of the rate."
    )
    assert "3080.0%" not in report
    assert (builds[0]["invited"], builds[0]["invited_completed"], builds[0]["imported"]) == (5, 5, 149)
    dashboard = progress(invited_and_imported)  # the dashboard's figures are the report's
    assert (dashboard.invited, dashboard.completed_invited, dashboard.imported) == (5, 5, 149)


def test_a_built_report_is_built_afresh_when_the_response_rate_s_figures_change(client, invited_and_imported, analyst, builds):
    client.force_login(analyst)
    frame_of(client, results_page(client, invited_and_imported))
    # the same responses, one fewer of them from an invitee (an invitee's record unlinked in the admin)
    Respondent.objects.filter(pk=Respondent.objects.filter(wave=invited_and_imported).first().pk).update(invitee=None)
    report = frame_of(client, results_page(client, invited_and_imported))
    assert len(builds) == 2 and methods_line(report, "Response rate:").startswith("Response rate: 4 of 5 invited, 80.0%")


def test_the_reports_quotes_lose_the_invitee_lists_names(make_wave, org_b):
    """The live report is built with the wave's invitees' names and organisations (``names=`` of
    build_report), which its quotes then lose (the redaction: tests/analysis/test_redact_quotes.py)."""
    from collabstate.web.workspace import results

    wave = make_wave("names", organisation=org_b)
    add_invitees(wave, "email,name,organisation\nami@example.org,Ami Patel,North Trust\nbo@example.org,,\ncy@example.org,Cy,North Trust\n")
    people, organisations = results._invitee_names(wave)
    assert sorted(people) == ["Ami Patel", "Cy"] and organisations == ["North Trust"]
