"""A wave's responses as a file, made in the background (issue 6): an analyst asks for one
(:func:`request_export`), a process of its own writes it with the streamed export engine
(:func:`~collabstate.web.surveys.exports.export_wave`), the job's page shows its progress, and
the file waits under ``VAR_DIR/exports/`` to be downloaded.

The runner is ``collabstate wave export-job <number>`` (:func:`run_job`), started by
:func:`launch` as a detached process: in a session of its own, and through a starter that exits
at once, so it is nobody's child (never left a zombie of a web worker, and a worker's restart or
a Ctrl-C in the terminal of ``collabstate serve`` does not reach it). It survives the request
that asked for it. No worker service to deploy or keep running: every export is one short-lived
process, at most ``EXPORT_JOBS_AT_ONCE`` (setting; default 2) at a time across the site.

A job goes ``queued`` -> ``running`` (the runner claims it, writing its process number, machine
and a heartbeat) -> ``done`` or ``failed``. Progress (``done`` of ``total`` responses) is written
after each chunk of the engine; a heartbeat thread writes the time every 15 seconds between chunks.
:func:`check` reports as failed, with a plain message, a job whose runner is gone: its process
has ended on this machine, its heartbeat is older than 10 minutes, or it was never picked up.

A job may also make the wave's report (:func:`request_report`; the PDF always, the other files
of a large wave), with the same cached build as the live results and ``collabstate report``
(:func:`.results.report`): its progress is the build's steps, and its file a copy of the built one.

A ``done`` job's file is deleted, and the job marked ``deleted`` with the reason, when a
respondent of the wave is erased (:func:`withdraw`: every export made or being made may hold their
answers, and so may a report of another wave compared with it) and ``EXPORT_DAYS`` (setting; default 7) days after it was made (:func:`purge_exports`, run by
``collabstate wave purge``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import threading
import traceback
import uuid
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ...errors import RefusedError
from ..surveys.exports import CHUNK, count_responses, export_wave
from ..surveys.models import Wave
from . import results
from .models import AuditEntry, ExportJob

__all__ = [
    "CONTENT_TYPES",
    "DIRECT_UP_TO",
    "REFRESH_SECONDS",
    "ExportRefused",
    "check",
    "content_type",
    "download_name",
    "exports_dir",
    "file_of",
    "in_background",
    "launch",
    "purge_exports",
    "report_choice",
    "request_export",
    "request_report",
    "run_job",
    "withdraw",
]  # fmt: skip

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sav": "application/x-spss-sav",
    "parquet": "application/vnd.apache.parquet",
}
#: A report's HTML, workbook or estimate table is made in the request up to this many completed
#: responses (or when it is built already); beyond, and for the PDF always, by a job.
DIRECT_UP_TO = 5_000
#: The job's page reloads itself this often while the job is under way.
REFRESH_SECONDS = 10
HEARTBEAT_SECONDS = 15
#: A running job whose heartbeat is older than this has lost its runner (on another machine, or
#: its process number was taken by another process); the final write of a large .sav file can
#: hold the heartbeat thread back, hence minutes rather than seconds.
STALE_AFTER = dt.timedelta(minutes=10)
#: A queued job not picked up by its runner within this has lost it.
START_WITHIN = dt.timedelta(minutes=2)
#: Files not named by any job (a deleted wave's, a killed runner's) are deleted this long after their last change.
STRAY_AFTER = dt.timedelta(days=1)
#: Runs in a second interpreter: starts the runner (the arguments) and exits, leaving it to init.
_DETACH = "import subprocess, sys; subprocess.Popen(sys.argv[1:])"
_AGAIN = "Ask for the export again; if it fails again, tell your administrator"


class ExportRefused(RefusedError):
    """An export that cannot be asked for now, with a message for the person who asked."""


class _Withdrawn(Exception):
    """The job was withdrawn while it ran (an erasure in its wave)."""


def exports_dir() -> Path:
    return Path(settings.VAR_DIR) / "exports"


def file_of(job: ExportJob) -> Path | None:
    return exports_dir() / job.file if job.file else None


def download_name(job: ExportJob) -> str:
    """``leaders-2026-responses.sav``; a report's as the live results name it (``leaders-2026-by-role-report.pdf``)."""
    if job.is_report:
        return f"{results.file_stem(job.wave, report_choice(job))}-{results.DOWNLOADS[job.what][2]}"
    return f"{job.wave.slug}-responses.{job.format}"


def content_type(job: ExportJob) -> str:
    return results.DOWNLOADS[job.what][3] if job.is_report else CONTENT_TYPES[job.format]


def report_choice(job: ExportJob) -> results.Choice:
    """The breakdown and comparison a report job was asked for."""
    return results.Choice(by=None if job.by == "none" else job.by, earlier=tuple(job.compared.all()))


def in_background(wave: Wave, what: str, choice: results.Choice) -> bool:
    """Whether the report's download ``what`` is made by a job: not when it is built already; the
    PDF always (it is the slow one); the others beyond ``DIRECT_UP_TO`` completed responses."""
    if results.cached(wave, choice, results.DOWNLOADS[what][0]) is not None:
        return False
    return what == "pdf" or count_responses(wave) > DIRECT_UP_TO


# --- asking ----------------------------------------------------------------------------------


def request_export(wave: Wave, fmt: str, user, *, raw_text: bool = False) -> tuple[ExportJob, bool]:
    """A new job exporting ``wave``'s completed responses as ``fmt``, its runner started once the
    job is committed, with an audit entry; or the job already under way for the same wave and
    format (then ``False``). ``raw_text``: a CSV's text exactly as typed, formulas not neutralised
    (:mod:`collabstate.dataset.csv_text`). Raises :class:`ExportRefused` for an unknown format or
    when ``EXPORT_JOBS_AT_ONCE`` jobs are under way."""
    if fmt not in CONTENT_TYPES:
        raise ExportRefused(f"format {fmt!r}: expected one of {', '.join(CONTENT_TYPES)}")
    raw_text = raw_text and fmt == "csv"
    detail = f"completed responses asked for as .{fmt}" + (", text exactly as typed (formulas not neutralised)" if raw_text else "")
    return _ask(ExportJob(wave=wave, format=fmt, requested_by=user, raw_text=raw_text), detail)


def request_report(wave: Wave, what: str, choice: results.Choice, user) -> tuple[ExportJob, bool]:
    """A new job making the report's download ``what`` (``pdf``, ``html``, ``xlsx``, ``json``) for
    ``choice`` (as the live results' form gives it), as :func:`request_export` does for responses."""
    if what not in results.DOWNLOADS:
        raise ExportRefused(f"report {what!r}: expected one of {', '.join(results.DOWNLOADS)}")
    job = ExportJob(wave=wave, format=ExportJob.REPORT + what, requested_by=user, by=choice.by or "none")
    compared = ", ".join(str(w.pk) for w in choice.earlier)
    return _ask(job, f"report asked for as .{what}" + (f" by {job.by}" if choice.by else "")
                + (f", compared with wave{'s' if len(choice.earlier) > 1 else ''} {compared}" if compared else ""), compared=choice.earlier)  # fmt: skip


def _ask(new: ExportJob, detail: str, compared: tuple[Wave, ...] = ()) -> tuple[ExportJob, bool]:
    """``new`` saved (with the waves a report compares with) and its runner started once
    committed, or the same job under way."""
    under_way = [
        check(job) for job in ExportJob.objects.filter(status__in=ExportJob.UNDER_WAY).prefetch_related("compared")
    ]  # dead runners free their place
    key = (new.wave_id, new.format, new.by, new.raw_text, frozenset(w.pk for w in compared))
    same = [
        job for job in under_way
        if job.under_way and (job.wave_id, job.format, job.by, job.raw_text, frozenset(w.pk for w in job.compared.all())) == key
    ]  # fmt: skip
    if same:
        return same[0], False
    if sum(job.under_way for job in under_way) >= settings.EXPORT_JOBS_AT_ONCE:
        most = settings.EXPORT_JOBS_AT_ONCE
        raise ExportRefused(
            f"This server makes at most {most} export{'s' if most != 1 else ''} at once and is busy; ask again in a few minutes"
        )
    wave = new.wave
    with transaction.atomic():
        new.save()
        if compared:
            new.compared.set(compared)
        AuditEntry.objects.create(organisation=wave.organisation, wave=wave, user=new.requested_by, action=AuditEntry.EXPORT,
                                  detail=f"{detail} (export {new.pk})")  # fmt: skip
        transaction.on_commit(lambda: start(new))
    return new, True


def start(job: ExportJob) -> None:
    """Launch the job's runner; a runner that cannot be started fails the job at once."""
    try:
        launch(job)
    except (OSError, subprocess.SubprocessError) as exc:
        _finish(job.pk, ExportJob.QUEUED, status=ExportJob.FAILED, error=f"The export could not be started ({exc}). {_AGAIN}.")


def launch(job: ExportJob) -> None:
    """Start ``collabstate wave export-job <number>`` detached (see the module's notes); its
    output goes to ``VAR_DIR/exports/job-<number>.log``. Returns once it has started."""
    folder = exports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "collabstate", "wave", "export-job", str(job.pk)]
    env = {**os.environ, "COLLABSTATE_VAR": str(settings.VAR_DIR)}
    env.setdefault("DJANGO_SETTINGS_MODULE", "collabstate.web.settings")
    with open(folder / f"job-{job.pk}.log", "ab") as log:
        starter = subprocess.Popen([sys.executable, "-c", _DETACH, *command], stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, env=env, start_new_session=True)  # fmt: skip
    if starter.wait(timeout=60):
        raise OSError(f"its starter ended with status {starter.returncode}")


# --- running ---------------------------------------------------------------------------------


def _update(job_id: int, still: str = ExportJob.RUNNING, **fields) -> bool:
    """Change the job if its status is still ``still`` (an erasure or :func:`check` may have ended it)."""
    return bool(ExportJob.objects.filter(pk=job_id, status=still).update(**fields))


def _finish(job_id: int, still: str = ExportJob.RUNNING, **fields) -> bool:
    return _update(job_id, still, finished_at=timezone.now(), **fields)


class _Heartbeat(threading.Thread):
    """Writes the time into the job every ``HEARTBEAT_SECONDS`` while the runner works."""

    def __init__(self, job_id: int) -> None:
        super().__init__(name=f"export-{job_id}-heartbeat", daemon=True)
        self.job_id, self.stopped = job_id, threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(HEARTBEAT_SECONDS):
                with contextlib.suppress(DatabaseError):  # a busy database: the next beat will do
                    _update(self.job_id, heartbeat_at=timezone.now())
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join()


def _progress(job_id: int, done: int, total: int) -> None:
    if not _update(job_id, done=done, total=total, heartbeat_at=timezone.now()):
        raise _Withdrawn


def _step(job_id: int, done: int, message: str) -> None:
    """A report's step ``done`` (counted from 1) has begun."""
    if not _update(job_id, done=done, step=message[:200], heartbeat_at=timezone.now()):
        raise _Withdrawn


def _write_report(job: ExportJob, path: Path) -> dict:
    """Build (or find) the job's report with the live results' cached build, copy its file to
    ``path``; the job's fields once done."""
    build, name = results.DOWNLOADS[job.what][:2]
    total = results.STEPS[build]
    _update(job.pk, total=total, step="Reading the responses")
    steps = iter(range(1, 1_000))
    built = results.report(job.wave, report_choice(job), build, progress=lambda message: _step(job.pk, min(next(steps), total), message))
    if built is None:
        raise results.Unreportable("nobody has completed the survey yet")
    shutil.copyfile(built.path(name), path)
    return {"done": total, "total": total, "step": f"the report of {built.n:,} completed response{'s' if built.n != 1 else ''}"}


def run_job(job_id: int, *, chunk: int | None = None) -> ExportJob:
    """Run the queued job ``job_id`` in this process (what ``collabstate wave export-job`` does):
    claim it, write the file with the engine, writing progress into the job, and mark it done or
    failed. A job that is not queued (already run, or withdrawn) is left as it is. Returns the job."""
    now = timezone.now()
    claimed = _update(job_id, ExportJob.QUEUED, status=ExportJob.RUNNING, pid=os.getpid(), host=socket.gethostname(),
                      started_at=now, heartbeat_at=now)  # fmt: skip
    job = ExportJob.objects.select_related("wave").get(pk=job_id)
    if not claimed:
        return job
    wave = job.wave
    if not job.is_report:
        _update(job_id, total=count_responses(wave))
    name = f"job-{job.pk}-{uuid.uuid4().hex[:12]}.{job.what}"
    path = exports_dir() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    heartbeat = _Heartbeat(job_id)
    heartbeat.start()
    try:
        if job.is_report:
            fields = _write_report(job, path)
        else:
            written = export_wave(wave, path, job.format, chunk=chunk or CHUNK, raw_text=job.raw_text,
                                  progress=lambda done, total: _progress(job_id, done, total))  # fmt: skip
            summary = written.summary()
            for line in summary:  # into the job's log
                print(line, flush=True)
            fields = {"done": written.n, "total": written.n, "n_problems": written.n_problems, "problems": "\n".join(summary[1:])}
    except _Withdrawn:
        path.unlink(missing_ok=True)
    except results.Unreportable as exc:
        _finish(job_id, status=ExportJob.FAILED, error=f"No report can be made of this wave's responses: {exc}")
    except ValueError as exc:  # a value the format cannot hold, named by the engine
        _finish(job_id, status=ExportJob.FAILED, error=f"The export failed: {str(exc).replace(str(path.parent) + os.sep, '')}")
    except Exception:
        traceback.print_exc()  # into the job's log
        _finish(job_id, status=ExportJob.FAILED, error=f"The export failed because of an error on the server (export {job_id}). {_AGAIN}.")
    else:
        if not _finish(job_id, status=ExportJob.DONE, file=name, heartbeat_at=timezone.now(), **fields):
            path.unlink(missing_ok=True)  # withdrawn while the file was written
    finally:
        heartbeat.stop()
    job.refresh_from_db()
    return job


# --- watching --------------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (a zombie does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _gone(job: ExportJob, now: dt.datetime) -> str:
    """Why the job's runner is known to be gone ("" when it is not)."""
    if job.status == ExportJob.QUEUED:
        return f"The export never started. {_AGAIN}." if now - job.created_at > START_WITHIN else ""
    if job.pid and job.host == socket.gethostname() and not _alive(job.pid):
        return (
            f"The export stopped before it finished: its process ended (for example, the server restarted or ran out of memory). {_AGAIN}."
        )
    if job.heartbeat_at is None or now - job.heartbeat_at > STALE_AFTER:
        return f"The export stopped responding before it finished. {_AGAIN}."
    return ""


def check(job: ExportJob, now: dt.datetime | None = None) -> ExportJob:
    """The job, with a runner known to be gone reported as failed (written into the job, unless the
    runner has moved on in the meantime)."""
    if not job.under_way:
        return job
    problem = _gone(job, now or timezone.now())
    if problem and ExportJob.objects.filter(pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at).update(
        status=ExportJob.FAILED, error=problem, finished_at=timezone.now()
    ):
        job.refresh_from_db()
    return job


# --- deleting --------------------------------------------------------------------------------


def _remove(names: list[str]) -> None:
    for name in names:
        (exports_dir() / name).unlink(missing_ok=True)


def withdraw(wave: Wave, reason: str) -> int:
    """Delete every export of ``wave`` made or being made, marking each ``deleted`` with
    ``reason``: its file once the caller's transaction commits, and a running job's as its runner
    finds it withdrawn; reports of other waves compared with ``wave`` too. For an erasure, in its
    transaction. Returns how many were withdrawn."""
    with transaction.atomic():
        mine = Q(wave=wave) | Q(pk__in=ExportJob.compared.through.objects.filter(wave_id=wave.pk).values("exportjob_id"))
        jobs = list(ExportJob.objects.select_for_update().filter(mine, status__in=(*ExportJob.UNDER_WAY, ExportJob.DONE)))
        names = [job.file for job in jobs if job.file]
        ExportJob.objects.filter(pk__in=[job.pk for job in jobs]).update(
            status=ExportJob.DELETED, error=reason, file="", finished_at=Coalesce("finished_at", Value(timezone.now()))
        )
        transaction.on_commit(lambda: _remove(names))
    return len(jobs)


def purge_exports(now: dt.datetime | None = None) -> int:
    """Delete the files of exports made ``EXPORT_DAYS`` or more days ago (each job marked
    ``deleted``), report dead runners (:func:`check`), and delete files no job names that have not
    changed for a day. Returns how many exports were deleted."""
    now = now or timezone.now()
    days = settings.EXPORT_DAYS
    deleted = 0
    for job in ExportJob.objects.filter(status=ExportJob.DONE, finished_at__lte=now - dt.timedelta(days=days)):
        reason = f"Deleted {days} days after it was made: export files are kept for {days} days. Ask for a new export."
        if _update(job.pk, ExportJob.DONE, status=ExportJob.DELETED, file="", error=reason):
            _remove([job.file])
            deleted += 1
    for job in ExportJob.objects.filter(status__in=ExportJob.UNDER_WAY):
        check(job, now)
    folder = exports_dir()
    if folder.is_dir():
        named = set(ExportJob.objects.exclude(file="").values_list("file", flat=True))
        for path in folder.iterdir():
            if path.is_file() and path.name not in named and now.timestamp() - path.stat().st_mtime > STRAY_AFTER.total_seconds():
                path.unlink(missing_ok=True)
    return deleted
