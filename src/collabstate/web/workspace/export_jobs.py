"""A wave's responses as a file, made in the background (issue 6): an analyst asks for one
(:func:`request_export`), a task on the queue (:data:`run_export`, run by a worker of
``collabstate serve`` or ``collabstate worker``) writes it with the streamed export engine
(:func:`~collabstate.web.surveys.exports.export_wave`), the job's page shows its progress, and
the file waits under ``VAR_DIR/exports/`` to be downloaded. At most ``EXPORT_JOBS_AT_ONCE``
(setting; default 2) exports wait or run at a time across the site.

A job goes ``queued`` -> ``running`` -> ``done`` or ``failed`` as every background job does
(:mod:`.jobs`: a heartbeat while it runs; a worker stopped mid-run puts it back on the queue, a
worker killed mid-run has it reported failed with a plain message). Progress (``done`` of
``total`` responses) is written after each chunk of the engine.

A job may also make the wave's report (:func:`request_report`; the PDF always, the other files
of a large wave), with the same cached build as the live results and ``collabstate report``
(:func:`.results.report`): its progress is the build's steps, and its file a copy of the built one.

A ``done`` job's file is deleted, and the job marked ``deleted`` with the reason, when a
respondent of the wave is erased (:func:`withdraw`: every export made or being made may hold their
answers, and so may a report of another wave compared with it) and ``EXPORT_DAYS`` (setting; default 7) days after it was made (:func:`purge_exports`, run by
``collabstate wave purge``).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import traceback
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks import task

from ...errors import RefusedError
from ..surveys.exports import CHUNK, count_responses, export_wave
from ..surveys.models import Wave
from . import jobs, results
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
    "purge_exports",
    "report_choice",
    "request_export",
    "request_report",
    "run_export",
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
#: Files not named by any job (a deleted wave's, a killed worker's) are deleted this long after their last change.
STRAY_AFTER = dt.timedelta(days=1)
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
    PDF and the slides always (the slow ones, with their charts drawn); the others beyond ``DIRECT_UP_TO`` completed responses."""
    if results.cached(wave, choice, results.DOWNLOADS[what][0]) is not None:
        return False
    return what in ("pdf", "pptx") or count_responses(wave) > DIRECT_UP_TO


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
    """``new`` saved (with the waves a report compares with) and its task on the queue, in one
    transaction, or the same job under way."""
    under_way = [
        check(job) for job in ExportJob.objects.filter(status__in=ExportJob.UNDER_WAY).prefetch_related("compared")
    ]  # dead workers free their place
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
        jobs.enqueue(run_export, new)
    return new, True


# --- running ---------------------------------------------------------------------------------


@task()
def run_export(job_id: int) -> str:
    """The task on the queue: run export (or report) ``job_id`` (:func:`run_job`); its status once run."""
    return run_job(job_id).status


def _update(job_id: int, still: str = ExportJob.RUNNING, **fields) -> bool:
    """Change the job if its status is still ``still`` (an erasure or :func:`check` may have ended it)."""
    return jobs.update(ExportJob, job_id, still, **fields)


def _finish(job_id: int, still: str = ExportJob.RUNNING, **fields) -> bool:
    return jobs.finish(ExportJob, job_id, still, **fields)


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
    """Run the queued job ``job_id`` in this process (what its task does): claim it, write the
    file with the engine, writing progress into the job, and mark it done or failed. A job that
    is not queued (already run, or withdrawn) is left as it is. Returns the job."""
    claimed = jobs.claim(ExportJob, job_id)
    job = ExportJob.objects.select_related("wave").get(pk=job_id)
    if not claimed:
        return job
    wave = job.wave
    if not job.is_report:
        _update(job_id, total=count_responses(wave))
    name = f"job-{job.pk}-{uuid.uuid4().hex[:12]}.{job.what}"
    path = exports_dir() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    heartbeat = jobs.Heartbeat(job)
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
    except (SystemExit, KeyboardInterrupt):  # the worker is being stopped: again from the start when one is back
        path.unlink(missing_ok=True)
        jobs.requeue(job, run_export, "Interrupted when the server stopped: it starts again from the beginning")
        raise
    except results.Unreportable as exc:
        _finish(job_id, status=ExportJob.FAILED, error=f"No report can be made of this wave's responses: {exc}")
    except ValueError as exc:  # a value the format cannot hold, named by the engine
        _finish(job_id, status=ExportJob.FAILED, error=f"The export failed: {str(exc).replace(str(path.parent) + os.sep, '')}")
    except Exception:
        traceback.print_exc()  # into the worker's log
        _finish(job_id, status=ExportJob.FAILED, error=f"The export failed because of an error on the server (export {job_id}). {_AGAIN}.")
    else:
        if not _finish(job_id, status=ExportJob.DONE, file=name, heartbeat_at=timezone.now(), **fields):
            path.unlink(missing_ok=True)  # withdrawn while the file was written
    finally:
        heartbeat.stop()
    job.refresh_from_db()
    return job


# --- watching --------------------------------------------------------------------------------


def check(job: ExportJob, now: dt.datetime | None = None) -> ExportJob:
    """The job, with a worker known to be gone reported as failed (:func:`.jobs.check`), and the
    file it was writing deleted."""
    return jobs.check(job, "report" if job.is_report else "export", _AGAIN, now, on_failed=_unfinished_files)


def _unfinished_files(job: ExportJob) -> None:
    """Delete the files a killed worker was writing for ``job`` (the engine writes beside, then renames)."""
    folder = exports_dir()
    if folder.is_dir():
        for path in [*folder.glob(f"job-{job.pk}-*"), *folder.glob(f".job-{job.pk}-*")]:
            path.unlink(missing_ok=True)


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
    ``deleted``), report dead workers (:func:`check`), and delete files no job names that have not
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
