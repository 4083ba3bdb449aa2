"""Respondents' pages through Django's test client: the route, skip logic, save and resume,
idempotent submission, anonymity, tokens and what stays out of the logs."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone

from collabstate.web.surveys.models import Answer, Respondent, Response


def answers_of_only_response(wave) -> dict[str, str]:
    [response] = Response.objects.filter(wave=wave)
    return dict(Answer.objects.filter(response=response).values_list("column", "value"))


def page(client, token: str, question: str, data: dict | None = None):
    url = f"/r/{token}/q/{question}/"
    return client.post(url, data) if data is not None else client.get(url)


def test_open_link_starts_at_the_first_question(client, wave, start):
    token = start(wave)
    first = client.get(f"/r/{token}/")
    assert first.status_code == 302 and first["Location"] == f"/r/{token}/q/q1_example/"
    html = client.get(first["Location"]).content.decode()
    assert "Question 1 of 20" in html and 'name="q1_example"' in html
    assert 'class="back-link"' not in html  # nothing before the first question


def test_no_example_goes_straight_to_q7_and_yes_to_q2(client, wave, start):
    no, yes = start(wave), start(wave)
    assert page(client, no, "q1_example", {"q1_example": "2"})["Location"] == f"/r/{no}/q/q7_importance/"
    assert page(client, yes, "q1_example", {"q1_example": "1"})["Location"] == f"/r/{yes}/q/q2_description/"
    # a page skip logic does not ask for is never shown: it forwards to the next asked page
    assert page(client, no, "q4_n_orgs")["Location"] == f"/r/{no}/q/q7_importance/"


def test_required_question_shows_an_error_summary_linked_to_the_field(client, wave, start):
    token = start(wave)
    html = page(client, token, "q1_example", {}).content.decode()
    assert "There is a problem" in html and '<a href="#q1_example-0">Select an answer</a>' in html
    assert 'id="q1_example-0"' in html and "<title>Error:" in html
    assert not Answer.objects.exists()


def test_exclusive_option_cannot_be_ticked_with_others(client, make_wave, start):
    wave = make_wave("leaders", instrument="leaders")
    token = start(wave)
    html = page(client, token, "org_support", {"org_support": ["none", "secondments"]}).content.decode()
    assert "There is a problem" in html and "on its own" in html
    assert not Answer.objects.exists()


def test_answers_are_saved_page_by_page_and_a_page_shown_again_keeps_them(client, wave, start):
    token = start(wave)
    page(client, token, "q1_example", {"q1_example": "1"})
    page(client, token, "q2_description", {"q2_description": "  A shared data hub\nwith the council  "})
    assert answers_of_only_response(wave) == {"q1_example": "1", "q2_description": "  A shared data hub\nwith the council  "}
    again = page(client, token, "q1_example").content.decode()
    assert 'value="1" checked' in again
    # clearing an optional answer removes it
    page(client, token, "q2_description", {"q2_description": ""})
    assert answers_of_only_response(wave) == {"q1_example": "1"}


def test_the_same_link_resumes_where_the_respondent_left_off(client, wave, start):
    token = start(wave)
    page(client, token, "q1_example", {"q1_example": "2"})
    page(client, token, "q7_importance", {"q7_importance": "3"})
    client.cookies.clear()  # a new browser: only the link
    resumed = client.get(f"/r/{token}/")
    assert resumed["Location"] == f"/r/{token}/q/q8_why/"


def test_a_double_post_stores_each_answer_once(client, wave, start):
    token = start(wave)
    for _ in range(3):
        assert page(client, token, "q1_example", {"q1_example": "2"}).status_code == 302
    assert Answer.objects.count() == 1
    assert Respondent.objects.get().pages_saved == 3


def test_multiple_choice_stores_every_option_as_a_flag(client, wave, start):
    token = start(wave)
    page(client, token, "q1_example", {"q1_example": "2"})
    question = wave.instrument.question("q17_area")
    ticked = [o.code for o in question.options if not o.exclusive][:2]
    page(client, token, "q17_area", {"q17_area": ticked})
    stored = answers_of_only_response(wave)
    for o in question.options:
        assert stored[f"q17_area/{o.code}"] == ("1" if o.code in ticked else "0")


def complete_minimal(client, token: str) -> None:
    page(client, token, "q1_example", {"q1_example": "2"})
    client.get(f"/r/{token}/check/")
    response = client.post(f"/r/{token}/check/")
    assert response.status_code == 302 and response["Location"] == f"/r/{token}/done/"


def test_check_answers_lists_what_was_asked_and_completing_twice_changes_nothing(client, wave, start):
    token = start(wave)
    page(client, token, "q1_example", {"q1_example": "2"})
    page(client, token, "q7_importance", {"q7_importance": "4"})
    html = client.get(f"/r/{token}/check/").content.decode()
    assert "Check your answers before sending" in html and "q2_description" not in html
    assert f"/r/{token}/q/q7_importance/?return=check" in html
    assert client.post(f"/r/{token}/check/")["Location"] == f"/r/{token}/done/"
    assert client.post(f"/r/{token}/check/")["Location"] == f"/r/{token}/done/"  # a retried POST
    assert Response.objects.filter(completed=True).count() == 1
    assert "already sent your answers" in client.get(f"/r/{token}/q/q7_importance/").content.decode()
    assert answers_of_only_response(wave) == {"q1_example": "2", "q7_importance": "4"}


def test_changing_an_earlier_answer_drops_answers_skip_logic_no_longer_asks(client, wave, start):
    token = start(wave)
    page(client, token, "q1_example", {"q1_example": "1"})
    page(client, token, "q2_description", {"q2_description": "A project"})
    page(client, token, "q1_example", {"q1_example": "2"})
    client.post(f"/r/{token}/check/")
    assert answers_of_only_response(wave) == {"q1_example": "2"}


def test_anonymous_completion_breaks_the_link_identified_keeps_it(client, make_wave, start):
    anonymous, identified = make_wave("anon", mode="anonymous"), make_wave("named", mode="identified")
    for wave in (anonymous, identified):
        complete_minimal(client, start(wave))
    assert Respondent.objects.get(wave=anonymous).response is None
    assert Response.objects.get(wave=anonymous).completed
    assert Respondent.objects.get(wave=identified).response == Response.objects.get(wave=identified)


def test_a_token_reads_and_changes_only_its_own_answers(client, wave, start):
    mine, theirs = start(wave), start(wave)
    page(client, mine, "q1_example", {"q1_example": "1"})
    page(client, theirs, "q1_example", {"q1_example": "2"})
    assert 'value="1" checked' in page(client, mine, "q1_example").content.decode()
    assert 'value="2" checked' in page(client, theirs, "q1_example").content.decode()
    page(client, mine, "q1_example", {"q1_example": "2"})
    values = sorted(Answer.objects.values_list("response_id", "value"))
    assert [v for _, v in values] == ["2", "2"] and len({r for r, _ in values}) == 2


@pytest.mark.parametrize("token", ["nope", "x" * 43, "A" * 42 + "!", "%00"])
def test_unknown_or_malformed_tokens_get_the_404_page(client, db, token):
    response = client.get(f"/r/{token}/q/q1_example/")
    assert response.status_code == 404 and "Page not found" in response.content.decode()


def test_unknown_question_is_a_404(client, wave, start):
    assert client.get(f"/r/{start(wave)}/q/no_such_question/").status_code == 404


def test_failed_token_lookups_are_rate_limited(client, db, settings, wave, start):
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("createcachetable", verbosity=0)
    cache.clear()
    settings.TOKEN_FAILURES_RATE = "5/m"
    token = start(wave)
    codes = [client.get(f"/r/{'y' * 43}/").status_code for _ in range(7)]
    assert codes[:5] == [404] * 5 and codes[5:] == [429, 429]
    assert client.get(f"/r/{'w' * 43}/q/q1_example/").status_code == 429  # any other guess too
    assert client.get(f"/r/{token}/").status_code == 302  # a real link still works
    cache.clear()


def test_closed_and_not_yet_open_waves_say_so(client, make_wave, start):
    wave = make_wave()
    token = start(wave)
    wave.closes_at = timezone.now() - dt.timedelta(minutes=1)
    wave.save()
    html = client.get(f"/r/{token}/q/q1_example/").content.decode()
    assert "This survey has closed" in html
    assert client.post(f"/r/{token}/q/q1_example/", {"q1_example": "1"}).status_code == 403
    assert not Answer.objects.exists()
    later = make_wave("later", opens_at=timezone.now() + dt.timedelta(days=2))
    assert "not open yet" in client.get(f"/s/{later.slug}/").content.decode()


def test_open_link_of_a_wave_without_one_is_a_404_and_starting_reads_the_wave_afresh(client, make_wave, settings):
    invited = make_wave("invited-only", open_link=False)
    for method in (client.get, client.post):
        assert method(f"/s/{invited.slug}/").status_code == 404
        assert method("/s/no-such-wave/").status_code == 404
    assert not Respondent.objects.exists()
    # the consent page may come from a worker's copy of the wave (WAVE_CACHE_SECONDS), starting never does
    settings.WAVE_CACHE_SECONDS = 60
    wave = make_wave("open")
    assert client.get(f"/s/{wave.slug}/").status_code == 200
    wave.open_link = False
    wave.save()
    assert client.get(f"/s/{wave.slug}/").status_code == 200  # the kept copy
    assert client.post(f"/s/{wave.slug}/").status_code == 404
    assert not Respondent.objects.exists()


def test_csrf_is_enforced(wave, start):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"/s/{wave.slug}/").status_code == 403


def test_no_answer_text_reaches_the_logs(client, wave, start, caplog):
    secret = "Project Nightingale with the county council"
    with caplog.at_level(logging.DEBUG):
        token = start(wave)
        page(client, token, "q1_example", {"q1_example": "1"})
        page(client, token, "q2_description", {"q2_description": secret})
        page(client, token, "q2_description", {"q2_description": "x" * 6000})  # an error response
        client.get(f"/r/{'z' * 43}/")  # a logged 404
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert secret not in text and token not in text


def test_line_breaks_sent_by_a_browser_are_kept_as_typed(client, wave, start):
    token = start(wave)
    page(client, token, "q1_example", {"q1_example": "1"})
    page(client, token, "q2_description", {"q2_description": "\r\nFirst line\r\nsecond line"})
    assert answers_of_only_response(wave)["q2_description"] == "\nFirst line\nsecond line"


def test_a_worker_keeps_a_wave_for_the_set_time(wave, settings):
    from collabstate.web.surveys.actions import wave_by_id

    settings.WAVE_CACHE_SECONDS = 60
    first = wave_by_id(wave.pk)
    wave.title = "Renamed"
    wave.save()
    assert wave_by_id(wave.pk) is first and first.title != "Renamed"
    settings.WAVE_CACHE_SECONDS = 0
    assert wave_by_id(wave.pk).title == "Renamed"


def test_grid_page_shows_each_respondents_own_choices_and_escapes_labels(client, wave, start):
    """Option markup is remembered between requests (forms.option_html): what one respondent
    ticked must never show as ticked for another, and labels stay escaped."""
    import re

    grid = wave.instrument.question("q13_importance")
    a, b = start(wave), start(wave)
    page(client, a, "q1_example", {"q1_example": "2"})
    page(client, b, "q1_example", {"q1_example": "2"})
    codes = [str(c.code) for c in wave.instrument.choices(grid)]
    chosen = {row.id: codes[i % len(codes)] for i, row in enumerate(grid.rows)}
    assert page(client, a, "q13_importance", chosen).status_code == 302
    checked = re.compile(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]+)" checked>')
    assert dict(checked.findall(page(client, a, "q13_importance").content.decode())) == chosen
    html_b = page(client, b, "q13_importance").content.decode()
    assert checked.findall(html_b) == [] and html_b.count('type="radio"') == len(grid.rows) * len(codes)
    # a label with markup in it (an uploaded questionnaire may have one) is escaped in the remembered markup
    from collabstate.web.surveys.forms import option_html

    html = option_html("q", "checkbox", "q-0", '1" onclick="x', "<b>Council & charity</b>", True, False)
    assert "&lt;b&gt;Council &amp; charity&lt;/b&gt;" in html and 'value="1&quot; onclick=&quot;x"' in html
    assert html.startswith('<div class="divider">or</div>') and " checked" not in html


#: What a respondent POSTs on q7 onwards (every row of the grids: no "Not answered" on the check page).
FACTORS = ("behaviours", "citizens", "systems", "services", "places", "markets", "urgency", "requirements")
FROM_Q7 = {
    "q7_importance": {"q7_importance": "4"},
    "q8_why": {"q8_why": "Nobody can do it alone"},
    "q9_better": {"q9_better": "1"},
    "q10_involvement": {"q10_involvement": "3"},
    "q11_incentivise": {"q11_incentivise": "2"},
    "q12_tools": {"q12_tools": "1"},
    "q13_importance": {f"imp_{f}": "2" for f in FACTORS},
    "q14_prevalence": {f"prev_{f}": "9" for f in FACTORS},
    "q15_role": {"q15_role": "3"},
    "q16_sector": {"q16_sector": "1"},
    "q17_area": {"q17_area": ["housing"]},
    "q18_region": {"q18_region": ["wales"]},
    "q19_receive_report": {"q19_receive_report": "2"},
}
#: The pages q1 = Yes brings in, in order, as answered (q3's 'Other' brings q3_other_text too).
BROUGHT_BY_YES = {
    "q2_description": {"q2_description": "A shared data hub"},
    "q3_stakeholders": {"q3_stakeholders": ["ccg", "other"]},
    "q3_other_text": {"q3_other_text": "A housing association"},
    "q4_n_orgs": {"q4_n_orgs": "3"},
    "q5_staff_level": {"q5_staff_level": "2"},
    "q6_success": {"q6_success": "5"},
}


def no_example_up_to_check(client, token: str) -> None:
    assert page(client, token, "q1_example", {"q1_example": "2"})["Location"] == f"/r/{token}/q/q7_importance/"
    for qid, data in FROM_Q7.items():
        page(client, token, qid, data)
    assert client.get(f"/r/{token}/")["Location"] == f"/r/{token}/check/"
    assert "Not answered" not in client.get(f"/r/{token}/check/").content.decode()


def test_a_change_from_check_that_brings_new_questions_walks_through_them_then_back(client, wave, start):
    token = start(wave)
    no_example_up_to_check(client, token)
    before = answers_of_only_response(wave)
    response = client.post(f"/r/{token}/q/q1_example/?return=check", {"q1_example": "1"})
    assert response["Location"] == f"/r/{token}/q/q2_description/?return=check"
    walk = list(BROUGHT_BY_YES)
    for qid, following in zip(walk, [*walk[1:], None]):
        url = f"/r/{token}/q/{qid}/?return=check"
        assert client.get(f"/r/{token}/")["Location"] == f"/r/{token}/q/{qid}/"  # where they resume
        assert f'<a href="/r/{token}/check/" class="back-link">' in client.get(url).content.decode()
        response = client.post(url, BROUGHT_BY_YES[qid])
        assert response["Location"] == (f"/r/{token}/q/{following}/?return=check" if following else f"/r/{token}/check/")
    assert client.get(f"/r/{token}/")["Location"] == f"/r/{token}/check/"
    stakeholders = {
        f"q3_stakeholders/{o.code}": "1" if o.code in ("ccg", "other") else "0" for o in wave.instrument.question("q3_stakeholders").options
    }
    new = {
        "q2_description": "A shared data hub",
        **stakeholders,
        "q3_other_text": "A housing association",
        "q4_n_orgs": "3",
        "q5_staff_level": "2",
        "q6_success": "5",
    }
    assert answers_of_only_response(wave) == {**before, "q1_example": "1", **new}  # q7 onwards kept
    html = client.get(f"/r/{token}/check/").content.decode()
    assert "Not answered" not in html and "A shared data hub" in html and "A housing association" in html
    client.post(f"/r/{token}/check/")
    assert answers_of_only_response(wave) == {**before, "q1_example": "1", **new}


def test_a_change_from_check_that_brings_no_new_question_goes_straight_back(client, wave, start):
    token = start(wave)
    no_example_up_to_check(client, token)
    response = client.post(f"/r/{token}/q/q7_importance/?return=check", {"q7_importance": "5"})
    assert response["Location"] == f"/r/{token}/check/"
    assert client.get(f"/r/{token}/")["Location"] == f"/r/{token}/check/"
    assert answers_of_only_response(wave)["q7_importance"] == "5"
