"""Issue 17, from nothing: a fresh data folder, `collabstate user create`, `collabstate serve` (the
site, its task workers and mail written to files, as a newcomer runs it), then in Chromium: the
owner signs in at `/`, invites a colleague by e-mail; the colleague joins from the link in the
mail file, creates a wave, uploads its invitees, sends the invitations and schedules a reminder
seven days after them; the reminder goes when its time comes (the schedules' runner with a test
clock); a shared link opens the report signed out and stops working when it is revoked."""

from __future__ import annotations

import datetime as dt
import email
import os
import re
import socket
import subprocess
import sys
import time
from email.policy import default as default_policy
from pathlib import Path

import pytest
from browser_helpers import AXE, assert_accessible, heading, need_browser

from collabstate import Responses, load_instrument, write_responses
from collabstate.demo import leaders_wave

pytestmark = pytest.mark.browser

BIN = Path(sys.executable).parent
PASSWORD = "Owner-Passw0rd-from-nothing"
COLLEAGUE_PASSWORD = "Colleague-Passw0rd-2026"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _mails(var: Path) -> list[email.message.EmailMessage]:
    """Every e-mail the site wrote to its mail files (Django's file backend: one file per
    connection, messages separated by a line of 79 hyphens)."""
    found = []
    for path in sorted((var / "mail").glob("*")):
        for part in path.read_text(encoding="utf-8").split("-" * 79 + "\n"):
            if part.strip():
                found.append(email.message_from_string(part, policy=default_policy))
    return found


def _text(message) -> str:
    body = message.get_body(preferencelist=("plain",))
    return body.get_content() if body is not None else ""


def _wait_for_mail(var: Path, to: str, containing: str, timeout: float = 60) -> str:
    """The plain text of the first e-mail to ``to`` whose text holds ``containing``, waiting for
    the task workers to send it."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for message in _mails(var):
            if to in str(message["To"]) and containing in _text(message):
                return _text(message)
        time.sleep(0.3)
    raise AssertionError(f"no e-mail to {to} with {containing!r} within {timeout} s: {[str(m['To']) for m in _mails(var)]}")


def _link(text: str, path: str) -> str:
    found = re.search(r"https?://\S*" + re.escape(path) + r"\S*", text)
    assert found, (path, text)
    return found.group(0)


@pytest.fixture
def site(tmp_path):
    """A site served from a fresh data folder, as a newcomer starts it."""
    need_browser()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "COLLABSTATE_PRODUCTION", "DJANGO_SETTINGS_MODULE")}
    env.update(COLLABSTATE_VAR=str(tmp_path / "var"), COLLABSTATE_SITE_URL=url)
    made = subprocess.run([str(BIN / "collabstate"), "user", "create", "owner@example.org", "--organisation", "North Partnership",
                           "--role", "owner", "--password-stdin"], input=PASSWORD + "\n", env=env, capture_output=True,
                          text=True, timeout=180)  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen([str(BIN / "collabstate"), "serve", "--port", str(port), "--workers", "1", "--task-workers", "1"],
                              env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        end = time.monotonic() + 120
        while time.monotonic() < end:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "serve.log").read_text()
                time.sleep(0.3)
        else:
            pytest.fail("collabstate serve did not listen within 120 s:\n" + (tmp_path / "serve.log").read_text())
        yield url, tmp_path / "var", env
    finally:
        os.killpg(server.pid, 2)  # Ctrl-C
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
        log.close()


def test_a_team_runs_a_wave_from_nothing(site, browser, tmp_path):
    url, var, env = site
    owner = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=url)
    owner.add_init_script(path=AXE)
    page = owner.new_page()
    page.set_default_timeout(20_000)

    page.goto("/")
    assert heading(page) == "Sign in to the workspace"
    page.fill("#id_username", "owner@example.org")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert heading(page) == "Your waves"
    page.get_by_text("North Partnership").first.wait_for()

    page.get_by_role("link", name="Members").first.click()
    page.fill("#id_invite-email", "colleague@example.org")
    page.check("#id_invite-role_1")  # analyst
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text("colleague@example.org").first.wait_for()  # the pending invitation, listed
    assert_accessible(page, "members with a pending invitation")

    join = _link(_wait_for_mail(var, "colleague@example.org", "/workspace/join/"), "/workspace/join/")
    colleague = browser.new_context(viewport={"width": 390, "height": 844}, base_url=url)
    colleague.add_init_script(path=AXE)
    them = colleague.new_page()
    them.set_default_timeout(20_000)
    them.goto(join)
    assert heading(them) == "Join North Partnership"
    assert_accessible(them, "the join page")
    them.fill("#id_username", "colleague")
    them.fill("#id_password1", COLLEAGUE_PASSWORD)
    them.fill("#id_password2", COLLEAGUE_PASSWORD)
    them.get_by_role("button", name="Join").click()
    assert heading(them) == "Your waves", them.content()[:2000]

    them.get_by_role("link", name="Create a wave").first.click()
    them.fill("#id_title", "Leaders survey 2027")
    them.fill("#id_slug", "leaders-2027")
    them.get_by_label(re.compile(r"\(leaders\)$")).check()
    them.get_by_label("Identified").check()
    them.get_by_role("button", name="Create the wave").click()
    assert "Leaders survey 2027" in heading(them), them.content()[:3000]
    wave_page = them.url

    invitees = tmp_path / "invitees.csv"
    invitees.write_text("email,name,organisation,sector\nami@example.org,Ami,Northshire Council,Public\n"
                        "bo@example.org,Bo,Acme Ltd,Private\ncy@example.org,Cy,Northshire College,Higher education\n", encoding="utf-8")  # fmt: skip
    them.get_by_role("link", name="Upload invitees").click()
    them.set_input_files("input[type=file]", str(invitees))
    them.get_by_role("button", name="Upload invitees").click()
    _wait_until_done(them)
    them.get_by_role("link", name="Back to the wave").click()
    them.get_by_role("button", name=re.compile("^Send invitations")).click()
    _wait_until_done(them)
    links = {who: _link(_wait_for_mail(var, f"{who}@example.org", "/r/"), "/r/") for who in ("ami", "bo", "cy")}
    assert len(set(links.values())) == 3

    # A reminder seven days after each invitation, planned on the wave's Schedule page.
    them.get_by_role("link", name="Back to the wave").click()
    them.get_by_role("link", name=re.compile("^Plan or cancel steps")).click()
    them.get_by_label("Step", exact=True).select_option(label="Reminder 1")
    them.fill("#id_days_after", "7")
    them.get_by_role("button", name="Plan the step").click()
    them.get_by_text("7 days after").first.wait_for()  # the page after the POST, not the one it leaves
    assert_accessible(them, "the schedule with a planned reminder")
    sent_before = len(_mails(var))
    clock = dt.datetime.now() + dt.timedelta(days=6, hours=23)  # the test clock: not yet
    _run_schedules(env, clock)
    assert len(_mails(var)) == sent_before, "a reminder went before its time"
    _run_schedules(env, clock + dt.timedelta(hours=2))  # seven days and an hour after the invitations
    for who in ("ami", "bo", "cy"):
        reminder = _wait_for_mail(var, f"{who}@example.org", "not yet received your answers")
        assert "/r/" in reminder
    them.reload()
    them.get_by_text("3 reminders sent").first.wait_for()
    assert "Ran " in them.content()

    # Answers from another tool, imported; then the report shared with a board by a link.
    answers = tmp_path / "answers.csv"
    write_responses(Responses(load_instrument("leaders"), leaders_wave(2025).drop("wave")), answers)
    them.goto(wave_page)
    them.get_by_role("link", name="Import responses from a file").click()
    them.set_input_files("input[type=file]", str(answers))
    them.get_by_role("button", name="Check and import").click()
    _wait_until_done(them, timeout=120)
    them.get_by_role("link", name="Back to the wave").click()
    them.fill("#id_share-label", "Board meeting")
    them.get_by_role("button", name="Make a shared link").click()
    assert heading(them) == "Shared link made"
    shared = them.input_value("#shared-address")
    assert shared.startswith(url + "/shared/")

    outsider = browser.new_context(viewport={"width": 390, "height": 844})
    outsider.add_init_script(path=AXE)
    board = outsider.new_page()
    board.set_default_timeout(120_000)  # the first opening builds the report
    board.goto(shared)
    assert heading(board) == "Leaders survey 2027"
    report = board.frame_locator("iframe").first
    assert report.locator("h1").first.inner_text(timeout=120_000)
    assert_accessible(board, "the shared report, signed out")
    assert "Sign in" not in board.locator("h1").first.inner_text()

    them.goto(wave_page)
    them.get_by_role("button", name="Revoke the link ‘Board meeting’").click()
    gone = board.goto(shared)
    assert gone is not None and gone.status == 404 and heading(board) == "This link does not open a report"


def _run_schedules(env: dict[str, str], now: dt.datetime) -> None:
    """The schedules' runner at ``now`` (the test clock), on the site's own database."""
    done = subprocess.run([sys.executable, "-m", "collabstate.web.manage", "run_schedules", "--now", now.strftime("%Y-%m-%dT%H:%M")],
                          env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def _wait_until_done(page, timeout: float = 60) -> None:
    """Wait on a background job's page (which reloads itself) until it says Done."""
    page.wait_for_function("() => /^(Done|Failed)/.test(document.querySelector('#job-status')?.textContent.trim() || '')",
                           timeout=timeout * 1000)  # fmt: skip
    status = page.locator("#job-status").inner_text()
    assert status.startswith("Done"), page.content()[:3000]
