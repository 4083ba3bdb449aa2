"""Importing a response file into a wave: read and validated by the core exactly as
`collabstate validate` reads it (the same problems, by file, row and column), nothing imported
unless the whole file is valid, and imported rows stored exactly as the respondents' pages
store answers (so a wave's export, imported into another wave, reads back the same)."""

from __future__ import annotations

import html

import polars as pl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from typer.testing import CliRunner

from collabstate.cli import app
from collabstate.dataset import FORMATS, write_responses
from collabstate.web.surveys.actions import responses_of
from collabstate.web.surveys.models import Answer, Response
from collabstate.web.workspace.importing import import_responses
from collabstate.web.workspace.models import AuditEntry, Membership

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


def upload(client, wave, name: str, content: bytes):
    return client.post(reverse("workspace:import", args=[wave.pk]), {"file": SimpleUploadedFile(name, content)}, follow=True)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_waves_export_imported_into_another_wave_reads_back_the_same(client, start, pulse, analyst, tmp_path, fmt):
    web = pulse("web")
    answer_on_the_web(client, web, start)
    exported = responses_of(web)
    assert exported.ok and exported.responses.n == 3
    path = write_responses(exported.responses, tmp_path / f"pulse.{fmt}")

    target = pulse("imported")
    client.force_login(analyst)
    page = upload(client, target, path.name, path.read_bytes())
    assert f"3 responses imported from pulse.{fmt}." in page.content.decode()
    assert stored(target) == stored(web)  # the same rows and texts as the pages wrote
    assert ("why_not", "More time\nand money, ‘please’") in sum(stored(target), [])
    assert ("partners", "12") in sum(stored(target), []) and ("budget", "2.5") in sum(stored(target), [])
    back = responses_of(target)
    assert back.ok
    key = [c for c in back.responses.data.columns if c != "respondent_id"]
    assert back.responses.data.drop("respondent_id").sort(key, nulls_last=True).equals(
        exported.responses.data.drop("respondent_id").sort(key, nulls_last=True)
    )
    imported = Response.objects.filter(wave=target)
    assert imported.count() == 3 and all(r.imported and r.completed and r.completed_on is None for r in imported)
    assert not set(back.responses.data["respondent_id"]) & set(exported.responses.data["respondent_id"])  # new ids
    [entry] = AuditEntry.objects.filter(wave=target)
    assert (entry.action, entry.user, entry.detail) == ("import", analyst, f"pulse.{fmt}: 3 responses imported")


def test_every_problem_is_listed_as_the_command_line_lists_it_and_nothing_is_imported(client, pulse, analyst, tmp_path):
    wave = pulse("bad")
    text = "works,why_not,partners,budget,support/money,colour\n1,,3,40,1,red\n7,,2,10,0,blue\n1,Too slow,-1,101,,green\n"
    client.force_login(analyst)
    page = html.unescape(upload(client, wave, "answers.csv", text.encode()).content.decode())
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
    assert lines[0].startswith("answers.csv, column colour: unknown column, left out of the responses; expected a column of instrument pulse")
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


def test_an_unreadable_file_is_named_and_nothing_is_imported(client, pulse, analyst):
    wave = pulse("unreadable")
    client.force_login(analyst)
    page = html.unescape(upload(client, wave, "answers.json", b'{"works": 1}').content.decode())
    assert "The file cannot be read: nothing was imported" in page
    assert "answers.json: cannot read a '.json' file; give CSV (.csv, .tsv, .txt), XLSX, SPSS (.sav) or Parquet" in page
    page = html.unescape(upload(client, wave, "utf16.csv", "works\n1\n".encode("utf-16")).content.decode())
    assert "utf16.csv: the file is UTF-16 text; save it as UTF-8" in page
    page = html.unescape(client.post(reverse("workspace:import", args=[wave.pk]), {}).content.decode())
    assert "File: Choose a file to upload" in page
    assert not Response.objects.exists()
