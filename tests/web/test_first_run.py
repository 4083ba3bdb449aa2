"""Issue 17: a site's first run (migrations before any command, `collabstate user create`, `/`,
the demo waves in the site's database) and its public address and e-mail settings."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks, mail
from typer.testing import CliRunner

from collabstate.cli import app

runner = CliRunner()


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "COLLABSTATE_PRODUCTION", "DJANGO_SETTINGS_MODULE")}
    return {**env, "COLLABSTATE_VAR": str(tmp_path / "var"), **extra}


def test_createsuperuser_on_a_fresh_data_folder(tmp_path):
    env = _env(tmp_path, DJANGO_SUPERUSER_PASSWORD="a-long-Passw0rd-to-type")
    args = [
        sys.executable,
        "-m",
        "collabstate.web.manage",
        "createsuperuser",
        "--noinput",
        "--username",
        "boss",
        "--email",
        "b@example.org",
    ]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    with sqlite3.connect(tmp_path / "var" / "collabstate.sqlite3") as db:
        assert db.execute("select username, is_superuser from auth_user").fetchall() == [("boss", 1)]


@pytest.mark.django_db
def test_user_create_then_sign_in(client):
    result = runner.invoke(app, ["user", "create", "ami@example.org", "--organisation", "North", "--role", "analyst"])
    assert result.exit_code == 0, result.output
    password = result.output.split("password: ")[1].split()[0]
    page = client.post("/accounts/login/", {"username": "ami@example.org", "password": password}, follow=True)
    assert b"Your waves" in page.content and b"North" in page.content
    again = runner.invoke(app, ["user", "create", "ami@example.org", "--organisation", "North", "--role", "analyst"])
    assert again.exit_code == 1 and "already an account" in again.output
    bad = runner.invoke(app, ["user", "create", "bo@example.org", "--organisation", "North", "--role", "king"])
    assert bad.exit_code == 2 and "--role 'king' is not valid" in bad.output
    given = runner.invoke(app, ["user", "create", "bo@example.org", "--organisation", "North", "--role", "owner", "--password-stdin"],
                          input="Another-long-Passw0rd\n")  # fmt: skip
    assert given.exit_code == 0 and "Another" not in given.output
    assert client.login(username="bo@example.org", password="Another-long-Passw0rd")


@pytest.mark.django_db
def test_the_front_door_leads_to_the_workspace(client, django_user_model):
    assert client.get("/")["Location"] == "/accounts/login/?next=/workspace/"
    client.force_login(django_user_model.objects.create_user("x@example.org", password="p"))
    signed_in = client.get("/", follow=True)
    assert signed_in.redirect_chain == [("/workspace/", 302)] and b"Your waves" in signed_in.content


@pytest.mark.django_db
def test_demo_waves_load_into_the_site_and_again_replace_them(client):
    import polars as pl

    from collabstate.demo import leaders_wave, readiness_2018
    from collabstate.web.firstrun import DEMO_OWNER, load_demo
    from collabstate.web.surveys.models import Wave

    small = {"readiness-2018": readiness_2018().head(20), **{f"leaders-{y}": leaders_wave(y).head(20) for y in (2024, 2025, 2026)}}
    site = load_demo(frames=small)
    assert site.waves == [(slug, 20) for slug in ("readiness-2018", "leaders-2024", "leaders-2025", "leaders-2026")] and not site.replaced
    again = load_demo(frames={k: pl.DataFrame(v) for k, v in small.items()})
    assert again.replaced == [slug for slug, _ in site.waves] and Wave.objects.count() == 4
    from collabstate.web.workspace.models import WaveCodebook

    books = sorted(WaveCodebook.objects.values_list("wave__slug", "question"))  # the leaders' Coding pages start from the demo's codebooks
    assert books == [(f"leaders-{y}", q) for y in (2024, 2025, 2026) for q in ("barriers_text", "enablers_text")]
    assert WaveCodebook.objects.get(wave__slug="leaders-2025", question="barriers_text").codes.count() == 14
    assert client.login(username=DEMO_OWNER, password=again.password)
    page = client.get("/workspace/").content.decode()
    assert all(
        slug in page or title in page for slug, title in [("leaders-2026", "Leaders survey 2026"), ("readiness-2018", "readiness 2018")]
    )


def _site_url(settings, url: str, production: bool = False, serving=None, explicit: bool = True) -> list[str]:
    from collabstate.web.checks import site_url_check

    settings.SITE_URL, settings.PRODUCTION, settings.SERVING_ON, settings.SITE_URL_SET = url, production, serving, explicit
    return [f"{m.id} {'error' if m.is_serious() else 'warning'}" for m in site_url_check()]


def test_site_url_checks(settings):
    assert _site_url(settings, "https://survey.example.org") == []
    for bad in ("survey.example.org", "ftp://x.org", "https://x.org/survey", "https://x.org?a=1", "/relative"):
        assert _site_url(settings, bad) == ["collabstate.E010 error"], bad
    assert _site_url(settings, "http://127.0.0.1:8000", production=True, explicit=False) == ["collabstate.E011 error"]
    assert _site_url(settings, "http://127.0.0.1:8000", serving=("127.0.0.1", 8000)) == []
    assert _site_url(settings, "http://127.0.0.1:8000", serving=("127.0.0.1", 9000)) == ["collabstate.W010 warning"]
    assert _site_url(settings, "http://127.0.0.1:8000", serving=("0.0.0.0", 8000)) == ["collabstate.W010 warning"]
    assert "collabstate" in checks.registry.registry.tags_available()


@pytest.mark.django_db
def test_invitations_carry_the_site_url_from_and_reply_to(settings, make_wave):
    from collabstate.web.surveys.invitations import add_invitees
    from collabstate.web.surveys.sending import INVITATIONS, send

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL, settings.DEFAULT_FROM_EMAIL, settings.REPLY_TO = "https://survey.example.org", "s@example.org", "team@example.org"
    wave = make_wave(slug="pulse", instrument="leaders", title="Pulse")
    add_invitees(wave, b"email\nami@example.org\n")
    send(wave, INVITATIONS)
    (message,) = mail.outbox
    assert message.from_email == "s@example.org" and message.reply_to == ["team@example.org"]
    assert "https://survey.example.org/r/" in message.body


SIGN_IN = """
import sys
from collabstate.web.setup import setup_django
setup_django(migrate=False)
from django.test import Client
client = Client()
page = client.post("/accounts/login/", {"username": sys.argv[1], "password": sys.argv[2]}, follow=True)
print(page.content.decode())
"""


def test_a_newcomer_following_the_readme_sees_the_demo_waves(tmp_path):
    """README: `make demo` (collabstate demo), then `collabstate serve` and sign in at / as the printed owner."""
    cli = str(Path(sys.executable).parent / "collabstate")
    env = _env(tmp_path)
    demo = subprocess.run(
        [cli, "demo", "--out", str(tmp_path / "out"), "--no-reports"], env=env, capture_output=True, text=True, timeout=300
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    owner_line = next(line for line in demo.stdout.splitlines() if "sign in as" in line)
    assert "http://127.0.0.1:8000/" in owner_line
    owner, password = owner_line.split("sign in as ")[1].split(" with the password ")
    page = subprocess.run([sys.executable, "-c", SIGN_IN, owner, password.strip()], env=env, capture_output=True, text=True, timeout=120)
    assert page.returncode == 0, page.stderr
    assert "Your waves" in page.stdout and all(
        title in page.stdout for title in ("Leaders survey 2024", "Leaders survey 2026", "Collaboration readiness 2018")
    )
    skipped = subprocess.run([cli, "demo", "--out", str(tmp_path / "out"), "--no-reports"], capture_output=True, text=True, timeout=300,
                             env={**env, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"})  # fmt: skip
    assert skipped.returncode == 0 and "skipped loading the demo waves" in skipped.stdout, skipped.stdout + skipped.stderr
