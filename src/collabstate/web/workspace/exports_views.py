"""A wave's responses as a file: asked for on the wave's exports page, made in the background
(:mod:`.export_jobs`, a task on the queue), watched on the export's own page (which reloads itself while the export
runs, when asked to; no JavaScript), then downloaded. Analysts and owners only: the responses are
personal data. The report's PDF (and a large wave's other report files) is made the same way,
asked for from the live results (:func:`prepare`).

Thin views, wrapped by :func:`.access.wave_view` as every workspace view: 404 outside the
person's organisations (and for an export of another wave), 403 for a viewer, 405 for a method
the view does not take.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from ..surveys.exports import count_responses
from ..surveys.models import Wave
from . import export_jobs, jobs, results
from .access import wave_view
from .forms import ResultsForm, choice_query
from .models import ExportJob, Membership

ANALYST = Membership.ANALYST
#: Exports listed on a wave's exports page, latest first.
RECENT = 20


class ExportForm(forms.Form):
    format = forms.ChoiceField(label="Format", choices=ExportJob.RESPONSE_FORMATS, widget=forms.RadioSelect,
                               help_text="Every format holds the same completed responses; SPSS and Parquet keep the questionnaire's labels and types",
                               error_messages={"required": "Choose a format", "invalid_choice": "Choose one of the formats listed"})  # fmt: skip
    raw_text = forms.BooleanField(required=False, label="CSV only: write text exactly as typed, even text that starts with =, +, -, @ and "
                                  "that a spreadsheet would run as a formula (by default such text gets a leading apostrophe, ')")  # fmt: skip


@wave_view(ANALYST, ("GET", "POST"))
def exports(request: HttpRequest, wave: Wave, membership: Membership) -> HttpResponse:
    """The wave's recent exports, and the form that asks for a new one."""
    form = ExportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            job, _ = export_jobs.request_export(wave, form.cleaned_data["format"], request.user, raw_text=form.cleaned_data["raw_text"])
        except export_jobs.ExportRefused as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("workspace:export_job", wave.pk, job.pk)
    jobs = [export_jobs.check(job) for job in wave.export_jobs.select_related("requested_by")[:RECENT]]
    return render(request, "workspace/exports.html", {"wave": wave, "form": form, "jobs": jobs, "kept_days": settings.EXPORT_DAYS})


@wave_view(ANALYST)
def export_job(request: HttpRequest, wave: Wave, membership: Membership, job: int) -> HttpResponse:
    """One export: its progress while it runs (the page reloads itself unless asked not to), then the download."""
    export = export_jobs.check(get_object_or_404(wave.export_jobs.select_related("requested_by"), pk=job))
    path = export_jobs.file_of(export)
    size = path.stat().st_size if export.status == ExportJob.DONE and path and path.is_file() else None
    refreshing = export.under_way and request.GET.get("refresh") == "on"  # only when asked for (WCAG 2.2.1)
    again = reverse("workspace:exports", args=[wave.pk])
    if export.is_report:
        choice = export_jobs.report_choice(export)
        again = reverse("workspace:results", args=[wave.pk]) + "?" + choice_query(choice)
    context = {"wave": wave, "job": export, "refreshing": refreshing, "refresh_seconds": export_jobs.REFRESH_SECONDS,
               "size": size, "name": export_jobs.download_name(export), "again": again, "queue": jobs.queue_state(export)}  # fmt: skip
    return render(request, "workspace/export_job.html", context)


@wave_view(ANALYST)
def export_download(request: HttpRequest, wave: Wave, membership: Membership, job: int) -> HttpResponse | FileResponse:
    """The export's file, streamed, as ``<wave>-responses.<format>``; its page while there is none."""
    export = get_object_or_404(wave.export_jobs, pk=job)
    path = export_jobs.file_of(export)
    try:
        if export.status != ExportJob.DONE or path is None:
            raise FileNotFoundError(export.file)
        file = open(path, "rb")  # noqa: SIM115 (FileResponse streams it, then closes it)
    except FileNotFoundError:
        return redirect("workspace:export_job", wave.pk, export.pk)
    response = FileResponse(
        file, as_attachment=True, filename=export_jobs.download_name(export), content_type=export_jobs.content_type(export)
    )
    response["Cache-Control"] = "private, no-store"  # personal data: no copy kept on the way
    return response


@wave_view(ANALYST, ("POST",))
def prepare(request: HttpRequest, wave: Wave, membership: Membership, what: str) -> HttpResponse:
    """Make the report's ``what`` (pdf, html, xlsx, json) for the choice in the address (as the
    live results take it) in the background, and show its job; the download at once when it is
    built already."""
    if what not in results.DOWNLOADS:
        raise Http404("no such download")
    form = ResultsForm(wave, request.GET)
    if not form.is_valid():
        raise Http404("no such choice")
    download = reverse("workspace:download", args=[wave.pk, what]) + "?" + form.query()
    if not count_responses(wave) or not export_jobs.in_background(wave, what, form.choice()):
        return redirect(download)  # built already (or nothing to build): that page says which
    try:
        job, _ = export_jobs.request_report(wave, what, form.choice(), request.user)
    except export_jobs.ExportRefused as exc:
        messages.error(request, str(exc))
        return redirect(download)
    return redirect("workspace:export_job", wave.pk, job.pk)
