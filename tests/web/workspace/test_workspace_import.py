"""Importing a response file into a wave: read and validated by the core exactly as
`collabstate validate` reads it (the same problems, by file, row and column), nothing imported
unless the whole file is valid, and imported rows stored exactly as the respondents' pages
store answers (so a wave's export, imported into another wave, reads back the same)."""

from __future__ import annotations

import functools
import html
import operator
import re
import uuid
from pathlib import Path

import polars as pl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from typer.testing import CliRunner

from collabstate.cli import app
from collabstate.dataset import FORMATS, Responses, read_responses, write_responses
from collabstate.web.surveys.actions import responses_of
from collabstate.web.surveys.models import Answer, Response
from collabstate.web.workspace import export_jobs
from collabstate.web.workspace.importing import import_responses
from collabstate.web.workspace.models import AuditEntry, ExportJob, Membership, WaveJob

PULSE = """\
id: pulse
title: Partnership pulse
questions:
  - id: works
    type: single
    text: Is the partnership working?
    choices:
      - {code: 1, label: Yes}
      - {code: 2, label: No}
  - id: why_not
    type: text
    text: What would help?
    relevant: works == 2
  - id: partners
    type: number
    text: How many partners are there?
    integer: true
    minimum: 0
  - id: budget
    type: number
    text: What share of the budget is pooled (%)?
    minimum: 0
    maximum: 100
  - id: support
    type: multiple
    text: What support do partners give?
    options:
      - {code: money, label: Money}
      - {code: staff, label: Staff}
      - {code: none, label: None of these, exclusive: true}
"""

#: Three respondents' pages (question -> the form's value); blank: not answered.
ANSWERS = [
    {"works": "2", "why_not": "More time\nand money, ‘please’", "partners": "12", "budget": "2.5", "support": ["money", "staff"]},
    {"works": "1", "partners": "3", "budget": "40", "support": ["none"]},
    {"works": "1", "partners": "", "budget": "", "support": []},
]


@pytest.fixture
def analyst(member, org_b):
    return member(org_b, Membership.ANALYST, "importer")


@pytest.fixture
def pulse(make_wave, org_b):
    def make(slug: str):
        return make_wave(slug, instrument="", instrument_yaml=PULSE, organisation=org_b, title=f"Pulse {slug}")

    return make


def answer_on_the_web(client, wave, start) -> None:
    for answers in ANSWERS:
        token = start(wave)
        for question, value in answers.items():
            if question == "why_not" or value not in ("", []):
                assert client.post(f"/r/{token}/q/{question}/", {question: value}).status_code == 302
            else:
                client.post(f"/r/{token}/q/{question}/", {})
        assert client.post(f"/r/{token}/check/").status_code == 302


def stored(wave) -> list[list[tuple[str, str]]]:
    """Every completed response's answers as stored (column, text), in a stable order."""
    rows = []
    for response in Response.objects.filter(wave=wave, completed=True):
        rows.append(sorted(Answer.objects.filter(response=response).values_list("column", "value")))
    return sorted(rows)


@pytest.fixture
def upload(client, work_off):
    """Upload a file as a browser would: the request saves it, queues its import and sends the
    browser to the import's page, having imported nothing; then the queue's worker runs the import;
    the import's page as the analyst then sees it."""

    def send(wave, name: str, content: bytes):
        before = Response.objects.filter(wave=wave).count()
        asked = client.post(reverse("workspace:import", args=[wave.pk]), {"file": SimpleUploadedFile(name, content)})
        assert asked.status_code == 302, asked.content.decode()[:3000]
        job = WaveJob.objects.get(pk=int(asked["Location"].rstrip("/").split("/")[-1]))
        assert asked["Location"] == reverse("workspace:job", args=[wave.pk, job.pk])
        assert (job.status, job.kind, job.name) == (WaveJob.QUEUED, WaveJob.IMPORT, name)
        assert Response.objects.filter(wave=wave).count() == before  # the request did not do the work
        assert "Waiting to start" in client.get(asked["Location"]).content.decode()
        [task] = [t for t in work_off() if t.pk == uuid.UUID(job.task_id)]
        assert task.status == "SUCCESSFUL" and task.task_path == "collabstate.web.workspace.wave_jobs.run_wave_job"
        page = client.get(asked["Location"])
        assert page.status_code == 200
        return page

    return send


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_waves_export_imported_into_another_wave_reads_back_the_same(client, start, pulse, analyst, tmp_path, fmt, upload):
    web = pulse("web")
    answer_on_the_web(client, web, start)
    exported = responses_of(web)
    assert exported.ok and exported.responses.n == 3
    path = write_responses(exported.responses, tmp_path / f"pulse.{fmt}")

    target = pulse("imported")
    client.force_login(analyst)
    page = upload(target, path.name, path.read_bytes())
    assert f"3 responses imported from pulse.{fmt}." in page.content.decode()
    assert stored(target) == stored(web)  # the same rows and texts as the pages wrote
    assert ("why_not", "More time\nand money, ‘please’") in functools.reduce(operator.iadd, stored(target), [])
    assert ("partners", "12") in functools.reduce(operator.iadd, stored(target), []) and ("budget", "2.5") in functools.reduce(
        operator.iadd, stored(target), []
    )
    back = responses_of(target)
    assert back.ok
    key = [c for c in back.responses.data.columns if c != "respondent_id"]
    assert (
        back.responses.data.drop("respondent_id")
        .sort(key, nulls_last=True)
        .equals(exported.responses.data.drop("respondent_id").sort(key, nulls_last=True))
    )
    imported = Response.objects.filter(wave=target)
    assert imported.count() == 3 and all(r.imported and r.completed and r.completed_on is None for r in imported)
    assert not set(back.responses.data["respondent_id"]) & set(exported.responses.data["respondent_id"])  # new ids
    [entry] = AuditEntry.objects.filter(wave=target)
    assert (entry.action, entry.user, entry.detail) == ("import", analyst, f"pulse.{fmt}: 3 responses imported")


def test_every_problem_is_listed_as_the_command_line_lists_it_and_nothing_is_imported(client, pulse, analyst, tmp_path, upload):
    wave = pulse("bad")
    text = "works,why_not,partners,budget,support/money,colour\n1,,3,40,1,red\n7,,2,10,0,blue\n1,Too slow,-1,101,,green\n"
    client.force_login(analyst)
    page = html.unescape(upload(wave, "answers.csv", text.encode()).content.decode())
    assert "There is a problem: nothing was imported" in page
    assert not Response.objects.filter(wave=wave).exists() and not AuditEntry.objects.exists()

    (tmp_path / "pulse.yaml").write_text(PULSE)
    (tmp_path / "answers.csv").write_text(text)
    cli = CliRunner().invoke(app, ["validate", str(tmp_path / "answers.csv"), "--instrument", str(tmp_path / "pulse.yaml"), "--strict"])
    assert cli.exit_code == 1
    lines = [line for line in cli.output.splitlines() if line.startswith("answers.csv,")]
    assert len(lines) == 5, cli.output
    for line in lines:
        assert f"<li>{line}</li>" in page
    assert lines[0].startswith(
        "answers.csv, column colour: unknown column, left out of the responses; expected a column of instrument pulse"
    )
    assert any(line.startswith("answers.csv, row 3, column works: '7' is not valid; expected a code of") for line in lines)
    assert any(line.startswith("answers.csv, row 4, column why_not: 'Too slow'") for line in lines)  # skip logic
    assert "answers.csv: 3 rows read, 2 with problems; 5 problems." in page


def test_a_file_with_weights_is_refused_naming_the_column(pulse, tmp_path):
    wave = pulse("weights")
    report = import_responses(wave, pl.DataFrame({"works": ["1"], "weight": ["1.5"]}), name="weighted.csv")
    assert not report.ok and report.imported == 0
    [problem] = report.problems
    assert str(problem).startswith("weighted.csv, column weight: is not valid; expected a file without this column")
    assert not Response.objects.exists()


def test_an_unreadable_file_is_named_and_nothing_is_imported(client, pulse, analyst, upload):
    wave = pulse("unreadable")
    client.force_login(analyst)
    page = html.unescape(upload(wave, "answers.json", b'{"works": 1}').content.decode())
    assert "The file cannot be read: nothing was imported" in page
    assert "answers.json: cannot read a '.json' file; give CSV (.csv, .tsv, .txt), XLSX, SPSS (.sav) or Parquet" in page
    page = html.unescape(upload(wave, "utf16.csv", "works\n1\n".encode("utf-16")).content.decode())
    assert "utf16.csv: the file is UTF-16 text; save it as UTF-8" in page
    page = html.unescape(client.post(reverse("workspace:import", args=[wave.pk]), {}).content.decode())
    assert "File: Choose a file to upload" in page
    assert not Response.objects.exists()


def workspace_export(client, wave, fmt: str, capture, folder) -> Path:
    """The wave's completed responses as the workspace exports them (its runner run here), downloaded."""
    with capture(execute=True):
        asked = client.post(reverse("workspace:exports", args=[wave.pk]), {"format": fmt})
    job = ExportJob.objects.get(pk=int(asked["Location"].rstrip("/").split("/")[-1]))
    assert export_jobs.run_job(job.pk).status == ExportJob.DONE
    download = client.get(reverse("workspace:export_download", args=[wave.pk, job.pk]))
    path = folder / f"{wave.slug}-responses.{fmt}"
    path.write_bytes(b"".join(download.streaming_content))
    return path


def with_wave(path: Path, wave, value: str, target: Path) -> Path:
    """The file with a ``wave`` column holding ``value`` in every row, written by collabstate's own
    writer in the same format (as ``collabstate convert`` writes a file that has one)."""
    data = read_responses(path, wave.instrument).responses.data
    return write_responses(Responses(wave.instrument, data.with_columns(pl.lit(value).alias("wave"))), target)


def answers_of(wave) -> pl.DataFrame:
    """The wave's responses as the core reads them, without their respondent ids, in a stable order."""
    read = responses_of(wave)
    assert read.ok
    data = read.responses.data.drop("respondent_id")
    return data.sort(data.columns, nulls_last=True)


@pytest.mark.usefixtures("launched")
@pytest.mark.parametrize("fmt", [fmt for fmt, _ in ExportJob.RESPONSE_FORMATS])
def test_import_accepts_collabstate_export_with_matching_wave_column(client, start, pulse, analyst, tmp_path, fmt, upload,
                                                                     django_capture_on_commit_callbacks):  # fmt: skip
    web = pulse("pulse-2025")
    answer_on_the_web(client, web, start)
    answered = stored(web)
    client.force_login(analyst)
    exported = workspace_export(client, web, fmt, django_capture_on_commit_callbacks, tmp_path)
    assert "wave" not in read_responses(exported, web.instrument).responses.data.columns  # the exporter writes none

    # the export as it is, into another wave
    copy = pulse("pulse-copy")
    assert "3 responses imported from pulse-2025-responses." in upload(copy, exported.name, exported.read_bytes()).content.decode()
    assert stored(copy) == answered and answers_of(copy).equals(answers_of(web))

    # with a wave column naming the wave it is imported into: another wave ...
    target = pulse("pulse-2026")
    stamped = with_wave(exported, web, "pulse-2026", tmp_path / f"stamped.{fmt}")
    assert read_responses(stamped, web.instrument).responses.data["wave"].to_list() == ["pulse-2026"] * 3
    page = upload(target, stamped.name, stamped.read_bytes()).content.decode()
    assert f"3 responses imported from stamped.{fmt}." in page
    assert stored(target) == answered and answers_of(target).equals(answers_of(web))  # nothing lost or changed
    assert not Answer.objects.filter(response__wave=target, column="wave").exists()  # the column is checked, not stored

    # ... and the same wave, named by its title as a person might write it
    again = with_wave(exported, web, "  PULSE pulse-2025 ", tmp_path / f"again.{fmt}")
    assert f"3 responses imported from again.{fmt}." in upload(web, again.name, again.read_bytes()).content.decode()
    assert stored(web) == sorted(answered * 2)
    assert [entry.detail for entry in AuditEntry.objects.filter(action=AuditEntry.IMPORT).order_by("pk")] == [
        f"pulse-2025-responses.{fmt}: 3 responses imported", f"stamped.{fmt}: 3 responses imported", f"again.{fmt}: 3 responses imported"]  # fmt: skip


def test_import_refuses_wave_column_naming_another_wave(client, pulse, analyst, upload):
    wave = pulse("pulse-2026")
    expected = "expected pulse-2026 ('Pulse pulse-2026'), the wave these responses are being imported into: a wave column must name it in every row"
    text = (
        "Wave,works,partners\npulse-2026,1,3\npulse-2025,1,4\n PULSE PULSE-2026 ,2,5\npulse-2025,7,\n2026,1,1\n"
        "Pulse pulse-2026 (pulse-2026),1,2\n"
    )  # slug, title and both as the report labels a wave are all this wave
    client.force_login(analyst)
    page = html.unescape(upload(wave, "answers.csv", text.encode()).content.decode())
    assert "There is a problem: nothing was imported" in page
    assert "answers.csv: 6 rows read, 3 with problems; 4 problems." in page
    listed = re.findall(r"<li>(answers\.csv, row .*?)</li>", page)
    assert listed == [
        f"answers.csv, row 3, column Wave: 'pulse-2025' is not valid; {expected}",
        f"answers.csv, row 5, column Wave: 'pulse-2025' is not valid; {expected}",
        "answers.csv, row 5, column works: '7' is not valid; expected a code of Is the partnership working?: 1 Yes, 2 No",
        f"answers.csv, row 6, column Wave: '2026' is not valid; {expected}",  # a year is not the wave's name
    ]
    assert not Response.objects.exists() and not AuditEntry.objects.exists()

    report = import_responses(wave, pl.DataFrame({"wave": ["pulse-2025", "pulse-2026"], "works": ["1", "2"]}), name="frame.parquet")
    assert (report.ok, report.imported, report.n_problems, report.n_rejected) == (False, 0, 1, 1)
    assert [(p.file, p.row, p.column, p.value) for p in report.problems] == [("frame.parquet", 1, "wave", "pulse-2025")]
    assert not Response.objects.exists()


def test_answers_the_questionnaire_cannot_hold_are_refused_at_import(client, pulse, analyst, upload):
    """Issue 14, item 1: the importer refuses, as the form and the readers do, a number beyond what
    a question holds (never stored, to become infinity in every later export), a short row, and
    a text no format can store."""
    wave = pulse("huge")
    text = f"works,partners,budget,why_not\n1,{'9' * 401},40,\n2,3,1e400,fine\n2,3\n2,4,5,nul \x00\n"
    client.force_login(analyst)
    page = html.unescape(upload(wave, "answers.csv", text.encode()).content.decode())
    assert "There is a problem: nothing was imported" in page
    assert (
        f"<li>answers.csv, row 2, column partners: '{'9' * 59}…' is out of range; expected a whole number from 0 to 9,007,199,254,740,991 for "
        in page
    )
    assert "<li>answers.csv, row 3, column budget: '1e400' is out of range; expected a number from 0 to 100 for " in page
    assert "<li>answers.csv, row 4, column budget: the row ends before this column; expected 4 cells in the row" in page
    # (the NUL written as the escape \x00 on the import's page: no database keeps it in text, PostgreSQL refuses it)
    assert "<li>answers.csv, row 5, column why_not: 'nul \\x00' holds a character that cannot be stored;" in page
    assert not Response.objects.filter(wave=wave).exists()
