"""Coding in a real browser (issue 19, item 4): Ann uploads a codebook and codes ten answers with
the keyboard only (j to reach an answer, a digit to tick a code, Enter to save: the page comes
back with the next answer focused); Bob codes ten answers blind, by ticking boxes and pressing
Save, and sees none of Ann's codes; the agreement of Bob with Ann (the primary coder) appears on
the page with the figures of stats.agreement; the wave's report on the results page shows the
themes question (the codes' labels); axe-core finds no violation on the coding pages at 390 and
1280 px, and nothing is wider than the window."""

from __future__ import annotations

import polars as pl
import pytest
from browser_helpers import accessible_and_within, heading, sign_in, submit
from workspace_helpers import PASSWORD

from collabstate.stats.agreement import agreement
from collabstate.web.surveys.models import Response
from collabstate.web.workspace import coding
from collabstate.web.workspace.importing import import_responses
from collabstate.web.workspace.models import CodedAnswer, Membership

pytestmark = pytest.mark.browser

WIDTHS = (390, 1280)
TEXTS = [
    "Funding cycles are too short to plan anything together",
    "Mistrust between the sectors, a culture of us and them",
    "Bureaucracy and slow decision-making in government departments",
    "Not enough funding and resources for joint projects",
    "People move jobs too often to build lasting relationships",
    "Trust takes years to build and minutes to lose",
    "Slow clearance of every decision, and the bureaucracy around it",
    "Funding rules that change every year",
    "The culture of the civil service keeps others out",
    "Resources are spread too thin across too many schemes",
    "Nobody owns the problem, so nothing moves",
    "Decisions are made before the other sectors are asked",
]
CODEBOOK = """\
question: barriers_text
codes:
  - {id: funding, label: Funding and resources, keywords: [funding, resources]}
  - {id: bureaucracy, label: Bureaucracy and slow decisions, keywords: [bureaucracy, slow]}
  - {id: people, label: People and culture}
  - {id: mistrust, label: Mistrust between sectors, parent: people, keywords: [mistrust, trust, culture]}
"""
#: The code (its key, 1 to 4) each coder gives the answers, in the order of the responses; Bob differs on two.
ANN = [1, 4, 2, 1, 3, 4, 2, 1, 4, 1]
BOB = [1, 4, 2, 1, 3, 3, 2, 1, 3, 1]
CODES = ["funding", "bureaucracy", "people", "mistrust"]


def check(page, what: str) -> None:
    accessible_and_within(page, what, WIDTHS)


def focused_answer(page) -> str | None:
    return page.evaluate("(document.activeElement.closest('[data-answer]') || {}).id || null")


def test_two_analysts_code_ten_answers_each_and_the_report_shows_the_themes(new_page, make_wave, org_b, member, tmp_path):
    wave = make_wave("leaders-b", instrument="leaders", organisation=org_b, title="Leaders 2026")
    frame = pl.DataFrame({"respondent_id": [f"L-{i}" for i in range(len(TEXTS))], "sector": [str(1 + i % 4) for i in range(len(TEXTS))],
                          "barriers_text": TEXTS})  # fmt: skip
    assert import_responses(wave, frame, name="paper.csv").imported == len(TEXTS)
    member(org_b, Membership.ANALYST, "ann")
    member(org_b, Membership.ANALYST, "bob")
    responses = list(Response.objects.filter(wave=wave).order_by("pk"))

    ann = new_page(axe_everywhere=True)
    sign_in(ann, "ann", PASSWORD)
    ann.goto(f"/workspace/waves/{wave.pk}/")
    ann.get_by_role("link", name="Coding", exact=True).click()
    assert heading(ann) == "Coding"
    check(ann, "the coding index")
    ann.locator(f"a[href='/workspace/waves/{wave.pk}/coding/barriers_text/']").click()
    (tmp_path / "barriers.yaml").write_text(CODEBOOK)
    ann.get_by_text("Upload a codebook file", exact=True).click()
    ann.get_by_label("Codebook file (YAML)").set_input_files(str(tmp_path / "barriers.yaml"))
    submit(ann, "Upload the codebook")
    assert "Codebook uploaded: 4 codes." in ann.content()
    check(ann, "the coding page with its codebook")

    # Ann: the keyboard only, for ten answers
    ann.keyboard.press("j")
    for i, key in enumerate(ANN):
        assert focused_answer(ann) == f"answer-{responses[i].pk}"
        ann.keyboard.press(str(key))
        assert ann.locator("#coding-status").inner_text().endswith("ticked")
        with ann.expect_navigation(wait_until="load"):
            ann.keyboard.press("Enter")
    assert focused_answer(ann) == f"answer-{responses[10].pk}"  # the next answer not coded
    assert "You have coded 10 of 12 answers." in ann.content()
    mine = {r: set(c) for r, c in _codes("ann").items()}
    assert mine == {str(responses[i].public_id): {CODES[k - 1]} for i, k in enumerate(ANN)}

    # Bob: blind, by ticking boxes and pressing Save
    bob = new_page(axe_everywhere=True)
    sign_in(bob, "bob", PASSWORD)
    bob.goto(f"/workspace/waves/{wave.pk}/coding/barriers_text/")
    assert bob.locator("input[name=codes]:checked").count() == 0
    assert "ann: 10 answers coded (primary coder" in bob.content()
    for i, key in enumerate(BOB):
        answer = bob.locator(f"#answer-{responses[i].pk}")
        answer.get_by_role("checkbox").nth(key - 1).check()
        with bob.expect_navigation(wait_until="load"):
            answer.locator("button:not([name=accept])").click()
    assert bob.locator("input[name=codes]:checked").count() == 10  # his own, shown last
    assert "You have coded 10 of 12 answers." in bob.content()

    # the agreement appears, as stats.agreement computes it; never Ann's codes
    expected = agreement(_codes("ann"), _codes("bob"), CODES)
    bob.goto(f"/workspace/waves/{wave.pk}/coding/barriers_text/#agreement")
    text = " ".join(bob.locator("main").inner_text().split())
    assert "bob with ann" in text
    assert f"Cohen's kappa {expected.overall_kappa:.2f} overall" in text
    assert f"Krippendorff's alpha {expected.krippendorff_alpha:.2f}" in text
    check(bob, "the coding page with the agreement")
    [shown] = coding.agreements(coding.book_of(wave, "barriers_text"))
    assert shown.result == expected

    # the report shows the themes question
    bob.goto(f"/workspace/waves/{wave.pk}/results/")
    report = bob.frame_locator("iframe.report-frame")
    report.locator("h1").wait_for()
    body = report.locator("body").inner_text()
    assert "Funding and resources" in body and "Mistrust between sectors" in body
    assert CodedAnswer.objects.count() == 20


def _codes(username: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for public, code in CodedAnswer.objects.filter(coder__username=username).values_list("response__public_id", "code"):
        out.setdefault(str(public), []).append(code)
    return out
