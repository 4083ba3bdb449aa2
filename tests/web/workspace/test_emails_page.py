"""The E-mails page of a wave: the preview for the first invitee (or an example person), a form
error that names the placeholder, a save that the next e-mails use and the audit log records,
and who may do what (a viewer sees and cannot save; another organisation's member gets 404)."""

from __future__ import annotations

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from collabstate.web.surveys.models import Wave
from collabstate.web.surveys.sending import send
from collabstate.web.workspace.models import AuditEntry

GOOD = {
    "invitation_subject": "{name}, your views on {wave}",
    "invitation_body": "Dear {name},\n\n{sender} asks you about {wave}: {link}\n\nIt closes on {closes}.",
    "reminder_subject": "",
    "reminder_body": "",
}


def page_of(wave) -> str:
    return reverse("workspace:emails", args=[wave.pk])


def test_the_page_previews_both_emails_for_the_first_invitee(client, wave_b, analyst_b):
    client.force_login(analyst_b)
    html = client.get(page_of(wave_b)).content.decode()
    assert "For the wave's first invitee, ami@example.org (Ami)" in html
    assert '<h3 class="heading-s">Invitation</h3>' in html and '<h3 class="heading-s">Reminder</h3>' in html
    assert "Reminder: Beta wave" in html and "Dear Ami," in html and "<p>Dear Ami,</p>" in html  # plain and HTML
    assert "{link}" in html and "Save the e-mails" in html
    wave_page = client.get(reverse("workspace:wave", args=[wave_b.pk])).content.decode()
    assert f'href="{page_of(wave_b)}"' in wave_page


def test_with_no_invitee_the_preview_is_for_an_example_person(client, make_wave, org_b, analyst_b):
    wave = make_wave("empty", organisation=org_b, title="Empty wave")
    client.force_login(analyst_b)
    html = client.get(page_of(wave)).content.decode()
    assert "an example person, Alex Example of Example Council" in html and "Dear Alex Example," in html


def test_a_preview_shows_the_posted_words_and_saves_nothing(client, wave_b, analyst_b):
    client.force_login(analyst_b)
    html = client.post(page_of(wave_b), {**GOOD, "action": "preview"}).content.decode()
    assert "Preview (not saved yet)" in html and "Ami, your views on Beta wave" in html and "Beta Board asks you about Beta wave" in html
    assert Wave.objects.get(pk=wave_b.pk).invitation_subject == "" and not AuditEntry.objects.exists()


def test_a_wrong_placeholder_is_a_form_error_naming_it(client, wave_b, analyst_b):
    client.force_login(analyst_b)
    bad = {**GOOD, "invitation_subject": "Hi {firstname}\r\nBcc: x@example.org", "reminder_body": "Dear {name}, please answer"}
    response = client.post(page_of(wave_b), {**bad, "action": "save"})
    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in html
    assert "Invitation: subject: Use one line of text: this has a line break" in html
    assert "Reminder: body: The body has no {link}" in html
    response = client.post(page_of(wave_b), {**GOOD, "invitation_body": "{name.__class__} {link}", "action": "save"})
    assert "{name.__class__} is not a placeholder a body can use; use {name}, {organisation}, {wave}, {sender}, {closes}, {link}" in (
        response.content.decode()
    )
    assert Wave.objects.get(pk=wave_b.pk).invitation_body == "" and not AuditEntry.objects.exists()


def test_a_save_is_used_by_the_next_emails_and_audited(client, wave_b, analyst_b):
    client.force_login(analyst_b)
    response = client.post(page_of(wave_b), {**GOOD, "action": "save"})
    assert response.status_code == 302 and response["Location"] == page_of(wave_b) + "#preview"
    [entry] = AuditEntry.objects.all()
    assert (entry.action, entry.user, entry.wave, entry.detail) == (
        AuditEntry.EMAILS,
        analyst_b,
        wave_b,
        "invitation subject, invitation body",
    )
    send(Wave.objects.get(pk=wave_b.pk))
    ami = next(m for m in mail.outbox if m.to == ["ami@example.org"])
    assert ami.subject == "Ami, your views on Beta wave" and ami.body.startswith("Dear Ami,\n\nBeta Board asks you about Beta wave: http")
    assert client.post(page_of(wave_b), {**GOOD, "action": "save"}).status_code == 302
    assert AuditEntry.objects.count() == 1  # nothing changed: nothing to record


def test_a_save_writes_the_four_texts_only_with_plain_line_breaks(client, wave_b, analyst_b):
    Wave.objects.filter(pk=wave_b.pk).update(closes_at=wave_b.opens_at)  # a wave its own checks would refuse: not this page's business
    client.force_login(analyst_b)
    body = "Dear {name},\r\n\r\n{link}\r\n"
    assert client.post(page_of(wave_b), {**GOOD, "reminder_body": body, "action": "save"}).status_code == 302
    saved = Wave.objects.get(pk=wave_b.pk)
    assert saved.reminder_body == "Dear {name},\n\n{link}" and saved.closes_at == wave_b.opens_at and saved.title == "Beta wave"


def test_a_viewer_sees_the_page_and_cannot_save(client, wave_b, viewer_b):
    client.force_login(viewer_b)
    html = client.get(page_of(wave_b)).content.decode()
    assert "Dear Ami," in html and "Save the e-mails" not in html and "Analysts and owners of Beta Board can change these e-mails." in html
    assert client.post(page_of(wave_b), {**GOOD, "action": "save"}).status_code == 403
    assert client.post(page_of(wave_b), {**GOOD, "action": "preview"}).status_code == 403
    assert Wave.objects.get(pk=wave_b.pk).invitation_subject == ""


def test_another_organisations_member_gets_404(client, wave_b, analyst_a):
    client.force_login(analyst_a)
    assert client.get(page_of(wave_b)).status_code == 404
    assert client.post(page_of(wave_b), {**GOOD, "action": "save"}).status_code == 404
    assert Wave.objects.get(pk=wave_b.pk).invitation_subject == ""


def test_the_dashboard_counts_who_opted_out(client, wave_b, analyst_b):
    wave_b.invitees.filter(email="bo@example.org").update(opted_out_at=timezone.now())
    client.force_login(analyst_b)
    html = client.get(reverse("workspace:wave", args=[wave_b.pk])).content.decode()
    assert "<dt>Opted out of e-mails</dt><dd>1</dd>" in html and "Send invitations (1 not yet invited)" in html
