"""The report's text page of a wave (:mod:`.report_spec`): analysts write the title, key messages,
commentary per section, hidden sections and chosen quotes of the wave's report, see them with
their live figures and the warnings, and keep each save as a version (history, view, restore).
Analysts only (a viewer gets 403, another organisation's wave 404, as every workspace view)."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from ...report.spec import LoadedSpec, SpecError
from ..surveys.models import Wave
from . import report_spec, results
from .access import wave_view
from .models import Membership

ANALYST = Membership.ANALYST
#: Versions listed in the history, newest first.
HISTORY = 50


class ReportTextForm(forms.Form):
    title = forms.CharField(required=False, max_length=200, help_text="Empty: the wave's title")
    subtitle = forms.CharField(required=False, max_length=200)
    organisation = forms.CharField(required=False, max_length=200, label="Organisation", help_text="Named on the cover")
    primary = forms.CharField(required=False, max_length=7, label="Primary colour",
                              help_text="Of headings and charts, as # and six hex digits, for example #1f4e79. Empty: the report's own")  # fmt: skip
    key_messages = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 8}), label="Key messages",
        help_text="One message a paragraph: leave an empty line between two (a message may run over several lines). "
        "A live figure is written {{ question.option }}, for example {{ trained.1 }}; .change gives the change in words.",
    )  # fmt: skip
    hidden = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple, label="Sections left out of the report")
    quotes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Quotes",
        help_text="One a line: the respondent's id, then the free-text question, for example L25-0042 enablers_text. "
        "Empty: the report's own choice of quotes.",
    )  # fmt: skip
    note = forms.CharField(required=False, max_length=200, label="What you changed (optional)")

    def __init__(self, sections: list[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sections = sections
        cast("forms.MultipleChoiceField", self.fields["hidden"]).choices = [
            (sid, title) for sid, title in sections if sid not in report_spec.NOT_HIDDEN
        ]
        for sid, title in sections:
            if sid != "key-messages":
                self.fields[f"commentary_{sid}"] = forms.CharField(
                    required=False, label=f"Commentary: {title}", widget=forms.Textarea(attrs={"rows": 3}),
                    help_text=f"Section {sid}: Markdown with live figures, shown under its title",
                )  # fmt: skip
        self.loaded: LoadedSpec | None = None
        self.text = ""

    @property
    def commentary_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("commentary_")]

    def clean_quotes(self) -> list[tuple[str, str]]:
        chosen = []
        for n, line in enumerate(self.cleaned_data["quotes"].splitlines(), 1):
            if not line.strip():
                continue
            parts = re.split(r"[\s,]+", line.strip())
            if len(parts) != 2:
                raise forms.ValidationError(f"line {n}: expected a respondent's id and a question's id, such as L25-0042 enablers_text")
            chosen.append((parts[0], parts[1]))
        return chosen

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        self.text = report_spec.spec_text(data, self.sections)
        try:
            self.loaded = report_spec.load(self.text)
        except SpecError as exc:
            for p in exc.problems:
                self.add_error("primary" if p.path.startswith("colours") else None, p.message if p.path.startswith("colours") else str(p))
        return data


class YamlForm(forms.Form):
    text = forms.CharField(label="The report's text as YAML", widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "false"}),
                           help_text="As collabstate report --spec reads it (see the report spec's documentation); "
                           "saved as it is written")  # fmt: skip
    note = forms.CharField(required=False, max_length=200, label="What you changed (optional)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.loaded: LoadedSpec | None = None

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].replace("\r\n", "\n")
        try:
            self.loaded = report_spec.load(text)
        except SpecError as exc:
            raise forms.ValidationError(report_spec.problems_of(exc)) from None
        return text


@wave_view(ANALYST, ("GET", "POST"))
def report_text(request: HttpRequest, wave: Wave, membership: Membership) -> HttpResponse:
    """The form (filled from the newest version), the preview of the newest and its warnings, the history."""
    found = report_spec.base(wave)
    latest = results.latest_spec(wave)
    latest_loaded = report_spec.load(latest.text) if latest else None
    sections = found.sections if found else []
    form = ReportTextForm(sections, initial=report_spec.form_initial(latest_loaded) if latest_loaded else {})
    yaml_form = YamlForm(initial={"text": latest.text if latest else ""})
    if request.method == "POST" and found is not None:
        posted: ReportTextForm | YamlForm
        if request.POST.get("form") == "yaml":
            posted = yaml_form = YamlForm(request.POST)
            text = request.POST.get("text", "")
        else:
            posted = form = ReportTextForm(sections, request.POST)
            text = ""
        if posted.is_valid() and posted.loaded is not None:
            text = posted.text if isinstance(posted, ReportTextForm) else posted.cleaned_data["text"]
            try:
                report_spec.preview(found, posted.loaded)
            except SpecError as exc:
                posted.add_error("text" if isinstance(posted, YamlForm) else None, report_spec.problems_of(exc))
            else:
                version = report_spec.save_version(wave, text, posted.cleaned_data["note"], request.user)
                messages.success(request, f"Version {version.number} of the report's text saved. The report is built with it from now on.")
                return redirect(reverse("workspace:report_text", args=[wave.pk]) + "#preview")
    shown = None
    if request.GET.get("version"):
        try:
            shown = get_object_or_404(wave.report_specs.select_related("created_by"), number=int(request.GET["version"]))
        except ValueError:
            raise Http404("no such version") from None
    current = None
    if found is not None and latest_loaded is not None:
        try:
            current = report_spec.preview(found, latest_loaded)
        except SpecError as exc:  # the report's sections have changed since it was saved
            current = None
            messages.warning(request, f"The newest version no longer fits the report: {'; '.join(report_spec.problems_of(exc))}")
    context = {
        "wave": wave, "membership": membership, "found": found, "form": form, "yaml_form": yaml_form, "latest": latest,
        "preview": current, "shown": shown, "history": list(wave.report_specs.select_related("created_by")[:HISTORY]),
        "errors": form.errors or yaml_form.errors,
    }  # fmt: skip
    return render(request, "workspace/report_text.html", context)


@wave_view(ANALYST, ("POST",))
def restore_report_text(request: HttpRequest, wave: Wave, membership: Membership, version: int) -> HttpResponse:
    """Save an older version's text again as the newest version."""
    old = get_object_or_404(wave.report_specs, number=version)
    new = report_spec.save_version(wave, old.text, f"restored version {old.number}", request.user)
    messages.success(request, f"Version {old.number} restored as version {new.number}.")
    return redirect(reverse("workspace:report_text", args=[wave.pk]) + "#preview")
