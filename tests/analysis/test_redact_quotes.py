"""Quotes with care (issue 19, item 5 in part): what could identify a person leaves a quote before
a report shows it, marked, and nothing else changes. Properties over any text hypothesis draws:
no e-mail address or long digit run survives; text with nothing to remove is returned unchanged;
a known name never survives in any case, and an organisation's common word ("Trust") does."""

from __future__ import annotations

import re

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from collabstate import Responses, load_instrument
from collabstate.analysis.redact import redact
from collabstate.demo import leaders_wave
from collabstate.report.evidence import gather
from collabstate.report.sections import build_model

WORDS = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Zs"), max_codepoint=0x2FF), max_size=40)
EMAILS = st.from_regex(r"[a-z]{1,8}(\.[a-z]{1,8})?@[a-z]{2,8}\.(org|co\.uk|example)", fullmatch=True)
PHONES = st.from_regex(r"\+44 ?\d{3,4} \d{3} \d{3,4}|0\d{4} \d{6}|\(0\d{3}\) \d{3} \d{4}", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(before=WORDS, email=EMAILS, phone=PHONES, after=WORDS)
def test_no_contact_detail_survives(before, email, phone, after):
    text, found = redact(f"{before} {email} and {phone}. {after}")
    assert email not in text and phone not in text
    assert "@" not in text and not re.search(r"\d(?:[\s().-]*\d){8,}", text)
    assert {"e-mail address", "phone number"} <= set(found)
    assert text.startswith(before) and text.endswith(after)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="@", blacklist_categories=("Nd", "Cs")), max_size=200))
def test_text_with_nothing_to_remove_is_unchanged(text):
    if re.search(r"(?i)\b(?:https?://|www\.)", text):
        return
    assert redact(text) == (text, ())


@settings(max_examples=100, deadline=None)
@given(case=st.sampled_from([str.lower, str.upper, str.title]))
def test_known_names_leave_in_any_case_and_common_words_stay(case):
    text, found = redact(f"{case('Jo Smith')} met Smith at {case('North Trust')}. Trust takes time", ["Jo Smith"], ["North Trust"])
    assert "smith" not in text.lower() and "north trust" not in text.lower() and text.endswith("Trust takes time")
    assert found == ("name",)


def test_the_reports_quotes_are_redacted_and_say_so():
    data = leaders_wave(2025)
    text_col = "barriers_text"
    first = data[text_col].drop_nulls()[0]
    leaked = f"Ring Jo Smith on 0161 496 0000 or jo@north.example. {first}"
    data = data.with_columns(pl.when(pl.col(text_col).is_not_null()).then(pl.lit(leaked)).otherwise(pl.col(text_col)).alias(text_col))
    report = build_model(gather(Responses(load_instrument("leaders"), data)), names=(["Jo Smith"], []))
    quotes = report.section("quotes")
    shown = [q.text for qs in quotes.quotes.values() for q in qs]
    assert shown and all("[name removed]" in t and "[phone number removed]" in t for t in shown if t.startswith("Ring"))
    assert not any("0161" in t or "@" in t or "Smith" in t for t in shown)
    assert "known names are removed" in " ".join(quotes.intro)
