"""E-mails people can edit: placeholders, the built-in words, the plain-text and HTML parts, and
the opt-out (its token, its page, the headers, and that nothing more is sent after it)."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from collabstate.web.surveys import optout, sending
from collabstate.web.surveys.emails import compose, validate_body, validate_subject
from collabstate.web.surveys.invitations import add_invitees
from collabstate.web.surveys.models import Answer, Invitee, Respondent, Wave
from collabstate.web.surveys.sending import FAILED, INVITATIONS, REMINDERS, send
from collabstate.web.workspace.models import Organisation

LINK, OPTOUT = "https://survey.example.org/r/abc/", "https://survey.example.org/optout/xyz/"
CLOSES = dt.datetime(2027, 1, 31, 17, 0, tzinfo=dt.UTC)


def a_wave(**texts: str) -> Wave:
    """A wave not saved (rendering needs no database)."""
    return Wave(title="Pulse 2027", organisation=Organisation(name="Beta Board"), closes_at=CLOSES, **texts)


def made(name: str = "Ami", organisation: str = "Council", reminder: bool = False, **texts: str):
    return compose(a_wave(**texts), Invitee(email="ami@example.org", name=name, organisation=organisation), LINK, OPTOUT, reminder)


def test_the_built_in_words_are_those_of_before():
    invitation = made()
    assert invitation.subject == "Pulse 2027"
    assert invitation.text.startswith(
        "Dear Ami,\n\nYou are invited to take part in Pulse 2027.\n\n"
        f"Answer the survey at this link, which is yours alone:\n{LINK}\n\n"
        "Your answers are saved as you go: the same link takes you back to where you left off. The survey closes on 31 January 2027.\n"
    )
    reminder = made(reminder=True)
    assert reminder.subject == "Reminder: Pulse 2027"
    assert "Dear Ami,\n\nWe have not yet received your answers. You are invited to take part in Pulse 2027." in reminder.text


def test_placeholders_are_filled_in_and_the_opt_out_line_ends_every_email():
    texts = {
        "invitation_subject": "{Name}, a word from {sender}",
        "invitation_body": "Hi {name} of {organisation},\n{ link }\n{wave} closes {closes}. {{not a placeholder}}",
    }
    e = made(**texts)
    assert e.subject == "Ami, a word from Beta Board"
    assert e.text.startswith(f"Hi Ami of Council,\n{LINK}\nPulse 2027 closes 31 January 2027. {{not a placeholder}}\n\n--\n")
    assert e.text.rstrip().endswith(f"To receive no more e-mails about it, open {OPTOUT}")
    assert f'<a href="{LINK}">{LINK}</a>' in e.html_body and f'<a href="{OPTOUT}">{OPTOUT}</a>' in e.html_body
    assert e.html.startswith("<!DOCTYPE html>") and "<title>Ami, a word from Beta Board</title>" in e.html


def test_an_invitee_with_no_name_is_greeted_hello():
    assert made(name="").text.startswith("Hello,\n\nYou are invited")
    e = made(name="  ", invitation_body="Dear {name}, welcome\n{link}\nThanks {name}.")
    assert e.text.startswith(f"Hello,\n{LINK}\nThanks .")  # the greeting line is replaced; elsewhere nothing
    assert made(name="", invitation_subject="{name} {wave}").subject == "Pulse 2027"


def test_html_escapes_the_invitees_details_and_never_links_them():
    e = made(name='<b>&"x', organisation="www.evil.example")
    assert "Dear &lt;b&gt;&amp;&quot;x," in e.html_body and "<b>" not in e.html_body
    e = made(
        name='<b>&"x', organisation="www.evil.example", invitation_body="{name} {organisation} see https://example.org/privacy\n{link}"
    )
    assert "www.evil.example" in e.html_body and 'href="http://www.evil.example"' not in e.html_body
    assert '<a href="https://example.org/privacy">' in e.html_body  # an address the editors wrote is a link
    assert "<p>&lt;b&gt;&amp;&quot;x www.evil.example see" in e.html_body


@pytest.mark.parametrize(
    ("validator", "text", "expected"),
    [
        (validate_subject, "Pulse\r\nBcc: x@example.org", "Use one line of text: this has a line break (character 6)"),
        (validate_subject, "Hello {name.__class__}", "{name.__class__} is not a placeholder a subject can use; use {name}, {organisation}"),
        (validate_subject, "Your {link}", "{link} is not a placeholder a subject can use"),
        (validate_body, "Dear {firstname},\n{link}", "{firstname} is not a placeholder a body can use; use {name}, {organisation}, {wave}, {sender}, {closes}, {link}"),
        (validate_body, "Dear {name}, please answer.", "The body has no {link}"),
        (validate_body, "{0}{link}", "{0} is not a placeholder"),
    ],
)  # fmt: skip
def test_a_wrong_text_is_refused_naming_the_placeholder(validator, text, expected):
    with pytest.raises(ValidationError) as caught:
        validator(text)
    assert expected in caught.value.messages[0]


def test_good_texts_pass():
    validate_subject("{wave}: {name}")
    validate_body("")  # the built-in body
    validate_body("Dear {name},\n{link}\n{{braces}}")


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list]] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text += data


@hypothesis_settings(max_examples=300, deadline=None)
@given(name=st.text(max_size=60), organisation=st.text(max_size=60))
def test_no_name_or_organisation_makes_html_or_a_second_subject_line(name, organisation):
    texts = {"invitation_subject": "{name} of {organisation}: {wave}", "invitation_body": "Dear {name} ({organisation}),\n{link}"}
    e = made(name=name, organisation=organisation, **texts)
    assert "\n" not in e.subject and "\r" not in e.subject
    parsed = Tags()
    parsed.feed(e.html_body)
    parsed.close()
    assert {tag for tag, _ in parsed.tags} <= {"p", "br", "a"}
    assert [dict(attrs)["href"] for tag, attrs in parsed.tags if tag == "a"] == [LINK, OPTOUT]
    message = sending.site_message(e.subject, e.text, "ami@example.org", html=e.html)
    assert message.message()["Subject"] is not None  # Django refuses a header with a line break: this one is one line


# -- the opt-out ------------------------------------------------------------------------------


@pytest.fixture
def identified(make_wave):
    wave = make_wave("pulse", mode="identified", title="Pulse", open_link=False, max_reminders=2)
    add_invitees(wave, "email,name\nami@example.org,Ami\nbo@example.org,Bo\ncy@example.org,\n")
    return wave


def optout_of(message) -> str:
    [link] = re.findall(r"https?://\S+/optout/([^/\s]+)/", message.body)
    return link


def test_every_email_has_an_html_part_the_opt_out_link_and_the_headers(identified, settings):
    settings.SITE_URL, settings.REPLY_TO = "https://survey.example.org", "team@example.org"
    assert send(identified).sent == 3
    for message in mail.outbox:
        invitee = Invitee.objects.get(email=message.to[0])
        token = optout_of(message)
        assert optout.find(token) == invitee
        url = f"https://survey.example.org/optout/{token}/"
        assert message.extra_headers["List-Unsubscribe"] == f"<{url}>"
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message.reply_to == ["team@example.org"]
        [(html, kind)] = message.alternatives
        assert kind == "text/html" and f'<a href="{url}">' in html
        raw = message.message()
        assert raw["List-Unsubscribe"] == f"<{url}>" and raw.get_content_type() == "multipart/alternative"
    assert mail.outbox[2].body.startswith("Hello,\n")  # cy has no name


def test_the_opt_out_page_records_once_and_nothing_more_is_sent(identified, client):
    send(identified)
    token = optout_of(next(m for m in mail.outbox if m.to == ["bo@example.org"]))
    page = client.get(f"/optout/{token}/")
    assert page.status_code == 200 and "Send me no more e-mails about this survey" in page.content.decode()
    assert Invitee.objects.get(email="bo@example.org").opted_out_at is None  # a GET (a link checker, a preview) changes nothing
    done = client.post(f"/optout/{token}/", {"List-Unsubscribe": "One-Click"})  # as a mail program does (RFC 8058): no cookie
    assert done.status_code == 200 and "You will receive no more e-mails" in done.content.decode()
    first = Invitee.objects.get(email="bo@example.org").opted_out_at
    assert first is not None
    again = client.post(f"/optout/{token}/")
    assert again.status_code == 200 and "You will receive no more e-mails" in again.content.decode()
    assert Invitee.objects.get(email="bo@example.org").opted_out_at == first  # idempotent: the first time is kept
    assert "no more e-mails" in client.get(f"/optout/{token}/").content.decode()

    for what in (INVITATIONS, REMINDERS, FAILED):
        assert "bo@example.org" not in set(sending.due(identified, what).values_list("email", flat=True))
    mail.outbox.clear()
    assert send(identified, REMINDERS).sent == 2 and sorted(m.to[0] for m in mail.outbox) == ["ami@example.org", "cy@example.org"]
    Invitee.objects.filter(email="bo@example.org").update(send_failed_at=timezone.now())
    assert send(identified, FAILED).sent == 0


def test_an_opt_out_keeps_the_answers_and_links_nothing_in_an_anonymous_wave(make_wave, client):
    wave = make_wave("anon", mode="anonymous", open_link=False)
    add_invitees(wave, "email,name\nami@example.org,Ami\n")
    send(wave)
    [token] = re.findall(r"/r/([A-Za-z0-9_-]{43})/", mail.outbox[0].body)
    client.post(f"/r/{token}/")
    client.post(f"/r/{token}/q/q1_example/", {"q1_example": "2"})
    client.post(f"/r/{token}/check/")
    respondent = Respondent.objects.get()
    assert respondent.completed and respondent.response is None  # anonymous: answers no longer linked
    answers = list(Answer.objects.values_list("response_id", "column", "value"))
    assert client.post(f"/optout/{optout_of(mail.outbox[0])}/").status_code == 200
    assert Invitee.objects.get().opted_out_at is not None
    assert list(Answer.objects.values_list("response_id", "column", "value")) == answers and answers
    assert Respondent.objects.get().response is None


def test_a_token_not_signed_here_is_not_found(identified, client):
    send(identified)
    token = optout_of(mail.outbox[0])
    pk, signature = token.split(".", 1)
    assert client.post(f"/optout/{pk}.{signature[::-1]}/").status_code == 404
    assert client.post("/optout/nothing/").status_code == 404
    Invitee.objects.filter(email=mail.outbox[0].to[0]).delete()
    assert client.get(f"/optout/{token}/").status_code == 404
    assert not Invitee.objects.filter(opted_out_at__isnull=False).exists()
