"""Run by test_exports_background.py in processes of their own, against a site whose database is a
file under ``$COLLABSTATE_VAR`` (the tests' own database lives in memory, which no other process
can see):

- ``python export_process.py ask FORMAT N``: migrate, make an organisation, an analyst and a wave
  with N completed responses, and ask for an export through the workspace's address, as a browser
  would; print the wave, the job and the page the request redirected to, as JSON; exit (the
  runner it started must outlive it);
- ``python export_process.py fetch JOB OUT_DIR``: the job's page and its download as the analyst
  sees them, the download saved in OUT_DIR, and ``export_wave`` of the same wave beside it;
- ``python export_process.py slow-worker``: the queue's worker (:func:`collabstate.web.serving.run_worker`,
  what ``collabstate worker`` runs) with exports made 5 responses at a time, each chunk a second
  long: a worker to kill in the middle of an export.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path


def django_up() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collabstate.web.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)


def answers(i: int) -> dict[str, str]:
    """Completed readiness-2018 answers, varied by ``i`` (with text a CSV must quote)."""
    return {"q1_example": "1", "q6_success": str(1 + i % 4), "q7_importance": str(1 + i % 5), "q12_tools": str(i % 4),
            "q16_sector": str(1 + i % 3), "q8_why": f"Joint work, with commas, \"quotes\" and ünïcödé, number {i}"}  # fmt: skip


def ask(fmt: str, n: int) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from collabstate.web.surveys.models import Answer, Response, Wave
    from collabstate.web.workspace.models import Membership, Organisation

    org = Organisation.objects.create(name="North Partnership", slug="north")
    analyst = get_user_model().objects.create_user("analyst", "analyst@example.org", "a-long-pass-phrase-1")
    Membership.objects.create(user=analyst, organisation=org, role=Membership.ANALYST)
    now = timezone.now()
    wave = Wave.objects.create(slug="readiness-2026", title="Readiness 2026", instrument_ref="readiness-2018", organisation=org,
                               opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=30))  # fmt: skip
    made = Response.objects.bulk_create([Response(wave=wave, completed=True) for _ in range(n)])
    Answer.objects.bulk_create([Answer(response=r, column=c, value=v) for i, r in enumerate(made) for c, v in answers(i).items()])
    client = Client()
    client.force_login(analyst)
    asked = client.post(f"/workspace/waves/{wave.pk}/exports/", {"format": fmt})
    assert asked.status_code == 302, asked.content.decode()[:2000]
    job = wave.export_jobs.get()
    print(json.dumps({"wave": wave.pk, "job": job.pk, "location": asked["Location"], "pid": os.getpid()}))


def fetch(job_id: int, out: Path) -> None:
    from django.test import Client

    from collabstate.web.surveys.exports import export_wave
    from collabstate.web.workspace.models import ExportJob

    job = ExportJob.objects.select_related("wave", "requested_by").get(pk=job_id)
    from django_tasks_db.models import DBTaskResult

    client = Client()
    client.force_login(job.requested_by)
    page = client.get(f"/workspace/waves/{job.wave_id}/exports/{job.pk}/")
    download = client.get(f"/workspace/waves/{job.wave_id}/exports/{job.pk}/download/")
    job.refresh_from_db()
    if download.status_code != 200:  # no file (the page again)
        print(json.dumps({"page": page.content.decode(), "status": download.status_code, "job": [job.status, job.done, job.total, job.error],
                          "task": [t.status, t.worker_ids, t.traceback] if (t := DBTaskResult.objects.get(pk=job.task_id)) else None}))  # fmt: skip
        return
    (out / f"downloaded.{job.format}").write_bytes(b"".join(download.streaming_content))
    export_wave(job.wave, out / f"expected.{job.format}", job.format)
    task = DBTaskResult.objects.get(pk=job.task_id)
    print(json.dumps({"page": page.content.decode(), "status": download.status_code, "disposition": download.get("Content-Disposition"),
                      "streaming": download.streaming, "job": [job.status, job.done, job.total, job.error],
                      "task": [task.status, task.worker_ids, task.traceback]}))  # fmt: skip


def slow_worker() -> None:
    import time

    from collabstate.web.serving import run_worker
    from collabstate.web.workspace import export_jobs

    write = export_jobs._progress

    def slowly(job_id: int, done: int, total: int) -> None:
        write(job_id, done, total)
        time.sleep(1)

    export_jobs.CHUNK, export_jobs._progress = 5, slowly
    run_worker()


if __name__ == "__main__":
    django_up()
    if sys.argv[1] == "slow-worker":
        slow_worker()
    elif sys.argv[1] == "ask":
        ask(sys.argv[2], int(sys.argv[3]))
    else:
        fetch(int(sys.argv[2]), Path(sys.argv[3]))
