"""The Coding pages (issue 19, item 4): who may look and who may code; the codebook from a file
(its problems by line) or code by code (checked as the file loader checks), downloaded as a file
load_codebook reads; codes saved per coder, replaced on a new save, never shown to another coder;
the primary coder; the agreement shown equal to stats.agreement.agreement on the same sets; the
export read back by dataset.codes.read_codes and apply_codes; the report's cache key and themes."""

from __future__ import annotations

import re

import polars as pl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collabstate.dataset.codes import apply_codes, read_codes
from collabstate.instrument import load_instrument
from collabstate.instrument.codebook import load_codebook
from collabstate.stats.agreement import agreement
from collabstate.web.surveys.actions import responses_of
from collabstate.web.surveys.models import Response
from collabstate.web.workspace import coding, results
from collabstate.web.workspace.importing import import_responses
from collabstate.web.workspace.models import AuditEntry, CodedAnswer, Membership

#: Answers to barriers_text, one per respondent; "" leaves it blank.
TEXTS = [
    "Funding cycles are too short to plan anything",
    "Mistrust between the sectors and a culture of us and them",
    "Bureaucracy and slow decision-making in government",
    "",
    "Procurement rules favour the lowest-cost bid",
    "Not enough funding and resources for joint work",
    "People move jobs too often to build relationships",
    "Risk aversion: nobody wants to carry the risk",
    "Short-term thinking and changing priorities",
    "Trust takes years to build and minutes to lose",
    "   ",
    "Accountability rules that punish joint work",
    "We are brought in late, after decisions are made",
    "Funding and bureaucracy together",
    "Nothing, it works well",
    "The culture of the civil service",
]
CODEBOOK = """\
question: barriers_text
codes:
  - {id: funding, label: Funding and resources, keywords: [funding, resources]}
  - {id: bureaucracy, label: Bureaucracy, keywords: [bureaucracy, slow]}
  - {id: people, label: People and culture}
  - {id: mistrust, label: Mistrust, parent: people, keywords: [mistrust, trust, culture]}
"""


@pytest.fixture
def leaders(make_wave, org_b, settings, tmp_path):
    """A wave of B with the leaders' questionnaire: 16 imported responses, 14 answering barriers_text, sectors 1 to 4 in turn."""
    settings.VAR_DIR = tmp_path / "var"
    wave = make_wave("leaders-2026", "leaders", organisation=org_b, title="Leaders 2026")
    frame = pl.DataFrame({"respondent_id": [f"L-{i}" for i in range(len(TEXTS))], "sector": [str(1 + i % 4) for i in range(len(TEXTS))],
                          "barriers_text": [t or None for t in TEXTS]})  # fmt: skip
    assert import_responses(wave, frame, name="paper.csv").imported == len(TEXTS)
    return wave


@pytest.fixture
def ann(member, org_b):
    return member(org_b, Membership.ANALYST, "ann")


@pytest.fixture
def bob(member, org_b):
    return member(org_b, Membership.OWNER, "bob")


def _url(name: str, wave, *more) -> str:
    return reverse(f"workspace:{name}", args=[wave.pk, *more])


def _upload(client, wave, text: str, name: str = "barriers.yaml"):
    return client.post(_url("coding_upload", wave, "barriers_text"), {"file": SimpleUploadedFile(name, text.encode())})


def _answers(wave) -> list[tuple[int, str]]:
    """(response pk, text) of every non-blank answer, in order of response."""
    return [(r.response, r.text) for r in sorted(coding.answer_rows(wave, "barriers_text", None), key=lambda r: r.response)]


def _code(client, wave, response: int, codes: list[str], **more):
    return client.post(_url("coding_code", wave, "barriers_text"), {"response": str(response), "codes": codes, **more})


def test_who_may_look_and_who_may_code(client, leaders, member, org_a, org_b, analyst_a):
    client.force_login(member(org_b, Membership.VIEWER, "viewer-b"))
    assert client.get(_url("coding", leaders)).status_code == 200
    page = client.get(_url("coding_question", leaders, "barriers_text"))
    assert page.status_code == 200 and "Funding cycles are too short" in page.content.decode()
    assert "Add a code" not in page.content.decode()
    for name in ("coding_upload", "coding_add_code", "coding_code", "coding_primary"):
        assert client.post(_url(name, leaders, "barriers_text"), {}).status_code == 403
    assert client.get(_url("coding_codes", leaders, "barriers_text")).status_code == 403
    client.force_login(analyst_a)  # another organisation's analyst: as if the wave did not exist
    assert client.get(_url("coding", leaders)).status_code == 404
    assert client.get(_url("coding_question", leaders, "barriers_text")).status_code == 404
    assert client.post(_url("coding_code", leaders, "barriers_text"), {}).status_code == 404
    client.force_login(member(org_b, Membership.ANALYST, "analyst-b"))
    assert client.get(_url("coding_question", leaders, "sector")).status_code == 404  # not a text question
    index = client.get(_url("coding", leaders)).content.decode()
    assert all(q in index for q in ("enablers_text", "barriers_text", "example_text"))


def test_codebook_upload_problems_by_line_then_download_round_trip(client, leaders, ann, tmp_path):
    client.force_login(ann)
    bad = "question: barriers_text\ncodes:\n  - {id: funding, label: Funding}\n  - {id: funding, label: Again}\n  - {id: x, label: X, parent: nobody}\n"
    page = _upload(client, leaders, bad)
    html = page.content.decode()
    assert page.status_code == 200 and "barriers.yaml has 2 problems; nothing was changed." in html
    assert "line 4: codes[1].id: duplicate id &#x27;funding&#x27;" in html
    assert "line 5: codes[2].parent: unknown parent &#x27;nobody&#x27;" in html
    assert coding.book_of(leaders, "barriers_text") is None
    wrong = _upload(client, leaders, CODEBOOK.replace("barriers_text", "enablers_text"))
    assert "the file codes &#x27;enablers_text&#x27;; this page codes &#x27;barriers_text&#x27;" in wrong.content.decode()
    assert _upload(client, leaders, CODEBOOK).status_code == 302
    assert AuditEntry.objects.filter(wave=leaders, action=AuditEntry.CODEBOOK, user=ann).count() == 1
    download = client.get(_url("coding_codebook", leaders, "barriers_text"))
    (tmp_path / "book.yaml").write_bytes(download.content)
    loaded = load_codebook(tmp_path / "book.yaml", load_instrument("leaders"))
    assert [(c.id, c.label, c.parent, c.keywords) for c in loaded.codes] == [
        ("funding", "Funding and resources", None, ["funding", "resources"]), ("bureaucracy", "Bureaucracy", None, ["bureaucracy", "slow"]),
        ("people", "People and culture", None, []), ("mistrust", "Mistrust", "people", ["mistrust", "trust", "culture"]),
    ]  # fmt: skip
    # a code given to an answer must stay in a new file
    response = _answers(leaders)[0][0]
    assert _code(client, leaders, response, ["bureaucracy"]).status_code == 302
    refused = _upload(client, leaders, CODEBOOK.replace("  - {id: bureaucracy, label: Bureaucracy, keywords: [bureaucracy, slow]}\n", ""))
    assert "bureaucracy has been given to answers" in refused.content.decode()
    assert coding.book_of(leaders, "barriers_text").codes.count() == 4


def test_add_a_code_checked_as_the_file_loader_checks(client, leaders, ann):
    client.force_login(ann)
    url = _url("coding_add_code", leaders, "barriers_text")
    assert client.post(url, {"label": "Funding & resources (money)", "keywords": "funding, money"}).status_code == 302
    book = coding.book_of(leaders, "barriers_text")
    first = book.codes.get()
    assert (first.code, first.label, first.keywords) == ("funding_resources_money", "Funding & resources (money)", ["funding", "money"])
    again = client.post(url, {"label": "Funding & resources (money)"}).content.decode()
    assert "duplicate id &#x27;funding_resources_money&#x27;" in again and "the id made from the label" in again
    assert "an id is lower-case letters" in client.post(url, {"label": "X", "id": "Bad Id"}).content.decode()
    assert "Give the code a label" in client.post(url, {"label": ""}).content.decode()
    assert "Select a valid choice" in client.post(url, {"label": "Y", "parent": "nobody"}).content.decode()
    assert client.post(url, {"label": "Mistrust", "id": "mistrust", "parent": "funding_resources_money"}).status_code == 302
    assert list(book.codes.values_list("code", "parent")) == [("funding_resources_money", ""), ("mistrust", "funding_resources_money")]
    assert AuditEntry.objects.filter(wave=leaders, action=AuditEntry.CODEBOOK).count() == 2
    assert coding.codebook_of(book).below("funding_resources_money") == ["funding_resources_money", "mistrust"]


def test_codes_saved_per_coder_replaced_and_blind(client, leaders, ann, bob):
    client.force_login(ann)
    _upload(client, leaders, CODEBOOK)
    (first, _), (second, _), *_ = _answers(leaders)
    saved = _code(client, leaders, first, ["funding", "mistrust"], next=str(second), quote="funding")
    assert saved.status_code == 302 and saved["Location"].endswith(f"#answer-{second}")
    assert _code(client, leaders, second, ["people"]).status_code == 302
    assert _code(client, leaders, second, ["bureaucracy"]).status_code == 302  # replaces people
    mine = sorted(CodedAnswer.objects.filter(coder=ann).values_list("response_id", "code", "quote"))
    assert mine == sorted([(first, "funding", True), (first, "mistrust", False), (second, "bureaucracy", False)])
    assert _code(client, leaders, second, []).status_code == 302  # coded: no code fits
    assert list(CodedAnswer.objects.filter(coder=ann, response_id=second).values_list("code", flat=True)) == [""]
    assert "You have coded 2 of 14 answers." in client.get(_url("coding_question", leaders, "barriers_text")).content.decode()
    # an unknown code, or a response that did not answer, is refused and nothing changes
    blank = next(r.pk for r in Response.objects.filter(wave=leaders) if not r.answers.filter(column="barriers_text").exists())
    assert _code(client, leaders, first, ["nope"]).status_code == 302
    assert _code(client, leaders, blank, ["funding"]).status_code == 302
    assert CodedAnswer.objects.filter(coder=ann).count() == 3
    # Bob sees none of Ann's codes: no box ticked, no quote chosen, the uncoded first (all of them)
    client.force_login(bob)
    html = client.get(_url("coding_question", leaders, "barriers_text")).content.decode()
    assert " checked" not in html and "selected>Funding" not in html
    assert "You have coded 0 of 14 answers." in html and "ann: 2 answers coded" in html
    client.force_login(ann)
    html = client.get(_url("coding_question", leaders, "barriers_text")).content.decode()
    assert f'id="code-{first}-funding" checked' in html and f'id="code-{first}-mistrust" checked' in html
    assert html.index(f'id="answer-{first}"') > html.index(f'id="answer-{_answers(leaders)[2][0]}"')  # coded ones last


def test_filter_search_order_and_pages(client, leaders, ann, monkeypatch):
    client.force_login(ann)
    _upload(client, leaders, CODEBOOK)
    answers = _answers(leaders)
    by_sector = {r.response: r.sector_code for r in coding.answer_rows(leaders, "barriers_text", ann)}
    page = client.get(_url("coding_question", leaders, "barriers_text") + "?sector=2").content.decode()
    shown = [pk for pk, _ in answers if f'id="answer-{pk}"' in page]
    assert shown == [pk for pk, _ in answers if by_sector[pk] == "2"] and shown
    page = client.get(_url("coding_question", leaders, "barriers_text") + "?q=FUNDING").content.decode()
    assert [pk for pk, _ in answers if f'id="answer-{pk}"' in page] == [pk for pk, t in answers if "funding" in t.lower()]
    monkeypatch.setattr(coding, "PER_PAGE", 5)
    page2 = client.get(_url("coding_question", leaders, "barriers_text") + "?page=2").content.decode()
    assert [pk for pk, _ in answers if f'id="answer-{pk}"' in page2] == [pk for pk, _ in answers][5:10]
    assert "Page 2 of 3" in page2


def test_suggestions_shown_never_saved_unless_accepted(client, leaders, ann):
    client.force_login(ann)
    _upload(client, leaders, CODEBOOK)
    first = _answers(leaders)[0][0]  # "Funding cycles are too short to plan anything"
    html = client.get(_url("coding_question", leaders, "barriers_text")).content.decode()
    assert "Suggested: Funding and resources" in html and "keyword: funding" in html
    assert not CodedAnswer.objects.exists()
    assert _code(client, leaders, first, [], accept="funding").status_code == 302
    assert list(CodedAnswer.objects.values_list("response_id", "code")) == [(first, "funding")]


def test_accepting_every_suggestion_codes_only_the_answers_not_yet_coded(client, leaders, ann, bob, member, org_b):
    """The page's "Accept the suggestions" gives each answer of the page the analyst has not coded
    the codes suggest_codes gives it; an answer they coded keeps its codes, another coder's codes
    are untouched, and a viewer may not do it."""
    from collabstate.analysis.themes import suggest_codes

    client.force_login(ann)
    _upload(client, leaders, CODEBOOK)
    answers = _answers(leaders)
    mine = answers[0][0]
    _code(client, leaders, mine, ["people"])  # coded by hand: no suggestion may change it
    client.force_login(bob)
    _code(client, leaders, answers[1][0], ["funding"])
    client.force_login(ann)
    html = client.get(_url("coding_question", leaders, "barriers_text")).content.decode()
    rows = coding.answer_rows(leaders, "barriers_text", ann)
    book = coding.codebook_of(coding.book_of(leaders, "barriers_text"))
    expected: dict[int, set[str]] = {}
    for s in suggest_codes([r.respondent_id for r in rows], [r.text for r in rows], book):
        expected.setdefault(next(r.response for r in rows if r.respondent_id == s["respondent_id"]), set()).add(s["code"])
    expected.pop(mine, None)
    assert f"Accept the suggestions of {len(expected)} answers" in html
    done = client.post(_url("coding_accept_all", leaders, "barriers_text"), follow=True).content.decode()
    assert f"Suggestions accepted for {len(expected)} answers" in done
    got: dict[int, set[str]] = {}
    for response, code in CodedAnswer.objects.filter(coder=ann).values_list("response_id", "code"):
        got.setdefault(response, set()).add(code)
    assert got == {**expected, mine: {"people"}}
    assert list(CodedAnswer.objects.filter(coder=bob).values_list("response_id", "code")) == [(answers[1][0], "funding")]
    again = client.post(_url("coding_accept_all", leaders, "barriers_text"), follow=True).content.decode()
    assert "No answer on this page that you have not coded has a suggestion." in again
    client.force_login(member(org_b, Membership.VIEWER, "vic"))
    assert client.post(_url("coding_accept_all", leaders, "barriers_text")).status_code == 403


def test_primary_coder_and_agreement_equal_to_the_statistics(client, leaders, ann, bob, member, org_b):
    client.force_login(ann)
    _upload(client, leaders, CODEBOOK)
    answers = [pk for pk, _ in _answers(leaders)]
    ann_codes = {answers[0]: ["funding"], answers[1]: ["mistrust"], answers[2]: ["bureaucracy"], answers[3]: [], answers[4]: ["funding"]}
    bob_codes = {answers[0]: ["funding"], answers[1]: ["people"], answers[2]: ["bureaucracy", "funding"], answers[5]: ["funding"]}
    for pk, codes in ann_codes.items():
        _code(client, leaders, pk, codes)
    page = client.get(_url("coding_question", leaders, "barriers_text")).content.decode()
    assert "Agreement is shown once a second analyst has coded" in page
    client.force_login(bob)
    for pk, codes in bob_codes.items():
        _code(client, leaders, pk, codes)
    book = coding.book_of(leaders, "barriers_text")
    assert coding.primary_coder(book) == ann  # the first who coded
    public = {r.pk: str(r.public_id) for r in Response.objects.filter(wave=leaders)}
    expected = agreement({public[k]: v for k, v in ann_codes.items()}, {public[k]: v for k, v in bob_codes.items()},
                         ["funding", "bureaucracy", "people", "mistrust"])  # fmt: skip
    assert expected.n == 6
    [shown] = coding.agreements(book)
    assert (shown.primary, shown.other, shown.primary_n, shown.other_n) == ("ann", "bob", 5, 4)
    assert shown.result == expected
    html = client.get(_url("coding_question", leaders, "barriers_text")).content.decode()
    assert f"Cohen's kappa <strong>{expected.overall_kappa:.2f}</strong>" in html
    assert f"Krippendorff's alpha <strong>{expected.krippendorff_alpha:.2f}</strong>" in html
    # independently: the pooled kappa from each code's 2x2 table over the 6 units
    units = sorted(set(ann_codes) | set(bob_codes))
    num = den = 0.0
    for code in ("funding", "bureaucracy", "people", "mistrust"):
        a = [code in ann_codes.get(u, []) for u in units]
        b = [code in bob_codes.get(u, []) for u in units]
        pa, pb = sum(a) / 6, sum(b) / 6
        po = sum(x == y for x, y in zip(a, b, strict=True)) / 6
        pe = pa * pb + (1 - pa) * (1 - pb)
        num, den = num + po - pe, den + 1 - pe
    assert expected.overall_kappa == pytest.approx(num / den)
    assert "2 respondents coded by ann only and 1 respondent by bob only" in html
    # Bob's page never names Ann's codes of an answer: Ann gave answers[1] mistrust, Bob people
    assert f'id="code-{answers[1]}-mistrust" checked' not in html
    # choose another primary coder; the audit log says who
    assert client.post(_url("coding_primary", leaders, "barriers_text"), {"coder": "bob"}).status_code == 302
    assert coding.primary_coder(coding.book_of(leaders, "barriers_text")) == bob
    assert AuditEntry.objects.filter(wave=leaders, action=AuditEntry.PRIMARY_CODER, user=bob).exists()
    client.post(_url("coding_primary", leaders, "barriers_text"), {"coder": "viewer-x"})
    assert coding.primary_coder(coding.book_of(leaders, "barriers_text")) == bob


def test_export_read_back_by_read_codes_and_apply_codes(client, leaders, ann, bob, tmp_path):
    client.force_login(ann)
    _upload(client, leaders, CODEBOOK)
    answers = [pk for pk, _ in _answers(leaders)]
    _code(client, leaders, answers[0], ["funding", "mistrust"], quote="mistrust")
    _code(client, leaders, answers[1], ["people"])
    _code(client, leaders, answers[2], [])
    client.force_login(bob)
    _code(client, leaders, answers[0], ["bureaucracy"])
    download = client.get(_url("coding_codes", leaders, "barriers_text"))
    assert download.status_code == 200 and download["Content-Disposition"].endswith('-codes.csv"')
    (tmp_path / "codes.csv").write_bytes(download.content)
    public = {r.pk: str(r.public_id) for r in Response.objects.filter(wave=leaders)}
    lines = download.content.decode().splitlines()
    assert lines[0] == "respondent_id,code,coder,quote"
    assert f"{public[answers[0]]},mistrust,ann,1" in lines and f"{public[answers[0]]},funding,ann," in lines and len(lines) == 5
    book = load_codebook_text(CODEBOOK, tmp_path)
    codes = read_codes(tmp_path / "codes.csv", book, coder="ann")
    assert set(codes.rows) == {
        (None, public[answers[0]], "funding"),
        (None, public[answers[0]], "mistrust"),
        (None, public[answers[1]], "people"),
    }
    assert codes.quotes == {(None, public[answers[0]], "mistrust")}  # the chosen quote, read back
    [themed] = apply_codes([responses_of(leaders).responses], codes)
    data = themed.data.select("respondent_id", "barriers_text_codes/funding", "barriers_text_codes/people")
    row = dict(zip(data["respondent_id"], data.iter_rows(), strict=True))
    assert row[public[answers[0]]][1:] == (1, 0) and row[public[answers[1]]][1:] == (0, 1) and row[public[answers[2]]][1:] == (0, 0)
    assert sum(v is None for v in data["barriers_text_codes/funding"]) == len(TEXTS) - 14  # the blank answers are out of the base


def load_codebook_text(text: str, folder):
    (folder / "book.yaml").write_text(text)
    return load_codebook(folder / "book.yaml", load_instrument("leaders"))


def test_report_cache_key_changes_and_the_report_shows_the_themes(client, leaders, ann, bob):
    client.force_login(ann)
    before = results._data_key(leaders)
    _upload(client, leaders, CODEBOOK)
    after_book = results._data_key(leaders)
    assert after_book != before
    answers = [pk for pk, _ in _answers(leaders)]
    for pk in answers[:10]:
        _code(client, leaders, pk, ["funding"] if pk % 2 else ["mistrust"])
    coded = results._data_key(leaders)
    assert coded != after_book
    _code(client, leaders, answers[0], ["bureaucracy"])
    assert results._data_key(leaders) != coded
    quoted = results._data_key(leaders)
    _code(client, leaders, answers[6], ["mistrust"], quote="mistrust")  # "Risk aversion: nobody wants to carry the risk"
    assert results._data_key(leaders) != quoted
    client.force_login(bob)
    _code(client, leaders, answers[0], ["bureaucracy"])
    assert client.post(_url("coding_primary", leaders, "barriers_text"), {"coder": "bob"}).status_code == 302
    client.post(_url("coding_primary", leaders, "barriers_text"), {"coder": "ann"})
    built = results.report(leaders, results.Choice())
    html = built.path("report.html").read_text(encoding="utf-8")
    assert "Mistrust" in html and "Funding and resources" in html and ": themes" in html
    assert "Two coders coded" in html
    # quotes come from groups of 10 or more who answered: the sectors here are smaller, all 14 answers are not
    whole = results.report(leaders, results.Choice(by=None)).path("report.html").read_text(encoding="utf-8")
    assert "nobody wants to carry the risk" in whole and "nobody wants to carry the risk" not in html  # Ann's chosen quote of mistrust
    assert "chosen quotes, else" in whole


def test_the_command_line_reads_the_export_with_the_exported_responses(client, leaders, ann, bob, tmp_path):
    """``collabstate estimate <the wave's exported responses> --codes <the export> --codebook <the
    downloaded codebook> --coder ann``: the themes' shares are Ann's codes over those who answered."""
    import json

    from typer.testing import CliRunner

    from collabstate.cli import app
    from collabstate.web.surveys.exports import export_wave

    client.force_login(ann)
    _upload(client, leaders, CODEBOOK)
    answers = [pk for pk, _ in _answers(leaders)]
    for pk in answers[:7]:
        _code(client, leaders, pk, ["funding"] if pk % 2 else ["funding", "mistrust"], quote="funding" if pk == answers[0] else "")
    client.force_login(bob)
    _code(client, leaders, answers[0], ["bureaucracy"])
    (tmp_path / "codes.csv").write_bytes(client.get(_url("coding_codes", leaders, "barriers_text")).content)
    (tmp_path / "book.yaml").write_bytes(client.get(_url("coding_codebook", leaders, "barriers_text")).content)
    export_wave(leaders, tmp_path / "responses.csv")
    result = CliRunner().invoke(app, ["estimate", str(tmp_path / "responses.csv"), "-i", "leaders", "--codes", str(tmp_path / "codes.csv"),
                                      "--codebook", str(tmp_path / "book.yaml"), "--coder", "ann", "-q", "barriers_text_codes",
                                      "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = {r["option"]: r for r in json.loads(result.stdout) if r["statistic"] in ("share", "proportion", "percent")}
    mistrust = sum(1 for pk in answers[:7] if not pk % 2)
    assert rows["funding"]["estimate"] == pytest.approx(7 / 14)
    assert rows["mistrust"]["estimate"] == pytest.approx(mistrust / 14)
    assert rows["bureaucracy"]["estimate"] == 0


@given(st.text(max_size=80))
def test_an_id_made_from_any_label_is_an_id(label):
    made = coding.code_id(label)
    assert re.fullmatch(r"[a-z][a-z0-9_]*", made) and len(made) <= 64


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_two_codings_exported_read_back_and_agreed_as_saved(client, leaders, ann, bob, tmp_path, data):
    """Whatever two coders save (any codes of any answers, none at all included), the export read
    back by read_codes gives each coder's codes, and the page's agreement is agreement() on them."""
    if coding.book_of(leaders, "barriers_text") is None:
        client.force_login(ann)
        _upload(client, leaders, CODEBOOK)
    CodedAnswer.objects.all().delete()
    ids = ["funding", "bureaucracy", "people", "mistrust"]
    answers = [pk for pk, _ in _answers(leaders)]
    public = {r.pk: str(r.public_id) for r in Response.objects.filter(wave=leaders)}
    saved: dict[str, dict[str, set[str]]] = {}
    for coder in (ann, bob):
        chosen = data.draw(st.dictionaries(st.sampled_from(answers), st.sets(st.sampled_from(ids)), min_size=1))
        for pk, codes in chosen.items():
            coding.save_codes(leaders, "barriers_text", pk, coder, codes)
        saved[coder.username] = {public[pk]: codes for pk, codes in chosen.items()}
    (tmp_path / "codes.csv").write_bytes(coding.codes_csv(coding.book_of(leaders, "barriers_text")))
    book = load_codebook_text(CODEBOOK, tmp_path)
    for name, codes in saved.items():
        given = {(rid, c) for rid, cs in codes.items() for c in cs}
        if given:
            assert {(rid, c) for (_, rid, c) in read_codes(tmp_path / "codes.csv", book, coder=name).rows} == given
    [shown] = coding.agreements(coding.book_of(leaders, "barriers_text"))
    assert shown.result == agreement(saved["ann"], saved["bob"], ids)


def test_a_theme_quote_with_an_invitees_name_is_removed_and_flagged_on_the_report_text_page(
    client, make_wave, org_b, ann, settings, tmp_path
):
    """The report's theme quotes lose the names of the wave's invitees, and the report text page lists
    each such quote as a warning to look at before publishing."""
    from collabstate.web.surveys.invitations import add_invitees

    settings.VAR_DIR = tmp_path / "var"
    wave = make_wave("named", "leaders", organisation=org_b, title="Named")
    add_invitees(wave, "email,name,organisation\njo@example.org,Jo Smith,North Trust\n")
    texts = ["Jo Smith at North Trust says funding is too short-term"] * 12
    frame = pl.DataFrame({"respondent_id": [f"N-{i}" for i in range(12)], "sector": ["1"] * 12, "barriers_text": texts})
    assert import_responses(wave, frame, name="paper.csv").imported == 12
    client.force_login(ann)
    client.post(_url("coding_upload", wave, "barriers_text"), {"file": SimpleUploadedFile("b.yaml", CODEBOOK.encode())})
    for response, _ in _answers(wave):
        _code(client, wave, response, ["funding"])
    page = reverse("workspace:report_text", args=[wave.pk])
    fields = {
        "form": "fields",
        "title": "Named",
        "subtitle": "",
        "organisation": "",
        "primary": "",
        "key_messages": "",
        "quotes": "",
        "note": "",
    }
    assert client.post(page, fields).status_code == 302
    body = client.get(page).content.decode().replace("&#x27;", "'")
    assert "name removed from the quote of respondent" in body and "(Public, Funding and resources); review it" in body
    built = results.report(wave)
    assert built is not None
    html = built.path("report.html").read_text(encoding="utf-8")
    assert "[name removed] at [name removed] says funding is too short-term" in html and "Jo Smith" not in html
