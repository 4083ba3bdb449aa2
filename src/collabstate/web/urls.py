"""URLs: respondents under ``/r/<token>/`` and ``/s/<wave>/`` (open links); the analysts'
workspace under ``/workspace/`` (and a colleague's invitation, ``/workspace/join/<token>/``), signing in under ``/accounts/``; the admin for staff."""

from django.contrib import admin
from django.urls import include, path

from collabstate.web.workspace.colleagues import join

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("collabstate.web.workspace.accounts")),
    path("workspace/join/<str:token>/", join, name="join"),  # open to anyone with the link: not a guarded workspace view
    path("workspace/", include("collabstate.web.workspace.urls")),
    path("", include("collabstate.web.surveys.urls")),
]

handler404 = "collabstate.web.workspace.views.not_found"  # the respondents' page outside /workspace/
handler403 = "collabstate.web.workspace.views.forbidden"
