"""The Django admin, for staff: waves, invitees and respondents (never answer content by default)."""

from django.contrib import admin

from .models import Invitee, Respondent, Wave


@admin.register(Wave)
class WaveAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "instrument_ref", "mode", "open_link", "opens_at", "closes_at"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Invitee)
class InviteeAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "organisation", "wave", "invited_at", "reminders_sent"]
    list_filter = ["wave"]
    search_fields = ["email", "name", "organisation"]


@admin.register(Respondent)
class RespondentAdmin(admin.ModelAdmin):
    list_display = ["id", "wave", "status", "page", "pages_saved", "updated_at"]
    list_filter = ["wave", "status"]
    readonly_fields = ["wave", "invitee", "response", "status", "page", "pages_saved", "consented_at"]
