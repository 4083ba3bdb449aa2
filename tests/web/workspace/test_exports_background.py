"""Exports of a wave's responses from the workspace, made in the background (issues 6 and 14): an
analyst asks, a task goes on the queue with the job, a worker writes the file with the streamed
engine while progress goes into the job, the job's page reloads itself until the file is ready, the
download is that file, and nobody outside the organisation (404) or below analyst (403) sees
either. A dead worker is reported as failed; a stopped one puts the export back on the queue; an
erasure and the retention period delete the files.

In-process tests run the job's function (:func:`run_job`), or the queue's worker (``work_off``),
themselves, in the tests' in-memory database. Two tests start real worker processes
(``collabstate worker``) against a site of its own (see export_process.py): one runs the export,
one is killed in the middle of it."""

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
from collabstate.web.workspace import actions, export_jobs, jobs
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


def export_page(job) -> str:
    """The job's page as its analyst sees it."""
    from django.test import Client

    client = Client()
    client.force_login(job.requested_by)
    return page(client, job)


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
    monkeypatch.setattr(jobs, "HEARTBEAT_SECONDS", 0.05)
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


def test_a_dead_worker_is_reported_as_failed(client, wave_b, analyst_b):
    client.force_login(analyst_b)
    now = timezone.now()
    here = socket.gethostname()
    live = ExportJob.objects.create(wave=wave_b, format="csv", status=ExportJob.RUNNING, pid=os.getpid(), host=here, heartbeat_at=now)
    died = ExportJob.objects.create(wave=wave_b, format="sav", status=ExportJob.RUNNING, pid=_dead_pid(), host=here, heartbeat_at=now)
    silent = ExportJob.objects.create(wave=wave_b, format="xlsx", status=ExportJob.RUNNING, pid=1, host="another-machine",
                                      heartbeat_at=now - dt.timedelta(minutes=11))  # fmt: skip
    never = ExportJob.objects.create(wave=wave_b, format="parquet", task_id="0f0e0d0c-0b0a-4908-8706-050403020100")  # no such task
    first = ExportJob.objects.create(wave=wave_b, format="xlsx")
    jobs.enqueue(export_jobs.run_export, first)
    waiting = ExportJob.objects.create(wave=wave_b, format="csv")
    jobs.enqueue(export_jobs.run_export, waiting)  # on the queue behind the first, with no worker about

    assert "Exporting: counting the responses." in page(client, live)
    html = page(client, died)
    assert "The export failed.</strong> The export stopped before it finished: its process ended" in html and "http-equiv" not in html
    assert "The export stopped responding before it finished" in page(client, silent)
    assert "The export never started: its task has left the queue" in page(client, never)
    html = page(client, waiting)
    assert "Waiting to start. 1 task ahead of it." in html and "No worker has been seen for a few minutes" in html
    jobs.note_worker()
    assert "No worker has been seen" not in page(client, waiting)
    statuses = dict(ExportJob.objects.values_list("pk", "status"))
    assert statuses == {live.pk: "running", died.pk: "failed", silent.pk: "failed", never.pk: "failed", first.pk: "queued",
                        waiting.pk: "queued"}  # fmt: skip
    listed = client.get(reverse("workspace:exports", args=[wave_b.pk])).content.decode()
    assert listed.count("<td>Failed</td>") == 3 and listed.count("Running: 0 of 0 responses") == 1


def test_the_queue_s_worker_runs_the_export_once(client, wave_b, analyst_b, launched, work_off, django_capture_on_commit_callbacks):
    store(wave_b, 4)
    client.force_login(analyst_b)
    job = ask(client, wave_b, "parquet", django_capture_on_commit_callbacks)
    assert launched == [job.pk] and job.task_id
    [task] = work_off()
    assert (str(task.pk), task.status, task.task_path, task.args_kwargs) == (
        job.task_id,
        "SUCCESSFUL",
        "collabstate.web.workspace.export_jobs.run_export",
        {"args": [job.pk], "kwargs": {}},
    )
    assert task.return_value == ExportJob.DONE
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (ExportJob.DONE, 4, 4) and export_jobs.file_of(job).is_file()
    export_jobs.run_export.enqueue(job.pk)  # run again (a task given twice): the job is left as it was
    assert [t.status for t in work_off()] == ["SUCCESSFUL", "SUCCESSFUL"]
    assert ExportJob.objects.get(pk=job.pk).file == job.file


@pytest.mark.parametrize("signal", [SystemExit(1), KeyboardInterrupt()])
def test_a_worker_stopped_mid_export_puts_it_back_on_the_queue(wave_b, analyst_b, launched, work_off, monkeypatch, tmp_path, signal):
    store(wave_b, 5)
    job, _ = export_jobs.request_export(wave_b, "csv", analyst_b)
    write, told = export_jobs._progress, []

    def stopped(job_id, done, total):  # the worker is told to stop (a second SIGTERM) after the first chunk, once
        write(job_id, done, total)
        if not told:
            told.append(done)
            raise signal

    monkeypatch.setattr(export_jobs, "_progress", stopped)
    jobs.claim(ExportJob, job.pk)  # as the worker does, then the job's own function
    jobs.update(ExportJob, job.pk, status=ExportJob.QUEUED)
    with pytest.raises(type(signal)):
        export_jobs.run_job(job.pk, chunk=2)
    again = ExportJob.objects.get(pk=job.pk)
    assert (again.status, again.done, again.file, again.pid) == (ExportJob.QUEUED, 0, "", None)
    assert again.step == "Interrupted when the server stopped: it starts again from the beginning" and again.task_id != job.task_id
    assert [p.name for p in (tmp_path / "exports").iterdir()] == []  # no half-written file
    assert "Waiting to start. 1 task ahead of it. Interrupted when the server stopped" in export_page(again)

    # the queue's worker: the first task (not run by a worker here, so still waiting) runs it; the new one finds it done
    tasks = work_off()
    assert [(str(t.pk), t.status) for t in tasks] == [(job.task_id, "SUCCESSFUL"), (again.task_id, "SUCCESSFUL")]
    assert [t.return_value for t in tasks] == [ExportJob.DONE, ExportJob.DONE]
    done = ExportJob.objects.get(pk=job.pk)
    assert (done.status, done.done, done.total, done.step) == (ExportJob.DONE, 5, 5, again.step)
    assert [p.name for p in (tmp_path / "exports").iterdir()] == [done.file]


def test_a_worker_told_twice_to_stop_fails_the_task_it_runs_and_queues_a_new_one(wave_b, analyst_b, launched, work_off, monkeypatch):
    """In the worker (django-tasks-db's), a second SIGTERM exits from inside the task: the task's row is
    failed with the exit, and the export's new task runs it from the start."""
    store(wave_b, 3)
    job, _ = export_jobs.request_export(wave_b, "sav", analyst_b)
    write, told = export_jobs._progress, []

    def stopped(job_id, done, total):
        write(job_id, done, total)
        if not told:
            told.append(done)
            raise SystemExit(1)

    monkeypatch.setattr(export_jobs, "_progress", stopped)
    first, second = work_off()
    assert (str(first.pk), first.status, first.exception_class_path) == (job.task_id, "FAILED", "builtins.SystemExit")
    done = ExportJob.objects.get(pk=job.pk)
    assert (second.status, str(second.pk), done.status, done.done) == ("SUCCESSFUL", done.task_id, ExportJob.DONE, 3)


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
    from django_tasks_db.models import DBTaskResult

    ran = [export_jobs.run_export.enqueue(job.pk).id for job in (old, new)]  # their tasks' rows: finished 8 and 6 days ago
    for task_id, job in zip(ran, (old, new)):
        DBTaskResult.objects.filter(pk=task_id).update(status="SUCCESSFUL", finished_at=job.finished_at)
    result = CliRunner().invoke(app, ["wave", "purge"])
    assert result.exit_code == 0 and "1 export files deleted" in result.output, result.output
    assert [str(t) for t in DBTaskResult.objects.values_list("pk", flat=True)] == [ran[1]]  # the queue keeps 7 days too
    assert sorted(p.name for p in folder.iterdir()) == ["job-new.csv", "stray-new.sav"]
    old.refresh_from_db()
    assert (old.status, old.file) == (ExportJob.DELETED, "") and old.error.startswith("Deleted 7 days after it was made")
    assert ExportJob.objects.get(pk=new.pk).status == ExportJob.DONE


def _status(database: Path, job: int) -> tuple:
    with sqlite3.connect(database, timeout=20) as db:
        return db.execute("SELECT status, done, total, pid FROM workspace_exportjob WHERE id = ?", (job,)).fetchone()


def _site(tmp_path) -> tuple[dict, list[str]]:
    env = {**os.environ, "COLLABSTATE_VAR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "collabstate.web.settings"}
    env.pop("DATABASE_URL", None)
    return env, [sys.executable, str(HERE / "export_process.py")]


def _ask(tmp_path, env, script, fmt: str, n: int) -> dict:
    asked = subprocess.run([*script, "ask", fmt, str(n)], env=env, capture_output=True, text=True, timeout=120)
    assert asked.returncode == 0, asked.stderr
    made = json.loads(asked.stdout.strip().splitlines()[-1])
    assert made["location"] == f"/workspace/waves/{made['wave']}/exports/{made['job']}/"
    assert _status(tmp_path / "collabstate.sqlite3", made["job"])[0] == "queued"  # the request only put it on the queue
    return made


def _fetch(tmp_path, env, script, job: int) -> dict:
    fetched = subprocess.run([*script, "fetch", str(job), str(tmp_path)], env=env, capture_output=True, text=True, timeout=120)
    assert fetched.returncode == 0, fetched.stderr
    return json.loads(fetched.stdout.strip().splitlines()[-1])


def test_a_real_worker_process_runs_the_export_asked_for_by_another(tmp_path):
    """The site of its own: a file database under tmp_path; the request is made by a process that
    exits at once, leaving the export on the queue; ``collabstate worker --batch``, a process of
    its own, runs it; then the download is that file."""
    env, script = _site(tmp_path)
    made = _ask(tmp_path, env, script, "sav", 30)
    worker = subprocess.run([str(Path(sys.executable).parent / "collabstate"), "worker", "--batch"], env=env, capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    assert worker.returncode == 0, worker.stderr
    state = _status(tmp_path / "collabstate.sqlite3", made["job"])
    assert state[:3] == ("done", 30, 30) and state[3] not in (None, made["pid"], os.getpid())  # a process of its own

    seen = _fetch(tmp_path, env, script, made["job"])
    assert (seen["status"], seen["streaming"], seen["disposition"]) == (200, True, 'attachment; filename="readiness-2026-responses.sav"')
    assert "http-equiv" not in seen["page"] and "Ready: 30 of 30 responses." in seen["page"]
    assert seen["task"][0] == "SUCCESSFUL" and seen["task"][1][0].endswith(f"-{state[3]}")  # the worker that ran it
    assert_same_file(tmp_path / "downloaded.sav", tmp_path / "expected.sav", "sav")


def test_a_worker_killed_mid_export_has_it_reported_failed_and_nothing_half_written(tmp_path):
    """A worker (the queue's own loop, exports made slowly) gets SIGKILL while it writes the file:
    the job's page says it failed and why, its task is marked failed on the queue, no file is
    left to download, and the next export of the wave is made by the next worker."""
    env, script = _site(tmp_path)
    made = _ask(tmp_path, env, script, "csv", 40)
    database = tmp_path / "collabstate.sqlite3"
    worker = subprocess.Popen([*script, "slow-worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while (state := _status(database, made["job"]))[1] < 10:  # two chunks written
            assert time.monotonic() < deadline and worker.poll() is None, (state, worker.poll())
            time.sleep(0.1)
    finally:
        worker.kill()
        worker.wait()
    assert state[0] == "running" and state[3] == worker.pid and _status(database, made["job"])[0] == "running"

    seen = _fetch(tmp_path, env, script, made["job"])
    assert seen["job"][0] == "failed" and seen["status"] == 302  # no download: back to the job's page
    assert "The export failed.</strong> The export stopped before it finished: its process ended" in seen["page"]
    assert seen["task"][0] == "FAILED" and seen["task"][2].startswith("The export stopped before it finished")
    assert [p.name for p in (tmp_path / "exports").iterdir()] == []  # the half-written file was never renamed into place

    worker = subprocess.run([str(Path(sys.executable).parent / "collabstate"), "worker", "--batch"], env=env, capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    assert worker.returncode == 0, worker.stderr
    assert _status(database, made["job"])[0] == "failed"  # never run twice
