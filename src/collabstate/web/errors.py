"""The web's one place for the error family: a :class:`~collabstate.errors.CollabstateError` that
reaches a view's edge becomes a page that says what was wrong, never a server error.

The command line maps the family to exit codes (:mod:`collabstate.cli`); this middleware maps it to
HTTP statuses from the same classes: input or an argument that cannot be used, 400; a request the
data or state refuse, 409; something this server lacks, 503. Views still catch an error where they
can do better (show it beside the form field it is about); this is what every other one meets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..errors import CollabstateError, RefusedError, SetupError

__all__ = ["CollabstateErrorMiddleware", "status_of"]

log = logging.getLogger("collabstate.web")


def status_of(error: CollabstateError) -> int:
    """The HTTP status a member of the family is shown with."""
    if isinstance(error, SetupError):
        return 503
    if isinstance(error, RefusedError):
        return 409
    return 400


class CollabstateErrorMiddleware:
    """Render a member of the family as a page: the respondents' look under ``/r/`` (they never see
    the workspace), the workspace's elsewhere; the message is escaped like any text."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, CollabstateError):
            return None
        status = status_of(exception)
        log.warning("%s %s: %s (%s)", request.method, request.path, exception, status)
        template = "surveys/problem.html" if request.path.startswith("/r/") else "workspace/problem.html"
        return render(request, template, {"message": str(exception)}, status=status)
