"""Hardening (issue 14, items 6 and 8): a limit on starting respondents through an open link, rate
counts that hold when workers count at once, a Content-Security-Policy and ``no-store`` on every
page, production that refuses a public or missing secret key, slugs and invitee files checked at
the door."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from collabstate.cli import app
from collabstate.web.surveys.invitations import InviteeFileError, add_invitees
from collabstate.web.surveys.models import Respondent
from collabstate.web.throttle.counting import Rate, count, hit

WEB = Path(__file__).resolve().parents[2] / "src" / "collabstate" / "web"


# Open links
def test_a_burst_of_starts_from_one_address_is_cut_at_the_limit(client, wave, settings):
    """300 starts in a burst were all accepted; now the 61st and later get 429 and start nobody."""
    settings.OPEN_LINK_STARTS_RATE = "60/10m"
    codes = [client.post(f"/s/{wave.slug}/").status_code for _ in range(300)]
    assert codes == [302] * 60 + [429] * 240
    assert Respondent.objects.filter(wave=wave).count() == 60
    refused = client.post(f"/s/{wave.slug}/")
    assert "Too many people have started this survey from your connection" in refused.content.decode()
    assert client.get(f"/s/{wave.slug}/").status_code == 200  # the consent page is still shown
    assert client.post(f"/s/{wave.slug}/", REMOTE_ADDR="192.0.2.1").status_code == 302  # another address


COUNT_100 = """
import sys, time
from collabstate.web.setup import setup_django
setup_django(migrate=False)
from collabstate.web.throttle.counting import Rate, hit
start = float(sys.argv[1])
while time.time() < start:
    time.sleep(0.001)
for _ in range(100):
    hit("test", "192.0.2.1", Rate(10_000, 600))
"""


def test_counts_are_not_lost_when_processes_count_at_once(tmp_path):
    """Four processes (as gunicorn's workers) count 100 each at the same moment, on the site's own
    SQLite database (a file in WAL mode)."""
    import time

    env = {**{k: v for k, v in os.environ.items() if k != "DATABASE_URL"}, "COLLABSTATE_VAR": str(tmp_path)}
    subprocess.run([sys.executable, "-m", "collabstate.web.manage", "migrate"], env=env, check=True, capture_output=True, timeout=120)
    start = str(time.time() + 5)
    workers = [subprocess.Popen([sys.executable, "-c", COUNT_100, start], env=env, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    assert [w.wait(120) for w in workers] == [0] * 4, [w.stderr.read() for w in workers]
    import sqlite3

    with sqlite3.connect(tmp_path / "collabstate.sqlite3") as db:
        assert db.execute("SELECT count FROM throttle_counter").fetchall() == [(400,)]


@pytest.mark.django_db(transaction=True)
def test_counts_are_not_lost_when_workers_count_at_once():
    """Eight threads (each its own database connection, as workers are) count 50 each at once."""
    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("the test database is SQLite in memory, whose shared cache locks whole tables; the test above covers SQLite")
    rate, barrier, errors = Rate(10_000, 600), threading.Barrier(8), []

    def count_50() -> None:
        from django.db import connection

        barrier.wait()
        try:
            for _ in range(50):
                hit("test", "192.0.2.1", rate)
        except Exception as exc:  # a thread's exception would otherwise be lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=count_50) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and count("test", "192.0.2.1", rate) == 400


@pytest.mark.parametrize(("text", "limit", "seconds"), [("10/15m", 10, 900), ("30/m", 30, 60), ("5/s", 5, 1), ("100 / 2h", 100, 7200)])
def test_rates_are_read_as_written(text, limit, seconds):
    assert Rate.parse(text, "X") == Rate(limit, seconds)


@pytest.mark.parametrize("text", ["10", "ten/m", "0/m", "5/0m", "5/w", ""])
def test_a_rate_that_is_not_one_is_refused_naming_the_setting(text):
    from collabstate.errors import SetupError

    with pytest.raises(SetupError, match="COLLABSTATE_OPEN_LINK_STARTS: .* is not a rate; expected a number of events per period"):
        Rate.parse(text, "COLLABSTATE_OPEN_LINK_STARTS")


def test_a_window_ends_and_a_new_one_starts(db):
    rate = Rate(2, 60)
    assert [hit("w", "a", rate, now=t) for t in (0, 10, 20, 59.9, 60, 61)] == [1, 2, 3, 4, 1, 2]
    assert count("w", "a", rate, now=100) == 2 and count("w", "a", rate, now=120) == 0


# Headers on every page


def _pages(client, wave, start, django_user_model):
    token = start(wave)
    client.post(f"/r/{token}/q/q1_example/", {"q1_example": "2"})
    yield "consent", client.get(f"/s/{wave.slug}/")
    yield "question", client.get(f"/r/{token}/q/q1_example/")
    yield "check", client.get(f"/r/{token}/check/")
    yield "not found", client.get("/r/nope/")
    yield "sign in", client.get("/accounts/login/")
    staff = django_user_model.objects.create_superuser("staff", "staff@example.org", "a-long-pass-phrase-1")
    client.force_login(staff)
    yield "admin", client.get("/admin/surveys/invitee/")


def test_every_page_has_a_content_security_policy_and_is_not_stored(client, wave, start, django_user_model):
    for name, response in _pages(client, wave, start, django_user_model):
        policy = response.get("Content-Security-Policy", "")
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["default-src"] == "'none'" and directives["script-src"] == directives["style-src"] == "'self'", (name, policy)
        assert directives["frame-ancestors"] == "'none'" and directives["form-action"] == "'self'" and "unsafe" not in policy
        assert "no-store" in response.get("Cache-Control", ""), (name, response.get("Cache-Control"))
    static = client.get("/static/surveys/survey.css")
    assert static.status_code == 200 and "no-store" not in static.get("Cache-Control", "")


def test_no_template_has_an_inline_script_or_style():
    """What the policy forbids is never written: every script is a file, every style in a stylesheet."""
    found = []
    for template in WEB.rglob("templates/**/*.html"):
        text = template.read_text()
        found += [f"{template.name}: {m}" for m in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>|\bstyle=\"|<style\b|\bon[a-z]+=\"", text)]
    assert found == []


# Production settings
def _manage(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SECRET_KEY", "DATABASE_URL")}
    environment.update(
        {"COLLABSTATE_PRODUCTION": "1", "DJANGO_ALLOWED_HOSTS": "survey.example.org", "COLLABSTATE_VAR": str(tmp_path), **env}
    )
    return subprocess.run([sys.executable, *args], env=environment, capture_output=True, text=True, timeout=120)


def test_check_deploy_fails_on_the_public_development_key_or_none(tmp_path):
    from collabstate.web.settings import DEVELOPMENT_SECRET_KEY

    command = ("-m", "collabstate.web.manage", "check", "--deploy")
    missing = _manage(tmp_path, *command)
    assert missing.returncode == 1 and "(collabstate.E001) COLLABSTATE_PRODUCTION=1 needs DJANGO_SECRET_KEY" in missing.stderr
    public = _manage(tmp_path, *command, DJANGO_SECRET_KEY=DEVELOPMENT_SECRET_KEY)
    assert public.returncode == 1 and "(collabstate.E002) DJANGO_SECRET_KEY is the public development key" in public.stderr
    assert "Traceback" not in missing.stderr + public.stderr


def test_production_without_a_secret_key_says_so_at_start(tmp_path):
    cli = str(Path(sys.executable).parent / "collabstate")
    for args, code in [(["-m", "collabstate.web.manage", "migrate"], 3), (["-c", "import collabstate.web.wsgi"], 1)]:
        result = _manage(tmp_path, *args)
        assert result.returncode == code and "collabstate: COLLABSTATE_PRODUCTION=1 needs DJANGO_SECRET_KEY" in result.stderr
        assert "Traceback" not in result.stderr
    environment = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SECRET_KEY", "DATABASE_URL")}
    environment.update({"COLLABSTATE_PRODUCTION": "1", "DJANGO_ALLOWED_HOSTS": "a.example", "COLLABSTATE_VAR": str(tmp_path)})
    served = subprocess.run([cli, "serve", "--port", "1"], env=environment, capture_output=True, text=True, timeout=120)
    assert served.returncode == 3 and "error: collabstate: COLLABSTATE_PRODUCTION=1 needs DJANGO_SECRET_KEY" in served.stderr
    assert "Traceback" not in served.stderr


# Slugs
@pytest.mark.parametrize("slug", ["my wave", "wave/2", "wävé", "a" * 51, "x?y=1"])
def test_a_slug_that_cannot_be_an_address_is_refused_at_the_door(db, slug):
    result = CliRunner().invoke(app, ["wave", "create", slug, "--instrument", "readiness-2018", "--open-link"])
    said = " ".join(result.output.split())
    assert result.exit_code == 1 and "SLUG: " in said and f"wave {slug!r} was not created" in said
    from collabstate.web.surveys.models import Wave

    assert not Wave.objects.exists()


def test_the_admin_refuses_a_slug_with_spaces(client, django_user_model, organisation):
    client.force_login(django_user_model.objects.create_superuser("staff", "s@example.org", "a-long-pass-phrase-1"))
    page = client.post("/admin/surveys/wave/add/", {"slug": "my wave", "title": "T", "instrument_ref": "leaders", "mode": "anonymous",
                                                    "opens_at_0": "2026-01-01", "opens_at_1": "00:00:00", "closes_at_0": "2099-01-01",
                                                    "closes_at_1": "00:00:00", "max_reminders": "2", "organisation": organisation.pk})  # fmt: skip
    assert page.status_code == 200 and "Enter a valid “slug”" in page.content.decode()


# Invitee files
@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ("email,name\nami@example.org,Ami\nzoe@example.org,Zoë\n".encode("latin-1"), "row 3, column (encoding): 'zoe@example.org,Zo\ufffd': expected UTF-8 text (byte 50 of the file, 0xEB, is not)"),
        (b"email,name\nami@example.org,Ami\nbo@example.org,\"" + b"x" * 131_073 + b"\"\n", "row 3, column (row): '': expected a field of at most 131,072 characters"),
        (b"email,name\nami@example.org,\"Ami\r\nBcc: x@example.org\"\n", "row 2, column name: 'Ami\\r\\nBcc: x@example.org': expected one line of text (this has a line break (character 4))"),
        (b"email,name\nami@example.org,Ami\x00\n", "row 2, column name: 'Ami\\x00': expected one line of text (this has a control character (U+0000) (character 4))"),
        (b"email,name\nami@example.org," + b"A" * 201 + b"\n", "row 2, column name: '" + "A" * 40 + "…': expected at most 200 characters (this has 201)"),
    ],
    ids=["latin-1", "field-over-csv-limit", "header-injection-in-a-name", "nul", "longer-than-the-column"],
)  # fmt: skip
def test_invitee_files_that_cannot_be_stored_are_refused_naming_the_row(wave, data, problem):
    with pytest.raises(InviteeFileError) as caught:
        add_invitees(wave, data, name="list.csv")
    assert problem in [str(p) for p in caught.value.problems] or problem in str(caught.value), str(caught.value)
    assert str(caught.value).startswith("list.csv: ") and not wave.invitees.exists()


def test_the_workspace_upload_shows_the_problem_not_a_500(client, wave, django_user_model, work_off):
    from collabstate.web.workspace.models import Membership

    user = django_user_model.objects.create_user("analyst", "a@example.org", "a-long-pass-phrase-1")
    Membership.objects.create(user=user, organisation=wave.organisation, role=Membership.ANALYST)
    client.force_login(user)
    upload = SimpleUploadedFile("list.csv", "email,name\nzoe@example.org,Zoë\n".encode("cp1252"))
    asked = client.post(f"/workspace/waves/{wave.pk}/invitees/", {"file": upload})  # read by a task, its page shows the problem
    assert asked.status_code == 302
    work_off()
    page = client.get(asked["Location"])
    assert page.status_code == 200 and "list.csv: row 2, column (encoding)" in page.content.decode()


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400) | st.text(max_size=300).map(lambda t: ("email,name\n" + t).encode("utf-8", "surrogatepass")))
def test_any_bytes_are_added_or_refused_with_problems_never_an_exception(wave, data):
    wave.invitees.all().delete()
    try:
        added = add_invitees(wave, data, name="any.csv")
    except InviteeFileError as exc:
        assert exc.problems and all(str(p).startswith("row ") for p in exc.problems)
        assert not wave.invitees.exists()
    else:
        assert wave.invitees.count() == len(added)
