"""The workspace's pages in a real browser (Debian's Chromium through Playwright, against Django's
live server): an owner signs in through the form, and axe-core (WCAG 2.2 AA and best practice)
finds no violation on any kind of workspace page, with and without error summaries, the chart
included, and the live results with the report in its frame; nothing is fetched from anywhere but the site itself."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from browser_helpers import AXE, assert_accessible, axe_violations, heading, submit
from django.utils import timezone
from workspace_helpers import PASSWORD, complete, respond, tokens_in_outbox

from collabstate.web.surveys.invitations import add_invitees
from collabstate.web.surveys.models import Invitee
from collabstate.web.workspace import actions
from collabstate.web.workspace.models import ExportJob, Membership

pytestmark = pytest.mark.browser

#: Set to a directory to keep screenshots of the pages (for looking at them, not asserted).
SHOTS = os.environ.get("COLLABSTATE_SCREENSHOTS")


def check(page, name: str) -> None:
    assert_accessible(page, name)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"workspace-{name}.png"), full_page=True)


def test_every_kind_of_workspace_page_passes_axe(browser, live_server, client, wave_b, owner_b, start, settings, tmp_path, work_off):
    settings.VAR_DIR = tmp_path  # where the results page's report is built
    add_invitees(wave_b, "email,name,sector\ncy@example.org,Cy,Public\n")
    actions.send(wave_b)
    refused = {"invited_at": None, "send_failed_at": timezone.now(), "send_error": "550 5.1.1 <cy@example.org>: mailbox unavailable"}
    Invitee.objects.filter(email="cy@example.org").update(**refused)  # the dashboard lists what was not sent
    respond(client, start, wave_b, {"1": 8, "2": 6})  # by the open link: enough for charts
    complete(client, tokens_in_outbox()["ami@example.org"])
    client.post(f"/r/{tokens_in_outbox()['bo@example.org']}/")  # started, not completed
    context = browser.new_context(viewport={"width": 1024, "height": 800}, base_url=live_server.url)
    context.add_init_script(path=AXE)
    strays: list[str] = []
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("request", lambda r: None if r.url.startswith(live_server.url) else strays.append(r.url))
    page.on("console", lambda m: strays.append(m.text) if "Content Security Policy" in m.text else None)  # nothing refused

    page.goto(f"/workspace/waves/{wave_b.pk}/")  # sent to sign in first
    assert heading(page) == "Sign in to the workspace"
    check(page, "sign-in")
    page.fill("#id_username", "owner-b")
    page.fill("#id_password", "wrong")
    submit(page, "Sign in")
    assert "There is a problem" in page.content()
    check(page, "sign-in-error")
    page.fill("#id_username", "owner-b")
    page.fill("#id_password", PASSWORD)
    submit(page, "Sign in")
    assert heading(page) == "Beta wave" and page.locator("svg[role=img]").count() == 1
    assert (
        page.get_by_role("heading", name="Not sent").is_visible()
        and "mailbox unavailable" in page.locator("#not-sent + p + div").inner_text()
    )
    check(page, "dashboard")

    page.goto(f"/workspace/waves/{wave_b.pk}/results/")  # the report in a frame, its charts drawn
    assert heading(page) == "Results so far"
    report = page.frame_locator("iframe.report-frame")
    report.locator("h1").wait_for()
    charts = report.locator(".vis")
    assert charts.count() >= 1
    report.locator(".vis svg").nth(charts.count() - 1).wait_for()
    check(page, "results")

    page.goto("/workspace/")
    check(page, "home")
    page.goto("/workspace/organisations/beta/waves/new/")
    check(page, "new-wave")
    page.fill("#id_slug", "beta-wave")  # taken
    submit(page, "Create the wave")
    assert "There is a problem" in page.content()
    check(page, "new-wave-errors")

    page.goto(f"/workspace/waves/{wave_b.pk}/invitees/")
    page.set_input_files("#id_file", files=[{"name": "list.csv", "mimeType": "text/csv", "buffer": b"email\nnope\n"}])
    submit(page, "Upload invitees")
    assert heading(page) == "Upload of invitees: list.csv" and page.get_by_role("status").inner_text().startswith("Waiting to start")
    check(page, "job-queued")
    work_off()  # the queue's worker reads the list; the page, looking again every 5 seconds, shows the outcome by itself
    page.get_by_text("There is a problem: nobody was added").wait_for(timeout=20_000)
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    check(page, "invitees-errors")

    page.goto(f"/workspace/waves/{wave_b.pk}/import/")
    page.set_input_files("#id_file", files=[{"name": "answers.csv", "mimeType": "text/csv", "buffer": b"q1_example,colour\n7,red\n"}])
    submit(page, "Check and import")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="reload this page every 5 seconds").click()
    # asked for: axe-core counts any delayed reload against WCAG 2.2.1, which allows it when the person can turn it off
    assert [v["id"] for v in axe_violations(page)] == ["meta-refresh"]
    work_off()
    page.wait_for_url("**/jobs/*/?refresh=on", wait_until="load")
    page.get_by_text("There is a problem: nothing was imported").wait_for(timeout=20_000)  # reloaded by itself, and no more
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    check(page, "import-errors")
    page.goto(f"/workspace/waves/{wave_b.pk}/import/")
    page.set_input_files("#id_file", files=[{"name": "answers.csv", "mimeType": "text/csv", "buffer": b"q1_example,q16_sector\n2,1\n"}])
    submit(page, "Check and import")
    work_off()
    page.reload()
    assert page.get_by_role("status").inner_text() == "Done: 1 responses imported from answers.csv."
    check(page, "import-done")
    page.goto(f"/workspace/waves/{wave_b.pk}/")
    assert page.get_by_role("table", name="Imports, invitee lists and sendings of this wave, latest first").count() == 1
    check(page, "dashboard-with-jobs")

    page.goto(f"/workspace/waves/{wave_b.pk}/erase/?email=bo%40example.org")
    assert page.get_by_role("button", name="Erase bo@example.org").count() == 1
    check(page, "erase")
    page.goto("/workspace/organisations/beta/members/")
    check(page, "members")

    page.goto(f"/workspace/waves/{wave_b.pk}/exports/")
    submit(page, "Export the responses")  # no format chosen
    assert "There is a problem" in page.content()
    check(page, "exports-errors")
    running = ExportJob.objects.create(wave=wave_b, format="sav", status=ExportJob.RUNNING, done=12_000, total=40_000, requested_by=owner_b,
                                       pid=os.getpid(), host=socket.gethostname(), heartbeat_at=timezone.now())  # fmt: skip
    page.goto(f"/workspace/waves/{wave_b.pk}/exports/{running.pk}/")
    assert page.get_by_role("status").inner_text() == "Exporting: 12,000 of 40,000 responses."
    assert page.locator('meta[http-equiv="refresh"]').count() == 0  # it reloads only when asked to
    check(page, "export-running")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="reload this page every 10 seconds").click()
    # asked for: axe-core counts any delayed reload against WCAG 2.2.1, which allows it when the
    # person can turn it off (the first link on the page): that, and nothing else
    assert [v["id"] for v in axe_violations(page)] == ["meta-refresh"]
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="Stop reloading this page").click()
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "job-done.csv").write_text("respondent_id\n")
    done = ExportJob.objects.create(wave=wave_b, format="csv", status=ExportJob.DONE, done=3, total=3, file="job-done.csv",
                                    requested_by=owner_b, finished_at=timezone.now())  # fmt: skip
    page.goto(f"/workspace/waves/{wave_b.pk}/exports/{done.pk}/")
    check(page, "export-done")
    page.goto(f"/workspace/waves/{wave_b.pk}/exports/")
    check(page, "exports")
    page.goto("/accounts/password_change/")
    check(page, "password-change")
    page.goto("/workspace/waves/999999/")
    check(page, "not-found")

    Membership.objects.filter(user=owner_b).update(role=Membership.VIEWER)
    page.goto(f"/workspace/waves/{wave_b.pk}/import/")
    assert heading(page) == "You cannot do this"
    check(page, "forbidden")
    page.goto("/workspace/")
    submit(page, "Sign out (owner-b)")
    assert heading(page) == "You have signed out"
    check(page, "signed-out")
    context.close()
    assert strays == [], f"pages asked for {strays}"
