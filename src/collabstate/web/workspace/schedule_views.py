"""A wave's Schedule page: its steps and how each went, for every member; the form that plans a
step, and the buttons that cancel one, for analysts and owners (:mod:`.schedules` does the work)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from ..surveys.models import Wave
from . import schedules
from .access import wave_view
from .actions import WorkspaceError
from .models import Membership, ScheduleStep, StepRun

__all__ = ["StepForm", "cancel", "plan", "schedule"]

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local", "class": "input input-width-20"}, format="%Y-%m-%dT%H:%M")
#: Runs listed under each step, latest first.
RUNS_SHOWN = 20


class StepForm(forms.Form):
    """One step to plan: which, and when (a date and time, or days after the invitation)."""

    number = forms.IntegerField(label="Step", min_value=0, widget=forms.Select,
                                error_messages={"required": "Choose the invitations or a reminder",
                                                "invalid": "Expected the invitations or a reminder's number",
                                                "min_value": "Expected the invitations or a reminder's number"})  # fmt: skip
    at = forms.DateTimeField(label="On (date and time)", required=False, widget=DATETIME,
                             help_text="For example, 2027-01-08 09:00. Leave it empty for a reminder days after the invitation.",
                             error_messages={"invalid": "Expected a date and time such as 2027-01-08 09:00"})  # fmt: skip
    days_after = forms.IntegerField(label="Or days after each invitation (reminders only)", required=False,
                                    widget=forms.NumberInput(attrs={"class": "input input-width-5", "inputmode": "numeric"}),
                                    help_text="For example, 7: each invitee is reminded 7 days after their own invitation.",
                                    error_messages={"invalid": f"Expected a whole number of days from 1 to {schedules.MAX_DAYS}"})  # fmt: skip

    def __init__(self, wave: Wave, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [(0, "Invitations")] + [(n, f"Reminder {n}") for n in range(1, wave.max_reminders + 1)]
        self.fields["number"].widget.choices = choices


def _page(request: HttpRequest, wave: Wave, membership: Membership, form: StepForm | None = None) -> HttpResponse:
    runs = Prefetch("runs", queryset=StepRun.objects.order_by("-started_at", "-pk"))
    steps = list(wave.schedule.exclude(status=ScheduleStep.CANCELLED).prefetch_related(runs).order_by("number", "pk"))
    cancelled = wave.schedule.filter(status=ScheduleStep.CANCELLED).count()
    can_edit = membership.allows(Membership.ANALYST)
    closed = wave.state() == "closed"  # nothing can be sent once the wave has closed: no form to plan a step
    context = {"wave": wave, "membership": membership, "steps": steps, "cancelled": cancelled, "runs_shown": RUNS_SHOWN,
               "form": (form or StepForm(wave)) if can_edit and not closed else None, "can_edit": can_edit, "closed": closed}  # fmt: skip
    return render(request, "workspace/schedule.html", context, status=400 if form is not None and form.errors else 200)


@wave_view(Membership.VIEWER)
def schedule(request: HttpRequest, wave: Wave, membership: Membership) -> HttpResponse:
    """The schedule: each step, planned or how it ran; the form to plan one (analysts, owners)."""
    return _page(request, wave, membership)


@wave_view(Membership.ANALYST, ("POST",))
def plan(request: HttpRequest, wave: Wave, membership: Membership) -> HttpResponse:
    form = StepForm(wave, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            step = schedules.add_step(wave, data["number"], data["at"], data["days_after"], request.user)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field, error[:1].upper() + error[1:] + ".")
        else:
            messages.success(request, f"{step.label} planned {step.when_text}.")
            return redirect("workspace:schedule", wave.pk)
    return _page(request, wave, membership, form)


@wave_view(Membership.ANALYST, ("POST",))
def cancel(request: HttpRequest, wave: Wave, membership: Membership, step: int) -> HttpResponse:
    target = get_object_or_404(wave.schedule, pk=step)
    try:
        schedules.cancel_step(target, request.user)
    except WorkspaceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{target.label} ({target.when_text}) cancelled: it will not run.")
    return redirect("workspace:schedule", wave.pk)
