"""Signing in and out, and changing one's password: Django's own auth views (as in
``django.contrib.auth.urls``) with the workspace's templates, under ``/accounts/``. The names
are Django's (``login``, ``logout`` …), so ``LOGIN_URL = "login"`` finds them.

Accounts are made by staff in the admin (``/admin/``); an organisation's owners then add them
as members with a role.

Failed sign-ins are counted per address (django-ratelimit, on the database cache that every
worker shares); over ``settings.SIGN_IN_FAILURES_RATE`` the sign-in page answers 429 and checks
no password until the period has passed, so passwords cannot be guessed at speed.
"""

from django.conf import settings
from django.contrib.auth import views as auth
from django.shortcuts import render
from django.urls import path, reverse_lazy
from django_ratelimit import ALL
from django_ratelimit.core import get_usage

GROUP = "sign-in-failures"


class SignInView(auth.LoginView):
    template_name = "workspace/sign_in.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        failures = _failures(request, increment=False)
        if failures and failures["count"] >= failures["limit"]:
            return render(request, "workspace/too_many.html", status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        _failures(self.request, increment=True)
        return super().form_invalid(form)


def _failures(request, increment: bool) -> dict | None:
    """This address's failed sign-ins in the current period (``count``, ``limit`` …)."""
    return get_usage(request, group=GROUP, key="ip", rate=settings.SIGN_IN_FAILURES_RATE, method=ALL, increment=increment)


urlpatterns = [
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(template_name="workspace/signed_out.html"), name="logout"),
    path(
        "password_change/",
        auth.PasswordChangeView.as_view(template_name="workspace/password_change.html", success_url=reverse_lazy("password_change_done")),
        name="password_change",
    ),
    path(
        "password_change/done/",
        auth.PasswordChangeDoneView.as_view(template_name="workspace/password_changed.html"),
        name="password_change_done",
    ),
]
