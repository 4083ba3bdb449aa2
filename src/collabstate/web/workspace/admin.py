"""The Django admin, for staff only: organisations and their members, and the audit log and the
openings of shared links (read only)."""

from django.contrib import admin

from .models import AuditEntry, Membership, Organisation, SharedLinkOpening


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role"]
    list_filter = ["organisation", "role"]
    search_fields = ["user__username", "user__email", "organisation__name"]
    autocomplete_fields = ["user"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log can be read, never written or changed, here."""

    list_display = ["at", "organisation", "wave", "user", "action", "detail"]
    list_filter = ["organisation", "action"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SharedLinkOpening)
class SharedLinkOpeningAdmin(AuditEntryAdmin):
    """Every opening of a shared link (the wave's page lists the latest 20), read only."""

    list_display = ["at", "link", "what", "user", "network"]
    list_filter = ["what"]
