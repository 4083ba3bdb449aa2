"""A report spec (issue 16, item 1): the analyst's words around live figures, checked against the
numbers at build time; sections ordered and hidden; quotes chosen with care."""

from __future__ import annotations

import re

import polars as pl
import pytest

from collabstate import Responses, load_instrument
from collabstate.analysis.redact import redact
from collabstate.demo import leaders_wave
from collabstate.report.evidence import gather
from collabstate.report.sections import build_model
from collabstate.report.spec import SpecError, apply_spec, parse_spec

LEADERS = load_instrument("leaders")


def wave(year: int, change=None) -> Responses:
    data = leaders_wave(year)
    if change is not None:
        data = change(data)
    data = data.with_columns(pl.format("R{}-{}", pl.lit(year), pl.int_range(pl.len())).alias("respondent_id"))
    return Responses(LEADERS, data)


def built(text: str, current: Responses | None = None, earlier=None):
    ev = gather(current or wave(2025), earlier=[wave(2024)] if earlier is None else earlier)
    report = build_model(ev)
    warnings = apply_spec(report, ev, parse_spec(text, "report.yaml"))
    return report, warnings, ev


def plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_a_live_figure_is_the_report_s_own_estimate_and_follows_the_data():
    report, warnings, ev = built("key_messages:\n  - 'Strong networks: {{ st_network.agree }}, private sector {{ st_network.agree@2 }}.'\n")
    assert warnings == []
    cell = ev.cell("st_network", "agree", "net", "share")
    private = ev.cell("st_network", "agree", "net", "share", "2")
    text = plain(report.section("key-messages").commentary)
    assert f"Strong networks: {cell.value}1, private sector {private.value}2." in text
    assert report.footnotes[0].endswith(f"{cell.value} ({cell.reading.percent} interval {cell.interval}; n = {cell.base}).")
    # the same spec on other data says the other data's figure
    everyone_agrees = wave(2025, lambda d: d.with_columns(pl.lit(5).alias("st_network")))
    report, _, _ = built("key_messages:\n  - 'Strong networks: {{ st_network.agree }}.'\n", everyone_agrees)
    assert "Strong networks: 100%" in plain(report.section("key-messages").commentary)


def test_words_of_change_over_a_change_that_is_not_significant_are_flagged():
    # 2024 to 2025: supportive regulation 30% to 25% is no significant change; strong networks 62% to 50% a significant fall
    _, warnings, ev = built(
        "key_messages:\n"
        "  - 'Regulation softened, declining to {{ st_regulation.agree }}.'\n"
        "  - 'Strong networks fell to {{ st_network.agree }}.'\n"
        "  - 'Strong networks rose to {{ st_network.agree }}.'\n"
        "  - 'Regulation is at {{ st_regulation.agree }}.'\n"
    )
    assert ev.change("st_regulation", "agree", "net")["verdict"] == "no significant change"
    assert ev.change("st_network", "agree", "net")["verdict"] == "down"
    assert len(warnings) == 2, warnings
    assert warnings[0].startswith(
        "report.yaml line 2: the text says 'softened' of {{ st_regulation.agree }}, over a change that is not significant"
    )
    assert warnings[1].startswith("report.yaml line 4: the text says 'rose' of {{ st_network.agree }}, but the change is down")
    # one wave: a word of change has nothing to stand on
    _, single, _ = built("key_messages:\n  - 'Strong networks rose to {{ st_network.agree }}.'\n", earlier=[])
    assert single and "no earlier wave to compare with" in single[0]


def test_an_unknown_figure_is_said_so_never_guessed():
    report, warnings, _ = built("key_messages:\n  - 'Growth {{ growth_belif.agree }} and {{ st_network.nonsense }}.'\n")
    assert len(warnings) == 2 and all("unknown figure" in w for w in warnings)
    assert "[unknown figure {{ growth_belif.agree }}]" in plain(report.section("key-messages").commentary)


def test_the_text_is_markdown_without_raw_html_or_script_links():
    report, _, _ = built("key_messages:\n  - '**Bold** <script>alert(1)</script> [x](javascript:alert(1)) [ok](https://example.org)'\n")
    html = report.section("key-messages").commentary
    assert "<strong>Bold</strong>" in html and "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html and 'href="https://example.org"' in html


def test_sections_are_ordered_renamed_and_hidden_but_never_the_methods():
    report, _, _ = built("sections:\n  - {id: statements, title: What leaders agree with}\n  - {id: quotes, hidden: true}\n")
    ids = [s.id for s in report.sections]
    assert ids[0] == "statements" and "quotes" not in ids and ids[-1] == "methods"
    assert report.section("statements").title == "What leaders agree with"
    with pytest.raises(SpecError, match=r"line 2: sections\[0\]\.hidden: the methods section cannot be hidden"):
        built("sections:\n  - {id: methods, hidden: true}\n")
    with pytest.raises(
        SpecError, match=r"line 2: sections\[0\]\.id: no section 'statments' in this report \(did you mean 'statements'\?\)"
    ):
        built("sections:\n  - {id: statments}\n")


def test_a_spec_with_problems_names_the_line_and_what_was_expected():
    with pytest.raises(SpecError) as caught:
        parse_spec("title: A\ncolours: {primary: purple}\nkey_message: [x]\n", "report.yaml")
    message = str(caught.value)
    assert message.startswith("report.yaml: 2 problems")
    assert "line 2: colours.primary: String should match pattern" in message and "(got 'purple')" in message
    assert "line 3: key_message: Extra inputs are not permitted" in message


def test_quotes_are_chosen_by_respondent_refused_in_small_groups_and_redacted():
    def with_texts(d: pl.DataFrame) -> pl.DataFrame:
        text = pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("Call me on +44 20 7946 0958 or mail ann@example.org"))
        return d.with_columns(text.otherwise(pl.col("enablers_text")).alias("enablers_text"),
                              pl.when(pl.int_range(pl.len()) == 1).then(pl.lit(4)).otherwise(pl.col("sector")).alias("sector"))  # fmt: skip

    current = wave(2025, with_texts)
    small = current.data.filter(pl.col("sector") == 4).height
    assert small < 10
    report, warnings, _ = built(
        "quotes:\n  - {respondent: R2025-0, question: enablers_text}\n  - {respondent: R2025-1, question: enablers_text}\n", current
    )
    [quote] = [q for quotes in report.section("quotes").quotes.values() for q in quotes]
    assert quote.text == "Call me on [phone number removed] or mail [e-mail address removed]"
    assert any("e-mail address, phone number removed from the quote of 'R2025-0'; review it" in w for w in warnings)
    assert any(f"respondent 'R2025-1' is in a group of {small} (under 10): quote refused" in w for w in warnings)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("mail a.b+c@x.co.uk now", "mail [e-mail address removed] now"), ("tel 07700 900123.", "tel [phone number removed]."),
     ("In 2024 we had 12 partners", "In 2024 we had 12 partners")],
)  # fmt: skip
def test_redaction_takes_contacts_and_leaves_numbers(text, expected):
    assert redact(text)[0] == expected


def test_the_demo_s_spec_says_seed_001_s_key_messages_with_live_figures_and_no_warning():
    from importlib import resources

    text = (resources.files("collabstate.report") / "demo_specs" / "leaders-2025.yaml").read_text(encoding="utf-8")
    report, warnings, ev = built(text)
    assert warnings == []
    said = plain(report.section("key-messages").commentary)
    for question in ("growth_belief", "st_communication", "st_regulation", "st_network"):
        assert ev.cell(question, "agree", "net", "share").value in said
    assert "rising from 7%7 in 2024 to 12%8 in 2025" in said  # a significant rise, so the words may say it
    assert ev.change("st_communication", "agree", "net")["verdict"] == "up"
    assert [s.id for s in report.sections][:2] == ["key-messages", "statements"]
