"""The web's one place for the error family (web/errors.py): a member that reaches a view's edge is
a page with its message and a 4xx/503 status, in the respondents' look under /r/, never a 500."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from collabstate.errors import InputError, RefusedError, SetupError, UnknownNameError, UsageError
from collabstate.web.errors import CollabstateErrorMiddleware, status_of


def _page(path: str, error: Exception) -> HttpResponse | None:
    request = RequestFactory().get(path)
    request.user = AnonymousUser()
    return CollabstateErrorMiddleware(lambda r: HttpResponse()).process_exception(request, error)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InputError(file="staff.csv", row=3, column="sector", value="<b>9</b>", expected="1 to 4"), 400),
        (UsageError(argument="by", value="x", expected="a question"), 400),
        (UnknownNameError(name="q9", kind="a question of leaders", known=["q1"]), 400),
        (RefusedError("the wave has no responses yet"), 409),
        (SetupError("PDF needs chromium"), 503),
    ],
)
def test_a_member_of_the_family_is_a_page_with_its_message(db, error, status):
    assert status_of(error) == status
    for path, look in (("/workspace/waves/x/", "Go to your waves"), ("/r/abc/", "contact the people who sent you the survey")):
        response = _page(path, error)
        assert response is not None and response.status_code == status
        html = response.content.decode()
        assert look in html and "This could not be done" in html
        if isinstance(error, InputError):  # the message, escaped like any text
            assert "staff.csv, row 3, column sector: &#x27;&lt;b&gt;9&lt;/b&gt;&#x27; is not valid; expected 1 to 4" in html


def test_other_exceptions_are_left_to_django(db):
    assert _page("/workspace/", ValueError("a bug")) is None
