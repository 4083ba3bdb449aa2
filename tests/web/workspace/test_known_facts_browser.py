"""Known facts in a real browser: an analyst chooses, on the wave's known facts page, to prefill
the sector and hide the role; an invitee listed as public sector finds "Public" selected, changes
it to "Higher education", is never asked the role, and the wave's page reports the mismatch.
axe-core finds no violation on the known facts page, the prefilled question page and the wave's
page (its known facts block at phone width: the rest of that page is another change's), at phone
(390 px) and desktop (1280 px) widths, and nothing is wider than the window."""

from __future__ import annotations

import pytest
from browser_helpers import AXE_TAGS, accessible_and_within, assert_accessible, heading, sign_in, submit
from workspace_helpers import PASSWORD

from collabstate.web.surveys import actions
from collabstate.web.surveys.invitations import add_invitees
from collabstate.web.surveys.models import Answer, Link, Respondent

pytestmark = pytest.mark.browser

WIDTHS = (390, 1280)


def check(page, what: str) -> None:
    accessible_and_within(page, what, WIDTHS)


def test_prefill_and_hidden_facts_and_the_mismatch_in_a_browser(new_page, make_wave, org_b, analyst_b):
    wave = make_wave("leaders-b", instrument="leaders", organisation=org_b, mode="identified", title="Leaders 2026")
    [invitee] = add_invitees(wave, "email,name,sector,role\nami@example.org,Ami,public sector,Director\n")
    respondent = Respondent.objects.create(wave=wave, invitee=invitee)
    token, hashed = actions.new_token()
    Link.objects.create(respondent=respondent, token_hash=hashed)

    analyst = new_page(axe_everywhere=True)
    sign_in(analyst, "analyst-b", PASSWORD)
    analyst.goto(f"/workspace/waves/{wave.pk}/")
    analyst.get_by_role("link", name="Known facts", exact=True).click()
    assert heading(analyst) == "Known facts"
    check(analyst, "the known facts page")
    analyst.get_by_role("group", name="Sector (sector)").get_by_label("Prefill", exact=False).check()
    analyst.get_by_role("group", name="Role (role)").get_by_label("Hidden", exact=False).check()
    submit(analyst, "Save")
    assert "Known facts saved" in analyst.content()
    check(analyst, "the known facts page, saved")

    person = new_page(axe_everywhere=True)
    person.goto(f"/r/{token}/")
    submit(person, "Start now")
    assert heading(person) == "Which sector does your organisation belong to?"
    assert person.get_by_label("Public").is_checked() and person.locator("#prefilled").is_visible()
    check(person, "a question prefilled from the list")
    person.get_by_label("Higher education").check()
    submit(person)
    # sector 4: no civil-service question; the role is hidden: the next question is the third page's
    assert person.url.endswith("/q/growth_belief/")
    person.goto(f"/r/{token}/check/")
    submit(person, "Send answers")
    answers = dict(Answer.objects.values_list("column", "value"))
    assert answers["sector"] == "4" and answers["role"] == "3"  # their answer; the role as the list gave it

    analyst.goto(f"/workspace/waves/{wave.pk}/")
    block = analyst.locator("#known-facts ~ .table-wrap").nth(1).inner_text()
    assert "ami@example.org" in block and "Public" in block and "Higher education" in block
    check_block(analyst)


def check_block(page) -> None:
    """The wave's page at desktop width; its known facts block alone at phone width."""
    page.set_viewport_size({"width": 1280, "height": 844})
    assert_accessible(page, "the wave's page with a mismatch, 1280 px wide")
    page.set_viewport_size({"width": 390, "height": 844})
    run = """async (tags) => (await axe.run('#known-facts-block', {runOnly: {type: 'tag', values: tags}})).violations
                                .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"""
    assert page.evaluate(run, AXE_TAGS) == []
    assert page.evaluate("document.getElementById('known-facts-block').scrollWidth") <= 390
