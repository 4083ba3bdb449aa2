"""The E-mails page of a wave: the subject and body of its invitation and reminder (blank: the
built-in words), the placeholders they may use, and a preview of both e-mails, plain text and
HTML, for the wave's first invitee (an example person when there is none). Analysts and owners
preview and save (each save in the audit log); viewers see the page and the preview, and a POST
of theirs is refused (403). Works without JavaScript: Preview and Save are two buttons of one form.
"""

from __future__ import annotations

import copy

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from ..surveys.emails import BODY_PLACEHOLDERS, DEFAULTS, PLACEHOLDERS, SUBJECT_PLACEHOLDERS, compose, validate_body, validate_subject
from ..surveys.models import Invitee, Wave
from .access import wave_view
from .models import AuditEntry, Membership

ANALYST, VIEWER = Membership.ANALYST, Membership.VIEWER
FIELDS = ("invitation_subject", "invitation_body", "reminder_subject", "reminder_body")
#: Who the preview is for when the wave has no invitee yet.
EXAMPLE = {"email": "alex@example.org", "name": "Alex Example", "organisation": "Example Council"}


def _listed(names: tuple[str, ...]) -> str:
    return ", ".join("{" + n + "}" for n in names)


class EmailsForm(forms.Form):
    """The four texts, checked by the validators the model's fields have (one-line subjects, known
    placeholders, a body with {link}), so the admin and this page refuse the same things. A plain
    form, not a ModelForm: saving writes these four columns only (never the rest of a wave someone
    else may be changing), and the wave's own checks (its instrument, its dates) are not this page's."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for kind in ("invitation", "reminder"):
            self.fields[f"{kind}_subject"] = forms.CharField(
                required=False, max_length=200, validators=[validate_subject], label=f"{kind.title()}: subject",
                help_text=f"One line. Empty: “{DEFAULTS[kind, 'subject']}”. May use {_listed(SUBJECT_PLACEHOLDERS)}.",
            )  # fmt: skip
            self.fields[f"{kind}_body"] = forms.CharField(
                required=False, validators=[validate_body], label=f"{kind.title()}: body", widget=forms.Textarea(attrs={"rows": 10}),
                help_text=f"Empty: the built-in {kind} (shown in the preview). Must have {{link}}; may use {_listed(BODY_PLACEHOLDERS)}.",
            )  # fmt: skip

    def clean(self) -> dict:
        data = super().clean() or {}
        return {f: v.replace("\r\n", "\n") if isinstance(v, str) else v for f, v in data.items()}


def _sample(wave: Wave) -> tuple[Invitee, bool]:
    """The wave's first invitee, or an example person (not saved); whether it is the example."""
    first = wave.invitees.order_by("pk").first()
    return (first, False) if first is not None else (Invitee(wave=wave, **EXAMPLE), True)


def _previews(wave: Wave, invitee: Invitee) -> list[tuple[str, object]]:
    link = settings.SITE_URL + reverse("start", args=["their-own-link"])
    optout = settings.SITE_URL + reverse("opt_out", args=["their-own-opt-out"])
    return [(label, compose(wave, invitee, link, optout, reminder)) for label, reminder in (("Invitation", False), ("Reminder", True))]


def _save(wave: Wave, texts: dict[str, str], user) -> list[str]:
    """Save the texts (these four columns only); the labels of those changed, recorded in the
    audit log (not the texts)."""
    changed = [f.replace("_", " ") for f in FIELDS if texts[f] != getattr(wave, f)]
    if changed:
        Wave.objects.filter(pk=wave.pk).update(**texts)
        AuditEntry.objects.create(organisation=wave.organisation, wave=wave, user=user, action=AuditEntry.EMAILS, detail=", ".join(changed))
    return changed


@wave_view(VIEWER, ("GET", "POST"))
def emails(request: HttpRequest, wave: Wave, membership: Membership) -> HttpResponse:
    editor = membership.allows(ANALYST)
    form = EmailsForm(initial={f: getattr(wave, f) for f in FIELDS})
    shown = wave
    if request.method == "POST":
        if not editor:
            raise PermissionDenied(f"changing the e-mails needs the analyst role in {membership.organisation.name}")
        form = EmailsForm(request.POST)
        if form.is_valid():
            texts = {f: form.cleaned_data[f] for f in FIELDS}
            if request.POST.get("action") == "save":
                changed = _save(wave, texts, request.user)
                messages.success(
                    request, "The e-mails are saved: the next invitations and reminders use them." if changed else "Nothing had changed."
                )
                return redirect(reverse("workspace:emails", args=[wave.pk]) + "#preview")
            shown = copy.copy(wave)  # the preview of the posted texts, not saved
            for f, text in texts.items():
                setattr(shown, f, text)
    invitee, example = _sample(shown)
    context = {"wave": wave, "membership": membership, "editor": editor, "form": form, "previews": _previews(shown, invitee),
               "invitee": invitee, "example": example, "placeholders": PLACEHOLDERS.items(),
               "previewing": request.method == "POST" and form.is_valid()}  # fmt: skip
    return render(request, "workspace/emails.html", context)
