"""Signing in and out, and changing one's password: Django's own auth views (as in
``django.contrib.auth.urls``) with the workspace's templates, under ``/accounts/``. The names
are Django's (``login``, ``logout`` …), so ``LOGIN_URL = "login"`` finds them.

Accounts are made by staff in the admin (``/admin/``); an organisation's owners then add them
as members with a role.

Failed sign-ins are counted per account and address, and per address, in the database that
every worker shares (:mod:`collabstate.web.throttle.sign_in`, which covers the admin's sign-in
too); over the limits the sign-in page answers 429 and checks no password until the window has
passed, so passwords cannot be guessed at speed, and nobody else's failures lock you out.
"""

from django.contrib.auth import views as auth
from django.urls import path, reverse_lazy


class SignInView(auth.LoginView):
    template_name = "workspace/sign_in.html"
    redirect_authenticated_user = True


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
