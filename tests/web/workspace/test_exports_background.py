"""Exports of a wave's responses from the workspace, made in the background (issue 6): an analyst
asks, a runner writes the file with the streamed engine while progress goes into the job, the
job's page reloads itself until the file is ready, the download is that file, and nobody outside
the organisation (404) or below analyst (403) sees either. A dead runner is reported as failed;
an erasure and the retention period delete the files.

In-process tests run the runner's function (:func:`run_job`) themselves: the launcher is
replaced, so no process is started against the tests' in-memory database. One test starts the
real detached process against a site of its own (see export_process.py)."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pyreadstat
import pytest
from django.urls import reverse
from django.utils import timezone
from export_process import answers
from polars.testing import assert_frame_equal
from typer.testing import CliRunner
from workspace_helpers import complete, tokens_in_outbox

from collabstate.cli import app
from collabstate.web.surveys.exports import export_wave
from collabstate.web.surveys.models import Answer, Response
from collabstate.web.workspace import actions, export_jobs
from collabstate.web.workspace.models import AuditEntry, ExportJob

pytestmark = pytest.mark.usefixtures("launched")  # (tests/web/workspace/conftest.py)

FORMATS = ("csv", "xlsx", "sav", "parquet")
HERE = Path(__file__).parent


def store(wave, n: int, start: int = 0) -> None:
    made = Response.objects.bulk_create([Response(wave=wave, completed=True) for _ in range(n)])
    Answer.objects.bulk_create([Answer(response=r, column=c, value=v) for i, r in enumerate(made, start) for c, v in answers(i).items()])


def ask(client, wave, fmt: str, capture) -> ExportJob | None:
    """Post the exports form as a browser would; the job it redirected to."""
    with capture(execute=True):  # the runner starts once the job is committed
        response = client.post(reverse("workspace:exports", args=[wave.pk]), {"format": fmt})
    if response.status_code != 302:
        return None
    job = ExportJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert response["Location"] == reverse("workspace:export_job", args=[wave.pk, job.pk])
    return job


def page(client, job) -> str:
    response = client.get(reverse("workspace:export_job", args=[job.wave_id, job.pk]))
    assert response.status_code == 200
    return response.content.decode()


def read_back(path: Path, fmt: str):
    """A file as polars and pyreadstat read it: frames, and a .sav's labels too (CSV: its bytes)."""
    if fmt == "csv":
        return path.read_bytes()
    if fmt == "parquet":
        return pl.read_parquet(path), pl.read_parquet_metadata(path)
    if fmt == "sav":
        data, meta = pyreadstat.read_sav(str(path), output_format="polars", user_missing=True)
        return data, meta.column_names_to_labels, meta.variable_value_labels, meta.missing_ranges, meta.variable_measure
    return pl.read_excel(path, sheet_id=0)  # every sheet: the responses and the codebook


def assert_same_file(got: Path, expected: Path, fmt: str) -> None:
    a, b = read_back(got, fmt), read_back(expected, fmt)
    if fmt == "csv":
        assert a == b
    elif fmt == "xlsx":
        assert a.keys() == b.keys()
        for sheet in a:
            assert_frame_equal(a[sheet], b[sheet], check_exact=True)
    else:
        assert_frame_equal(a[0], b[0], check_exact=True)
        assert a[1:] == b[1:]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_analyst_asks_and_the_runner_writes_what_export_wave_writes(client, wave_b, analyst_b, launched, fmt, tmp_path,
                                                                       django_capture_on_commit_callbacks):  # fmt: skip
    store(wave_b, 7)
    Response.objects.create(wave=wave_b, completed=False)  # started, never completed: not exported
    client.force_login(analyst_b)
    assert "Export the responses" in client.get(reverse("workspace:wave", args=[wave_b.pk])).content.decode()  # from the dashboard
    job = ask(client, wave_b, fmt, django_capture_on_commit_callbacks)
    assert job is not None and launched == [job.pk]
    assert (job.status, job.format, job.requested_by, job.wave) == (ExportJob.QUEUED, fmt, analyst_b, wave_b)
    entry = AuditEntry.objects.get(action=AuditEntry.EXPORT)
    assert (entry.user, entry.wave, entry.detail) == (analyst_b, wave_b, f"completed responses asked for as .{fmt} (export {job.pk})")

    ran = export_jobs.run_job(job.pk, chunk=3)
    assert (ran.status, ran.done, ran.total, ran.error) == (ExportJob.DONE, 7, 7, "")
    assert ran.pid == os.getpid() and ran.host == socket.gethostname() and ran.finished_at is not None
    path = export_jobs.file_of(ran)
    assert path.parent == tmp_path / "exports" and path.suffix == f".{fmt}"

    download = client.get(reverse("workspace:export_download", args=[wave_b.pk, job.pk]))
    assert download.status_code == 200 and download.streaming
    assert download["Content-Disposition"] == f'attachment; filename="beta-wave-responses.{fmt}"'
    assert download["Content-Type"] == export_jobs.CONTENT_TYPES[fmt] and download["Cache-Control"] == "private, no-store"
    (tmp_path / "got").mkdir()
    got = tmp_path / "got" / f"downloaded.{fmt}"
    got.write_bytes(b"".join(download.streaming_content))
    expected = export_wave(wave_b, tmp_path / "got" / f"expected.{fmt}")
    assert expected.n == 7
    assert_same_file(got, expected.path, fmt)
    assert export_jobs.run_job(job.pk).status == ExportJob.DONE and launched == [job.pk]  # a second run does nothing
    assert sorted(p.name for p in (tmp_path / "exports").iterdir()) == [path.name]  # no temporary file left


def test_progress_is_written_into_the_job_after_each_chunk(wave_b, analyst_b, monkeypatch):
    store(wave_b, 5)
    job = ExportJob.objects.create(wave=wave_b, format="parquet", requested_by=analyst_b)
    seen = []
    write = export_jobs._progress

    def watched(job_id, done, total):
        write(job_id, done, total)
        seen.append(ExportJob.objects.values_list("status", "done", "total").get(pk=job_id))

    monkeypatch.setattr(export_jobs, "_progress", watched)
    assert export_jobs.run_job(job.pk, chunk=2).status == ExportJob.DONE
    assert seen == [("running", 2, 5), ("running", 4, 5), ("running", 5, 5)]


@pytest.mark.django_db(transaction=True)  # the heartbeat writes from a thread of its own, on a connection of its own
def test_a_heartbeat_is_written_while_the_engine_works_between_chunks(make_wave, monkeypatch):
    wave = make_wave()
    store(wave, 2)
    job = ExportJob.objects.create(wave=wave, format="sav")
    monkeypatch.setattr(export_jobs, "HEARTBEAT_SECONDS", 0.05)
    beats = []

    def slow(*args, **kwargs):  # a long first chunk: no progress yet, only the heartbeat
        started = ExportJob.objects.get(pk=job.pk).started_at
        deadline = time.monotonic() + 10  # a busy machine may be slow to run the heartbeat's thread
        while True:
            time.sleep(0.2)
            beat = ExportJob.objects.get(pk=job.pk).heartbeat_at
            if beat > started + dt.timedelta(seconds=0.1) or time.monotonic() > deadline:
                break
        beats.append((started, beat))
        return export_wave(*args, **kwargs)

    monkeypatch.setattr(export_jobs, "export_wave", slow)
    assert export_jobs.run_job(job.pk).status == ExportJob.DONE
    [(started, beat)] = beats
    assert beat > started + dt.timedelta(seconds=0.1)


def test_the_job_page_reloads_itself_only_when_asked_and_only_while_under_way(client, wave_b, analyst_b):
    client.force_login(analyst_b)
    job = ExportJob.objects.create(wave=wave_b, format="sav", requested_by=analyst_b)
    refresh = f'<meta http-equiv="refresh" content="{export_jobs.REFRESH_SECONDS}">'
    html = page(client, job)
    assert "http-equiv" not in html and '<div role="status"' in html and "Waiting to start." in html and "?refresh=on" in html
    assert refresh in client.get(reverse("workspace:export_job", args=[wave_b.pk, job.pk]), {"refresh": "on"}).content.decode()
    now = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.RUNNING, done=12_000, total=40_000, pid=os.getpid(),
                                               host=socket.gethostname(), started_at=now, heartbeat_at=now)  # fmt: skip
    html = page(client, job)
    assert "http-equiv" not in html and "Exporting: 12,000 of 40,000 responses." in html
    assert '<progress id="export-progress" class="export-progress" max="40000" value="12000">30%</progress>' in html
    assert "<title>30% exported: responses as SPSS with labels (.sav) – collabstate workspace</title>" in html
    assert "Download" not in html
    reloading = client.get(reverse("workspace:export_job", args=[wave_b.pk, job.pk]), {"refresh": "on"}).content.decode()
    assert refresh in reloading and "12,000 of 40,000 responses" in reloading and "Stop reloading this page" in reloading

    (export_jobs.exports_dir()).mkdir(parents=True)
    (export_jobs.exports_dir() / "job-x.sav").write_bytes(b"x" * 2048)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.DONE, done=40_000, file="job-x.sav", finished_at=now)
    html = client.get(reverse("workspace:export_job", args=[wave_b.pk, job.pk]), {"refresh": "on"}).content.decode()
    assert "http-equiv" not in html and "Ready: 40,000 of 40,000 responses." in html
    assert (
        f'href="{reverse("workspace:export_download", args=[wave_b.pk, job.pk])}"' in html
        and "Download beta-wave-responses.sav (2.0\xa0KB)" in html
    )

    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.FAILED, file="", error="Something went wrong.")
    html = page(client, job)
    assert "http-equiv" not in html and "The export failed.</strong> Something went wrong." in html and "Download" not in html


def test_a_viewer_gets_403_and_another_organisation_404(client, wave_b, viewer_b, analyst_a, make_wave, org_a, tmp_path,
                                                        django_capture_on_commit_callbacks):  # fmt: skip
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "job-b.csv").write_text("respondent_id\n")
    job = ExportJob.objects.create(wave=wave_b, format="csv", status=ExportJob.DONE, file="job-b.csv")
    wave_a = make_wave("alpha-wave", organisation=org_a, title="Alpha wave")
    urls = [reverse("workspace:export_job", args=[wave_b.pk, job.pk]), reverse("workspace:export_download", args=[wave_b.pk, job.pk]),
            reverse("workspace:exports", args=[wave_b.pk])]  # fmt: skip
    client.force_login(viewer_b)
    assert [client.get(url).status_code for url in urls] == [403, 403, 403]
    assert ask(client, wave_b, "csv", django_capture_on_commit_callbacks) is None
    assert "Export the responses" not in client.get(reverse("workspace:wave", args=[wave_b.pk])).content.decode()
    client.force_login(analyst_a)
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    assert ask(client, wave_b, "csv", django_capture_on_commit_callbacks) is None
    # B's export by way of A's own wave: not an export of that wave
    own = [reverse("workspace:export_job", args=[wave_a.pk, job.pk]), reverse("workspace:export_download", args=[wave_a.pk, job.pk])]
    assert [client.get(url).status_code for url in own] == [404, 404]
    assert ExportJob.objects.count() == 1


def _dead_pid() -> int:
    finished = subprocess.Popen(["true"])
    finished.wait()
    return finished.pid


def test_a_dead_runner_is_reported_as_failed(client, wave_b, analyst_b):
    client.force_login(analyst_b)
    now = timezone.now()
    here = socket.gethostname()
    live = ExportJob.objects.create(wave=wave_b, format="csv", status=ExportJob.RUNNING, pid=os.getpid(), host=here, heartbeat_at=now)
    died = ExportJob.objects.create(wave=wave_b, format="sav", status=ExportJob.RUNNING, pid=_dead_pid(), host=here, heartbeat_at=now)
    silent = ExportJob.objects.create(wave=wave_b, format="xlsx", status=ExportJob.RUNNING, pid=1, host="another-machine",
                                      heartbeat_at=now - dt.timedelta(minutes=11))  # fmt: skip
    never = ExportJob.objects.create(wave=wave_b, format="parquet")
    ExportJob.objects.filter(pk=never.pk).update(created_at=now - dt.timedelta(minutes=3))
    waiting = ExportJob.objects.create(wave=wave_b, format="csv")

    assert "Exporting: counting the responses." in page(client, live)
    html = page(client, died)
    assert "The export failed.</strong> The export stopped before it finished: its process ended" in html and "http-equiv" not in html
    assert "The export stopped responding before it finished" in page(client, silent)
    assert "The export never started" in page(client, never)
    assert "Waiting to start." in page(client, waiting)
    statuses = dict(ExportJob.objects.values_list("pk", "status"))
    assert statuses == {live.pk: "running", died.pk: "failed", silent.pk: "failed", never.pk: "failed", waiting.pk: "queued"}
    listed = client.get(reverse("workspace:exports", args=[wave_b.pk])).content.decode()
    assert listed.count("<td>Failed</td>") == 3 and listed.count("Running: 0 of 0 responses") == 1


def test_a_runner_that_cannot_start_fails_the_job(client, wave_b, analyst_b, monkeypatch, django_capture_on_commit_callbacks):
    def refuse(job):
        raise OSError("no such file")

    monkeypatch.setattr(export_jobs, "launch", refuse)
    client.force_login(analyst_b)
    job = ask(client, wave_b, "csv", django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == ExportJob.FAILED and job.error.startswith("The export could not be started (no such file).")


def test_answers_that_do_not_fit_are_written_blank_and_listed_on_the_jobs_page(client, wave_b, analyst_b, tmp_path, capsys):
    """Issue 14, item 1: one respondent's answer that no longer fits never blocks the wave's export."""
    store(wave_b, 3)
    Answer.objects.filter(column="q7_importance").update(value="7")  # not a code of the question
    job = ExportJob.objects.create(wave=wave_b, format="sav", requested_by=analyst_b)
    ran = export_jobs.run_job(job.pk)
    assert ran.status == ExportJob.DONE and ran.n_problems == 3 and ran.done == 3
    data, _meta = pyreadstat.read_sav(str(export_jobs.file_of(ran)), output_format="polars", user_missing=True)
    assert data["q7_importance"].null_count() == 3 and data["q6_success"].null_count() == 0
    assert "3 stored answers do not fit the questionnaire and are written blank" in capsys.readouterr().out  # the job's log
    client.force_login(analyst_b)
    shown = page(client, ran)
    assert "3 stored answers do not fit the questionnaire and are blank (not answered) in the file" in shown
    assert "wave beta-wave, row 1, column q7_importance: &#x27;7&#x27; is not valid" in shown


def test_the_csv_export_neutralises_formulas_unless_asked_for_text_as_typed(client, wave_b, analyst_b, django_capture_on_commit_callbacks):
    store(wave_b, 1)
    Answer.objects.filter(column="q8_why").update(value="@SUM(1+1)*cmd|' /C calc'!A0")
    client.force_login(analyst_b)
    files = {}
    for raw in (False, True):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("workspace:exports", args=[wave_b.pk]), {"format": "csv", **({"raw_text": "on"} if raw else {})})
        job = ExportJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
        assert job.raw_text is raw
        files[raw] = export_jobs.file_of(export_jobs.run_job(job.pk)).read_text(encoding="utf-8")  # type: ignore[union-attr]
        assert ("exactly as typed" in page(client, job)) is raw
    assert "'@SUM(1+1)" in files[False] and ",@SUM(1+1)" not in files[False]
    assert ",@SUM(1+1)" in files[True]
    assert "text exactly as typed" in AuditEntry.objects.filter(wave=wave_b).first().detail  # type: ignore[union-attr]


def test_one_export_of_a_wave_and_format_at_a_time_and_at_most_so_many_at_once(client, wave_b, analyst_b, settings, launched,
                                                                                django_capture_on_commit_callbacks):  # fmt: skip
    settings.EXPORT_JOBS_AT_ONCE = 1
    client.force_login(analyst_b)
    first = ask(client, wave_b, "sav", django_capture_on_commit_callbacks)
    assert ask(client, wave_b, "sav", django_capture_on_commit_callbacks) == first  # asked twice: the same one
    with django_capture_on_commit_callbacks(execute=True):
        busy = client.post(reverse("workspace:exports", args=[wave_b.pk]), {"format": "csv"})
    assert busy.status_code == 200 and "This server makes at most 1 export at once and is busy" in busy.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        wrong = client.post(reverse("workspace:exports", args=[wave_b.pk]), {"format": "pdf"})
    assert "Choose one of the formats listed" in wrong.content.decode()
    assert launched == [first.pk] and ExportJob.objects.count() == 1


def test_erasing_a_respondent_deletes_the_exports_that_may_hold_their_answers(client, wave_b, owner_b, monkeypatch, tmp_path,
                                                                             django_capture_on_commit_callbacks):  # fmt: skip
    actions.send(wave_b)
    complete(client, tokens_in_outbox()["ami@example.org"])
    store(wave_b, 3)
    made = export_jobs.run_job(ExportJob.objects.create(wave=wave_b, format="csv").pk)
    path = export_jobs.file_of(made)
    assert made.status == ExportJob.DONE and path.is_file()
    queued = ExportJob.objects.create(wave=wave_b, format="xlsx")
    client.force_login(owner_b)
    bo = wave_b.invitees.get(email="bo@example.org")  # invited, never answered: the exports stay
    client.post(reverse("workspace:erase", args=[wave_b.pk]), {"invitee": bo.pk})
    assert ExportJob.objects.get(pk=made.pk).status == ExportJob.DONE and path.is_file()

    ami = wave_b.invitees.get(email="ami@example.org")
    with django_capture_on_commit_callbacks(execute=True):  # the files go once the erasure is committed
        client.post(reverse("workspace:erase", args=[wave_b.pk]), {"invitee": ami.pk})
    assert not path.exists()
    assert dict(ExportJob.objects.values_list("pk", "status")) == {made.pk: "deleted", queued.pk: "deleted"}
    assert AuditEntry.objects.filter(action=AuditEntry.ERASE).latest("pk").detail.endswith("; 2 exports of the wave's responses deleted")
    download = client.get(reverse("workspace:export_download", args=[wave_b.pk, made.pk]))
    assert download.status_code == 302 and download["Location"] == reverse("workspace:export_job", args=[wave_b.pk, made.pk])
    assert "The file has been deleted.</strong> Deleted because a respondent&#x27;s answers were erased" in page(client, made)
    assert export_jobs.run_job(queued.pk).status == ExportJob.DELETED  # its runner, coming late, does nothing

    # an export running while someone is erased: its runner stops at its next chunk and leaves no file
    running = ExportJob.objects.create(wave=wave_b, format="parquet")
    write = export_jobs._progress

    def erase_meanwhile(job_id, done, total):
        write(job_id, done, total)
        if done == 1:
            export_jobs.withdraw(wave_b, "erased")

    monkeypatch.setattr(export_jobs, "_progress", erase_meanwhile)
    ran = export_jobs.run_job(running.pk, chunk=1)
    assert (ran.status, ran.done, ran.file) == (ExportJob.DELETED, 1, "")
    assert [p.name for p in (tmp_path / "exports").iterdir()] == []


def test_purge_deletes_export_files_after_the_retention_period(wave_b, settings, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    now = timezone.now()
    old = ExportJob.objects.create(
        wave=wave_b, format="csv", status=ExportJob.DONE, file="job-old.csv", finished_at=now - dt.timedelta(days=8)
    )
    new = ExportJob.objects.create(
        wave=wave_b, format="csv", status=ExportJob.DONE, file="job-new.csv", finished_at=now - dt.timedelta(days=6)
    )
    for name in ("job-old.csv", "job-new.csv", "stray-old.sav", "stray-new.sav"):
        (folder / name).write_text("x")
    day_ago = time.time() - 25 * 3600
    os.utime(folder / "stray-old.sav", (day_ago, day_ago))
    result = CliRunner().invoke(app, ["wave", "purge"])
    assert result.exit_code == 0 and "1 export files deleted" in result.output, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["job-new.csv", "stray-new.sav"]
    old.refresh_from_db()
    assert (old.status, old.file) == (ExportJob.DELETED, "") and old.error.startswith("Deleted 7 days after it was made")
    assert ExportJob.objects.get(pk=new.pk).status == ExportJob.DONE


def _status(database: Path, job: int) -> tuple:
    with sqlite3.connect(database, timeout=20) as db:
        return db.execute("SELECT status, done, total, pid FROM workspace_exportjob WHERE id = ?", (job,)).fetchone()


def test_the_real_runner_is_a_detached_process_that_outlives_the_request(tmp_path):
    """The site of its own: a file database under tmp_path; the request is made by a process that
    exits at once; the runner it started writes the file; then the download is that file."""
    env = {**os.environ, "COLLABSTATE_VAR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "collabstate.web.settings"}
    env.pop("DATABASE_URL", None)
    script = [sys.executable, str(HERE / "export_process.py")]
    asked = subprocess.run([*script, "ask", "sav", "30"], env=env, capture_output=True, text=True, timeout=120)
    assert asked.returncode == 0, asked.stderr
    made = json.loads(asked.stdout.strip().splitlines()[-1])
    assert made["location"] == f"/workspace/waves/{made['wave']}/exports/{made['job']}/"
    database = tmp_path / "collabstate.sqlite3"
    # the asking process has gone; the runner goes on (it may already have finished 30 responses)
    assert _status(database, made["job"])[0] in ("queued", "running", "done")

    deadline = time.monotonic() + 120
    while (state := _status(database, made["job"]))[0] in ("queued", "running"):
        assert time.monotonic() < deadline, (
            f"the export did not finish in 120 s: {state}; log: {list((tmp_path / 'exports').glob('*.log'))}"
        )
        time.sleep(0.2)
    ready = f"export {made['job']} of readiness-2026 as SPSS with labels (.sav): ready, 30 of 30 responses"
    log_file = tmp_path / "exports" / f"job-{made['job']}.log"
    # the runner marks the job done, then writes its last log line: give it up to 10 s to do so
    settle = time.monotonic() + 10
    while ready not in (log := log_file.read_text() if log_file.exists() else "") and time.monotonic() < settle:
        time.sleep(0.1)
    assert state[:3] == ("done", 30, 30), log
    assert state[3] not in (None, made["pid"], os.getpid())  # a process of its own
    assert ready in log

    fetched = subprocess.run([*script, "fetch", str(made["job"]), str(tmp_path)], env=env, capture_output=True, text=True, timeout=120)
    assert fetched.returncode == 0, fetched.stderr
    seen = json.loads(fetched.stdout.strip().splitlines()[-1])
    assert (seen["status"], seen["streaming"], seen["disposition"]) == (200, True, 'attachment; filename="readiness-2026-responses.sav"')
    assert "http-equiv" not in seen["page"] and "Ready: 30 of 30 responses." in seen["page"]
    assert_same_file(tmp_path / "downloaded.sav", tmp_path / "expected.sav", "sav")
