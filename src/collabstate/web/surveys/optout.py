"""The opt-out link at the foot of every invitation and reminder: ``/optout/<token>/``.

GET shows the wave's title and a button; POST records ``Invitee.opted_out_at`` and says so. A
second POST says the same and changes nothing (idempotent). Nothing else changes: answers
already given are kept, the respondent and their links are not touched (in an anonymous wave the
invitee is still not linked to any answers), and the invitee still counts as invited in the
response rate. :func:`.sending.due` never picks an opted-out invitee again.

The same address is the e-mails' ``List-Unsubscribe`` header, with ``List-Unsubscribe-Post:
List-Unsubscribe=One-Click`` (RFC 8058): a mail program opts out with a POST of that form and
no cookie, so this view takes POSTs without a CSRF token (a forged POST could at worst stop the
e-mails of someone whose token the forger already has), and answers them with a page, never a
redirect.

**The token is signed, not stored** (Django's signing, with its own salt): it carries the
invitee's number and an HMAC of it under ``SECRET_KEY``, so it cannot be made up for another
invitee; being the same in every e-mail to a person, the opt-out link of the first invitation
still works when the reminders come (a stored hash, as the survey links have, would need a
table of one token per e-mail for that). Nothing needs cleaning up, and a token stops working
when the invitee is deleted. The survey link is different: it opens answers, so it is random,
stored hashed and revocable; an opt-out can only stop e-mails. Changing ``SECRET_KEY`` ends
every opt-out link already sent (Django's ``SECRET_KEY_FALLBACKS`` would keep them working).
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ..throttle.counting import client_address, hit, rate
from .models import Invitee

__all__ = ["find", "opt_out", "optout_link", "optout_token", "page"]

_SALT = "collabstate.surveys.optout"
#: Failed look-ups are counted with the survey links' (:mod:`.views`).
TOKEN_FAILURES = "token-lookup-failures"


def _signer() -> signing.Signer:
    return signing.Signer(salt=_SALT, sep=".")


def optout_token(invitee: Invitee) -> str:
    return _signer().sign_object(invitee.pk)


def optout_link(invitee: Invitee) -> str:
    """The invitee's opt-out address, on the site's public address as the survey links are."""
    return settings.SITE_URL + reverse("opt_out", args=[optout_token(invitee)])


def find(token: str) -> Invitee | None:
    """The invitee of an opt-out token; None for a token not signed here or a deleted invitee."""
    try:
        pk = _signer().unsign_object(token)
    except (signing.BadSignature, ValueError):
        return None
    return Invitee.objects.select_related("wave").filter(pk=pk).first() if isinstance(pk, int) else None


def opt_out(invitee: Invitee) -> bool:
    """Record the opt-out; False when it was already recorded (the first time is kept)."""
    changed = Invitee.objects.filter(pk=invitee.pk, opted_out_at__isnull=True).update(opted_out_at=timezone.now())
    return bool(changed)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def page(request: HttpRequest, token: str) -> HttpResponse:
    invitee = find(token)
    if invitee is None:
        limit = rate("TOKEN_FAILURES_RATE")
        if hit(TOKEN_FAILURES, client_address(request), limit) > limit.limit:
            return render(request, "surveys/too_many.html", status=429)
        raise Http404("no such opt-out link")
    if request.method == "POST":
        opt_out(invitee)
        invitee.refresh_from_db(fields=["opted_out_at"])
    return render(request, "surveys/opt_out.html", {"wave": invitee.wave, "done": invitee.opted_out_at is not None,
                                                    "action": request.path})  # fmt: skip
