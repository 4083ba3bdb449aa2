"""The known facts page of a wave: what the invitee list's answers do (:mod:`.facts`)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ..surveys.models import Wave
from .access import wave_view
from .facts import SHOWN_FROM, FactsForm, save_modes
from .models import Membership


@wave_view(Membership.ANALYST, ("GET", "POST"))
def known_facts_page(request: HttpRequest, wave: Wave, membership: Membership) -> HttpResponse:
    form = FactsForm(wave, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        changed = save_modes(wave, form.modes(), request.user)
        messages.success(request, "Known facts saved: the audit log says who changed what." if changed else "Nothing changed.")
        return redirect("workspace:known_facts", wave.pk)
    return render(request, "workspace/known_facts.html", {"wave": wave, "form": form, "shown_from": SHOWN_FROM})
