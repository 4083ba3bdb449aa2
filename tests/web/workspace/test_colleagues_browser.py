"""An owner invites a colleague from the members page in a real browser; the colleague opens the
link in the e-mail the site wrote to its mail folder (the file backend, as the site's default),
chooses a username and a password, joins, signs in again and sees the organisation. axe-core finds
no violation on the members page, the join page (with its errors) and the home page, at phone
(390 px) and desktop (1280 px) widths."""

from __future__ import annotations

import re

import pytest
from browser_helpers import accessible_at_widths, heading, sign_in, submit
from workspace_helpers import PASSWORD

pytestmark = pytest.mark.browser

check = accessible_at_widths


def test_a_colleague_is_invited_and_joins(new_page, live_server, owner_b, org_b, settings, tmp_path):
    mail_dir = tmp_path / "mail"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(mail_dir)
    settings.SITE_URL = live_server.url
    owner = new_page(axe_everywhere=True)
    sign_in(owner, "owner-b", PASSWORD)
    owner.goto(f"/workspace/organisations/{org_b.slug}/members/")
    assert heading(owner) == "Members of Beta Board"
    owner.get_by_label("E-mail address", exact=True).fill("gus@example.org")
    owner.get_by_role("group", name="Their role").get_by_label("Analyst").check()
    submit(owner, "Send invitation")
    assert "Invitation sent to gus@example.org" in owner.content()
    assert owner.get_by_role("row", name=re.compile("gus@example.org")).is_visible()
    check(owner, "the members page with an invitation")

    [sent] = list(mail_dir.iterdir())
    link = re.findall(r"(http://\S+/workspace/join/[A-Za-z0-9_-]{43}/)", sent.read_text())[0]
    assert link.startswith(live_server.url)
    colleague = new_page(axe_everywhere=True)
    colleague.goto(link)
    assert heading(colleague) == "Join Beta Board"
    check(colleague, "the join page")
    colleague.get_by_label("Username").fill("gus")
    colleague.locator("#id_password1").fill("password")
    colleague.locator("#id_password2").fill("password")
    submit(colleague, "Join")
    assert "There is a problem" in colleague.content()
    check(colleague, "the join page with errors")
    colleague.locator("#id_password1").fill(PASSWORD)
    colleague.locator("#id_password2").fill(PASSWORD)
    submit(colleague, "Join")
    assert "You have joined Beta Board as analyst" in colleague.content()

    colleague.context.clear_cookies()  # signs in again, as on another day
    sign_in(colleague, "gus", PASSWORD)
    assert "Beta Board" in colleague.locator("main").inner_text()
    check(colleague, "the new colleague's home page")
    colleague.goto(link)
    assert heading(colleague) == "This invitation no longer works"
    check(colleague, "the used link's page")
