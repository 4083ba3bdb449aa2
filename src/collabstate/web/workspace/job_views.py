"""The page of a wave's background job (:mod:`.wave_jobs`): an import, an invitee list, a sending.
It shows the job's progress while it waits or runs (reloading itself every few seconds when asked
to; no JavaScript needed), then what it did, or why it failed with the file's problems listed.
Analysts and owners only, as the pages that ask for the work."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from ..surveys.models import Wave
from . import jobs, wave_jobs
from .access import wave_view
from .models import Membership, WaveJob

#: The page reloads itself this often while the job is under way, when asked to.
REFRESH_SECONDS = 5
#: Where to go once a job has ended, by kind: (the view, the words of the link).
NEXT = {
    WaveJob.IMPORT: ("workspace:import", "Import another file"),
    WaveJob.INVITEES: ("workspace:invitees", "Upload another list"),
}


@wave_view(Membership.ANALYST)
def job(request: HttpRequest, wave: Wave, membership: Membership, job: int) -> HttpResponse:
    found = wave_jobs.check(get_object_or_404(wave.jobs.select_related("requested_by"), pk=job))
    refreshing = found.under_way and request.GET.get("refresh") == "on"  # only when asked for (WCAG 2.2.1)
    context = {"wave": wave, "job": found, "refreshing": refreshing, "refresh_seconds": REFRESH_SECONDS,
               "queue": jobs.queue_state(found), "next": NEXT.get(found.kind)}  # fmt: skip
    return render(request, "workspace/job.html", context)
