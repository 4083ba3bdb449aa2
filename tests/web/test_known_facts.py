"""Known facts from the invitee list: matched on upload, prefilled or hidden on the respondents'
pages, and compared with the answers (identified: who; anonymous: totals only)."""

from __future__ import annotations

import itertools
import re

import polars as pl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from collabstate.cli import app
from collabstate.web.surveys import actions
from collabstate.web.surveys.invitations import InviteeFileError, add_invitees
from collabstate.web.surveys.known_facts import HIDDEN, OFF, PREFILL
from collabstate.web.surveys.models import Answer, Invitee, Link, Respondent, Response, Wave
from collabstate.web.workspace.facts import mismatches
from collabstate.web.workspace.importing import import_responses


def invite(wave: Wave, listed: str) -> dict[str, str]:
    """Add the list and give each invitee a link, as an invitation does; e-mail -> token."""
    tokens = {}
    for invitee in add_invitees(wave, listed):
        respondent = Respondent.objects.create(wave=wave, invitee=invitee)
        token, hashed = actions.new_token()
        Link.objects.create(respondent=respondent, token_hash=hashed)
        tokens[invitee.email] = token
    return tokens


def stored(token: str) -> dict[str, str]:
    respondent = actions.find_respondent(token)
    assert respondent is not None
    return respondent.answers


@pytest.fixture
def leaders(make_wave):
    return make_wave("leaders", instrument="leaders", mode=Wave.IDENTIFIED, open_link=True)


# upload


def test_values_are_matched_by_code_or_label_ignoring_case_spaces_and_hyphens(leaders):
    listed = (
        "email,sector,role,trained\n"
        "a@example.org,Public,director,1\n"
        "b@example.org,  PUBLIC SECTOR ,Board or Non-Executive,No\n"
        "c@example.org,not for profit,5,\n"
        "d@example.org,4,ceo or permanent secretary,yes\n"
        "e@example.org,,,\n"
    )
    add_invitees(leaders, listed)
    facts = dict(Invitee.objects.values_list("email", "facts"))
    assert facts == {
        "a@example.org": {"sector": "1", "role": "3", "trained": "1"},
        "b@example.org": {"sector": "1", "role": "2", "trained": "2"},
        "c@example.org": {"sector": "3", "role": "5"},
        "d@example.org": {"sector": "4", "role": "1", "trained": "1"},
        "e@example.org": {},
    }
    b = Invitee.objects.get(email="b@example.org")
    assert (b.sector, b.role) == ("PUBLIC SECTOR", "Board or Non-Executive")  # the text as given is kept too


def test_a_value_that_is_no_answer_is_a_problem_naming_row_column_value_and_the_answers(leaders):
    listed = "email,sector,role\na@example.org,Public,Director\nb@example.org,Education,Director\nc@example.org,Private,Manager\n"
    with pytest.raises(InviteeFileError) as caught:
        add_invitees(leaders, listed, name="list.csv")
    problems = [str(p) for p in caught.value.problems]
    assert problems == [
        "row 3, column sector: 'Education': expected one of the answers to sector (Sector): Public (1), Private (2), "
        "Not-for-profit (3), Higher education (4), by label or code",
        "row 4, column role: 'Manager': expected one of the answers to role (Role): CEO or permanent secretary (1), "
        "Board or non-executive (2), Director (3), Senior manager (4), Other (5), by label or code",
    ]
    assert not Invitee.objects.exists()  # never stored wrong, nor partly


def test_sector_and_role_answer_the_question_of_that_short_name_and_two_columns_for_one_question_are_refused(wave):
    add_invitees(wave, "email,sector,role\na@example.org,third sector,chief executive\n")  # readiness-2018: q16_sector, q15_role
    assert Invitee.objects.get().facts == {"q16_sector": "3", "q15_role": "1"}
    with pytest.raises(InviteeFileError) as caught:
        add_invitees(wave, "email,sector,q16_sector\nb@example.org,Public,1\n")
    assert [str(p) for p in caught.value.problems] == [
        "row 1, column q16_sector: 'q16_sector': expected one column for the question q16_sector; the column sector answers it already"
    ]


def test_a_question_without_one_coded_answer_is_no_column_of_the_list(leaders):
    with pytest.raises(InviteeFileError, match=r"row 1, column org_support: 'org_support': expected one of the columns"):
        add_invitees(leaders, "email,org_support\na@example.org,none\n")


# respondents


def test_prefill_shows_the_lists_answer_selected_and_the_respondent_may_change_it(client, leaders):
    leaders.known_facts = {"sector": PREFILL}
    leaders.save()
    token = invite(leaders, "email,sector\na@example.org,Public\n")["a@example.org"]
    first = client.post(f"/r/{token}/")
    assert first["Location"] == f"/r/{token}/q/sector/"
    html = client.get(first["Location"]).content.decode()
    assert 'id="prefilled"' in html and "We have selected the answer your invitation list gives" in html
    assert _checked(html) == "1"
    assert stored(token) == {}  # nothing stored until they continue
    assert client.post(f"/r/{token}/q/sector/", {"sector": "4"})["Location"] == f"/r/{token}/q/role/"
    assert stored(token) == {"sector": "4"}
    again = client.get(f"/r/{token}/q/sector/").content.decode()
    assert _checked(again) == "4" and 'id="prefilled"' not in again  # their answer, no longer the list's


def _checked(html: str) -> str | None:
    """The value of the checked radio of the page's question."""
    found = re.findall(r'<input[^>]*\bvalue="([^"]+)"[^>]*\bchecked', html)
    return found[0] if found else None


def test_hidden_is_stored_as_given_not_asked_and_the_question_depending_on_it_follows_it(client, leaders):
    leaders.known_facts = {"sector": HIDDEN}
    leaders.save()
    tokens = invite(leaders, "email,sector\npub@example.org,public\npriv@example.org,Private\nnone@example.org,\n")
    public, private, unknown = tokens["pub@example.org"], tokens["priv@example.org"], tokens["none@example.org"]
    # public: sector stored as 1; the civil-service question (asked when sector == 1) comes first
    assert client.post(f"/r/{public}/")["Location"] == f"/r/{public}/q/civil_service/"
    assert stored(public) == {"sector": "1"}
    assert client.get(f"/r/{public}/q/sector/")["Location"] == f"/r/{public}/q/civil_service/"  # never shown
    civil = client.get(f"/r/{public}/q/civil_service/").content.decode()
    assert 'class="back-link"' not in civil  # nothing shown before it
    # private: sector 2, so no civil-service question: straight to role
    assert client.post(f"/r/{private}/")["Location"] == f"/r/{private}/q/role/"
    assert client.get(f"/r/{private}/q/civil_service/")["Location"] == f"/r/{private}/q/role/"
    # the list does not say: asked as usual
    assert client.post(f"/r/{unknown}/")["Location"] == f"/r/{unknown}/q/sector/"
    # the check page does not list the hidden question; completing keeps its answer
    client.post(f"/r/{public}/q/civil_service/", {"civil_service": "1"})
    check = client.get(f"/r/{public}/check/").content.decode()
    assert "Which sector does your organisation belong to?" not in check and "Are you a civil servant?" in check
    client.post(f"/r/{public}/check/")
    response = Response.objects.get(respondent__invitee__email="pub@example.org")
    assert response.completed and response.from_list == ["sector"]
    assert dict(Answer.objects.filter(response=response).values_list("column", "value")) == {"sector": "1", "civil_service": "1"}


def test_hidden_never_overwrites_an_answer_given_before_the_wave_chose_it(client, leaders):
    token = invite(leaders, "email,sector\na@example.org,Public\n")["a@example.org"]
    client.post(f"/r/{token}/")
    client.post(f"/r/{token}/q/sector/", {"sector": "2"})
    Wave.objects.filter(pk=leaders.pk).update(known_facts={"sector": HIDDEN, "role": HIDDEN})
    page = client.get(f"/r/{token}/q/sector/")
    assert page.status_code == 200  # their own answer differs from the list: shown, and kept
    assert stored(token) == {"sector": "2"}


def test_open_link_respondents_see_the_question_as_usual(client, leaders, start):
    leaders.known_facts = {"sector": HIDDEN}
    leaders.save()
    invite(leaders, "email,sector\na@example.org,Public\n")
    token = start(leaders)
    assert client.get(f"/r/{token}/")["Location"] == f"/r/{token}/q/sector/"
    assert 'id="prefilled"' not in client.get(f"/r/{token}/q/sector/").content.decode()


# mismatches


def _complete(client, token: str, answers: dict[str, str]) -> None:
    client.post(f"/r/{token}/")
    for question, value in answers.items():
        assert client.post(f"/r/{token}/q/{question}/", {question: value}).status_code == 302
    assert client.post(f"/r/{token}/check/").status_code == 302


def test_a_mismatch_is_listed_in_an_identified_wave(client, leaders):
    tokens = invite(leaders, "email,sector,role\nami@example.org,Public,Director\nbo@example.org,Private,\ncy@example.org,,\n")
    _complete(client, tokens["ami@example.org"], {"sector": "4", "role": "3"})  # the case: Public, answered Higher education
    _complete(client, tokens["bo@example.org"], {"sector": "2"})
    _complete(client, tokens["cy@example.org"], {"sector": "3"})  # nothing listed: not compared
    [sector, role] = mismatches(leaders)
    assert (sector.question, sector.compared, sector.differed) == ("sector", 2, 1)
    assert sector.people == [{"email": "ami@example.org", "listed": "Public", "answered": "Higher education"}]
    assert (role.question, role.compared, role.differed, role.people) == ("role", 1, 0, [])


def test_an_anonymous_wave_keeps_totals_only(client, make_wave, monkeypatch):
    wave = make_wave("anon", instrument="leaders", mode=Wave.ANONYMOUS)
    tokens = invite(wave, "email,sector\nami@example.org,Public\nbo@example.org,Private\n")
    _complete(client, tokens["ami@example.org"], {"sector": "4"})
    _complete(client, tokens["bo@example.org"], {"sector": "2"})
    [sector] = mismatches(wave)
    assert (sector.compared, sector.differed, sector.people, sector.shown) == (2, 1, [], False)  # under 10 compared: held back
    assert not Respondent.objects.filter(response__isnull=False).exists()  # the answers are not linked to anyone


# the property


LISTED = st.sampled_from(["", "1", "2", "3", "4"])  # "" : the list does not say
ANSWERED = st.sampled_from([None, "1", "2", "3", "4"])  # None: left unanswered
counter = itertools.count()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    people=st.lists(st.tuples(LISTED, ANSWERED, st.booleans()), min_size=1, max_size=6),
    mode=st.sampled_from([Wave.IDENTIFIED, Wave.ANONYMOUS]),
    use=st.sampled_from([OFF, PREFILL, HIDDEN]),
)
def test_the_mismatch_count_is_the_completed_invitees_whose_answer_differs_from_the_list(make_wave, people, mode, use):
    wave = make_wave(f"prop-{next(counter)}", instrument="leaders", mode=mode, known_facts={"sector": use} if use != OFF else {})
    listed = "email,sector\n" + "".join(f"p{i}@example.org,{code}\n" for i, (code, _, _) in enumerate(people))
    tokens = invite(wave, listed)
    expected = compared = 0
    for i, (code, answer, completes) in enumerate(people):
        respondent = actions.find_respondent(tokens[f"p{i}@example.org"])
        assert respondent is not None
        actions.consent(respondent)
        hidden = use == HIDDEN and code
        if not hidden:
            actions.save_page(respondent, {"sector": answer}, "role")
        if completes:
            actions.complete(respondent)
            given_answer = code if hidden else answer
            if code and given_answer:
                compared += 1
                expected += given_answer != code
    found = {m.question: m for m in mismatches(wave)}
    if compared:
        assert (found["sector"].compared, found["sector"].differed) == (compared, expected)
        if use == HIDDEN:
            assert found["sector"].differed == 0  # stored as given
    else:
        assert "sector" not in found


def test_the_command_line_sets_and_lists_the_choices(db, tmp_path):
    runner = CliRunner()
    assert runner.invoke(app, ["wave", "create", "facts-cli", "-i", "leaders", "--closes", "2099-01-31"]).exit_code == 0
    listed = tmp_path / "invitees.csv"
    listed.write_text("email,sector\nami@example.org,Public\n", encoding="utf-8")
    assert runner.invoke(app, ["wave", "invite", "facts-cli", str(listed), "--no-send"]).exit_code == 0
    result = runner.invoke(app, ["wave", "facts", "facts-cli", "sector=hidden", "role=prefill"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["sector: hidden", "role: prefill"]
    assert Wave.objects.get(slug="facts-cli").known_facts == {"sector": "hidden", "role": "prefill"}
    bad = runner.invoke(app, ["wave", "facts", "facts-cli", "sector=always"])
    assert bad.exit_code == 1 and "sector=always: expected the mode off, prefill or hidden after sector=" in bad.output
    unknown = runner.invoke(app, ["wave", "facts", "facts-cli", "growth_belief=hidden"])
    assert unknown.exit_code == 1 and "expected QUESTION=MODE where QUESTION is one of sector, role" in unknown.output


def test_imported_responses_are_never_touched(leaders):
    leaders.known_facts = {"sector": HIDDEN}
    leaders.save()
    invite(leaders, "email,sector\nami@example.org,Public\n")
    import_responses(leaders, pl.DataFrame({"sector": ["4", "2"], "role": ["3", ""]}), name="earlier.csv")
    imported = Response.objects.filter(imported=True)
    assert imported.count() == 2 and all(r.from_list == [] for r in imported)
    assert sorted(Answer.objects.filter(response__in=imported, column="sector").values_list("value", flat=True)) == ["2", "4"]
    assert mismatches(leaders) == []  # imported responses are nobody's on the list


def test_a_page_costs_one_query_more_only_when_the_wave_uses_a_known_fact(client, leaders):
    tokens = invite(leaders, "email,sector\nami@example.org,Public\nbo@example.org,Private\n")
    for token in tokens.values():
        client.post(f"/r/{token}/")

    def queries(token: str) -> int:
        with CaptureQueriesContext(connection) as caught:
            assert client.get(f"/r/{token}/q/role/").status_code == 200
        return len(caught)

    off = queries(tokens["ami@example.org"])
    Wave.objects.filter(pk=leaders.pk).update(known_facts={"sector": PREFILL})
    assert queries(tokens["bo@example.org"]) == off + 1  # the invitee's facts
