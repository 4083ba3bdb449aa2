"""Permissions, for every address of the workspace as its URL configuration lists them (never a
list kept by hand): a new address is tested the day it is added, and fails here until this file
knows which of organisation B's objects its arguments name.

- not signed in: sent to the sign-in page, whatever the method;
- an analyst of organisation A: 404 for every address naming B's objects, GET and POST alike
  (as if they did not exist), and B's waves are nowhere on their own pages;
- a viewer of B: reading pages 200; every POST refused (403, or 405 where the address takes no
  POST), and nothing in the database changes; pages that change things refuse a GET too (403);
- an owner of B: every GET address answers (so the 404s above are not for a wrong argument).
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, reverse

from collabstate.web.surveys.models import Answer, Invitee, Link, Respondent, Response, Wave
from collabstate.web.workspace import colleagues, sharing, urls
from collabstate.web.workspace.models import (
    AuditEntry,
    CodedAnswer,
    ExportJob,
    MemberInvitation,
    Membership,
    ReportSpecVersion,
    SavedTable,
    ScheduleStep,
    SharedReportLink,
    StepRun,
    WaveCode,
    WaveCodebook,
    WaveJob,
)  # fmt: skip


def _walk(patterns, prefix: str = ""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        else:
            assert isinstance(p, URLPattern)
            yield p


PATTERNS = list(_walk(urls.urlpatterns))
IDS = [p.name for p in PATTERNS]


def test_every_address_is_named_and_guarded():
    assert len(PATTERNS) >= 9 and len(set(IDS)) == len(IDS)
    for p in PATTERNS:
        # set by access.wave_view / organisation_view / signed_in_view, which do the checks
        assert hasattr(p.callback, "workspace_role"), f"{p.name}: not wrapped by a decorator of workspace.access"


@pytest.fixture
def b_objects(wave_b, org_b, owner_b, viewer_b, settings, tmp_path):
    """Organisation B's objects, by the name of the address argument that names them (an export
    of B's wave is done, its file in place, so that its download answers; a sending of the same
    number is done; a saved table of B's wave; an invitation to B; a codebook of its text question)."""
    settings.VAR_DIR = tmp_path
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "job-b.csv").write_text("respondent_id\n")
    job = ExportJob.objects.create(wave=wave_b, format="csv", status=ExportJob.DONE, file="job-b.csv", requested_by=owner_b)
    WaveJob.objects.create(pk=job.pk, wave=wave_b, kind=WaveJob.INVITATIONS, status=WaveJob.DONE, outcome="2 invitations sent.")
    table = SavedTable.objects.create(wave=wave_b, name="Beta table", rows=["q1_example"], statistics=["estimate"], in_report=True)
    version = ReportSpecVersion.objects.create(wave=wave_b, number=1, text="title: Beta's own\n", created_by=owner_b)
    invitation, _ = colleagues.invite(org_b, "new-colleague@example.org", Membership.ANALYST, owner_b)
    step = ScheduleStep.objects.create(wave=wave_b, number=1, days_after=7)
    link, _ = sharing.make(wave_b, "Beta's board", 30, False, owner_b)
    book = WaveCodebook.objects.create(wave=wave_b, question="q2_description")
    WaveCode.objects.create(book=book, code="beta_code", label="Beta's code")
    return {"question": "q2_description", "wave": wave_b.pk, "org": org_b.slug, "member": Membership.objects.get(user=viewer_b).pk, "what": "pdf", "job": job.pk,
            "table": table.pk, "version": version.number, "invitation": invitation.pk, "step": step.pk, "link": link.pk}  # fmt: skip


def url_of(pattern: URLPattern, objects: dict) -> str:
    names = list(pattern.pattern.converters)
    unknown = [n for n in names if n not in objects]
    assert not unknown, f"{pattern.name}: the permission test has no object of organisation B for {unknown}; add one to b_objects"
    return reverse(f"workspace:{pattern.name}", kwargs={n: objects[n] for n in names})


#: A wave's e-mail texts (the E-mails page): a viewer's POST must change none.
EMAIL_TEXTS = ("invitation_subject", "invitation_body", "reminder_subject", "reminder_body")


def snapshot() -> dict:
    models = [Wave, Invitee, Respondent, Response, Answer, Link, Membership, AuditEntry, ExportJob, WaveJob, SavedTable, ReportSpecVersion,
              MemberInvitation, ScheduleStep, StepRun, SharedReportLink, WaveCodebook, WaveCode, CodedAnswer]  # fmt: skip
    return {
        "counts": {m.__name__: m.objects.count() for m in models},
        "roles": sorted(Membership.objects.values_list("user_id", "organisation_id", "role")),
        "invited": sorted(Invitee.objects.values_list("pk", "email", "invited_at", "reminders_sent", "opted_out_at")),
        "waves": sorted(Wave.objects.values_list("pk", "slug", "organisation_id", *EMAIL_TEXTS)),
        "exports": sorted(ExportJob.objects.values_list("pk", "status", "file")),
        "tables": sorted(SavedTable.objects.values_list("pk", "name", "in_report")),
        "invitations": sorted(MemberInvitation.objects.values_list("pk", "email", "role", "revoked_at", "accepted_at")),
        "steps": sorted(ScheduleStep.objects.values_list("pk", "number", "at", "days_after", "status")),
        "shared": sorted(SharedReportLink.objects.values_list("pk", "label", "revoked_at")),
        "codebooks": sorted(WaveCodebook.objects.values_list("pk", "label", "primary_coder")),
    }


@pytest.mark.parametrize("pattern", PATTERNS, ids=IDS)
def test_not_signed_in_goes_to_the_sign_in_page(client, b_objects, pattern):
    url = url_of(pattern, b_objects)
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302 and response["Location"].startswith(reverse("login") + "?next="), pattern.name


@pytest.mark.parametrize("pattern", PATTERNS, ids=IDS)
def test_an_analyst_of_another_organisation_gets_404(client, b_objects, analyst_a, pattern):
    client.force_login(analyst_a)
    url = url_of(pattern, b_objects)
    before = snapshot()
    if not pattern.pattern.converters:  # their own things: B's waves are not among them
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert "Beta wave" not in html and "Beta Board" not in html
        return
    get, post = (
        client.get(url),
        client.post(
            url,
            {
                "what": "invitations",
                "invitee": "1",
                "role": "owner",
                "who": "analyst-a",
                "invite-email": "a@example.org",
                "invite-role": "owner",
                "number": "2",
                "days_after": "9",
            },
        ),
    )
    assert (get.status_code, post.status_code) == (404, 404), pattern.name
    assert "Beta" not in get.content.decode() + post.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("pattern", PATTERNS, ids=IDS)
def test_a_viewer_reads_and_changes_nothing(client, b_objects, viewer_b, pattern):
    client.force_login(viewer_b)
    url = url_of(pattern, b_objects)
    reads = pattern.callback.workspace_role == Membership.VIEWER
    before = snapshot()
    get = client.get(url)
    if "GET" not in pattern.callback.workspace_methods:
        assert get.status_code in (403, 405), pattern.name
    else:
        assert get.status_code == (200 if reads else 403), pattern.name
    post = client.post(
        url,
        {
            "what": "invitations",
            "invitee": "1",
            "role": "owner",
            "who": "viewer-b",
            "remove": "on",
            "invite-email": "v@example.org",
            "invite-role": "owner",
            "number": "2",
            "days_after": "9",
        },
    )
    assert post.status_code in (403, 405), pattern.name
    assert snapshot() == before


@pytest.mark.parametrize("pattern", PATTERNS, ids=IDS)
def test_an_owner_opens_every_page(client, b_objects, owner_b, pattern):
    client.force_login(owner_b)
    response = client.get(url_of(pattern, b_objects))
    assert response.status_code == (200 if "GET" in pattern.callback.workspace_methods else 405), pattern.name


def test_a_member_of_two_organisations_has_each_role_in_its_own(client, member, org_a, org_b, make_wave, wave_b):
    both = member(org_a, Membership.ANALYST, "both")
    member(org_b, Membership.VIEWER, "both")
    wave_a = make_wave("alpha-wave", organisation=org_a, title="Alpha wave")
    client.force_login(both)
    home = client.get(reverse("workspace:home")).content.decode()
    assert "Alpha wave" in home and "Beta wave" in home
    assert client.get(reverse("workspace:invitees", args=[wave_a.pk])).status_code == 200
    assert client.get(reverse("workspace:invitees", args=[wave_b.pk])).status_code == 403
    assert client.post(reverse("workspace:send", args=[wave_b.pk]), {"what": "invitations"}).status_code == 403
    assert not Invitee.objects.filter(wave=wave_b, invited_at__isnull=False).exists()
