"""Every workspace page, and the respondents' pages, at 320, 768 and 1280 px wide in Chromium,
filled with long, realistic content (a wave title of 120 characters, an e-mail address of 60
without a space, an organisation's name of 80, a dozen waves): nothing overlaps, nothing makes
the page wider than the window outside a region that scrolls, no text is cut off
(browser_helpers.assert_layout), and axe-core finds no violation. One browser context per width
visits the whole list; every failure is collected and the test fails once, listing them all.

To check a new page, append a ``Visit`` to ``PAGES``; if it needs an object of its own, make it in
the ``site`` fixture and name its key in the address (``{key}``)."""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser_helpers import assert_accessible, assert_layout, sign_in, submit
from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from workspace_helpers import PASSWORD, complete, respond, tokens_in_outbox

from collabstate.errors import RefusedError
from collabstate.web.surveys import optout
from collabstate.web.surveys.invitations import add_invitees
from collabstate.web.surveys.models import Answer, Invitee, Response
from collabstate.web.workspace import actions, coding, colleagues, sharing, views
from collabstate.web.workspace.models import ExportJob, Membership, Organisation, WaveCode, WaveCodebook, WaveJob

pytestmark = pytest.mark.browser

WIDTHS = (320, 768, 1280)
#: Set to a directory to keep screenshots of every page at every width (for looking at them, not asserted).
SHOTS = os.environ.get("COLLABSTATE_SCREENSHOTS")

TITLE = "Collaboration readiness of the regional public services, the universities and the voluntary sector, second wave, 2026/27"
ORGANISATION = "North and West Regional Partnership for Public Services Collaboration & Research"
EMAIL = "firstname.middlename.lastname.department@regionalservice.org"
assert (len(TITLE), len(ORGANISATION), len(EMAIL)) == (120, 80, 60)


@dataclass(frozen=True)
class Visit:
    """A page to check: its name, its address (``{key}`` is filled from the ``site`` fixture),
    who looks at it (``"anyone"``: signed out; ``"member"``: signed in as the organisation's owner;
    whatever their order in the list), and anything done on it before the checks (submitting a form)."""

    name: str
    path: str
    who: str = "member"
    then: Callable | None = None


def _wrong_password(page) -> None:
    page.fill("#id_username", "owner")
    page.fill("#id_password", "wrong")
    submit(page, "Sign in")


def _submit_empty(button: str) -> Callable:
    return lambda page: submit(page, button)


def _report_drawn(page) -> None:
    page.frame_locator("iframe.report-frame").locator("h1").wait_for()


def _sign_out(page) -> None:
    page.goto("/workspace/")
    submit(page, "Sign out (owner)")


#: Every page checked: those anyone sees first, signed out; then signs in for the members' pages.
PAGES = [
    Visit("sign-in", "/accounts/login/", "anyone"),
    Visit("sign-in with an error", "/accounts/login/", "anyone", _wrong_password),
    Visit("password reset", "/accounts/password_reset/", "anyone"),
    Visit("password reset sent", "/accounts/password_reset/done/", "anyone"),
    Visit("password reset: new password", "/accounts/reset/{reset_uid}/{reset_token}/", "anyone"),
    Visit("password reset complete", "/accounts/reset/done/", "anyone"),
    Visit("join an organisation", "/workspace/join/{join_token}/", "anyone"),
    Visit("join with errors", "/workspace/join/{join_token}/", "anyone", _submit_empty("Join")),
    Visit("join link no longer works", "/workspace/join/{gone_token}/", "anyone"),
    Visit("respondent: consent by the open link", "/s/long-wave/", "anyone"),
    Visit("respondent: consent by an invitation", "/r/{invited_token}/", "anyone"),
    Visit("respondent: a question", "/r/{started_token}/q/q1_example/", "anyone"),
    Visit("respondent: a text question", "/r/{started_token}/q/q2_description/", "anyone"),
    Visit("respondent: a multiple-choice question", "/r/{started_token}/q/q3_stakeholders/", "anyone"),
    Visit("respondent: a scale", "/r/{started_token}/q/q7_importance/", "anyone"),
    Visit("respondent: a grid", "/r/{started_token}/q/q13_importance/", "anyone"),
    Visit("respondent: check answers", "/r/{started_token}/check/", "anyone"),
    Visit("respondent: done", "/r/{done_token}/done/", "anyone"),
    Visit("respondent: wave closed", "/s/closed-wave/", "anyone"),
    Visit("respondent: not found", "/r/no-such-token/", "anyone"),
    Visit("opt out of e-mails", "/optout/{optout_token}/", "anyone"),
    Visit("shared report", "/shared/{shared_token}/", "anyone", _report_drawn),
    Visit("shared link no longer works", "/shared/{gone_shared_token}/", "anyone"),
    Visit("home", "/workspace/"),
    Visit("new wave", "/workspace/organisations/north/waves/new/"),
    Visit("new wave with errors", "/workspace/organisations/north/waves/new/", then=_submit_empty("Create the wave")),
    Visit("members", "/workspace/organisations/north/members/"),
    Visit("invite with errors", "/workspace/organisations/north/members/", then=_submit_empty("Send invitation")),
    Visit("wave dashboard", "/workspace/waves/{wave}/"),
    Visit("invitees", "/workspace/waves/{wave}/invitees/"),
    Visit("e-mails", "/workspace/waves/{wave}/emails/"),
    Visit("schedule", "/workspace/waves/{wave}/schedule/"),
    Visit("known facts", "/workspace/waves/{wave}/known-facts/"),
    Visit("shared links", "/workspace/waves/{wave}/shared/"),
    Visit("import", "/workspace/waves/{wave}/import/"),
    Visit("job failed", "/workspace/waves/{wave}/jobs/{job_failed}/"),
    Visit("job done", "/workspace/waves/{wave}/jobs/{job_done}/"),
    Visit("results", "/workspace/waves/{wave}/results/", then=_report_drawn),
    Visit("report text", "/workspace/waves/{wave}/report/edit/"),
    Visit("tables with a result", "/workspace/waves/{wave}/tables/?rows=q7_importance&rows=q12_tools&columns=q16_sector"),
    Visit("coding", "/workspace/waves/{wave}/coding/"),
    Visit("coding a question", "/workspace/waves/{wave}/coding/q2_description/"),
    Visit("exports", "/workspace/waves/{wave}/exports/"),
    Visit("export done", "/workspace/waves/{wave}/exports/{export_done}/"),
    Visit("PDF report being made", "/workspace/waves/{wave}/exports/{report_running}/"),
    Visit("PDF report waiting", "/workspace/waves/{wave}/exports/{report_queued}/"),
    Visit("erase", f"/workspace/waves/{{wave}}/erase/?email={EMAIL}"),
    Visit("password change", "/accounts/password_change/"),
    Visit("password changed", "/accounts/password_change/done/"),
    Visit("forbidden", "/workspace/waves/{viewed_wave}/import/"),
    Visit("not found", "/workspace/waves/999999/"),
    Visit("problem", "/workspace/waves/{broken_wave}/"),
]
#: Checked after every other page, signing out from the home page.
SIGNED_OUT = Visit("signed out", "/workspace/", then=_sign_out)


@pytest.fixture
def site(make_wave, django_user_model, client, start, monkeypatch, tmp_path) -> dict:
    """An organisation of a long name with a dozen waves, one of a long title with invitees (one
    of a long address), refused e-mails, responses, background jobs and exports; the keys the
    addresses in ``PAGES`` name."""
    owner = django_user_model.objects.create_user("owner", EMAIL, PASSWORD)
    north = Organisation.objects.create(name=ORGANISATION, slug="north")
    Membership.objects.create(user=owner, organisation=north, role=Membership.OWNER)
    for i in range(10):
        make_wave(f"wave-{i}", organisation=north, title=f"Wave {i + 1}: " + TITLE[: 20 + 10 * i])
    wave = make_wave("long-wave", organisation=north, mode="identified", title=TITLE)
    make_wave("closed-wave", organisation=north, title=TITLE, opens_at=timezone.now() - dt.timedelta(days=30),
              closes_at=timezone.now() - dt.timedelta(days=1))  # fmt: skip
    add_invitees(wave, f"email,name,sector\n{EMAIL},Firstname Middlename Lastname,Public\nami@example.org,Ami,Public\n"
                       "bo@example.org,Bo,Private\ncy@example.org,Cy,Public\n")  # fmt: skip
    actions.send(wave)
    refusal = f"550 5.1.1 <{EMAIL}>: Recipient address rejected: mailbox unavailable; the user does not exist here"
    Invitee.objects.filter(email__in=[EMAIL, "cy@example.org"]).update(invited_at=None, send_failed_at=timezone.now(), send_error=refusal)
    respond(client, start, wave, {"1": 8, "2": 6})
    tokens = tokens_in_outbox()
    complete(client, tokens["ami@example.org"])
    client.post(f"/r/{tokens['bo@example.org']}/")  # started, not completed
    file_name = "responses-from-the-paper-questionnaires-of-the-regional-public-services-2026.csv"
    failed = WaveJob.objects.create(wave=wave, kind=WaveJob.IMPORT, status=WaveJob.FAILED, name=file_name, requested_by=owner,
                                    error="There is a problem: nothing was imported.", n_problems=2,
                                    problems=[f"{file_name}, row 2, column q16_sector: '9' is not valid; expected 1 to 4",
                                              f"{file_name}, row 3, column {EMAIL}: unknown question"])  # fmt: skip
    done = WaveJob.objects.create(wave=wave, kind=WaveJob.INVITEES, status=WaveJob.DONE, name=file_name, requested_by=owner,
                                  outcome="4 invitees added.", finished_at=timezone.now())  # fmt: skip
    (tmp_path / "exports").mkdir(exist_ok=True)
    (tmp_path / "exports" / "job-done.csv").write_text("respondent_id\n")
    export = ExportJob.objects.create(wave=wave, format="csv", status=ExportJob.DONE, done=15, total=15, file="job-done.csv",
                                      requested_by=owner, finished_at=timezone.now())  # fmt: skip
    running = ExportJob.objects.create(wave=wave, format="report-pdf", status=ExportJob.RUNNING, done=3, total=15, step="Drawing the charts", by="q16_sector",
                                       requested_by=owner, pid=os.getpid(), host=socket.gethostname(), heartbeat_at=timezone.now())  # fmt: skip
    queued = ExportJob.objects.create(wave=wave, format="report-pdf", status=ExportJob.QUEUED, by="none", requested_by=owner)
    gamma = Organisation.objects.create(name="Gamma Group", slug="gamma")
    Membership.objects.create(user=owner, organisation=gamma, role=Membership.VIEWER)
    viewed = make_wave("gamma-wave", organisation=gamma, title="Gamma wave")
    broken = make_wave("broken-wave", organisation=gamma, title="A wave whose dashboard cannot be made")
    real_progress = views.progress

    def progress(w):
        if w.slug == "broken-wave":
            raise RefusedError("the wave's questionnaire could not be read; ask your administrator to check its file")
        return real_progress(w)

    monkeypatch.setattr(views, "progress", progress)
    _, join_token = colleagues.invite(north, f"new.{EMAIL[4:]}", Membership.ANALYST, owner)
    gone, gone_token = colleagues.invite(north, "gone@example.org", Membership.VIEWER, owner)
    colleagues.revoke(gone, owner)
    _, shared_token = sharing.make(wave, f"For the board of the {ORGANISATION}"[:100], 30, True, owner)  # the longest a label may be
    gone_link, gone_shared_token = sharing.make(wave, "Revoked", 30, False, owner)
    sharing.revoke(gone_link, owner)
    _coded(wave, owner)
    return {"wave": wave.pk, "job_failed": failed.pk, "job_done": done.pk, "export_done": export.pk, "report_running": running.pk,
            "report_queued": queued.pk, "viewed_wave": viewed.pk, "broken_wave": broken.pk, "join_token": join_token,
            "gone_token": gone_token, "reset_uid": urlsafe_base64_encode(force_bytes(owner.pk)),
            "reset_token": default_token_generator.make_token(owner), "invited_token": tokens["cy@example.org"],
            "shared_token": shared_token, "gone_shared_token": gone_shared_token,
            "optout_token": optout.optout_token(Invitee.objects.get(wave=wave, email=EMAIL)),
            "started_token": _started(client, start(wave)), "done_token": _completed(client, start(wave))}  # fmt: skip


def _coded(wave, owner) -> None:
    """Long open answers to q2_description, a codebook of long labels, and the owner's codes of one answer."""
    responses = list(Response.objects.filter(wave=wave, completed=True).order_by("pk")[:4])
    for i, response in enumerate(responses):
        text = f"Answer {i}: {EMAIL} wrote that " + "the partnership's shared commissioning board worked well " * (1 + 3 * i)
        Answer.objects.update_or_create(response=response, column="q2_description", defaults={"value": text})
    book = WaveCodebook.objects.create(wave=wave, question="q2_description")
    for i, label in enumerate(["Shared commissioning and pooled budgets across the public services and the voluntary sector", "Trust",
                               "Leadership", EMAIL]):  # fmt: skip
        WaveCode.objects.create(book=book, code=f"code_{i}", label=label, keywords=["commissioning"] if i == 0 else [], order=i)
    coding.save_codes(wave, "q2_description", responses[0].pk, owner, ["code_0", "code_1"], "code_0")


def _started(client, token: str) -> str:
    """Consented, and answered the first question so that the questions it leads to can be shown."""
    assert client.post(f"/r/{token}/").status_code == 302
    assert client.post(f"/r/{token}/q/q1_example/", {"q1_example": "1"}).status_code == 302
    return token


def _completed(client, token: str) -> str:
    complete(client, token)
    return token


def check_page(page, visit: Visit, site: dict, width: int) -> list[str]:
    """The page's failures as sentences (none when it is right)."""
    what = f"{visit.name} at {width} px"
    failures = []
    try:
        page.goto(visit.path.format(**site), wait_until="load")
        if visit.then:
            visit.then(page)
    except Exception as exc:  # a page that cannot be reached (a timeout) is one failure among the rest
        return [f"{what}: could not be shown: {exc}"]
    checks = [(assert_layout, page, visit.name), (assert_accessible, page, what)]  # the layout's message gives the width
    checks += [(assert_layout, frame, f"{visit.name}: its frame") for frame in page.frames[1:]]  # the report in the results page
    for checking, where, said in checks:
        try:
            checking(where, said)
        except pytest.fail.Exception as exc:
            failures.append(str(exc))
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"layout-{visit.name.replace(' ', '-').replace(':', '')}-{width}.png"), full_page=True)
    return failures


def test_every_page_at_every_width_is_laid_out_and_accessible(new_page, site, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    assert {v.who for v in PAGES} <= {"anyone", "member"} and len({v.name for v in PAGES}) == len(PAGES)
    failures: list[str] = []
    for width in WIDTHS:
        page = new_page(axe_everywhere=True, timeout=30_000)
        page.set_viewport_size({"width": width, "height": 900})
        for visit in [v for v in PAGES if v.who == "anyone"]:
            failures.extend(check_page(page, visit, site, width))
        sign_in(page, "owner", PASSWORD)
        for visit in [*(v for v in PAGES if v.who == "member"), SIGNED_OUT]:
            failures.extend(check_page(page, visit, site, width))
    assert not failures, f"{len(failures)} failure(s):\n\n" + "\n\n".join(failures)
