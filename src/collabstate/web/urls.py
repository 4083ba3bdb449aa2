"""URLs: respondents under ``/r/<token>/`` and ``/s/<wave>/`` (open links); the admin for staff."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("collabstate.web.surveys.urls")),
]

handler404 = "collabstate.web.surveys.views.not_found"
