"""The E-mails page and the opt-out page in a real browser: an analyst follows the wave page's
link, meets a form error naming a placeholder, previews and saves the invitation (no JavaScript
needed: the page has no script, its buttons are a plain form's); the invitation sent carries the new words, its
opt-out link opens a page whose button stops the e-mails, and the dashboard counts it. axe-core
finds no violation on either page, with and without errors, at 390 px and 1280 px wide."""

from __future__ import annotations

import re

import pytest
from browser_helpers import accessible_at_widths, assert_accessible, follow, heading, sign_in, submit
from django.core import mail
from workspace_helpers import PASSWORD

from collabstate.web.surveys.models import Invitee, Wave
from collabstate.web.surveys.sending import send

pytestmark = pytest.mark.browser

check = accessible_at_widths


def test_an_analyst_edits_the_invitation_and_an_invitee_opts_out(new_page, live_server, wave_b, analyst_b, settings):
    settings.SITE_URL = live_server.url
    page = new_page(axe_everywhere=True)
    sign_in(page, "analyst-b", PASSWORD)
    page.goto(f"/workspace/waves/{wave_b.pk}/")
    follow(page, "E-mails")
    assert heading(page) == "E-mails" and "Dear Ami," in page.locator(".email-preview").first.inner_text()
    check(page, "the E-mails page")

    page.get_by_label("Invitation: subject").fill("{firstname}, a question")
    submit(page, "Save the e-mails")
    assert "There is a problem" in page.content() and "{firstname} is not a placeholder a subject can use" in page.content()
    check(page, "the E-mails page with an error")

    page.get_by_label("Invitation: subject").fill("{name}, a question from {sender}")
    page.get_by_label("Invitation: body").fill("Hello {name},\n\nPlease answer <b>{wave}</b>:\n{link}")
    submit(page, "Preview")
    preview = page.locator(".email-preview").first
    assert "Preview (not saved yet)" in page.content() and "Please answer <b>Beta wave</b>:" in preview.inner_text()
    assert preview.locator("b").count() == 0 and preview.locator("a").count() == 2  # the survey and the opt-out
    submit(page, "Save the e-mails")
    assert "The e-mails are saved" in page.content()
    assert Wave.objects.get(pk=wave_b.pk).invitation_subject == "{name}, a question from {sender}"

    send(Wave.objects.get(pk=wave_b.pk))  # as saved
    ami = next(m for m in mail.outbox if m.to == ["ami@example.org"])
    assert ami.subject == "Ami, a question from Beta Board" and ami.body.startswith("Hello Ami,\n\nPlease answer <b>Beta wave</b>:\n")
    [optout] = re.findall(r"(https?://\S+/optout/\S+/)", ami.body)
    invitee = new_page(axe_everywhere=True)
    invitee.goto(optout)
    assert heading(invitee) == "Stop the e-mails about this survey"
    check(invitee, "the opt-out page")
    submit(invitee, "Send me no more e-mails about this survey")
    assert heading(invitee) == "You will receive no more e-mails"
    check(invitee, "the opt-out page, done")
    assert Invitee.objects.get(email="ami@example.org").opted_out_at is not None

    page.goto(f"/workspace/waves/{wave_b.pk}/")
    assert page.locator(".count", has_text="Opted out of e-mails").inner_text().split() == ["Opted", "out", "of", "e-mails", "1"]
    page.set_viewport_size({"width": 1280, "height": 844})  # the dashboard's narrow widths are item 8's (a wide table scrolls there)
    assert_accessible(page, "the dashboard with an opt-out")
