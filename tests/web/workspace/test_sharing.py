"""Shared links (issue 17, item 7): an analyst makes a read-only link to a wave's report on the
wave's page and sees its address once; signed out, the link opens the report as the workspace
builds it (the same groups suppressed), with or without the open-text quotes (searched for by a
quote's text known to be in the data, in the page and the workbook); a revoked, an expired and an
unknown link get one and the same page; every opening is logged and counted; only the token's
hash is stored; viewers cannot make or revoke links, and another organisation sees none."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from io import BytesIO

import openpyxl
import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from workspace_helpers import complete

from collabstate.web.logs import RedactTokens
from collabstate.web.workspace import sharing
from collabstate.web.workspace.models import AuditEntry, Membership, SharedLinkOpening, SharedReportLink

#: Every respondent of sectors 1 and 2 explains with this (and their number); the five of sector 3,
#: a group under the minimum of 10, with the other: it is never quoted, and their figures never shown.
QUOTE, SMALL_GROUP_QUOTE = "Pooled budgets made the difference", "Only our tiny team noticed"
IMPORTANCE = "Importance of collaboration to delivering services, by sector: share of valid answers"


@pytest.fixture(autouse=True)
def _reports_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def wave_b(make_wave, org_b, client, start):
    """Organisation B's wave: 20 public, 15 private and 5 third-sector respondents, each with a reason (q8)."""
    wave = make_wave("readiness-2026", organisation=org_b, title="Readiness 2026")
    i = 0
    for sector, count in {"1": 20, "2": 15, "3": 5}.items():
        for _ in range(count):
            why = f"{SMALL_GROUP_QUOTE} ({i})" if sector == "3" else f"{QUOTE} ({i})"
            complete(client, start(wave), {"q1_example": "1", "q7_importance": "1" if sector == "3" else str(3 + i % 3),
                                           "q8_why": why, "q16_sector": sector})  # fmt: skip
            i += 1
    client.logout()
    return wave


def make_link(client, wave, user, **fields) -> str:
    """Make a link on the workspace's page as ``user``; its token, from the address shown once."""
    client.force_login(user)
    data = {"share-label": "Board meeting", "share-days": "30", **{f"share-{k}": v for k, v in fields.items()}}
    page = client.post(reverse("workspace:shared_links", args=[wave.pk]), data)
    assert page.status_code == 200, page.content.decode()[:2000]
    html = page.content.decode()
    assert "Shared link made" in html and "shown only this once" in html
    token = re.search(r'value="http://127\.0\.0\.1:8000/shared/([A-Za-z0-9_-]{43})/"', html)[1]
    client.logout()
    return token


def report_html(client, token: str) -> str:
    page = client.get(f"/shared/{token}/")
    assert page.status_code == 200
    src = re.search(r'<iframe class="report-frame" src="([^"]+)"', page.content.decode())[1]
    frame = client.get(src)
    assert frame.status_code == 200 and frame["X-Frame-Options"] == "SAMEORIGIN"
    return b"".join(frame.streaming_content).decode()


def workbook_text(response) -> str:
    book = openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content)), read_only=True)
    return "\n".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row if cell)


def table(html: str, caption: str) -> list[list[str]]:
    """The rows of the table with ``caption`` (cell texts)."""
    found = re.search(r"<caption[^>]*>\s*" + re.escape(caption) + r"\s*</caption>(.*?)</table>", html, re.S)
    assert found, caption
    return [[" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", found[1], re.S)]  # fmt: skip


def test_a_link_opens_the_report_signed_out_with_the_sites_headers(client, wave_b, analyst_b):
    token = make_link(client, wave_b, analyst_b)
    page = client.get(f"/shared/{token}/")
    html = page.content.decode()
    assert page.status_code == 200 and "Readiness 2026" in html and "Shared by Beta Board" in html
    assert "A read-only report of the 40 completed responses so far" in html and "left out" in html
    assert "no-store" in page["Cache-Control"] and "noindex" in page["X-Robots-Tag"] and page["Referrer-Policy"] == "no-referrer"
    assert "script-src 'self'" in page["Content-Security-Policy"] and "frame-ancestors 'none'" in page["Content-Security-Policy"]
    frame = client.get(f"/shared/{token}/report/")
    assert frame["Content-Security-Policy"].startswith("default-src 'none'") and "no-store" in frame["Cache-Control"]
    assert frame["Referrer-Policy"] == "no-referrer" and "noindex" in frame["X-Robots-Tag"]
    assert "<h1>Readiness 2026</h1>" in b"".join(frame.streaming_content).decode()
    download = client.get(f"/shared/{token}/tables.xlsx")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert "Importance of collaboration" in workbook_text(download)
    assert client.post(f"/shared/{token}/").status_code == 405


def test_the_same_groups_are_suppressed_as_in_the_workspace(client, wave_b, analyst_b):
    token = make_link(client, wave_b, analyst_b, include_quotes="on")
    shared = table(report_html(client, token), IMPORTANCE)
    client.force_login(analyst_b)
    frame = client.get(reverse("workspace:results_report", args=[wave_b.pk]), {"by": "q16_sector"})
    workspace = table(b"".join(frame.streaming_content).decode(), IMPORTANCE)
    assert shared == workspace
    third = shared[0].index("Third sector (C)")
    assert {row[third] for row in shared[1:-1]} == {"suppressed"} and shared[-1][third] == "under 10"  # five: under the minimum


def test_quotes_are_left_out_unless_included(client, wave_b, analyst_b):
    without, with_quotes = make_link(client, wave_b, analyst_b), make_link(client, wave_b, analyst_b, include_quotes="on")
    html = report_html(client, with_quotes)
    assert QUOTE in html and "In their own words" in html
    assert SMALL_GROUP_QUOTE not in html  # a group under 10 gives no quote, even when quotes are included
    assert QUOTE in workbook_text(client.get(f"/shared/{with_quotes}/tables.xlsx"))
    html = report_html(client, without)
    assert QUOTE not in html and "In their own words" not in html and SMALL_GROUP_QUOTE not in html
    assert "q8_why" not in "".join(re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S))  # nor behind a chart
    assert QUOTE not in workbook_text(client.get(f"/shared/{without}/tables.xlsx"))
    # the workspace's own report keeps its quotes
    client.force_login(analyst_b)
    frame = client.get(reverse("workspace:results_report", args=[wave_b.pk]), {"by": "q16_sector"})
    assert QUOTE in b"".join(frame.streaming_content).decode()


def test_revoked_expired_and_unknown_links_get_one_page_that_names_no_wave(client, wave_b, analyst_b):
    revoked, expired = make_link(client, wave_b, analyst_b), make_link(client, wave_b, analyst_b)
    client.force_login(analyst_b)
    link = SharedReportLink.objects.get(token_hash=hashlib.sha256(revoked.encode()).hexdigest())
    answer = client.post(reverse("workspace:revoke_shared_link", args=[wave_b.pk, link.pk]), follow=True)
    assert "The shared link ‘Board meeting’ is revoked" in answer.content.decode()
    again = client.post(reverse("workspace:revoke_shared_link", args=[wave_b.pk, link.pk]), follow=True)
    assert "is revoked already: there is nothing to revoke." in again.content.decode()
    client.logout()
    later = SharedReportLink.objects.get(token_hash=hashlib.sha256(expired.encode()).hexdigest())
    assert sharing.find(expired) == later and sharing.find(expired, now=later.expires_at) is None  # the test clock
    SharedReportLink.objects.filter(pk=later.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    pages = [
        client.get(f"/shared/{t}/{part}") for t in (revoked, expired, "x" * 43, "not a token") for part in ("", "report/", "tables.xlsx")
    ]
    assert {p.status_code for p in pages} == {404}
    assert len({p.content for p in pages}) == 1  # the same page, whatever the reason
    html = pages[0].content.decode()
    assert "This link does not open a report" in html and "Readiness" not in html and "Beta" not in html
    assert "no-store" in pages[0]["Cache-Control"] and "noindex" in pages[0]["X-Robots-Tag"]
    assert SharedLinkOpening.objects.count() == 0


def test_openings_are_logged_and_counted_with_who_and_the_network_only(client, wave_b, analyst_b, viewer_b):
    token = make_link(client, wave_b, analyst_b)
    link = SharedReportLink.objects.get()
    assert link.opened_count == 0 and link.last_opened_at is None
    client.get(f"/shared/{token}/")
    client.get(f"/shared/{token}/", REMOTE_ADDR="2001:db8:1234:5678::9")
    client.force_login(viewer_b)
    client.get(f"/shared/{token}/")
    client.get(f"/shared/{token}/tables.xlsx")
    link.refresh_from_db()
    assert link.opened_count == 3 and link.last_opened_at is not None  # the page's openings; the download is logged apart
    rows = list(SharedLinkOpening.objects.order_by("pk").values_list("what", "user__username", "network"))
    assert rows == [("page", None, "127.0.0.0/24"), ("page", None, "2001:db8:1234::/48"), ("page", "viewer-b", "127.0.0.0/24"),
                    ("xlsx", "viewer-b", "127.0.0.0/24")]  # fmt: skip
    # the wave's page lists it, with who made it and the openings (an address's network, never the address)
    wave_page = client.get(reverse("workspace:wave", args=[wave_b.pk])).content.decode()
    block = wave_page[wave_page.index('id="shared-links"') :]
    assert "Board meeting" in block and "by analyst-b" in block and "3 times" in block and "signed out" in block
    assert "127.0.0.1" not in block and "127.0.0.0/24" in block
    assert token not in wave_page  # shown once, when made, never again
    audit = list(AuditEntry.objects.filter(action=AuditEntry.SHARING).values_list("user__username", "detail"))
    assert audit[0][0] == "analyst-b" and audit[0][1].startswith("shared link ‘Board meeting’ made, without quotes, working until ")


def test_only_the_tokens_hash_is_stored(client, wave_b, analyst_b):
    token = make_link(client, wave_b, analyst_b)
    client.get(f"/shared/{token}/")
    assert SharedReportLink.objects.get().token_hash == hashlib.sha256(token.encode()).hexdigest()
    for model in apps.get_models():  # every row of every table, as text
        for row in model.objects.all().values_list():
            assert token not in repr(row), model.__name__


def test_viewers_cannot_make_or_revoke_and_another_organisation_sees_nothing(client, wave_b, analyst_b, viewer_b, analyst_a):
    make_link(client, wave_b, analyst_b)
    link = SharedReportLink.objects.get()
    client.force_login(viewer_b)
    page = client.get(reverse("workspace:wave", args=[wave_b.pk])).content.decode()
    assert "Board meeting" in page and "Make a shared link" not in page and "Revoke" not in page  # the list, read-only
    assert client.post(reverse("workspace:shared_links", args=[wave_b.pk]), {"share-label": "Mine", "share-days": "3"}).status_code == 403
    assert client.post(reverse("workspace:revoke_shared_link", args=[wave_b.pk, link.pk])).status_code == 403
    client.force_login(analyst_a)
    for url in (reverse("workspace:wave", args=[wave_b.pk]), reverse("workspace:shared_links", args=[wave_b.pk])):
        answer = client.get(url)
        assert answer.status_code == 404 and "Board meeting" not in answer.content.decode()
    assert client.post(reverse("workspace:revoke_shared_link", args=[wave_b.pk, link.pk])).status_code == 404
    assert SharedReportLink.objects.filter(revoked_at__isnull=True).count() == 1 and SharedReportLink.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"share-label": "", "share-days": "30"}, "Enter what the link is for"),
        ({"share-label": "Board", "share-days": "0"}, "The days the link works must be 1 to 365"),
        ({"share-label": "Board", "share-days": "400"}, "The days the link works must be 1 to 365"),
        ({"share-label": "Board", "share-days": "soon"}, "Enter the days the link works as a whole number from 1 to 365"),
    ],
)
def test_a_bad_choice_is_said_in_words(client, wave_b, analyst_b, fields, message):
    client.force_login(analyst_b)
    page = client.post(reverse("workspace:shared_links", args=[wave_b.pk]), fields)
    assert page.status_code == 400 and message in page.content.decode() and "There is a problem" in page.content.decode()
    assert not SharedReportLink.objects.exists()


def test_a_link_works_for_the_days_chosen(wave_b, analyst_b):
    now = timezone.now()
    link, token = sharing.make(wave_b, "  Funders'\n review ", 7, True, analyst_b, now=now)
    assert link.label == "Funders' review" and link.expires_at == now + dt.timedelta(days=7) and link.include_quotes
    assert sharing.find(token, now=now + dt.timedelta(days=7) - dt.timedelta(seconds=1)) == link
    assert sharing.find(token, now=now + dt.timedelta(days=7)) is None


def test_failed_lookups_and_floods_are_throttled(client, wave_b, analyst_b, settings):
    token = make_link(client, wave_b, analyst_b)
    settings.TOKEN_FAILURES_RATE, settings.SHARED_LINK_OPENS_RATE = "2/m", "3/m"
    assert [client.get(f"/shared/{'y' * 43}/").status_code for _ in range(3)] == [404, 404, 429]
    assert [client.get(f"/shared/{token}/").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert "Too many attempts" in client.get(f"/shared/{token}/").content.decode()


def test_a_wave_without_responses_says_so(client, make_wave, org_b, analyst_b):
    wave = make_wave("empty-2026", organisation=org_b, title="Empty wave")
    token = make_link(client, wave, analyst_b)
    page = client.get(f"/shared/{token}/").content.decode()
    assert "Nobody has completed the survey yet" in page and "iframe" not in page
    assert client.get(f"/shared/{token}/report/").status_code == 302


def test_staff_read_every_opening_in_the_admin(client, wave_b, analyst_b, admin_user):
    token = make_link(client, wave_b, analyst_b)
    client.get(f"/shared/{token}/")
    client.force_login(admin_user)
    page = client.get(reverse("admin:workspace_sharedlinkopening_changelist"))
    assert page.status_code == 200 and "127.0.0.0/24" in page.content.decode()
    assert client.get(reverse("admin:workspace_sharedlinkopening_add")).status_code == 403


def test_logged_addresses_never_hold_a_shared_token():
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/shared/abcDEF123_-/report/",), None)
    RedactTokens().filter(record)
    assert record.getMessage() == "Not Found: /shared/…/report/"


def test_the_members_roles_allow_what_the_page_offers():
    assert sharing.links_view.workspace_role == sharing.revoke_view.workspace_role == Membership.ANALYST


def test_the_library_refuses_what_the_form_refuses_on_any_database(wave_b, analyst_b):
    """A label over 100 characters is told by name (PostgreSQL would refuse the row; SQLite keeps it)."""
    from collabstate.web.workspace.actions import WorkspaceError

    with pytest.raises(WorkspaceError, match="at most 100 characters, not 101"):
        sharing.make(wave_b, "x" * 101, 30, False, analyst_b)
    with pytest.raises(WorkspaceError, match="expected a few words"):
        sharing.make(wave_b, " \t ", 30, False, analyst_b)
    link, _ = sharing.make(wave_b, "y" * 100, 30, False, analyst_b)
    assert len(link.label) == 100 and SharedReportLink.objects.filter(pk=link.pk).exists()
