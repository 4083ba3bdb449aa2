"""Erasure on request (an owner, an identified wave, found by e-mail address) and retention
(contact details deleted a set number of days after a wave closes), each leaving an audit entry
that says who, when and what, never the answers or the contact details."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from typer.testing import CliRunner
from workspace_helpers import complete, tokens_in_outbox

from collabstate.cli import app
from collabstate.web.surveys.invitations import add_invitees
from collabstate.web.surveys.models import Answer, Invitee, Link, Respondent, Response
from collabstate.web.surveys.sending import REMINDERS, send
from collabstate.web.workspace import actions
from collabstate.web.workspace.models import AuditEntry


def test_an_owner_finds_an_invitee_by_email_and_erases_their_answers(client, wave_b, owner_b):
    actions.send(wave_b)
    tokens = tokens_in_outbox()
    complete(client, tokens["ami@example.org"], {"q1_example": "2", "q7_importance": "4"})
    complete(client, tokens["bo@example.org"])
    ami = Invitee.objects.get(email="ami@example.org")
    response_id = ami.respondent.response_id
    assert Answer.objects.filter(response_id=response_id).count() == 2

    client.force_login(owner_b)
    url = reverse("workspace:erase", args=[wave_b.pk])
    found = client.get(url, {"email": "AMI@example.org"}).content.decode()
    assert "Erase ami@example.org" in found and f'name="invitee" value="{ami.pk}"' in found
    done = client.post(url, {"invitee": ami.pk}, follow=True).content.decode()
    assert "Erased: 2 answers" in done

    assert not Response.objects.filter(pk=response_id).exists() and not Answer.objects.filter(response_id=response_id).exists()
    assert not Invitee.objects.filter(email="ami@example.org").exists()
    assert client.get(f"/r/{tokens['ami@example.org']}/").status_code == 404  # the link no longer opens anything
    assert Response.objects.filter(wave=wave_b, completed=True).count() == 1  # Bo's answers stay
    [entry] = AuditEntry.objects.filter(action=AuditEntry.ERASE)
    assert (entry.user, entry.wave, entry.organisation) == (owner_b, wave_b, wave_b.organisation)
    assert entry.detail == f"invitee {ami.pk} erased on request: 2 answers, their progress, links and contact details deleted"
    assert "ami" not in entry.detail.lower() and "4" not in entry.detail.replace(str(ami.pk), "")  # neither who nor what they answered
    assert entry.at <= timezone.now()
    assert send(wave_b, REMINDERS).sent == 0  # Bo completed; Ami is gone: nobody to remind
    page = client.get(reverse("workspace:wave", args=[wave_b.pk])).content.decode()
    assert "Answers erased on request: invitee" in page and "owner-b" in page  # the owner's audit log
    assert "list has the address ami@example.org" in client.get(url, {"email": "ami@example.org"}).content.decode()


def test_answers_of_an_anonymous_wave_cannot_be_erased(client, make_wave, org_b, owner_b):
    wave = make_wave("anon", organisation=org_b, mode="anonymous")
    add_invitees(wave, "email\nami@example.org\n")
    with pytest.raises(actions.WorkspaceError, match="cannot be traced to a person"):
        actions.erase_respondent(wave, wave.invitees.get(), owner_b)
    client.force_login(owner_b)
    url = reverse("workspace:erase", args=[wave.pk])
    assert "This wave is anonymous" in client.get(url).content.decode()
    page = client.post(url, {"invitee": wave.invitees.get().pk}, follow=True).content.decode()
    assert "cannot be traced to a person" in page
    assert wave.invitees.count() == 1 and not AuditEntry.objects.exists()


def test_an_invitee_of_another_wave_cannot_be_erased_through_this_one(client, wave_b, make_wave, org_b, owner_b):
    other = make_wave("other", organisation=org_b, mode="identified")
    add_invitees(other, "email\ncy@example.org\n")
    client.force_login(owner_b)
    response = client.post(reverse("workspace:erase", args=[wave_b.pk]), {"invitee": other.invitees.get().pk})
    assert response.status_code == 404 and other.invitees.count() == 1


def closed_wave(make_wave, org_b, slug: str, closed_days_ago: int, retention_days: int | None):
    now = timezone.now()
    wave = make_wave(slug, organisation=org_b, opens_at=now - dt.timedelta(days=100), closes_at=now - dt.timedelta(days=closed_days_ago),
                     retention_days=retention_days)  # fmt: skip
    add_invitees(wave, f"email,name,organisation,sector\nami@{slug}.org,Ami,Council,Public\nbo@{slug}.org,Bo,,Private\n")
    return wave


def test_retention_deletes_contact_details_of_waves_past_it_with_an_audit_entry(make_wave, org_b):
    due = closed_wave(make_wave, org_b, "due", closed_days_ago=31, retention_days=30)
    not_yet = closed_wave(make_wave, org_b, "not-yet", closed_days_ago=29, retention_days=30)
    kept = closed_wave(make_wave, org_b, "kept", closed_days_ago=400, retention_days=None)
    still_open = make_wave("open", organisation=org_b, retention_days=0)
    add_invitees(still_open, "email\ncy@example.org\n")

    assert actions.purge_contact_details() == 2
    cleared = list(due.invitees.order_by("pk").values_list("pk", "email", "name", "organisation", "sector"))
    assert cleared == [(pk, f"deleted-{pk}@contact.invalid", "", "", sector) for (pk, *_), sector in zip(cleared, ["Public", "Private"])]
    for wave in (not_yet, kept):
        assert sorted(wave.invitees.values_list("name", flat=True)) == ["Ami", "Bo"]
    assert still_open.invitees.get().email == "cy@example.org"
    [entry] = AuditEntry.objects.all()
    assert (entry.action, entry.wave, entry.user) == ("retention", due, None)
    assert entry.detail == "contact details of 2 invitees deleted, 30 days after the wave closed"

    assert actions.purge_contact_details() == 0  # again: nothing left to do, no new entry
    assert AuditEntry.objects.count() == 1
    assert actions.purge_contact_details(now=timezone.now() + dt.timedelta(days=2)) == 2  # not_yet is due two days later


def test_a_closed_wave_sends_nothing(client, make_wave, org_b, analyst_b):
    wave = closed_wave(make_wave, org_b, "closed", closed_days_ago=1, retention_days=None)
    client.force_login(analyst_b)
    page = client.post(reverse("workspace:send", args=[wave.pk]), {"what": "invitations"}, follow=True).content.decode()
    assert "closed on" in page and "no invitations or reminders are sent after a wave closes" in page
    assert not wave.invitees.filter(invited_at__isnull=False).exists() and not Link.objects.exists()


def test_the_purge_command_applies_retention(make_wave, org_b):
    closed_wave(make_wave, org_b, "due", closed_days_ago=10, retention_days=7)
    result = CliRunner().invoke(app, ["wave", "purge"])
    assert result.exit_code == 0, result.output
    assert "contact details of 2 invitees deleted" in result.output
    assert not Invitee.objects.exclude(email__endswith="@contact.invalid").exists()
    again = CliRunner().invoke(app, ["wave", "purge"])
    assert again.exit_code == 0 and "no contact details were due for deletion" in again.output
    assert Respondent.objects.count() == 0 and AuditEntry.objects.filter(action="retention").count() == 1
