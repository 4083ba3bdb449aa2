"""The report's text page (issue 16, item 5): analysts only (a viewer 403, another organisation
404); each save a new version (1, then 2; restoring 1 makes 3 with its text), each in the audit
log; a bad YAML or an unknown section is the form's error, never a 500; the preview's live figure
is the report's estimate, and "rose" over a change that is not significant is a warning shown on
the page; the wave's report built in the workspace uses the newest version."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
import yaml
from django.urls import reverse
from django.utils import timezone

from collabstate.web.workspace import report_spec, results
from collabstate.web.workspace.importing import import_responses
from collabstate.web.workspace.models import AuditEntry, Membership, ReportSpecVersion

N = 60


def _import(wave, trained_yes: int) -> None:
    frame = pl.DataFrame({"respondent_id": [f"{wave.slug}-{i}" for i in range(N)], "sector": [str(1 + i % 3) for i in range(N)],
                          "trained": ["1"] * trained_yes + ["2"] * (N - trained_yes)})  # fmt: skip
    assert import_responses(wave, frame, name="paper.csv").imported == N


@pytest.fixture
def leaders(make_wave, org_b, settings, tmp_path):
    """Two waves of B with the leaders' questionnaire: 2025 (28 of 60 trained) and 2026 (30 of 60: 50%)."""
    settings.VAR_DIR = tmp_path / "var"
    now = timezone.now()
    old = make_wave("leaders-2025", "leaders", organisation=org_b, title="Leaders 2025", opens_at=now - dt.timedelta(days=400),
                    closes_at=now - dt.timedelta(days=300))  # fmt: skip
    new = make_wave("leaders-2026", "leaders", organisation=org_b, title="Leaders 2026")
    _import(old, 28)
    _import(new, 30)
    return new


@pytest.fixture
def analyst(member, org_b):
    return member(org_b, Membership.ANALYST, "analyst-b")


def _page(wave) -> str:
    return reverse("workspace:report_text", args=[wave.pk])


def _fields(**more) -> dict:
    return {"form": "fields", "title": "", "subtitle": "", "organisation": "", "primary": "", "key_messages": "", "quotes": "",
            "note": "", **more}  # fmt: skip


def test_roles_and_other_organisations(client, leaders, member, org_a, org_b):
    client.force_login(member(org_b, Membership.VIEWER, "viewer-b"))
    assert client.get(_page(leaders)).status_code == 403
    assert client.post(_page(leaders), _fields(title="X")).status_code == 403
    client.force_login(member(org_a, Membership.OWNER, "owner-a"))
    assert client.get(_page(leaders)).status_code == 404
    assert client.post(reverse("workspace:restore_report_text", args=[leaders.pk, 1])).status_code == 404
    assert not ReportSpecVersion.objects.exists()


def test_versions_restore_and_audit(client, leaders, analyst):
    client.force_login(analyst)
    page = client.get(_page(leaders))
    assert page.status_code == 200
    # the sections of the report, by title, for commentary; the methods cannot be hidden
    body = page.content.decode()
    assert "Commentary: Skills and support" in body and 'value="methods"' not in body and 'value="skills"' in body
    first = client.post(_page(leaders), _fields(title="Leaders in 2026", note="first go"))
    assert first.status_code == 302
    second = client.post(_page(leaders), _fields(title="Second title", key_messages="One.\n\nTwo,\nstill two.",
                                                 hidden=["profile"], commentary_skills="Half trained ({{ trained.1 }}).",
                                                 quotes="leaders-2026-3 enablers_text"))  # fmt: skip
    assert second.status_code == 302
    versions = list(ReportSpecVersion.objects.filter(wave=leaders).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert yaml.safe_load(versions[0].text) == {"title": "Leaders in 2026"}
    spec = yaml.safe_load(versions[1].text)
    assert spec["key_messages"] == ["One.", "Two, still two."]
    assert {"id": "profile", "hidden": True} in spec["sections"]
    assert {"respondent": "leaders-2026-3", "question": "enablers_text"} in spec["quotes"]
    shown = client.get(_page(leaders) + "?version=1")
    assert "Restore version 1" in shown.content.decode()
    assert client.post(reverse("workspace:restore_report_text", args=[leaders.pk, 1])).status_code == 302
    newest = results.latest_spec(leaders)
    assert newest.number == 3 and newest.text == versions[0].text and newest.created_by == analyst
    assert versions[1].text == ReportSpecVersion.objects.get(wave=leaders, number=2).text  # never overwritten
    audit = list(AuditEntry.objects.filter(wave=leaders, action=AuditEntry.REPORT_TEXT).order_by("pk"))
    assert [a.detail for a in audit] == ["version 1 of the report's text saved: first go", "version 2 of the report's text saved",
                                         "version 3 of the report's text saved: restored version 1"]  # fmt: skip
    assert all(a.user == analyst for a in audit)


def test_bad_yaml_and_unknown_section_are_form_errors(client, leaders, analyst):
    client.force_login(analyst)
    for text, expected in (("title: [unclosed\n", "line"), ("sections:\n  - {id: skils}\n", "skills"),
                           ("colours: {primary: red}\n", "primary"), ("sections:\n  - {id: methods, hidden: true}\n", "methods")):  # fmt: skip
        response = client.post(_page(leaders), {"form": "yaml", "text": text, "note": ""})
        assert response.status_code == 200, text
        body = response.content.decode()
        assert "There is a problem" in body and expected in body, text
    response = client.post(_page(leaders), _fields(primary="blue", hidden=["methods"]))
    assert response.status_code == 200 and "There is a problem" in response.content.decode()
    assert not ReportSpecVersion.objects.exists()


def test_preview_figure_and_warning(client, leaders, analyst):
    client.force_login(analyst)
    message = "{{ trained.1 }} have been trained; training rose."
    assert client.post(_page(leaders), _fields(key_messages=message)).status_code == 302
    body = client.get(_page(leaders)).content.decode()
    found = report_spec.base(leaders)
    trained = found.ev.responses.data["trained"]
    estimate = f"{round(100 * int((trained == 1).sum()) / trained.len())}%"
    assert estimate == "50%"
    assert f">{estimate}<sup>" in body and "have been trained" in body
    assert "the text says &#x27;rose&#x27; of {{ trained.1 }}, over a change that is not significant" in body
    assert "<script" not in body.split('id="preview"')[1].split('id="edit"')[0]


def test_the_built_report_uses_the_newest_version(client, leaders, analyst):
    client.force_login(analyst)
    assert client.post(_page(leaders), _fields(title="An old title")).status_code == 302
    assert client.post(_page(leaders), _fields(title="The analysts' own title")).status_code == 302
    html = (results.report(leaders).path("report.html")).read_text(encoding="utf-8")
    assert "<h1>The analysts&#39; own title</h1>" in html
    assert "An old title" not in html
    page = client.get(reverse("workspace:results", args=[leaders.pk])).content.decode()
    assert "with version 2 of" in page and "Prepare the slides" in page
