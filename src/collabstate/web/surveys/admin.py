"""The Django admin, for staff: waves, invitees and respondents (never answer content by default)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path

from ...errors import RefusedError
from . import invitations, sending
from .models import Invitee, Respondent, Wave


class InviteeUploadForm(forms.Form):
    file = forms.FileField(
        label="Invitee CSV", help_text="Columns: email (required), name, organisation, sector, role, and question ids (known facts)"
    )


class WaveForm(forms.ModelForm):
    instrument_file = forms.FileField(required=False, help_text="An instrument YAML file; replaces the text below")

    class Meta:
        model = Wave
        fields = "__all__"

    def clean(self):
        data = super().clean()
        upload = data.get("instrument_file")
        if upload:
            try:
                self.instance.instrument_yaml = data["instrument_yaml"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                self.add_error("instrument_file", "The instrument file must be UTF-8 text (YAML).")
        return data


@admin.register(Wave)
class WaveAdmin(admin.ModelAdmin):
    form = WaveForm
    list_display = ["title", "slug", "organisation", "instrument_ref", "mode", "open_link", "opens_at", "closes_at"]
    list_filter = ["organisation"]
    prepopulated_fields = {"slug": ["title"]}
    actions = ["send_invitations", "send_reminders", "send_failed"]

    def get_urls(self):
        own = [path("<int:pk>/invitees/", self.admin_site.admin_view(self.upload_invitees), name="surveys_wave_invitees")]
        return own + super().get_urls()

    def upload_invitees(self, request, pk: int):
        """Upload an invitee CSV to a wave: every problem by row, or how many were added."""
        wave = get_object_or_404(Wave, pk=pk)
        if not self.has_change_permission(request, wave):
            raise PermissionDenied
        form = InviteeUploadForm(request.POST or None, request.FILES or None)
        problems: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                added = invitations.add_invitees(wave, upload.read(), name=upload.name)
            except invitations.InviteeFileError as exc:
                problems = [f"{upload.name}: {p}" for p in exc.problems]
            else:
                self.message_user(request, f"{len(added)} invitees added to {wave}. Send the invitations from the list of waves.")
                return redirect("admin:surveys_wave_change", wave.pk)
        context = {**self.admin_site.each_context(request), "title": f"Upload invitees to {wave}", "wave": wave, "form": form,
                   "problems": problems, "opts": self.model._meta}  # fmt: skip
        return render(request, "admin/surveys/upload_invitees.html", context)

    def _send(self, request, queryset, what: str) -> None:
        """:func:`.sending.send` for each wave chosen, one message each: what went, what the mail
        server refused (listed on the invitees), or why nothing was sent."""
        for wave in queryset:
            try:
                sent = sending.send(wave, what)
            except RefusedError as exc:
                self.message_user(request, f"{wave}: nothing was sent: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"{wave}: {sent}.", messages.ERROR if sent.refused or sent.not_tried else messages.SUCCESS)

    @admin.action(description="Send invitations to invitees not yet invited")
    def send_invitations(self, request, queryset):
        self._send(request, queryset, sending.INVITATIONS)

    @admin.action(description="Send reminders to invitees who have not completed")
    def send_reminders(self, request, queryset):
        self._send(request, queryset, sending.REMINDERS)

    @admin.action(description="Send again the invitations and reminders the mail server refused")
    def send_failed(self, request, queryset):
        self._send(request, queryset, sending.FAILED)


@admin.register(Invitee)
class InviteeAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "organisation", "wave", "invited_at", "reminders_sent", "send_failed_at", "send_error"]
    list_filter = ["wave", ("send_failed_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "name", "organisation"]
    readonly_fields = ["invited_at", "reminders_sent", "last_reminded_at", "send_failed_at", "send_error", "sending_since"]


@admin.register(Respondent)
class RespondentAdmin(admin.ModelAdmin):
    list_display = ["id", "wave", "status", "page", "pages_saved", "updated_at"]
    list_filter = ["wave", "status"]
    readonly_fields = ["wave", "invitee", "response", "status", "page", "pages_saved", "consented_at"]
