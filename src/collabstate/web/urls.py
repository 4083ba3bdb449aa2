"""URLs: respondents under ``/r/<token>/`` and ``/s/<wave>/`` (open links); the analysts'
workspace under ``/workspace/`` (and a colleague's invitation, ``/workspace/join/<token>/``), a
wave's report shared by a link under ``/shared/<token>/``, signing in under
``/accounts/``; the admin for staff. ``/`` leads to the workspace (through the sign-in page for someone not
signed in)."""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path, reverse

from collabstate.web.workspace import sharing
from collabstate.web.workspace.colleagues import join


def front_door(request: HttpRequest) -> HttpResponse:
    """``/``: the workspace's home when signed in, else the sign-in page that then leads there."""
    home = reverse("workspace:home")
    return redirect(home) if request.user.is_authenticated else redirect_to_login(home)


urlpatterns = [
    path("", front_door, name="front_door"),
    path("admin/", admin.site.urls),
    path("accounts/", include("collabstate.web.workspace.accounts")),
    path("workspace/join/<str:token>/", join, name="join"),  # open to anyone with the link: not a guarded workspace view
    # a wave's report shared by a link: open to anyone with it (workspace/sharing.py)
    path("shared/<str:token>/", sharing.shared_page, name="shared"),
    path("shared/<str:token>/report/", sharing.shared_report, name="shared_report"),
    path("shared/<str:token>/tables.xlsx", sharing.shared_download, name="shared_download"),
    path("workspace/", include("collabstate.web.workspace.urls")),
    path("", include("collabstate.web.surveys.urls")),
]

handler404 = "collabstate.web.workspace.views.not_found"  # the respondents' page outside /workspace/
handler403 = "collabstate.web.workspace.views.forbidden"
