"""``Cache-Control: no-store`` on every page the site makes (static files, served before this by
WhiteNoise, keep their long caching).

Pages show answers (the respondents' own, on their question and check-answers pages), results,
exports and invitees' contact details; a shared computer's browser cache, a proxy or a back
button after signing out must not keep a copy. The site has no page worth caching that shows
none of these, so every page gets it rather than a list that a new page could be left out of.
A response that sets its own ``Cache-Control`` keeps it.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers

__all__ = ["NoStore"]


class NoStore:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)  # max-age=0, no-cache, no-store, must-revalidate, private
        return response
