"""The analysts' workspace: thin views that parse a request, call one action and render.

Each view is wrapped by one of :mod:`.access`'s decorators, which signs people in, finds the
wave or organisation among their own (404 otherwise), checks their role (403) and the method
(405), and passes the wave or organisation and the person's membership to the view.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin

from ..surveys import sending
from ..surveys.exports import count_responses
from ..surveys.models import Wave
from ..surveys.views import not_found as surveys_not_found
from . import actions, colleagues, export_jobs, facts, results, wave_jobs
from .access import organisation_view, organisations_for, signed_in_view, wave_view
from .chart import bar_chart
from .dashboard import progress
from .forms import MemberForm, ResultsForm, RoleForm, SearchForm, UploadForm, WaveForm
from .models import AuditEntry, ExportJob, Membership, Organisation, ScheduleStep, StepRun, WaveJob

ANALYST, OWNER, VIEWER = Membership.ANALYST, Membership.OWNER, Membership.VIEWER
GET_POST = ("GET", "POST")
#: Refused e-mails listed on a wave's page (every one is counted).
SHOWN = 200
#: Background jobs (imports, invitee lists, sendings) listed on a wave's page, latest first.
JOBS_SHOWN = 10
#: Runs of the schedule's steps listed on a wave's page, latest first.
RUNS_SHOWN = 10


def _posted(request: HttpRequest) -> tuple:
    """A form's data: bound to what was posted (even nothing at all), unbound on GET."""
    return (request.POST, request.FILES) if request.method == "POST" else ()


@signed_in_view()
def home(request: HttpRequest) -> HttpResponse:
    rows = [(org, membership, list(org.waves.all())) for org, membership in organisations_for(request.user)]
    return render(request, "workspace/home.html", {"organisations": rows})


@organisation_view(ANALYST, GET_POST)
def new_wave(request: HttpRequest, organisation: Organisation, membership: Membership) -> HttpResponse:
    form = WaveForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            wave = actions.create_wave(organisation, **form.wave_fields())
        except ValidationError as exc:
            form.add_wave_errors(exc)
        else:
            then = "Upload the invitees, or share the open link." if wave.open_link else "Upload the invitees."
            messages.success(request, f"{wave.title} created. {then}")
            return redirect("workspace:wave", wave.pk)
    return render(request, "workspace/new_wave.html", {"form": form, "organisation": organisation})


@wave_view(VIEWER)
def wave(request: HttpRequest, wave: Wave, membership: Membership) -> HttpResponse:
    state = progress(wave)
    chart = bar_chart([(row["label"], row["completed"]) for row in state.over_time], f"Completions per {state.period}")
    audit = AuditEntry.objects.filter(wave=wave).select_related("user")[:20] if membership.allows(OWNER) else []
    open_link = settings.SITE_URL + reverse("open_link", args=[wave.slug]) if wave.open_link else ""  # as the invitations say
    failed = sending.failures(wave)
    context = {"wave": wave, "membership": membership, "progress": state, "chart": chart, "audit": audit, "open_link": open_link,
               "not_invited": wave.invitees.filter(invited_at__isnull=True).count(), "failed": failed[:SHOWN],
               "failed_count": failed.count(), "interrupted": sending.interrupted(wave).count(), "shown": SHOWN,
               "jobs": [wave_jobs.check(job) for job in wave.jobs.all()[:JOBS_SHOWN]] if membership.allows(ANALYST) else [],
               "saved_tables": list(wave.saved_tables.all()),
               "schedule": list(wave.schedule.filter(status__in=ScheduleStep.ACTIVE)),
               "step_runs": list(StepRun.objects.filter(step__wave=wave).select_related("step")[:RUNS_SHOWN])}  # fmt: skip
    context["mismatches"] = facts.mismatches(wave)  # the known facts' block (workspace/_known_facts.html)
    return render(request, "workspace/wave.html", context)


def _results(request: HttpRequest, wave: Wave, build: str = "page") -> tuple[ResultsForm, results.Built | None, str]:
    """The choices asked for (404 for any not offered, such as another organisation's wave),
    the report built for them (``None`` before anyone has completed) and why it could not be."""
    form = ResultsForm(wave, request.GET)
    if not form.is_valid():
        raise Http404("no such choice")
    try:
        return form, results.report(wave, form.choice(), build), ""
    except results.Unreportable as exc:
        return form, None, str(exc)


def _results_page(request: HttpRequest, wave: Wave, membership: Membership, form, built, problem: str) -> HttpResponse:
    context = {"wave": wave, "membership": membership, "form": form, "built": built, "problem": problem, "query": form.query(),
               "pdf_ready": built is not None and results.cached(wave, form.choice(), "pdf") is not None,
               "pptx_ready": built is not None and results.cached(wave, form.choice(), "pptx") is not None,
               "spec": results.latest_spec(wave),
               "saved_tables": list(wave.saved_tables.all())}  # fmt: skip
    return render(request, "workspace/results.html", context)


@wave_view(VIEWER)
def live_results(request: HttpRequest, wave: Wave, membership: Membership) -> HttpResponse:
    return _results_page(request, wave, membership, *_results(request, wave))


@wave_view(VIEWER)
@xframe_options_sameorigin
def results_report(request: HttpRequest, wave: Wave, membership: Membership) -> HttpResponse | FileResponse:
    """The report page itself, shown in a frame of the results page (or on its own)."""
    form, built, problem = _results(request, wave)
    if built is None:
        return _results_page(request, wave, membership, form, built, problem)
    page = open(built.path("report.html"), "rb")  # noqa: SIM115 (FileResponse streams it, then closes it)
    response = FileResponse(page, content_type=results.DOWNLOADS["html"][3])
    response["Content-Security-Policy"] = results.REPORT_POLICY
    return response


@wave_view(ANALYST)
def download(request: HttpRequest, wave: Wave, membership: Membership, what: str) -> HttpResponse | FileResponse:
    """The report as a file (``what``: html, pdf, xlsx, pptx, json), or the codebook. A report not built
    yet for the data as it is now is made in the background when it is the PDF, the slides or the wave is
    large (:func:`.export_jobs.in_background`): this page then offers to prepare it."""
    if what == "codebook":
        return FileResponse(
            results.codebook_xlsx(wave), as_attachment=True, filename=f"{wave.slug}-codebook.xlsx", content_type=results.XLSX
        )
    if what not in results.DOWNLOADS:
        raise Http404("no such download")
    build, name, ending, content_type = results.DOWNLOADS[what]
    form = ResultsForm(wave, request.GET)
    completed = count_responses(wave) if form.is_valid() else 0
    if completed and export_jobs.in_background(wave, what, form.choice()):
        # made by a job (the PDF, or a large wave's): the page that asks for it
        context = {"wave": wave, "what": what, "label": dict(ExportJob.REPORT_FORMATS)[ExportJob.REPORT + what], "query": form.query(),
                   "n": completed}  # fmt: skip
        return render(request, "workspace/report_prepare.html", context)
    form, built, problem = _results(request, wave, build)
    if built is None:
        return _results_page(request, wave, membership, form, built, problem)
    filename = f"{results.file_stem(wave, form.choice())}-{ending}"
    return FileResponse(open(built.path(name), "rb"), as_attachment=True, filename=filename, content_type=content_type)


@wave_view(ANALYST, GET_POST)
def invitees(request: HttpRequest, wave: Wave, membership: Membership) -> HttpResponse:
    """The invitee list's upload: saved, then read and checked by a task (its page shows how it went)."""
    return _upload(request, wave, WaveJob.INVITEES, "workspace/invitees.html")


@wave_view(ANALYST, ("POST",))
def send(request: HttpRequest, wave: Wave, membership: Membership) -> HttpResponse:
    """Send the invitations, the reminders or again what the mail server refused (``what``), by a
    task, and show its page; what the mail server refused is listed on the wave's page."""
    what = request.POST.get("what", sending.INVITATIONS)
    if what not in sending.WHAT:
        raise Http404("no such sending")
    try:
        job, _ = wave_jobs.request_send(wave, what, request.user)
    except actions.WorkspaceError as exc:
        messages.error(request, f"Nothing was sent: {exc}")
        return redirect("workspace:wave", wave.pk)
    return redirect("workspace:job", wave.pk, job.pk)


@wave_view(ANALYST, GET_POST)
def import_responses(request: HttpRequest, wave: Wave, membership: Membership) -> HttpResponse:
    """A response file's upload: saved, then read, checked and imported by a task (its page lists any problem)."""
    return _upload(request, wave, WaveJob.IMPORT, "workspace/import.html")


def _upload(request: HttpRequest, wave: Wave, kind: str, template: str) -> HttpResponse:
    form = UploadForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            job = wave_jobs.request_upload(wave, kind, form.cleaned_data["file"], request.user)
        except actions.WorkspaceError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("workspace:job", wave.pk, job.pk)
    under_way = wave.jobs.filter(kind=kind, status__in=WaveJob.UNDER_WAY).first()
    return render(request, template, {"wave": wave, "form": form, "under_way": under_way})


@wave_view(OWNER, GET_POST)
def erase(request: HttpRequest, wave: Wave, membership: Membership) -> HttpResponse:
    if request.method == "POST":
        invitee = get_object_or_404(wave.invitees, pk=request.POST.get("invitee") or 0)
        try:
            deleted = actions.erase_respondent(wave, invitee, request.user)
        except actions.WorkspaceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, f"Erased: {deleted} answers, and the invitee's link and contact details. The audit log says who and when."
            )
        return redirect("workspace:erase", wave.pk)
    form = SearchForm(request.GET or None)
    found, searched = None, form.is_bound and form.is_valid()
    if searched:
        found = wave.invitees.filter(email__iexact=form.cleaned_data["email"]).select_related("respondent").first()
    return render(request, "workspace/erase.html", {"wave": wave, "form": form, "found": found, "searched": searched})


@organisation_view(OWNER, GET_POST)
def members(request: HttpRequest, organisation: Organisation, membership: Membership) -> HttpResponse:
    form = MemberForm(*_posted(request)[:1])
    if request.method == "POST" and form.is_valid():
        try:
            added = actions.add_member(organisation, form.cleaned_data["who"], form.cleaned_data["role"], request.user)
        except actions.WorkspaceError as exc:
            form.add_error("who", str(exc))
        else:
            messages.success(request, f"{added.user.get_username()} added as {added.role}.")
            return redirect("workspace:members", organisation.slug)
    return members_page(request, organisation, form=form)


def members_page(
    request: HttpRequest, organisation: Organisation, form: MemberForm | None = None, invite_form: colleagues.InviteForm | None = None
) -> HttpResponse:
    """The members page: the members and their roles, the pending invitations, and the forms to
    invite someone by e-mail and to add someone who has an account (either bound to what was posted)."""
    people = organisation.memberships.select_related("user").order_by("user__username")
    context = {"organisation": organisation, "form": form or MemberForm(), "invite_form": invite_form or colleagues.InviteForm(),
               "people": people, "roles": Membership.ROLES, "invitations": colleagues.pending(organisation)}  # fmt: skip
    return render(request, "workspace/members.html", context)


@organisation_view(OWNER, ("POST",))
def invite_view(request: HttpRequest, organisation: Organisation, membership: Membership) -> HttpResponse:
    form = colleagues.InviteForm(request.POST)
    if form.is_valid():
        try:
            colleagues.invite(organisation, form.cleaned_data["email"], form.cleaned_data["role"], request.user)
        except actions.WorkspaceError as exc:
            form.add_error("email", str(exc))
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("workspace:members", organisation.slug)
    return members_page(request, organisation, invite_form=form)


@organisation_view(OWNER, ("POST",))
def revoke_view(request: HttpRequest, organisation: Organisation, membership: Membership, invitation: int) -> HttpResponse:
    target = get_object_or_404(organisation.invitations, pk=invitation)
    try:
        colleagues.revoke(target, request.user)
    except actions.WorkspaceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"The invitation of {target.email} is revoked: its link no longer works.")
    return redirect("workspace:members", organisation.slug)


@organisation_view(OWNER, ("POST",))
def member(request: HttpRequest, organisation: Organisation, membership: Membership, member: int) -> HttpResponse:
    target = get_object_or_404(organisation.memberships.select_related("user"), pk=member)
    form = RoleForm(request.POST)
    try:
        if not form.is_valid():
            raise actions.WorkspaceError(f"role: expected one of {', '.join(Membership.RANK)}")
        if form.cleaned_data["remove"]:
            actions.remove_member(target, request.user)
            messages.success(request, f"{target.user.get_username()} removed from {organisation}.")
        else:
            actions.change_role(target, form.cleaned_data["role"], request.user)
            messages.success(request, f"{target.user.get_username()} is now {target.role}.")
    except actions.WorkspaceError as exc:
        messages.error(request, str(exc))
    if (
        target.user_id == request.user.pk
        and not Membership.objects.filter(user=request.user, organisation=organisation, role=OWNER).exists()
    ):
        return redirect("workspace:home")  # they gave up being an owner: the members page is no longer theirs
    return redirect("workspace:members", organisation.slug)


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """404: the workspace's own page under /workspace/ and /accounts/, the respondents' elsewhere."""
    if request.path.startswith(("/workspace/", "/accounts/")):
        return render(request, "workspace/not_found.html", status=404)
    return surveys_not_found(request, exception)


def forbidden(request: HttpRequest, exception=None) -> HttpResponse:
    """403: signed in, a member, but the role does not allow it."""
    return render(request, "workspace/forbidden.html", {"reason": str(exception or "")}, status=403)
