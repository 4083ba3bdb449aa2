"""Invitee lists, invitations and reminders."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from collabstate.web.surveys.invitations import InviteeFileError, add_invitees
from collabstate.web.surveys.models import Invitee, Link
from collabstate.web.surveys.sending import REMINDERS, send

GOOD = "email,name,organisation,sector\nami@example.org,Ami,Council,1\nbo@example.org,Bo,Charity,3\n"


def links_in_outbox() -> dict[str, str]:
    """E-mail address -> the survey link in its most recent message."""
    out = {}
    for message in mail.outbox:
        [link] = re.findall(r"https?://\S+/r/[A-Za-z0-9_-]{43}/", message.body)
        out[message.to[0]] = link
    return out


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1]


def test_every_problem_is_reported_by_row_and_nobody_is_added(wave):
    text = "email,name,team\nami@example.org,Ami,x\nnot-an-address,Bo,y\nAMI@example.org,Ami again,z\n"
    with pytest.raises(InviteeFileError) as caught:
        add_invitees(wave, text, name="list.csv")
    messages = [str(p) for p in caught.value.problems]
    columns = "email, name, organisation, sector, role, or the id of a question with one answer (q1_example, q4_n_orgs, q5_staff_level, "
    columns += (
        "q6_success, q7_importance, q9_better, q10_involvement, q11_incentivise, q12_tools, q15_role, q16_sector, q19_receive_report)"
    )
    assert f"row 1, column team: 'team': expected one of the columns {columns}" in messages
    assert "row 3, column email: 'not-an-address': expected an e-mail address such as name@example.org" in messages
    assert "row 4, column email: 'AMI@example.org': expected each address once; it is already in row 2" in messages
    assert "list.csv: row 3, column email" in str(caught.value)
    assert not Invitee.objects.exists()


def test_a_file_without_an_email_column_is_refused(wave):
    with pytest.raises(InviteeFileError, match="a header row with an 'email' column"):
        add_invitees(wave, "name\nAmi\n")


def test_invitations_carry_unique_links_stored_only_as_hashes(client, wave):
    add_invitees(wave, GOOD.encode())
    assert send(wave).sent == 2
    assert send(wave).sent == 0  # nobody is invited twice
    links = links_in_outbox()
    assert set(links) == {"ami@example.org", "bo@example.org"}
    tokens = [token_of(link) for link in links.values()]
    assert len(set(tokens)) == 2
    stored = set(Link.objects.values_list("token_hash", flat=True))
    assert not stored & set(tokens) and len(stored) == 2  # hashes, never the tokens
    page = client.get(f"/r/{tokens[0]}/")
    assert page.status_code == 200 and "Start now" in page.content.decode()


def test_reminders_go_only_to_those_not_completed_and_at_most_the_set_number(client, make_wave):
    wave = make_wave("reminded", max_reminders=2, open_link=False)
    add_invitees(wave, GOOD)
    assert send(wave).sent == 2
    ami = token_of(links_in_outbox()["ami@example.org"])
    client.post(f"/r/{ami}/")  # consent
    client.post(f"/r/{ami}/q/q1_example/", {"q1_example": "2"})
    client.post(f"/r/{ami}/check/")
    mail.outbox.clear()
    assert send(wave, REMINDERS).sent == 1
    assert [m.to for m in mail.outbox] == [["bo@example.org"]] and mail.outbox[0].subject.startswith("Reminder:")
    assert send(wave, REMINDERS).sent == 1
    assert send(wave, REMINDERS).sent == 0  # two reminders at most
    # every link Bo was sent still opens the same respondent
    bo_links = {token_of(link) for m in mail.outbox for link in re.findall(r"https?://\S+/r/[A-Za-z0-9_-]{43}/", m.body)}
    assert len(bo_links) == 2
    for token in bo_links:
        assert client.get(f"/r/{token}/").status_code == 200
