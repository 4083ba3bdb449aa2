"""Sending is honest: against a real mail server on this machine (aiosmtpd, in a thread) that
refuses some recipients, drops the connection with 421 or is not there at all, nobody whose
e-mail was refused is marked invited, the refusals are listed on the wave's page, and sending
again sends exactly those. Titles and names that would reach a mail header are one line."""

from __future__ import annotations

import datetime as dt
import re
import socket

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from collabstate.cli import app
from collabstate.web.surveys import sending
from collabstate.web.surveys.invitations import add_invitees
from collabstate.web.surveys.models import Invitee, Link
from collabstate.web.surveys.sending import FAILED, INVITATIONS, REMINDERS, SendRefused, send

aiosmtpd = pytest.importorskip("aiosmtpd.controller")

PEOPLE = ["ami", "bo", "cy", "di"]


class Handler:
    """Refuses the recipients in ``refuse`` (address -> reply) at RCPT, answers ``data_replies``
    in turn to DATA (then accepts), and keeps (recipient, message text) of what it accepted."""

    def __init__(self) -> None:
        self.refuse: dict[str, str] = {}
        self.data_replies: list[str] = []
        self.accepted: list[tuple[str, str]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_replies:
            return self.data_replies.pop(0)
        text = envelope.content.decode("utf-8", "replace")
        self.accepted.extend((to, text) for to in envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def to(self) -> list[str]:
        return [to for to, _ in self.accepted]

    def tokens(self, address: str) -> list[str]:
        """The survey link's token of each e-mail to ``address`` (once: it is in the plain and the HTML part)."""
        return [t for to, text in self.accepted if to == address for t in dict.fromkeys(re.findall(r"/r/([A-Za-z0-9_-]{43})/", text))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    handler = Handler()
    controller = aiosmtpd.Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = "127.0.0.1", controller.port, False, 5
    yield handler
    controller.stop()


@pytest.fixture
def wave(make_wave, org_b):
    wave = make_wave("pulse", organisation=org_b, mode="identified", title="Pulse", open_link=False, max_reminders=2)
    add_invitees(wave, "email,name\n" + "".join(f"{p}@example.org,{p.title()}\n" for p in PEOPLE))
    return wave


def invited(wave) -> set[str]:
    return set(wave.invitees.filter(invited_at__isnull=False).values_list("email", flat=True))


def test_nobody_refused_is_marked_invited_and_sending_again_sends_exactly_those(smtp, wave, client, analyst_b, work_off):
    smtp.refuse = {"bo@example.org": "550 5.1.1 <bo@example.org>: mailbox unavailable", "di@example.org": "450 4.2.1 try later"}
    result = send(wave)
    assert (result.sent, result.refused, result.not_tried) == (2, 2, 0)
    assert invited(wave) == {"ami@example.org", "cy@example.org"} and sorted(smtp.to()) == sorted(invited(wave))
    bo = Invitee.objects.get(email="bo@example.org")
    assert bo.invited_at is None and bo.send_failed_at is not None and bo.send_error == "550 5.1.1 <bo@example.org>: mailbox unavailable"
    assert Link.objects.count() == 2  # a token that went nowhere is not kept
    assert wave.invited() == 2  # the response rate's base: only those the server accepted
    for address in invited(wave):
        [token] = smtp.tokens(address)
        assert client.get(f"/r/{token}/").status_code == 200

    client.force_login(analyst_b)
    page = client.get(reverse("workspace:wave", args=[wave.pk])).content.decode()
    assert "Not sent" in page and "The mail server refused 2 e-mails" in page and "Send again the 2 not sent" in page
    assert "550 5.1.1 &lt;bo@example.org&gt;: mailbox unavailable" in page and "450 4.2.1 try later" in page
    assert "Send invitations (2 not yet invited)" in page

    smtp.refuse = {}
    smtp.accepted.clear()
    asked = client.post(reverse("workspace:send", args=[wave.pk]), {"what": "failed"})  # queued: a task sends them
    assert smtp.to() == [] and asked["Location"].startswith(f"/workspace/waves/{wave.pk}/jobs/")
    work_off()
    assert "Done: 2 e-mails sent." in client.get(asked["Location"]).content.decode()
    assert "Not sent" not in client.get(reverse("workspace:wave", args=[wave.pk])).content.decode()
    assert sorted(smtp.to()) == ["bo@example.org", "di@example.org"]  # exactly those, once each
    assert invited(wave) == {f"{p}@example.org" for p in PEOPLE} and not sending.failures(wave).exists()
    assert send(wave, FAILED).sent == 0 and send(wave).sent == 0


def test_a_refused_reminder_is_not_counted_and_is_sent_again(smtp, wave):
    assert send(wave).sent == 4
    smtp.refuse = {"cy@example.org": "552 5.2.2 mailbox full"}
    first = send(wave, REMINDERS)
    assert (first.sent, first.refused) == (3, 1)
    cy = Invitee.objects.get(email="cy@example.org")
    assert cy.reminders_sent == 0 and cy.send_error == "552 5.2.2 mailbox full" and cy.invited_at is not None
    assert dict(wave.invitees.values_list("email", "reminders_sent")) == {"ami@example.org": 1, "bo@example.org": 1, "cy@example.org": 0,
                                                                         "di@example.org": 1}  # fmt: skip
    smtp.refuse = {}
    again = send(wave, FAILED)
    assert again.sent == 1
    cy.refresh_from_db()
    assert cy.reminders_sent == 1 and cy.send_failed_at is None and cy.send_error == ""


def test_a_421_closes_the_connection_and_the_rest_go_on_a_new_one(smtp, wave):
    first = Invitee.objects.order_by("pk").first()
    smtp.refuse = {first.email: "421 4.7.0 Too many connections, closing"}
    result = send(wave)
    assert (result.sent, result.refused) == (3, 1)
    first.refresh_from_db()
    assert first.invited_at is None and first.send_error.startswith("421 4.7.0")
    smtp.refuse = {}
    smtp.data_replies = ["421 4.3.2 Service shutting down"]
    assert send(wave, FAILED).refused == 1  # refused at DATA this time: still not sent
    assert send(wave, FAILED).sent == 1
    assert invited(wave) == {f"{p}@example.org" for p in PEOPLE}


def test_a_mail_server_that_is_not_there_sends_nothing_and_marks_nobody(settings, wave):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 5
    with pytest.raises(SendRefused, match=r"the mail server could not be reached \(.*\); nobody was sent anything"):
        send(wave)
    assert not invited(wave) and not Link.objects.exists() and not sending.failures(wave).exists()


def test_a_crash_between_sending_and_recording_sends_again_and_every_link_works(smtp, wave, client, monkeypatch, settings):
    """At least once: the server accepted Ami's e-mail, then the process died before recording it."""
    deliver = sending._deliver

    def accepted_then_crash(backend, message):
        deliver(backend, message)
        raise SystemExit("killed")

    monkeypatch.setattr(sending, "_deliver", accepted_then_crash)
    with pytest.raises(SystemExit):
        send(wave)
    monkeypatch.setattr(sending, "_deliver", deliver)
    [ami] = smtp.to()
    assert not invited(wave)  # not recorded: not counted
    assert send(wave).sent == 3  # the others; Ami's claim has not lapsed yet, so nobody sends to her twice at once
    later = timezone.now() + dt.timedelta(seconds=settings.SEND_CLAIM_SECONDS + 1)
    assert list(sending.interrupted(wave, later).values_list("email", flat=True)) == [ami]
    settings.SEND_CLAIM_SECONDS = 0
    assert send(wave).sent == 1 and smtp.to().count(ami) == 2  # sent again: twice, never none
    assert invited(wave) == {f"{p}@example.org" for p in PEOPLE}
    first, second = smtp.tokens(ami)
    assert client.get(f"/r/{first}/").status_code == 200 and client.get(f"/r/{second}/").status_code == 200


def test_someone_being_sent_to_is_not_sent_to_again_at_the_same_time(smtp, wave):
    Invitee.objects.filter(email="ami@example.org").update(sending_since=timezone.now())  # another worker is sending to Ami
    assert send(wave).sent == 3 and "ami@example.org" not in smtp.to()


@pytest.mark.parametrize("title", ["Pulse\r\nBcc: attacker@example.org", "Pulse\nBcc: x", "Pulse\u2028x", "Pulse\x1b[2J"])
def test_a_title_that_is_not_one_line_sends_nothing(smtp, wave, title):
    """A title stored before titles were checked (or written to the database by hand)."""
    type(wave).objects.filter(pk=wave.pk).update(title=title)
    wave.refresh_from_db()
    with pytest.raises(SendRefused, match=r"the wave's title has a (line break|control character \(U\+001B\)) \(character 6\)"):
        send(wave)
    assert smtp.accepted == [] and not invited(wave) and not Link.objects.exists()


@pytest.mark.parametrize("title", ["Pulse\r\nBcc: attacker@example.org", "Pulse\nBcc: x", "Pulse\x0bx"])
def test_titles_are_one_line_at_every_door(client, analyst_b, org_b, db, title):
    client.force_login(analyst_b)
    form = {"title": title, "slug": "pulse", "instrument": "readiness-2018", "opens_at": "2026-01-01T09:00",
            "closes_at": "2099-01-01T09:00", "mode": "anonymous", "max_reminders": "2"}  # fmt: skip
    page = client.post(reverse("workspace:new_wave", args=[org_b.slug]), form).content.decode()
    assert "Use one line of text: this has a line break (character 6)" in page
    result = CliRunner().invoke(app, ["wave", "create", "pulse", "--instrument", "readiness-2018", "--title", title])
    assert result.exit_code == 1 and "--title: Use one line of text: this has a line break (character 6)" in result.output
    assert "wave 'pulse' was not created" in result.output
    from collabstate.web.surveys.models import Wave

    assert not Wave.objects.exists()


def test_the_command_line_lists_what_was_refused_and_sends_exactly_those_again(smtp, wave):
    smtp.refuse = {"bo@example.org": "550 5.1.1 no such user"}
    runner = CliRunner()
    result = runner.invoke(app, ["wave", "invite", wave.slug])
    assert result.exit_code == 1, result.output
    assert "3 invitations sent; 1 refused by the mail server" in result.output
    assert "not sent to bo@example.org: 550 5.1.1 no such user" in result.output
    smtp.refuse = {}
    smtp.accepted.clear()
    again = runner.invoke(app, ["wave", "invite", wave.slug, "--failed"])
    assert again.exit_code == 0 and "1 e-mail sent" in again.output and smtp.to() == ["bo@example.org"]
    reminded = runner.invoke(app, ["wave", "remind", wave.slug])
    assert reminded.exit_code == 0 and "4 reminders sent" in reminded.output


def test_what_to_send_is_checked(wave):
    from collabstate.errors import UsageError

    with pytest.raises(UsageError, match="what 'everything' is not valid; expected invitations, reminders, failed"):
        send(wave, "everything")
    assert INVITATIONS == "invitations"


REFUSALS = st.sampled_from(["550 5.1.1 no such user", "450 4.2.1 mailbox busy", "421 4.7.0 closing", "552 5.2.2 mailbox full"])


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(refused=st.dictionaries(st.sampled_from(PEOPLE), REFUSALS))
def test_whatever_is_refused_exactly_the_accepted_are_invited_and_sending_again_completes_it(smtp, wave, refused):
    """For any set of refusals (any reply, 421 included): those accepted are invited, each refusal
    is recorded with the server's words, and sending again reaches exactly the refused, once."""
    Invitee.objects.filter(wave=wave).update(invited_at=None, send_failed_at=None, send_error="", sending_since=None)
    Link.objects.all().delete()
    smtp.accepted.clear()
    smtp.refuse = {f"{p}@example.org": reply for p, reply in refused.items()}
    result = send(wave)
    accepted = {f"{p}@example.org" for p in PEOPLE} - set(smtp.refuse)
    assert (result.sent, result.refused) == (len(accepted), len(refused))
    assert invited(wave) == accepted and sorted(smtp.to()) == sorted(accepted)
    assert dict(sending.failures(wave).values_list("email", "send_error")) == smtp.refuse
    smtp.refuse, before = {}, len(smtp.accepted)
    assert send(wave, FAILED).sent == len(refused)
    assert sorted(smtp.to()[before:]) == sorted(f"{p}@example.org" for p in refused)
    assert invited(wave) == {f"{p}@example.org" for p in PEOPLE} and Link.objects.count() == len(PEOPLE)
