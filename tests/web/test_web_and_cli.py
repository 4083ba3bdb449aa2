"""The web's stored answers are the core's Responses: the command line computes the same numbers
from an exported file as the core does from the database. Also the CLI's wave commands, and
Django's deployment checks under production settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from collabstate.cli import app
from collabstate.stats import estimate
from collabstate.web.surveys.actions import responses_of

runner = CliRunner()


def complete_random(client, wave, token: str, rng) -> None:
    instrument = wave.instrument
    post = lambda q, data: client.post(f"/r/{token}/q/{q}/", data)  # noqa: E731
    post("q1_example", {"q1_example": str(rng.choice([1, 2]))})
    post("q7_importance", {"q7_importance": str(rng.integers(1, 6))})
    grid = instrument.question("q13_importance")
    post("q13_importance", {row.id: str(rng.choice([0, 1, 2, 3, 9])) for row in grid.rows if rng.random() > 0.1})
    post("q16_sector", {"q16_sector": str(rng.integers(1, 4))})
    areas = [o.code for o in instrument.question("q17_area").options]
    post("q17_area", {"q17_area": list(rng.choice(areas, size=2, replace=False))})
    assert client.post(f"/r/{token}/check/").status_code == 302


def test_exported_file_and_database_give_the_same_estimates(client, wave, start, tmp_path):
    rng = np.random.default_rng(7)
    for _ in range(40):
        complete_random(client, wave, start(wave), rng)
    start(wave)  # one who started and never finished: not exported
    validation = responses_of(wave)
    assert validation.n_problems == 0 and validation.responses.n == 40
    direct = estimate(validation.responses, by="q16_sector")

    exported = tmp_path / "wave.csv"
    result = runner.invoke(app, ["wave", "export", wave.slug, str(exported)])
    assert result.exit_code == 0, result.output
    assert "40 responses written" in result.output
    cli = runner.invoke(app, ["estimate", str(exported), "--instrument", "readiness-2018", "--by", "q16_sector", "--format", "json"])
    assert cli.exit_code == 0, cli.output
    from_file = pl.DataFrame(json.loads(cli.stdout))
    key = ["question", "option", "statistic", "group"]
    joined = direct.join(from_file, on=key, how="full", suffix="_file", nulls_equal=True)
    assert joined.height == direct.height == from_file.height
    for column in ("estimate", "se", "ci_low", "ci_high"):
        np.testing.assert_allclose(
            joined[column].to_numpy().astype(float), joined[f"{column}_file"].to_numpy().astype(float), rtol=1e-12, equal_nan=True
        )
    assert (joined["n"] == joined["n_file"]).all()


def test_wave_commands_create_invite_and_report_problems(db, tmp_path):
    result = runner.invoke(
        app, ["wave", "create", "leaders-2026", "--instrument", "leaders", "--closes", "2099-01-31", "--mode", "identified"]
    )
    assert result.exit_code == 0, result.output
    assert "wave leaders-2026: leaders, identified" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("email\nnobody\n")
    result = runner.invoke(app, ["wave", "invite", "leaders-2026", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}: row 2, column email: 'nobody': expected an e-mail address" in result.output
    good = tmp_path / "good.csv"
    good.write_text("email,name\nami@example.org,Ami\n")
    result = runner.invoke(app, ["wave", "invite", "leaders-2026", str(good)])
    assert result.exit_code == 0 and "1 invitation sent" in result.output
    assert runner.invoke(app, ["wave", "create", "x", "--instrument", "leaders", "--opens", "soon"]).exit_code == 1
    assert runner.invoke(app, ["wave", "export", "no-such-wave", str(tmp_path / "x.csv")]).exit_code == 1


def test_deployment_checks_are_clean_under_production_settings(tmp_path):
    env = {
        **os.environ,
        "COLLABSTATE_PRODUCTION": "1",
        "DJANGO_SECRET_KEY": "k" + os.urandom(32).hex() + "-Zq!9",
        "DJANGO_ALLOWED_HOSTS": "survey.example.org",
        "COLLABSTATE_SITE_URL": "https://survey.example.org",
        "COLLABSTATE_VAR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "collabstate.web.settings",
    }
    result = subprocess.run(
        [sys.executable, "-m", "collabstate.web.manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_settings_refuse_to_start_without_a_key_or_hosts(tmp_path, missing):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS")}
    env.update(
        {
            "COLLABSTATE_PRODUCTION": "1",
            "DJANGO_SECRET_KEY": "s" * 60,
            "DJANGO_ALLOWED_HOSTS": "a.example",
            "COLLABSTATE_VAR": str(tmp_path),
        }
    )
    del env[missing]
    result = subprocess.run([sys.executable, "-m", "collabstate.web.manage", "check"], env=env, capture_output=True, text=True)
    assert result.returncode != 0 and missing in result.stderr


def test_serve_runs_migrations_and_answers_on_the_port(tmp_path):
    import signal
    import socket
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "COLLABSTATE_VAR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "collabstate.web.settings"}
    env.pop("DATABASE_URL", None)
    from pathlib import Path

    cli = [str(Path(sys.executable).parent / "collabstate")]
    created = subprocess.run(
        [*cli, "wave", "create", "open", "--instrument", "readiness-2018", "--open-link"], env=env, capture_output=True, text=True
    )
    assert created.returncode == 0 and "open link /s/open/" in created.stdout, created.stderr
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/s/open/") as response:
                    body = response.read().decode()
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline and server.poll() is None, (
                    server.stderr.read().decode() if server.poll() is not None else "timeout"
                )
                time.sleep(0.2)
        assert "Start now" in body
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/r/{'q' * 43}/")
        assert missing.value.code == 404
        assert (tmp_path / "collabstate.sqlite3").exists()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)


def test_serve_runs_task_workers_that_do_the_work_asked_for_and_stops_them_with_it(tmp_path):
    """`collabstate serve` starts gunicorn and its task workers: an export asked for (by another
    process, on the same database) is made by them, with no other service started; SIGTERM to
    serve alone stops every process it started."""
    import json
    import signal
    import socket
    import sqlite3
    import time
    import urllib.error
    import urllib.request
    from pathlib import Path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "COLLABSTATE_VAR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "collabstate.web.settings",
           "COLLABSTATE_TASK_WORKERS": "2"}  # fmt: skip
    env.pop("DATABASE_URL", None)
    cli = [str(Path(sys.executable).parent / "collabstate")]
    server = subprocess.Popen([*cli, "serve", "--port", str(port), "--workers", "1"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/").read()
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline and server.poll() is None, (
                    server.stderr.read() if server.poll() is not None else "timeout"
                )
                time.sleep(0.2)
        children = subprocess.run(["ps", "-o", "args=", "--ppid", str(server.pid)], capture_output=True, text=True).stdout
        assert children.count("collabstate worker --parent") == 2 and children.count("gunicorn") == 1, children

        script = Path(__file__).parent / "workspace" / "export_process.py"
        asked = subprocess.run([sys.executable, str(script), "ask", "csv", "12"], env=env, capture_output=True, text=True, timeout=120)
        assert asked.returncode == 0, asked.stderr
        job = json.loads(asked.stdout.strip().splitlines()[-1])["job"]
        deadline = time.monotonic() + 60
        while True:
            with sqlite3.connect(tmp_path / "collabstate.sqlite3", timeout=20) as db:
                state = db.execute("SELECT status, done, total FROM workspace_exportjob WHERE id = ?", (job,)).fetchone()
            if state[0] not in ("queued", "running"):
                break
            assert time.monotonic() < deadline, state
            time.sleep(0.2)
        assert state == ("done", 12, 12)
    finally:
        os.kill(server.pid, signal.SIGTERM)  # serve alone: it stops the others
        server.wait(60)
    deadline = time.monotonic() + 30
    while True:
        try:
            os.killpg(server.pid, 0)  # any process of its group left?
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, subprocess.run(
            ["ps", "-o", "pid,args", "-g", str(server.pid)], capture_output=True, text=True
        ).stdout
        time.sleep(0.2)
    assert server.returncode == 0
