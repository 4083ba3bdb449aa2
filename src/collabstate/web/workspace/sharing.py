"""Shared links: a read-only link to a wave's report for people without an account.

An analyst makes one on the wave's page (a label, how many days it works, with or without the
open-text quotes) and sees the full address once; afterwards only a SHA-256 of its token is
kept, as respondents' and colleagues' invitations are (:func:`..surveys.actions.new_token`).
Why a random token and a stored hash rather than :mod:`django.core.signing`: a link must be
listed on the wave's page, counted and revoked one by one, so it needs a row anyway; a signed
value would add a secret whose rotation breaks every link, and would still need the row to be
revoked. A hash in the row is what the database could leak, and it opens nothing.

``/shared/<token>/`` (anyone with the link, signed in or not) shows the report exactly as the
workspace's results page builds it by default (:func:`.results.report`, so the same suppression of
small groups), in a frame, with its tables as an Excel workbook. Unknown, revoked and expired links
get one and the same 404 page that names no wave; failed look-ups count against the respondents'
token limit (``TOKEN_FAILURES_RATE``), openings of a working link against
``SHARED_LINK_OPENS_RATE``; over either, 429. Every opening is a :class:`.models.SharedLinkOpening`;
making and revoking are :class:`.models.AuditEntry` rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import F
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.clickjacking import xframe_options_sameorigin

from ..surveys.actions import new_token, token_hash
from ..surveys.models import Wave
from ..surveys.views import TOKEN_FAILURES
from ..throttle.counting import client_address, hit, rate
from . import results
from .access import wave_view
from .actions import WorkspaceError
from .forms import ResultsForm
from .models import AuditEntry, Membership, SharedLinkOpening, SharedReportLink

__all__ = ["DAYS", "MAX_DAYS", "ShareForm", "block", "find", "make", "network", "record", "revoke", "shared_link"]

#: Days a new link works unless the analyst says otherwise, and the most it may.
DAYS, MAX_DAYS = 30, 365
#: Links and openings listed on the wave's page.
SHOWN = 50
OPENINGS_SHOWN = 20
OPENS = "shared-link-opens"


class ShareForm(forms.Form):
    label = forms.CharField(label="What the link is for", max_length=100, help_text="Shown in the list, e.g. Board meeting 12 March",
                            error_messages={"required": "Enter what the link is for, e.g. Board meeting 12 March",
                                            "max_length": "Keep what the link is for under 100 characters"})  # fmt: skip
    days = forms.IntegerField(label="Days the link works", initial=DAYS, min_value=1, max_value=MAX_DAYS,
                              help_text=f"From today; 1 to {MAX_DAYS}. You can revoke it sooner",
                              error_messages={"required": f"Enter the days the link works, a whole number from 1 to {MAX_DAYS}",
                                              "invalid": f"Enter the days the link works as a whole number from 1 to {MAX_DAYS}",
                                              "min_value": f"The days the link works must be 1 to {MAX_DAYS}",
                                              "max_value": f"The days the link works must be 1 to {MAX_DAYS}"})  # fmt: skip
    include_quotes = forms.BooleanField(label="Include the open-text quotes (respondents' own words)", required=False)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", "share")
        super().__init__(*args, **kwargs)


def shared_link(token: str) -> str:
    return settings.SITE_URL + reverse("shared", args=[token])


def _audit(wave: Wave, by, detail: str) -> None:
    AuditEntry.objects.create(organisation_id=wave.organisation_id, wave=wave, user=by, action=AuditEntry.SHARING, detail=detail)


def make(wave: Wave, label: str, days: int, include_quotes: bool, by, now: dt.datetime | None = None) -> tuple[SharedReportLink, str]:
    """A new link to ``wave``'s report, working ``days`` days; returns it and its token (kept nowhere else)."""
    label = " ".join(label.split())
    if not label:
        raise WorkspaceError("what the link is for: expected a few words, e.g. Board meeting 12 March")
    most = SharedReportLink._meta.get_field("label").max_length or 100
    if len(label) > most:  # the form says so too; a caller of the library is told here, never by the database (PostgreSQL refuses it)
        raise WorkspaceError(f"what the link is for: expected at most {most} characters, not {len(label)}")
    if not 1 <= days <= MAX_DAYS:
        raise WorkspaceError(f"days the link works: expected a whole number from 1 to {MAX_DAYS}, not {days}")
    now = now or timezone.now()
    token, hashed = new_token()
    with transaction.atomic():
        link = SharedReportLink.objects.create(wave=wave, label=label, token_hash=hashed, include_quotes=include_quotes, created_by=by,
                                               expires_at=now + dt.timedelta(days=days))  # fmt: skip
        quotes = "with" if include_quotes else "without"
        _audit(
            wave, by, f"shared link ‘{label}’ made, {quotes} quotes, working until {timezone.localtime(link.expires_at):%-d %b %Y %H:%M}"
        )
    return link, token


def revoke(link: SharedReportLink, by, now: dt.datetime | None = None) -> None:
    state = link.state(now)
    if state != SharedReportLink.ACTIVE:
        raise WorkspaceError(f"the shared link ‘{link.label}’ is {state} already: there is nothing to revoke")
    with transaction.atomic():
        link.revoked_at, link.revoked_by = now or timezone.now(), by
        link.save(update_fields=["revoked_at", "revoked_by"])
        _audit(link.wave, by, f"shared link ‘{link.label}’ revoked")


def find(token: str, now: dt.datetime | None = None) -> SharedReportLink | None:
    """The working link of ``token``; ``None`` for a malformed, unknown, revoked or expired one alike."""
    if not token or len(token) > 100 or not token.isascii():
        return None
    link = SharedReportLink.objects.select_related("wave", "wave__organisation").filter(token_hash=token_hash(token)).first()
    return link if link is not None and link.state(now) == SharedReportLink.ACTIVE else None


def network(request: HttpRequest) -> str:
    """The network an opening came from, never the address: an IPv4 address's /24 (its last number
    dropped), an IPv6 address's /48 (a site's whole allocation); empty when it is not an address."""
    try:
        found = ipaddress.ip_network(client_address(request), strict=False)  # the address behind trusted proxies (IPv6: its /64)
    except ValueError:
        return ""
    return str(found.supernet(new_prefix=24 if found.version == 4 else 48))


def record(request: HttpRequest, link: SharedReportLink, what: str) -> None:
    """Log one opening; the page's openings are counted on the link too."""
    with transaction.atomic():
        user = request.user if request.user.is_authenticated else None
        SharedLinkOpening.objects.create(link=link, what=what, user=user, network=network(request))
        if what == SharedLinkOpening.PAGE:
            SharedReportLink.objects.filter(pk=link.pk).update(opened_count=F("opened_count") + 1, last_opened_at=timezone.now())


def block(wave: Wave, membership: Membership, form: ShareForm | None = None) -> dict:
    """What the wave page's block Shared links shows (``workspace/_shared_links.html``)."""
    links = list(wave.shared_links.select_related("created_by", "revoked_by")[:SHOWN])
    openings = SharedLinkOpening.objects.filter(link__wave=wave).select_related("link", "user")[:OPENINGS_SHOWN]
    return {"wave": wave, "membership": membership, "links": links, "openings": list(openings), "share_form": form or ShareForm(),
            "can_share": membership.allows(Membership.ANALYST), "max_days": MAX_DAYS}  # fmt: skip


# The workspace's views (analysts make and revoke; every member sees the list)


@wave_view(Membership.ANALYST, ("GET", "POST"))
def links_view(request: HttpRequest, wave: Wave, membership: Membership) -> HttpResponse:
    """GET: the block on a page of its own; POST: make a link and show its address, once."""
    form = ShareForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            link, token = make(
                wave, form.cleaned_data["label"], form.cleaned_data["days"], form.cleaned_data["include_quotes"], request.user
            )
        except WorkspaceError as exc:
            form.add_error("label", str(exc))
        else:
            return render(request, "workspace/shared_link_made.html", {"wave": wave, "link": link, "address": shared_link(token)})
    return render(request, "workspace/shared_links.html", block(wave, membership, form), status=400 if form.is_bound else 200)


@wave_view(Membership.ANALYST, ("POST",))
def revoke_view(request: HttpRequest, wave: Wave, membership: Membership, link: int) -> HttpResponse:
    target = get_object_or_404(wave.shared_links, pk=link)
    try:
        revoke(target, request.user)
    except WorkspaceError as exc:
        messages.error(request, str(exc)[0].upper() + str(exc)[1:] + ".")
    else:
        messages.success(request, f"The shared link ‘{target.label}’ is revoked: it no longer opens the report.")
    return redirect(reverse("workspace:wave", args=[wave.pk]) + "#shared-links")


# The public pages


def _public(response: HttpResponseBase) -> HttpResponseBase:
    """Kept by no cache, indexed by no search engine, and sending no address on (the token is in it)."""
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow, noarchive"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _over(request: HttpRequest, scope: str, setting: str) -> bool:
    limit = rate(setting)
    return hit(scope, client_address(request), limit) > limit.limit


def _link(request: HttpRequest, token: str) -> SharedReportLink | HttpResponseBase:
    """The token's working link, or the page to answer instead: 404 (one page for unknown, revoked
    and expired alike), 429 over a rate, 405 for a method other than GET."""
    if request.method not in ("GET", "HEAD"):
        return _public(HttpResponseNotAllowed(["GET", "HEAD"]))
    link = find(token)
    if link is None:
        if _over(request, TOKEN_FAILURES, "TOKEN_FAILURES_RATE"):
            return _public(render(request, "workspace/shared_too_many.html", status=429))
        return _public(render(request, "workspace/shared_gone.html", status=404))
    if _over(request, f"{OPENS}-{link.pk}", "SHARED_LINK_OPENS_RATE"):
        return _public(render(request, "workspace/shared_too_many.html", status=429))
    return link


def _built(link: SharedReportLink) -> tuple[results.Built | None, results.Choice, str]:
    """The report the link shows: the results page's first one (its default breakdown, no earlier
    wave), with or without the quotes; ``None`` and why when there is none to show."""
    form = ResultsForm(link.wave, {})
    form.is_valid()  # the defaults are always valid
    choice = dataclasses.replace(form.choice(), quotes=link.include_quotes)
    try:
        return results.report(link.wave, choice), choice, ""
    except results.Unreportable:
        return None, choice, "The report cannot be made at the moment. Ask the person who sent you the link."


def shared_page(request: HttpRequest, token: str) -> HttpResponseBase:
    link = _link(request, token)
    if not isinstance(link, SharedReportLink):
        return link
    built, _, problem = _built(link)
    record(request, link, SharedLinkOpening.PAGE)
    context = {"link": link, "wave": link.wave, "built": built, "problem": problem, "token": token}
    return _public(render(request, "workspace/shared_report.html", context))


@xframe_options_sameorigin
def shared_report(request: HttpRequest, token: str) -> HttpResponseBase:
    """The report itself, shown in the shared page's frame (its own narrower policy, as in the workspace)."""
    link = _link(request, token)
    if not isinstance(link, SharedReportLink):
        return link
    built, _, _ = _built(link)
    if built is None:
        return redirect("shared", token)
    record(request, link, SharedLinkOpening.REPORT)
    response = FileResponse(open(built.path("report.html"), "rb"), content_type=results.DOWNLOADS["html"][3])  # noqa: SIM115
    response["Content-Security-Policy"] = results.REPORT_POLICY
    return _public(response)


def shared_download(request: HttpRequest, token: str) -> HttpResponseBase:
    """The report's tables as an Excel workbook (made with the page: no wait)."""
    link = _link(request, token)
    if not isinstance(link, SharedReportLink):
        return link
    built, choice, _ = _built(link)
    if built is None:
        return redirect("shared", token)
    record(request, link, SharedLinkOpening.XLSX)
    name = f"{results.file_stem(link.wave, choice)}-report.xlsx"
    return _public(FileResponse(open(built.path("tables.xlsx"), "rb"), as_attachment=True, filename=name, content_type=results.XLSX))
