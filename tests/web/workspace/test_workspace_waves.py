"""Waves in the workspace: each belongs to one organisation (existing ones moved to "Default" by
the migrations; `wave create --organisation`), the home page lists a person's waves by
organisation, analysts create waves, upload invitees (every problem by row) and send invitations
and reminders."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone
from typer.testing import CliRunner

from collabstate.cli import app
from collabstate.web.surveys.models import Invitee, Wave
from collabstate.web.workspace.models import Membership, Organisation, WaveJob

PULSE = "id: pulse\ntitle: Partnership pulse\nquestions:\n  - id: works\n    type: single\n    text: Working?\n    choices:\n      - {code: 1, label: Yes}\n"


def wave_form(**fields) -> dict:
    now = timezone.localtime()
    return {"title": "Leaders 2026", "slug": "leaders-2026", "instrument": "leaders", "mode": "identified", "max_reminders": "2",
            "opens_at": now.strftime("%Y-%m-%dT%H:%M"), "closes_at": (now + dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
            "retention_days": "90", **fields}  # fmt: skip


def test_home_lists_each_organisations_waves_and_what_the_person_may_do(client, member, org_a, org_b, make_wave):
    person = member(org_a, Membership.OWNER, "pat")
    member(org_b, Membership.VIEWER, "pat")
    make_wave("a1", organisation=org_a, title="Alpha leaders")
    make_wave("b1", organisation=org_b, title="Beta leaders")
    make_wave("elsewhere", title="Not theirs")  # the Default organisation
    client.force_login(person)
    page = client.get(reverse("workspace:home")).content.decode()
    assert page.index("Alpha Partnership") < page.index("Alpha leaders") < page.index("Beta Board") < page.index("Beta leaders")
    assert "Not theirs" not in page
    assert reverse("workspace:new_wave", args=["alpha"]) in page and reverse("workspace:members", args=["alpha"]) in page
    assert reverse("workspace:new_wave", args=["beta"]) not in page and reverse("workspace:members", args=["beta"]) not in page


def test_an_analyst_creates_a_wave_from_a_built_in_instrument(client, analyst_b, org_b, settings):
    client.force_login(analyst_b)
    response = client.post(reverse("workspace:new_wave", args=["beta"]), wave_form(open_link="on"))
    wave = Wave.objects.get(slug="leaders-2026")
    assert response.status_code == 302 and response["Location"] == reverse("workspace:wave", args=[wave.pk])
    assert (wave.organisation, wave.instrument.id, wave.mode, wave.open_link, wave.retention_days) == (
        org_b,
        "leaders",
        "identified",
        True,
        90,
    )
    page = client.get(response["Location"]).content.decode()
    assert (
        "Leaders 2026 created. Upload the invitees, or share the open link." in page
        and f"<code>{settings.SITE_URL}/s/leaders-2026/</code>" in page
    )


def test_an_uploaded_questionnaire_is_checked_and_problems_are_named_by_field(client, analyst_b):
    client.force_login(analyst_b)
    url = reverse("workspace:new_wave", args=["beta"])
    good = client.post(url, wave_form(slug="pulse", instrument="upload", instrument_file=SimpleUploadedFile("pulse.yaml", PULSE.encode())))
    assert good.status_code == 302 and Wave.objects.get(slug="pulse").instrument.id == "pulse"

    broken = PULSE.replace("- {code: 1, label: Yes}", "- {code: 1, label: Yes}\n      - {code: 1, label: No}")
    page = html.unescape(client.post(url, wave_form(slug="pulse2", instrument="upload",
                                                    instrument_file=SimpleUploadedFile("pulse.yaml", broken.encode()))).content.decode())  # fmt: skip
    assert "There is a problem" in page
    assert "Questionnaire file (YAML): pulse.yaml, line 9: questions[0].choices[1].code: duplicate code 1" in page
    page = html.unescape(client.post(url, wave_form(slug="pulse3", instrument="upload",
                                                    instrument_file=SimpleUploadedFile("pulse.yaml", b"\xff\xfe"))).content.decode())  # fmt: skip
    assert "Questionnaire file (YAML): pulse.yaml: the file is UTF-16 text; save it as UTF-8" in page
    page = html.unescape(client.post(url, wave_form(slug="pulse", closes_at="2000-01-01T00:00", instrument="upload")).content.decode())
    assert "Address name: There is already a wave with the address name ‘pulse’" in page
    assert "Questionnaire file (YAML): Choose the questionnaire file to upload" in page
    page = html.unescape(client.post(url, wave_form(slug="pulse4", closes_at="2000-01-01T00:00")).content.decode())
    assert "Closes: The wave must close after it opens." in page
    page = html.unescape(client.post(url, {}).content.decode())
    assert (
        "Title: Enter the wave's title" in page
        and "Questionnaire: Choose a questionnaire" in page
        and "Opens: Enter when the wave opens" in page
    )
    assert Wave.objects.count() == 1


def test_wave_create_puts_the_wave_in_the_named_organisation(db):
    runner = CliRunner()
    result = runner.invoke(
        app, ["wave", "create", "north", "--instrument", "leaders", "--organisation", "North Partnership", "--retention-days", "30"]
    )
    assert result.exit_code == 0, result.output
    assert "organisation North Partnership" in result.output
    assert runner.invoke(app, ["wave", "create", "plain", "--instrument", "leaders"]).exit_code == 0
    north, plain = Wave.objects.get(slug="north"), Wave.objects.get(slug="plain")
    assert (north.organisation.name, north.organisation.slug, north.retention_days) == ("North Partnership", "north-partnership", 30)
    assert (plain.organisation.name, plain.retention_days) == ("Default", None)
    assert runner.invoke(app, ["wave", "create", "again", "--instrument", "leaders", "--organisation", "North Partnership"]).exit_code == 0
    assert Organisation.objects.filter(name="North Partnership").count() == 1
    assert "North Partnership" in runner.invoke(app, ["wave", "list"]).output
    bad = runner.invoke(app, ["wave", "create", "x", "--instrument", "leaders", "--organisation", "  "])
    assert bad.exit_code == 1 and "--organisation: an organisation needs a name" in bad.output


@pytest.mark.django_db(transaction=True)
def test_the_migrations_put_existing_waves_in_the_default_organisation():
    executor = MigrationExecutor(connection)
    before = [("surveys", "0001_initial"), ("workspace", None)]
    executor.migrate(before)
    old = executor.loader.project_state([("surveys", "0001_initial")]).apps
    now = timezone.now()
    old.get_model("surveys", "Wave").objects.create(slug="old", title="Old", instrument_ref="leaders", opens_at=now, closes_at=now)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    wave = Wave.objects.get(slug="old")
    assert (wave.organisation.name, wave.organisation.slug) == ("Default", "default")
    assert not Wave._meta.get_field("organisation").null


def job_page(client, response, work_off) -> str:
    """Follow the request to its job's page; the job waits on the queue until the worker runs it; then its page."""
    assert response.status_code == 302
    job = WaveJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert job.status == WaveJob.QUEUED and job.task_id
    work_off()
    return html.unescape(client.get(response["Location"]).content.decode())


def test_invitee_upload_lists_every_problem_by_row_and_adds_nobody(client, wave_b, analyst_b, work_off):
    client.force_login(analyst_b)
    url = reverse("workspace:invitees", args=[wave_b.pk])
    bad = b"email,name,team\ncy@example.org,Cy,x\nnot-an-address,Di,y\nAMI@example.org,Ami again,z\n"
    asked = client.post(url, {"file": SimpleUploadedFile("list.csv", bad)})
    assert wave_b.invitees.count() == 2  # nothing read yet: the worker reads it
    page = job_page(client, asked, work_off)
    assert "There is a problem: nobody was added. 3 problems in list.csv." in page
    for line in ("list.csv: row 1, column team: 'team': expected one of the columns email, name, organisation, sector, role, "
                 "or the id of a question with one answer (q1_example, q4_n_orgs, q5_staff_level, q6_success, q7_importance, q9_better, "
                 "q10_involvement, q11_incentivise, q12_tools, q15_role, q16_sector, q19_receive_report)",
                 "list.csv: row 3, column email: 'not-an-address': expected an e-mail address such as name@example.org",
                 "list.csv: row 4, column email: 'AMI@example.org': expected an address not already invited to this wave"):  # fmt: skip
        assert f"<li>{line}</li>" in page
    assert wave_b.invitees.count() == 2
    good = client.post(url, {"file": SimpleUploadedFile("list.csv", b"email,sector\ncy@example.org,third sector\n")})
    assert "Done: 1 invitees added from list.csv." in job_page(client, good, work_off)
    assert Invitee.objects.get(email="cy@example.org").sector == "third sector"  # as given; and its code
    assert list((settings.VAR_DIR / "uploads").iterdir()) == []  # the uploads are deleted once read


def test_an_analyst_sends_invitations_then_reminders_from_the_dashboard(client, wave_b, analyst_b, work_off):
    client.force_login(analyst_b)
    url = reverse("workspace:send", args=[wave_b.pk])
    assert "Send invitations (2 not yet invited)" in client.get(reverse("workspace:wave", args=[wave_b.pk])).content.decode()
    asked = client.post(url, {"what": "invitations"})
    assert client.post(url, {"what": "invitations"})["Location"] == asked["Location"]  # asked twice: the same sending
    assert mail.outbox == [] and wave_b.invited() == 0  # the request sent nothing: the worker sends
    assert "Waiting to start" in client.get(asked["Location"]).content.decode()
    assert "Done: 2 invitations sent." in job_page(client, asked, work_off)
    assert sorted(m.to[0] for m in mail.outbox) == ["ami@example.org", "bo@example.org"]
    dashboard = client.get(reverse("workspace:wave", args=[wave_b.pk])).content.decode()
    assert "<td>Sending of invitations</td><td>Done: 2 invitations sent.</td>" in dashboard
    assert "Done: 0 invitations sent." in job_page(client, client.post(url, {"what": "invitations"}), work_off)
    assert "Done: 2 reminders sent." in job_page(client, client.post(url, {"what": "reminders"}), work_off)
    assert [m.subject.startswith("Reminder: ") for m in mail.outbox] == [False, False, True, True]
