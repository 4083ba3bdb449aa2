"""Signing in and out, and changing one's password: Django's own auth views (as in
``django.contrib.auth.urls``) with the workspace's templates, under ``/accounts/``. The names
are Django's (``login``, ``logout`` …), so ``LOGIN_URL = "login"`` finds them.

Accounts are made by staff in the admin (``/admin/``), or by a colleague joining through an
owner's invitation (:mod:`.colleagues`); an organisation's owners add them as members with a role.

A forgotten password is reset by e-mail (Django's password-reset views): the link, with
``SITE_URL`` at its start, works once and for ``PASSWORD_RESET_TIMEOUT`` seconds. Asking for
one is limited per address (``PASSWORD_RESETS_RATE``), as failed sign-ins are, and the page says
the same whether or not the address has an account.

Failed sign-ins are counted per account and address, and per address, in the database that
every worker shares (:mod:`collabstate.web.throttle.sign_in`, which covers the admin's sign-in
too); over the limits the sign-in page answers 429 and checks no password until the window has
passed, so passwords cannot be guessed at speed, and nobody else's failures lock you out.

Single sign-on through OpenID Connect, when set up, adds a button to the sign-in page and two
addresses, ``oidc/start/`` and ``oidc/callback/`` (:mod:`.single_sign_on`).
"""

from django.conf import settings
from django.contrib.auth import views as auth
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse_lazy

from ..throttle.counting import client_address, hit, rate, seconds_left
from .single_sign_on import Callback, Start, button_words

RESETS, RESETS_RATE = "password-resets", "PASSWORD_RESETS_RATE"


class SignInView(auth.LoginView):
    template_name = "workspace/sign_in.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "single_sign_on": button_words()}  # '' when it is off


class PasswordResetView(auth.PasswordResetView):
    """Asking for a reset link by e-mail, limited per address: over the rate, the 429 page."""

    template_name = "workspace/password_reset.html"
    email_template_name = "workspace/password_reset_email.txt"
    subject_template_name = "workspace/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        limit = rate(RESETS_RATE)
        if hit(RESETS, client_address(request), limit) > limit.limit:
            minutes = -(-max(1, seconds_left(RESETS, client_address(request), limit)) // 60)
            return render(request, "workspace/too_many.html", {"minutes": minutes, "resets": True}, status=429)
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().post(request, *args, **kwargs)


urlpatterns = [
    path("login/", SignInView.as_view(), name="login"),
    path("oidc/start/", Start.as_view(), name="oidc_authentication_init"),  # single sign-on (.single_sign_on), 404 when off
    path("oidc/callback/", Callback.as_view(), name="oidc_authentication_callback"),
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
    path("password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path(
        "password_reset/done/",
        auth.PasswordResetDoneView.as_view(template_name="workspace/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(
            template_name="workspace/password_reset_confirm.html", success_url=reverse_lazy("password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth.PasswordResetCompleteView.as_view(template_name="workspace/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]
