"""The known facts page (who may set it, what it stores, the audit log) and the wave page's
comparison of the invitee list with the answers: who in an identified wave, totals only in an
anonymous one."""

from __future__ import annotations

import pytest
from django.urls import reverse
from workspace_helpers import tokens_in_outbox

from collabstate.web.surveys import sending
from collabstate.web.surveys.invitations import add_invitees
from collabstate.web.surveys.models import Wave
from collabstate.web.workspace import facts
from collabstate.web.workspace.models import AuditEntry


def _complete(client, token: str, sector: str) -> None:
    client.post(f"/r/{token}/")
    assert client.post(f"/r/{token}/q/q16_sector/", {"q16_sector": sector}).status_code == 302
    assert client.post(f"/r/{token}/check/").status_code == 302


def test_an_analyst_sets_each_fact_and_the_audit_log_says_what_changed(client, wave_b, analyst_b):
    client.force_login(analyst_b)
    url = reverse("workspace:known_facts", args=[wave_b.pk])
    html = client.get(url).content.decode()
    # readiness-2018: the list's sector and role columns answer q16_sector and q15_role
    assert "Sector (q16_sector)" in html and "Role (q15_role)" in html and "The list gives it for 2 invitees." in html
    saved = client.post(url, {"q16_sector": "hidden", "q15_role": "prefill"})
    assert saved.status_code == 302
    wave_b.refresh_from_db()
    assert wave_b.known_facts == {"q16_sector": "hidden", "q15_role": "prefill"}
    [entry] = AuditEntry.objects.filter(action=AuditEntry.KNOWN_FACTS)
    assert (entry.user, entry.wave, entry.detail) == (analyst_b, wave_b, "q15_role: off to prefill; q16_sector: off to hidden")
    assert "Known facts saved" in client.get(url).content.decode()
    client.post(url, {"q16_sector": "hidden", "q15_role": "prefill"})
    assert AuditEntry.objects.filter(action=AuditEntry.KNOWN_FACTS).count() == 1  # nothing changed: no entry


def test_a_wrong_choice_is_a_message_and_changes_nothing(client, wave_b, analyst_b):
    client.force_login(analyst_b)
    page = client.post(reverse("workspace:known_facts", args=[wave_b.pk]), {"q16_sector": "always", "q15_role": "off"})
    html = page.content.decode()
    assert page.status_code == 200 and "There is a problem" in html and "Choose off, prefill or hidden" in html
    wave_b.refresh_from_db()
    assert wave_b.known_facts == {}


@pytest.mark.parametrize("who", ["viewer_b", "analyst_a"])
def test_only_the_waves_analysts_and_owners_may_see_or_set_it(client, wave_b, who, request):
    client.force_login(request.getfixturevalue(who))
    url = reverse("workspace:known_facts", args=[wave_b.pk])
    expected = 403 if who == "viewer_b" else 404
    assert client.get(url).status_code == expected
    assert client.post(url, {"q16_sector": "hidden"}).status_code == expected
    wave_b.refresh_from_db()
    assert wave_b.known_facts == {}


def test_an_identified_wave_lists_who_answered_otherwise(client, wave_b, owner_b):
    sending.send(wave_b)
    tokens = tokens_in_outbox()
    _complete(client, tokens["ami@example.org"], "3")  # listed Public, answered Third sector
    _complete(client, tokens["bo@example.org"], "2")
    client.force_login(owner_b)
    html = client.get(reverse("workspace:wave", args=[wave_b.pk])).content.decode()
    block = html[html.index('id="known-facts"') : html.index("Completions over time")]
    assert '<td class="numeric">2</td><td class="numeric">1</td>' in block
    assert '<th scope="row">ami@example.org</th><td>Public</td><td>Third sector</td>' in block
    assert "bo@example.org" not in block


def test_an_anonymous_wave_shows_totals_per_fact_never_who(client, make_wave, org_b, owner_b, monkeypatch):
    wave = make_wave("anonymous-b", organisation=org_b, mode=Wave.ANONYMOUS, title="Anonymous wave")
    add_invitees(wave, "email,sector\nami@example.org,Public\nbo@example.org,Private\n")
    sending.send(wave)
    tokens = tokens_in_outbox()
    _complete(client, tokens["ami@example.org"], "3")
    _complete(client, tokens["bo@example.org"], "2")
    client.force_login(owner_b)
    url = reverse("workspace:wave", args=[wave.pk])
    held = client.get(url).content.decode()
    assert "Held back until 10 are compared" in held and "only totals per question are shown" in held
    monkeypatch.setattr(facts, "SHOWN_FROM", 2)
    monkeypatch.setattr(facts.Mismatch, "shown_from", 2)
    html = client.get(url).content.decode()
    block = html[html.index('id="known-facts"') : html.index("Completions over time")]
    assert '<td class="numeric">2</td><td class="numeric">1</td>' in block
    assert "ami@example.org" not in block and "They answered" not in block
