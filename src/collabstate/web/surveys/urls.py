from django.urls import path, register_converter

from . import optout, views


class TokenConverter:
    """Any path segment: a malformed token still reaches the view, which answers 404 (and counts it)."""

    regex = "[^/]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TokenConverter, "token")

urlpatterns = [
    path("r/<token:token>/", views.start, name="start"),
    path("r/<token:token>/q/<slug:question_id>/", views.question, name="question"),
    path("r/<token:token>/check/", views.check, name="check"),
    path("r/<token:token>/done/", views.done, name="done"),
    path("s/<slug:slug>/", views.open_link, name="open_link"),
    path("optout/<token:token>/", optout.page, name="opt_out"),
]
