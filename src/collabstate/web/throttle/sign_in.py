"""Signing in is throttled per account *and* address, in the admin and the workspace alike.

- Failures are counted for the pair (the username as typed, case-folded; the client's address,
  :func:`.counting.client_address`): after ``SIGN_IN_FAILURES_RATE`` of them (10 in 15 minutes)
  that address may not try that account until the window ends. Someone else's failures (another
  address trying your account, or a colleague behind the same office address mistyping theirs)
  never keep you from signing in with the right password.
- Failures are also counted for the address over all accounts: after
  ``SIGN_IN_ADDRESS_FAILURES_RATE`` (100 in 15 minutes) the address may try no account, against
  one address guessing across many accounts. Only that many failures from your own address can
  stop you.
- While throttled no password is checked, the right one included, so the throttle tells a guesser
  nothing; a successful sign-in clears its pair's failures.

The design is django-axes': an authentication backend first in ``AUTHENTICATION_BACKENDS``
refuses before any password is checked (so every ``authenticate(request=…)``, the admin's sign-in
and the workspace's, is covered), the ``user_login_failed`` signal counts, and a middleware turns
the refusal into the 429 page instead of "wrong password".
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .counting import client_address, count, hit, rate, reset, seconds_left

__all__ = ["SignInThrottle", "ThrottledPage", "blocked"]

PAIR, ADDRESS = "sign-in-failures", "sign-in-address-failures"
PAIR_RATE, ADDRESS_RATE = "SIGN_IN_FAILURES_RATE", "SIGN_IN_ADDRESS_FAILURES_RATE"


def _pair(request: HttpRequest, username: str | None) -> str:
    return f"{client_address(request)}\0{(username or '').strip().casefold()}"


def blocked(request: HttpRequest, username: str | None) -> int:
    """Seconds until this address may try ``username`` again (0: it may now)."""
    waits = []
    for scope, who, name in ((PAIR, _pair(request, username), PAIR_RATE), (ADDRESS, client_address(request), ADDRESS_RATE)):
        limit = rate(name)
        if count(scope, who, limit) >= limit.limit:
            waits.append(max(1, seconds_left(scope, who, limit)))
    return max(waits, default=0)


class SignInThrottle:
    """First of the authentication backends: refuses a throttled sign-in before any password is
    checked, and leaves every other to the next backend. Only ``authenticate``: with no
    ``get_user`` or permission methods it signs nobody in and grants nothing."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is not None:
            wait = blocked(request, username if username is not None else kwargs.get(get_user_model().USERNAME_FIELD))
            if wait:
                request.sign_in_wait = wait
                raise PermissionDenied("too many failed sign-ins")
        return None


@receiver(user_login_failed)
def _count_failure(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    if request is None or hasattr(request, "sign_in_wait"):
        return  # a refused attempt is not counted again: the window does not grow
    username = credentials.get(get_user_model().USERNAME_FIELD, credentials.get("username"))
    hit(PAIR, _pair(request, username), rate(PAIR_RATE))
    hit(ADDRESS, client_address(request), rate(ADDRESS_RATE))


@receiver(user_logged_in)
def _clear_on_success(sender, request: HttpRequest | None, user, **kwargs) -> None:
    if request is not None:
        reset(PAIR, _pair(request, user.get_username()))


class ThrottledPage:
    """Middleware: a sign-in refused by :class:`SignInThrottle` gets the 429 page (the admin's or
    the workspace's), saying how long to wait, instead of the form's "wrong password"."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        wait = getattr(request, "sign_in_wait", 0)
        if not wait:
            return response
        minutes = -(-wait // 60)
        template = "throttle/admin_too_many.html" if request.path.startswith("/admin/") else "workspace/too_many.html"
        return render(request, template, {"minutes": minutes, "title": "Too many attempts to sign in"}, status=429)
