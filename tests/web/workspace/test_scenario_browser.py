"""Issue 6's scenario end to end, in a real browser (Debian's Chromium through Playwright, against
Django's live server), every step through the pages a person uses:

1. an analyst signs in through the sign-in form;
2. creates an identified wave of the built-in ``readiness-2018`` through the new-wave form, open now;
3. uploads an invitee CSV (15 people in three sectors) and sees them counted;
4. sends the invitations from the wave's page (Django's file e-mail backend);
5. each invitee's link is read from the e-mail files. In a fresh browser each of four respondents
   goes from the link through consent, every question page (q1 Yes or No, so the skip logic
   differs), the check-answers page and the confirmation; one of them stops after the first
   question, and a fifth never opens the link. Ten more complete a few pages from their links
   over plain HTTP (Django's test client): the report withholds every estimate with a base under
   10 (a privacy floor no option lowers), so without them every estimate compared in step 7
   would be NaN against NaN;
6. the dashboard's counts, rate by sector, completions and drop-off change as they should;
7. the report's estimate table, workbook and HTML page download from the live results, and equal
   ``collabstate report`` run on ``collabstate wave export``'s file of the wave: every estimate,
   standard error, interval and base to 1e-12, every sheet and every table.

axe-core (WCAG 2.2 AA and best practice) checks each workspace page on the way; the respondents'
pages are checked in test_respondent_browser.py. Nothing is fetched from anywhere but the site.
About 50 s on a shared 2-core machine (25 s of CPU): the four browsers' 70 pages take half of it,
the command line's report 8 s (it always writes the PDF too), the workspace's report 5 s.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from browser_helpers import Respondent, assert_accessible, heading, submit
from django.utils import timezone
from django.utils.text import Truncator
from test_results import sheets, tables  # the web-and-CLI comparison of test_results, reused
from typer.testing import CliRunner
from workspace_helpers import PASSWORD, complete

from collabstate.cli import app
from collabstate.web.surveys.actions import find_respondent
from collabstate.web.surveys.models import Answer, Wave

pytestmark = pytest.mark.browser

TITLE = "Collaboration readiness 2026"
SLUG = "readiness-2026"
#: email, name, sector
INVITEES = [
    ("ana@example.org", "Ana Reyes", "Public"),
    ("ben@example.org", "Ben Okafor", "Public"),
    ("cai@example.org", "Cai Jones", "Private"),
    ("dee@example.org", "Dee Patel", "Private"),
    ("eve@example.org", "Eve Martin", "Third sector"),
]
#: Invitees who complete from their link without a browser: all in the Public sector, so that the
#: report shows Public's figures (a base of 12) and withholds the others' (under 10).
QUICK = [(f"p{i:02}@example.org", f"Person {i}", "Public") for i in range(10)]
GRID = ("behaviours", "citizens", "systems", "services", "places", "markets", "urgency", "requirements")
#: Each respondent's pages in the order they must be asked, and the answer given (as
#: browser_helpers.Respondent.answer takes it). Ana and Cai worked on an example (q1 Yes: asked
#: q2-q6; Ana ticks 'Other' and is asked q3's follow-up); Ben did not (q1 No: straight to q7).
REST = {  # q7 onwards, by respondent
    "ana@example.org": [
        ("q7_importance", "Critical"), ("q8_why", "Nobody can do it alone."),
        ("q9_better", "Collaborating with other organisations achieves better outcomes"),
        ("q10_involvement", "Collaborate (working in partnership to develop a plan)"), ("q11_incentivise", "A great deal"),
        ("q12_tools", "Somewhat"), ("q13_importance", {f"imp_{g}": "A great deal" if i % 2 else "Somewhat" for i, g in enumerate(GRID)}),
        ("q14_prevalence", {"prev_behaviours": "A little", "prev_systems": "Somewhat"}), ("q15_role", "Director"),
        ("q16_sector", "Public"), ("q17_area", ["Health and social care", "Housing"]), ("q18_region", ["London"]),
        ("q19_receive_report", "Yes"),
    ],
    "ben@example.org": [
        ("q7_importance", "Somewhat important"), ("q8_why", None),
        ("q9_better", "My organisation working alone achieves better outcomes"),
        ("q10_involvement", "Inform (told of what is planned)"), ("q11_incentivise", "Not at all"), ("q12_tools", "A little"),
        ("q13_importance", {f"imp_{g}": "A little" for g in GRID[:4]}), ("q14_prevalence", {}), ("q15_role", "Chief executive"),
        ("q16_sector", "Public"), ("q17_area", ["Education"]), ("q18_region", []), ("q19_receive_report", "No"),
    ],
    "cai@example.org": [
        ("q7_importance", "Important"), ("q8_why", "It saves money."),
        ("q9_better", "Collaborating with other organisations achieves better outcomes"),
        ("q10_involvement", "Not applicable"), ("q11_incentivise", "Somewhat"), ("q12_tools", "Not at all"),
        ("q13_importance", {f"imp_{g}": "Not applicable" if g == "markets" else "A great deal" for g in GRID}),
        ("q14_prevalence", {f"prev_{g}": "Not at all" for g in GRID}), ("q15_role", "Other"), ("q16_sector", "Private"),
        ("q17_area", ["Transport and infrastructure", "Other"]), ("q18_region", ["Wales", "North East"]),
        ("q19_receive_report", "Yes"),
    ],
}  # fmt: skip
PAGES = {
    "ana@example.org": [
        ("q1_example", "Yes"), ("q2_description", "A joint falls-prevention service with two GP practices."),
        ("q3_stakeholders", ["Local authority", "GP practice", "Other"]), ("q3_other_text", "Fire and rescue service"),
        ("q4_n_orgs", "3"), ("q5_staff_level", "Strategic"), ("q6_success", "Very successful"), *REST["ana@example.org"],
    ],
    "ben@example.org": [("q1_example", "No"), *REST["ben@example.org"]],
    "cai@example.org": [
        ("q1_example", "Yes"), ("q2_description", "Shared hospital discharge team"), ("q3_stakeholders", ["NHS Trust"]),
        ("q4_n_orgs", "5 or more"), ("q5_staff_level", "Frontline"), ("q6_success", "Too early to say"), *REST["cai@example.org"],
    ],
    "dee@example.org": [("q1_example", "No")],  # and stops on q7's page
}  # fmt: skip
COMPLETING = ["ana@example.org", "ben@example.org", "cai@example.org"]


def quick_answers(i: int) -> dict[str, str]:
    """The i-th quick respondent's answers (codes): q1 Yes for eight of them."""
    yes = i < 8
    return {"q1_example": "1" if yes else "2", **({"q6_success": str(1 + i % 4)} if yes else {}),
            "q7_importance": str(1 + i % 5), "q12_tools": str(i % 4), "q16_sector": "1"}  # fmt: skip


runner = CliRunner()


def notice(page) -> str:
    """The 'Done' (or 'Not done') notification's text."""
    return " ".join(page.locator(".notification-body").inner_text().split())


def counts(page) -> dict[str, str]:
    """The dashboard's counts: Invited, Started, Completed, Response rate (and Imported)."""
    return {dt_.inner_text().strip(): dd.inner_text().strip()
            for dt_, dd in zip(page.locator(".counts dt").all(), page.locator(".counts dd").all())}  # fmt: skip


def table_rows(page, caption: str) -> list[list[str]]:
    """The body rows (cell texts) of the dashboard's table with this caption."""
    table = page.locator("table", has=page.locator("caption", has_text=caption))
    assert table.count() == 1, caption
    return [[" ".join(c.split()) for c in row.locator("th, td").all_inner_texts()] for row in table.locator("tbody tr").all()]


def sent_mail(folder: Path) -> list[email.message.EmailMessage]:
    """Every message the file backend wrote (one file per connection, messages separated by a line
    of 79 hyphens)."""
    found = []
    for path in sorted(folder.iterdir()):
        for chunk in path.read_bytes().split(b"-" * 79 + b"\n"):
            if chunk.strip():
                found.append(email.message_from_bytes(chunk, policy=email.policy.default))
    return found


def assert_same_estimates(web: list[dict], cli: list[dict]) -> None:
    """Row by row, the same keys and labels, and every number within 1e-12 (relative; NaN where
    the other is NaN); bases exactly."""
    assert len(web) == len(cli) and [sorted(r) for r in web] == [sorted(r) for r in cli]
    a, b = pl.DataFrame(web, infer_schema_length=None), pl.DataFrame(cli, infer_schema_length=None)
    assert a.schema == b.schema
    floats = [name for name, kind in a.schema.items() if kind.is_float()]
    assert {"estimate", "se", "ci_low", "ci_high"} <= set(floats), a.schema
    assert a.drop(floats).equals(b.drop(floats))  # labels, groups, bases
    for name in floats:
        x, y = a[name].cast(pl.Float64).to_numpy(), b[name].cast(pl.Float64).to_numpy()
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=0, equal_nan=True, err_msg=name)
        assert (a[name].is_null() == b[name].is_null()).all(), name


def test_an_analyst_runs_a_wave_from_creation_to_the_report(new_page, live_server, client, analyst_a, org_a, settings, tmp_path, work_off):
    mail_dir = tmp_path / "mail"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(mail_dir)
    settings.SITE_URL = live_server.url  # the links in the e-mails lead to this server
    settings.VAR_DIR = tmp_path / "var"  # where the workspace builds its reports
    page = new_page(axe_everywhere=True, timeout=20_000, accept_downloads=True)

    # 1. Sign in through the form (sent there from the workspace)
    page.goto("/workspace/")
    assert heading(page) == "Sign in to the workspace" and "/accounts/login/" in page.url
    assert_accessible(page, "sign-in")
    page.get_by_label("Username").fill("analyst-a")
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, "Sign in")
    assert heading(page) == "Your waves" and page.url == f"{live_server.url}/workspace/"
    assert "You are analyst of Alpha Partnership." in page.content() and "No waves yet." in page.content()
    assert_accessible(page, "home")

    # 2. A new identified wave of readiness-2018, open from an hour ago for 30 days
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="Create a wave for Alpha Partnership").click()
    assert heading(page) == "Create a wave"
    assert_accessible(page, "new wave")
    now = timezone.localtime()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Address name").fill(SLUG)
    page.get_by_role("radio", name="State of Collaboration 2018 (readiness-2018)").check()
    page.get_by_label("Opens").fill(f"{now - dt.timedelta(hours=1):%Y-%m-%dT%H:%M}")
    page.get_by_label("Closes").fill(f"{now + dt.timedelta(days=30):%Y-%m-%dT%H:%M}")
    page.get_by_role("radio", name="Identified").check()
    submit(page, "Create the wave")
    assert heading(page) == TITLE
    assert notice(page) == f"{TITLE} created. Upload the invitees."  # no open link: none to share
    wave = Wave.objects.get(slug=SLUG)
    assert (wave.organisation, wave.instrument_ref, wave.mode, wave.open_link) == (org_a, "readiness-2018", Wave.IDENTIFIED, False)
    typed = [
        (now + dt.timedelta(hours=-1)).replace(second=0, microsecond=0),
        (now + dt.timedelta(days=30)).replace(second=0, microsecond=0),
    ]
    assert [timezone.localtime(wave.opens_at), timezone.localtime(wave.closes_at)] == typed
    assert wave.state() == "open" and "(open now)" in page.locator("main").inner_text()
    assert page.url == f"{live_server.url}/workspace/waves/{wave.pk}/"
    dashboard = page.url
    assert counts(page) == {"Invited": "0", "Started": "0", "Completed": "0", "Response rate": "–"}
    assert "Nobody has been invited yet." in page.content()

    # 3. The invitee list, uploaded: counted on the wave's page
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="Upload invitees").click()
    assert heading(page) == "Upload invitees" and "The wave has 0 invitees now." in page.content()
    assert_accessible(page, "upload invitees")
    csv_file = tmp_path / "invitees.csv"
    csv_file.write_text("email,name,sector\n" + "".join(f"{e},{n},{s}\n" for e, n, s in INVITEES + QUICK), encoding="utf-8")
    page.get_by_label("File").set_input_files(csv_file)
    submit(page, "Upload invitees")  # saved, and read by a task: its page
    assert heading(page) == "Upload of invitees: invitees.csv" and page.get_by_role("status").inner_text().startswith("Waiting to start")
    assert not wave.invitees.exists()
    work_off()  # the queue's worker; the page shows the outcome by itself
    done = page.get_by_role("status").filter(has_text="Done: 15 invitees added from invitees.csv. Send the invitations when you are ready.")
    done.wait_for()
    assert_accessible(page, "invitee list added")
    assert sorted(wave.invitees.values_list("email", "name", "sector")) == sorted(INVITEES + QUICK)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="Back to the wave").click()
    assert page.url == dashboard
    assert counts(page)["Invited"] == "0"  # added, not invited

    # 4. The invitations, sent from the wave's page
    assert not mail_dir.exists() or not any(mail_dir.iterdir())
    submit(page, "Send invitations (15 not yet invited)")
    assert heading(page) == "Sending of invitations" and not (mail_dir.exists() and any(mail_dir.iterdir()))  # queued, not sent
    work_off()
    page.get_by_role("status").filter(has_text="Done: 15 invitations sent.").wait_for()
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="Back to the wave").click()
    assert page.get_by_role("button", name="Send invitations (0 not yet invited)").count() == 1
    assert counts(page) == {"Invited": "15", "Started": "0", "Completed": "0", "Response rate": "0%"}
    assert table_rows(page, "Response rate by sector") == [
        ["Private", "2", "0", "0%"],
        ["Public", "12", "0", "0%"],
        ["Third sector", "1", "0", "0%"],
    ]
    assert "Nobody has completed yet." in page.content()
    assert_accessible(page, "dashboard, invitations sent")

    # 5. Each invitee's one link, from the e-mail files
    messages = sent_mail(mail_dir)
    names = {e: n for e, n, _ in INVITEES + QUICK}
    assert sorted(m["To"] for m in messages) == sorted(names)
    links = {}
    for m in messages:
        assert m["Subject"] == TITLE
        body = m.get_body(preferencelist=("plain",)).get_content()
        assert body.startswith(f"Dear {names[m['To']]},") and f"You are invited to take part in {TITLE}." in body
        found = [link for link in re.findall(r"https?://\S+", body) if "/optout/" not in link]  # and one opt-out link at its foot
        assert len(found) == 1, f"the invitation to {m['To']} has {len(found)} survey links, not one:\n{body}"
        assert len(re.findall(r"https?://\S+/optout/\S+/", body)) == 1, body
        links[m["To"]] = found[0]
        assert re.fullmatch(re.escape(live_server.url) + r"/r/[A-Za-z0-9_-]{43}/", links[m["To"]]), links[m["To"]]
    assert len(set(links.values())) == len(names)

    # ... followed by each respondent in a browser of their own
    for address, pages in PAGES.items():
        respondent_page = new_page(timeout=20_000)
        respondent_page.goto(links[address])
        assert heading(respondent_page) == TITLE
        assert "to the link in your invitation" in respondent_page.content() and "This survey is not anonymous" in respondent_page.content()
        submit(respondent_page, "Start now")
        r = Respondent(respondent_page, wave.instrument, live_server.url, axe=False)
        assert links[address].endswith(f"/r/{r.token()}/")
        for question, value in pages:  # each asserts it is on that question's page: the skip logic
            r.answer(question, value)
        if address not in COMPLETING:
            r.expect_question("q7_importance")  # q1 No: q2-q6 skipped; stops here
            respondent_page.context.close()
            continue
        assert ("q2_description" in r.expected) == (pages[0][1] == "Yes")
        r.check_answers_listed()
        r.send()
        respondent_page.context.close()
        found = find_respondent(r.token())
        assert found.completed and found.invitee.email == address
        assert dict(Answer.objects.filter(response_id=found.response_id).values_list("column", "value")) == r.expected
    # eve never opens her link; the quick ones answer a few pages each
    for i, (address, _, _) in enumerate(QUICK):
        complete(client, links[address].removeprefix(live_server.url).split("/")[2], quick_answers(i))

    # 6. The dashboard, looked at again
    page.goto(dashboard)
    assert counts(page) == {"Invited": "15", "Started": "14", "Completed": "13", "Response rate": "87%"}
    assert table_rows(page, "Response rate by sector") == [
        ["Private", "2", "1", "50%"],
        ["Public", "12", "12", "100%"],
        ["Third sector", "1", "0", "0%"],
    ]
    today = timezone.localdate()
    assert table_rows(page, "Completions per day") == [[f"{today:%-d %b}", "13", "13", "87%"]]
    assert page.locator("svg[role=img]").count() == 1  # the completions chart
    stopped = {row[0]: int(row[1]) for row in table_rows(page, "by the page they stopped on")}
    assert stopped.pop("Not started (invited, consent page not passed)") == 1  # eve
    q7 = wave.instrument.question("q7_importance")
    assert {label: n for label, n in stopped.items() if n} == {Truncator(f"8. {q7.label}").chars(90): 1}  # dee, on q7 (the 8th question)
    assert_accessible(page, "dashboard, after the respondents")

    # 7. The report's downloads from the live results, as the page offers them
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="Results so far").click()
    assert heading(page) == "Results so far"
    assert "The report of the 13 completed responses so far" in page.locator("main").inner_text()
    frame = page.frame_locator("iframe.report-frame")
    frame.locator("h1").wait_for()
    assert frame.locator("h1").inner_text() == TITLE
    assert_accessible(page, "live results")
    web = tmp_path / "web"
    files = {}
    for what, link in (("json", "Estimate table (JSON"), ("xlsx", "Tables (Excel workbook"), ("html", "Report (HTML")):
        with page.expect_download() as info:
            page.get_by_role("link", name=re.compile(re.escape(link))).click()
        download = info.value
        assert download.failure() is None
        files[what] = web / download.suggested_filename
        download.save_as(files[what])
    assert {what: path.name for what, path in files.items()} == {
        "json": f"{SLUG}-estimates.json",
        "xlsx": f"{SLUG}-report.xlsx",
        "html": f"{SLUG}-report.html",
    }

    # ... and the command line's report of the wave's export, with the page's options
    exported = tmp_path / f"{SLUG}.csv"
    result = runner.invoke(app, ["wave", "export", SLUG, str(exported)])
    assert result.exit_code == 0, result.output
    assert "13 responses written" in result.output
    assert pl.read_csv(exported, infer_schema_length=0)["q1_example"].value_counts().sort("q1_example").rows() == [("1", 10), ("2", 3)]
    cli = tmp_path / "cli"
    result = runner.invoke(app, ["report", str(exported), "--instrument", "readiness-2018", "--by", "q16_sector", "--title", TITLE,
                                 "--invited", "15", "--out", str(cli)])  # fmt: skip
    assert result.exit_code == 0, result.output

    web_estimates = json.loads(files["json"].read_text())
    assert_same_estimates(web_estimates, json.loads((cli / "estimates.json").read_text()))
    assert sheets(files["xlsx"]) == sheets(cli / "tables.xlsx")
    web_tables, cli_tables = tables(files["html"].read_text()), tables((cli / "report.html").read_text())
    assert len(web_tables) > 20 and web_tables == cli_tables

    # not a comparison of blanks: the respondents' answers are in it, shown or withheld by base
    yes = {
        row["group"]: row
        for row in web_estimates
        if (row["question"], row["option"], row["statistic"]) == ("q1_example", "1", "proportion")
    }
    assert (yes[None]["estimate"], yes[None]["n"]) == (10 / 13, 13)  # everyone: ana, cai and eight quick ones said Yes
    assert (yes["1"]["estimate"], yes["1"]["n"]) == (9 / 12, 12)  # Public: all but ben and two quick ones
    assert yes["2"]["estimate"] is None and yes["2"]["n"] == 1 and "suppressed" in yes["2"]["flags"]  # Private: cai alone
    assert sum(row["estimate"] is not None for row in web_estimates) >= 50  # the rest withheld: bases under 10
