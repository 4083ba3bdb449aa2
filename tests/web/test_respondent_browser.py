"""Respondents' pages in a real browser (Debian's Chromium through Playwright, against Django's
live server): whole completions with real clicks and typing, skip logic, stop and resume in a
fresh browser, the error summary, JavaScript switched off, exactly the entered answers stored,
and axe-core (WCAG 2.2 AA and best practice) finding no violation on any kind of page."""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from pathlib import Path

import pytest
from browser_helpers import Respondent, assert_accessible, follow, heading, submit
from django.core.cache import cache
from django.utils import timezone

pytestmark = pytest.mark.browser

#: Set to a directory to keep screenshots of a few pages (for looking at them, not asserted).
SHOTS = os.environ.get("COLLABSTATE_SCREENSHOTS")

TINY = """
id: tiny
title: Tiny test survey
questions:
  - id: staff
    type: number
    short: Staff
    text: How many staff work in your organisation?
    help: Count part-time staff as one each.
    integer: true
    minimum: 0
    maximum: 100000
    required: true
  - id: support
    type: multiple
    short: Support
    text: Which of these does your organisation offer?
    options:
      - {code: mentoring, label: Mentoring}
      - {code: secondments, label: Secondments}
      - {code: none, label: None of these, exclusive: true}
"""

#: The question pages respondent B sees and A does not (A's test runs axe-core on all of A's).
ONLY_B = {"q2_description", "q3_stakeholders", "q3_other_text", "q4_n_orgs", "q5_staff_level", "q6_success"}


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def stored(response_id: int) -> dict[str, str]:
    from collabstate.web.surveys.models import Answer

    return dict(Answer.objects.filter(response_id=response_id).values_list("column", "value"))


def respondent_of(token: str):
    from collabstate.web.surveys.actions import find_respondent

    found = find_respondent(token)
    assert found is not None
    return found


def start_open_link(page, wave) -> None:
    page.goto(f"/s/{wave.slug}/")
    assert heading(page) == wave.title
    submit(page, "Start now")


def test_no_example_goes_straight_to_q7_then_completes(new_page, live_server, make_wave):
    """Respondent A, on the open link of an anonymous wave: q1 = No skips q2–q6. axe-core checks
    every page A sees (B's test checks the pages only B sees)."""
    from collabstate.web.surveys.models import Response

    wave = make_wave()
    page = new_page(axe_everywhere=True)
    page.goto(f"/s/{wave.slug}/")
    assert heading(page) == wave.title
    assert "to the address you are given on the next page" in page.content()
    assert_accessible(page, "the consent page (open link)")
    submit(page, "Start now")
    r = Respondent(page, wave.instrument, live_server.url)
    token = r.token()
    r.expect_question("q1_example")
    assert page.get_by_role("link", name="Back").count() == 0  # the first question has nothing before it

    # q1 is required: the error summary, its link to the first radio, the error styling
    submit(page)
    r.expect_question("q1_example")
    assert page.title().startswith("Error: ")
    summary = page.locator(".error-summary")
    assert summary.get_attribute("role") == "alert"
    assert summary.get_by_role("heading", level=2).inner_text() == "There is a problem"
    link = summary.get_by_role("link", name="Select an answer")
    assert link.get_attribute("href") == "#q1_example-0"
    assert " ".join(page.locator(".form-group-error .error-message").text_content().split()) == "Error: Select an answer"
    described = page.locator("fieldset").get_attribute("aria-describedby").split()
    assert "q1_example-error" in described and all(page.locator(f"#{i}").count() == 1 for i in described)
    assert_accessible(page, "a question page with the error summary")
    link.click()
    assert page.evaluate("document.activeElement.id") == "q1_example-0"
    assert page.url.endswith("#q1_example-0")
    shot(page, "q1-error-focused")

    r.answer("q1_example", "No", via_label=True)
    assert r.path() == f"/r/{token}/q/q7_importance/"  # straight past q2–q6
    assert heading(page) == " ".join(wave.instrument.question("q7_importance").text.split())
    assert page.get_by_role("link", name="Back").get_attribute("href") == f"/r/{token}/q/q1_example/"
    assert page.locator("#progress").inner_text() == "Question 8 of 20"

    r.answer("q7_importance", "Critical")
    r.answer("q8_why", "Nobody can do it alone – not even the ‘big’ players.\nSecond line.")
    r.answer("q9_better", "Collaborating with other organisations achieves better outcomes", via_label=True)
    r.answer("q10_involvement", "Involve (invited to participate in deciding what to do)")
    r.answer("q11_incentivise", "A little")
    r.answer("q12_tools", "Not at all")
    r.answer("q13_importance", {
        "imp_behaviours": "A great deal", "imp_citizens": "Somewhat", "imp_systems": "A little", "imp_services": "Not at all",
        "imp_places": "Not applicable", "imp_markets": "A great deal", "imp_urgency": "Somewhat", "imp_requirements": "A little",
    })  # fmt: skip
    shot(page, "q14-grid")
    r.answer("q14_prevalence", {"prev_behaviours": "Somewhat", "prev_citizens": "A little", "prev_places": "Not applicable"})
    r.answer("q15_role", "Director")
    r.answer("q16_sector", "Third sector")
    r.answer("q17_area", ["Housing", "Urban planning"], via_label=True)
    r.answer("q18_region", ["London", "Wales"])
    r.answer("q19_receive_report", "Yes")

    r.check_answers_listed()
    assert "Please briefly describe the project or programme of work." not in r.summary  # q2 was not asked
    why = page.locator(".summary-row", has=page.locator("dt", has_text="Why do you say that?")).locator(".summary-value p")
    assert why.inner_html() == "Nobody can do it alone – not even the ‘big’ players.<br>Second line."  # line breaks kept
    shot(page, "check-answers")
    response_id = respondent_of(token).response_id
    r.send()

    # Anonymous: the respondent no longer leads to the answers; the answers are exactly those entered
    respondent = respondent_of(token)
    assert respondent.completed and respondent.response_id is None
    assert list(Response.objects.filter(wave=wave, completed=True).values_list("pk", flat=True)) == [response_id]
    assert stored(response_id) == r.expected

    # The same link afterwards, and a question page: already sent
    for path in (f"/r/{token}/", f"/r/{token}/q/q7_importance/", f"/r/{token}/check/"):
        page.goto(path)
        assert heading(page) == "You have already sent your answers"
    assert_accessible(page, "the already-sent page")


def test_invited_yes_goes_through_q2_to_q6_then_completes(new_page, live_server, make_wave, settings, mailoutbox):
    """Respondent B, invited by e-mail to an identified wave: q1 = Yes asks q2–q6, and q3's
    follow-up only when 'Other' is ticked."""
    from collabstate.web.surveys.invitations import add_invitees
    from collabstate.web.surveys.sending import send

    settings.SITE_URL = live_server.url
    wave = make_wave(slug="invited", open_link=False, mode="identified")
    add_invitees(wave, "email,name\nbea@example.org,Bea Smith\n")
    assert send(wave).sent == 1
    [mail] = mailoutbox
    assert mail.to == ["bea@example.org"]
    [link] = re.findall(r"^http\S+$", mail.body, flags=re.MULTILINE)
    assert re.fullmatch(re.escape(live_server.url) + r"/r/[A-Za-z0-9_-]{43}/", link)

    page = new_page()
    page.goto(link)
    assert heading(page) == wave.title
    assert "to the link in your invitation" in page.content()
    assert "This survey is not anonymous" in page.content()
    assert_accessible(page, "the consent page (invitation)")
    submit(page, "Start now")
    r = Respondent(page, wave.instrument, live_server.url, axe=ONLY_B)
    token = r.token()
    assert link.endswith(f"/r/{token}/")

    r.answer("q1_example", "Yes")
    r.answer("q2_description", "A joint falls-prevention service with the county council & two GP practices.")
    r.answer("q3_stakeholders", ["Local authority", "NHS Trust"])
    assert r.question_id() == "q4_n_orgs"  # no 'Other': no follow-up
    follow(page, "Back")
    r.expect_question("q3_stakeholders")
    ticked = [
        page.get_by_role("checkbox", name=o.label, exact=True).is_checked() for o in wave.instrument.question("q3_stakeholders").options
    ]
    assert ticked == [True, False, False, False, False, False, True, False]
    r.answer("q3_stakeholders", ["Local authority", "NHS Trust", "Other"], via_label=True)
    assert r.question_id() == "q3_other_text"
    r.answer("q3_other_text", "Fire and rescue service")
    r.answer("q4_n_orgs", "5 or more")
    r.answer("q5_staff_level", "Middle management", via_label=True)
    r.answer("q6_success", "Too early to say")
    assert r.question_id() == "q7_importance"
    assert page.get_by_role("link", name="Back").get_attribute("href") == f"/r/{token}/q/q6_success/"
    r.answer("q7_importance", "Important")
    r.answer("q8_why", None)  # optional, left empty
    r.answer("q9_better", "My organisation working alone achieves better outcomes")
    r.answer("q10_involvement", "Not applicable")
    r.answer("q11_incentivise", "A great deal")
    r.answer("q12_tools", "Somewhat")
    r.answer(
        "q13_importance",
        dict.fromkeys(
            (
                "imp_behaviours",
                "imp_citizens",
                "imp_systems",
                "imp_services",
                "imp_places",
                "imp_markets",
                "imp_urgency",
                "imp_requirements",
            ),
            "Somewhat",
        ),
    )
    r.answer("q14_prevalence", {})  # nothing ticked
    r.answer("q15_role", "Chief executive")
    r.answer("q16_sector", "Public")
    r.answer("q17_area", ["Health and social care", "Other"])
    r.answer("q18_region", [])  # nothing ticked
    r.answer("q19_receive_report", "No")

    r.check_answers_listed()
    r.send()
    assert "They are anonymous" not in page.content()

    respondent = respondent_of(token)
    assert respondent.completed and respondent.response is not None and respondent.response.completed
    assert stored(respondent.response_id) == r.expected
    assert "q8_why" not in r.expected and not any(c.startswith(("prev_", "q18_region/")) for c in r.expected)


def test_stop_half_way_and_resume_in_a_fresh_browser_without_javascript(new_page, live_server, make_wave):
    """Respondent C, with JavaScript switched off: stops after q4, comes back in a new browser
    to q5, finds the earlier answers through the Back links, changes one answer from the check
    page, and completes."""
    from collabstate.web.surveys.models import Response

    wave = make_wave()
    page = new_page(java_script_enabled=False)
    start_open_link(page, wave)
    r = Respondent(page, wave.instrument, live_server.url, axe=False)
    token = r.token()
    r.answer("q1_example", "Yes", via_label=True)
    r.answer("q2_description", "\nShared hospital discharge team")  # Enter pressed first: kept as typed
    r.answer("q3_stakeholders", ["CCG", "Other"], via_label=True)
    r.answer("q3_other_text", "A housing association")
    r.answer("q4_n_orgs", "3")
    r.expect_question("q5_staff_level")
    page.context.close()

    page = new_page(java_script_enabled=False)
    r.page = page
    page.goto(f"/r/{token}/")
    r.expect_question("q5_staff_level")  # back where they left off
    assert page.get_by_role("radio").evaluate_all("rs => rs.filter(r => r.checked).length") == 0

    follow(page, "Back")
    r.expect_question("q4_n_orgs")
    assert [x.is_checked() for x in page.get_by_role("radio").all()] == [False, True, False, False]
    follow(page, "Back")
    r.expect_question("q3_other_text")
    assert page.get_by_role("textbox").input_value() == "A housing association"
    follow(page, "Back")
    r.expect_question("q3_stakeholders")
    ticked = [
        o.label
        for o in wave.instrument.question("q3_stakeholders").options
        if page.get_by_role("checkbox", name=o.label, exact=True).is_checked()
    ]
    assert ticked == ["CCG", "Other"]
    follow(page, "Back")
    r.expect_question("q2_description")
    assert page.get_by_role("textbox").input_value() == "\nShared hospital discharge team"
    for qid in ("q2_description", "q3_stakeholders", "q3_other_text", "q4_n_orgs"):  # Continue keeps them
        r.expect_question(qid)
        submit(page)

    r.answer("q5_staff_level", "Strategic")
    r.answer("q6_success", "Very successful")
    r.answer("q7_importance", "Somewhat important", via_label=True)
    r.answer("q8_why", "It depends on the partner.")
    r.answer("q9_better", "Collaborating with other organisations achieves better outcomes")
    r.answer("q10_involvement", "Empower (opportunity to develop the plan themselves)")
    r.answer("q11_incentivise", "Somewhat")
    r.answer("q12_tools", "A little")
    r.answer("q13_importance", {"imp_behaviours": "Not applicable", "imp_requirements": "A great deal"})
    r.answer("q14_prevalence", {"prev_urgency": "Not at all"})
    r.answer("q15_role", "Other")
    r.answer("q16_sector", "Private")
    r.answer("q17_area", ["Education"])
    r.answer("q18_region", ["Scotland", "Northern Ireland", "North East"])
    r.answer("q19_receive_report", "Yes")
    r.check_answers_listed()

    # Change one answer from the check page: back to the check page afterwards
    follow(page, "Change your answer to: What sector does your organisation work in?")
    assert r.path() == f"/r/{token}/q/q16_sector/" and page.url.endswith("?return=check")
    assert page.get_by_role("radio", name="Private", exact=True).is_checked()
    assert page.get_by_role("link", name="Back").get_attribute("href") == f"/r/{token}/check/"
    r.answer("q16_sector", "Public")
    r.check_answers_listed()
    r.send()

    assert respondent_of(token).response_id is None
    [response] = Response.objects.filter(wave=wave, completed=True)
    assert stored(response.pk) == r.expected


def test_number_question_and_exclusive_option(new_page, live_server, make_wave):
    """A number question and a multiple-choice question with an exclusive option (an uploaded
    instrument): their pages, their error messages and what is stored."""
    wave = make_wave(slug="tiny", instrument="", instrument_yaml=TINY, mode="identified")
    page = new_page()
    start_open_link(page, wave)
    r = Respondent(page, wave.instrument, live_server.url)
    token = r.token()
    r.expect_question("staff")
    assert_accessible(page, "a number question page")
    box = page.get_by_label("How many staff work in your organisation?")
    assert box.get_attribute("aria-describedby") == "staff-hint"
    assert box.get_attribute("inputmode") == "numeric"  # a whole number: the phone's number pad
    box.press_sequentially("twelve")
    submit(page)
    assert page.locator(".error-summary a").inner_text() == "Enter a whole number"
    assert page.locator(".error-summary a").get_attribute("href") == "#staff"
    assert page.get_by_label("How many staff work in your organisation?").input_value() == "twelve"
    assert_accessible(page, "a number question page with an error")
    page.locator(".error-summary a").click()
    assert page.evaluate("document.activeElement.id") == "staff"
    shot(page, "number-error")
    # beyond what the question holds (issue 14): refused on the page, never stored to become infinity
    page.get_by_label("How many staff work in your organisation?").fill("9" * 401)
    submit(page)
    assert page.locator(".error-summary a").inner_text() == "Enter a whole number from 0 to 100000"
    assert " ".join(page.locator("#staff-error").inner_text().split()) == "Error: Enter a whole number from 0 to 100000"
    page.get_by_label("How many staff work in your organisation?").fill("")
    r.answer("staff", "12")

    r.expect_question("support")
    assert page.locator(".divider").inner_text() == "or"
    assert_accessible(page, "checkboxes with an exclusive option")
    page.get_by_role("checkbox", name="Mentoring").check()
    page.get_by_role("checkbox", name="None of these").check()
    submit(page)
    assert page.locator(".error-summary a").inner_text() == "Select ‘None of these’ on its own, or the other options without it"
    assert page.locator(".error-summary a").get_attribute("href") == "#support-0"
    assert_accessible(page, "checkboxes with an error")
    page.locator(".error-summary a").click()
    assert page.evaluate("document.activeElement.id") == "support-0"
    page.get_by_role("checkbox", name="None of these").uncheck()
    r.answer("support", ["Mentoring"])
    r.check_answers_listed()
    r.send()
    assert stored(respondent_of(token).response_id) == {
        "staff": "12",
        "support/mentoring": "1",
        "support/secondments": "0",
        "support/none": "0",
    }


def test_closed_not_yet_open_and_not_found_pages(new_page, make_wave):
    now = timezone.now()
    closed = make_wave(slug="closed", opens_at=now - dt.timedelta(days=30), closes_at=now - dt.timedelta(days=1))
    later = make_wave(slug="later", opens_at=now + dt.timedelta(days=2), closes_at=now + dt.timedelta(days=30))
    page = new_page()

    response = page.goto(f"/s/{closed.slug}/")
    assert response.status == 403 and heading(page) == "This survey has closed"
    assert_accessible(page, "the closed-wave page")
    response = page.goto(f"/s/{later.slug}/")
    assert response.status == 403 and heading(page) == "This survey is not open yet"
    assert_accessible(page, "the not-yet-open page")
    try:
        for path in (f"/r/{secrets.token_urlsafe(32)}/", "/s/no-such-wave/", "/r/short/q/q1_example/"):
            response = page.goto(path)
            assert response.status == 404 and heading(page) == "Page not found", path
        assert_accessible(page, "the page-not-found page")
    finally:
        cache.clear()  # the failed token look-ups count towards the rate limit (kept in the cache table)
