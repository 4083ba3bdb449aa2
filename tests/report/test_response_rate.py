"""The response rate in the methods section (issue 12): completed invitees over invitees.
Responses imported from files are named beside the rate, never counted in it, and a rate over
100% is never printed, whatever the figures given."""

from __future__ import annotations

import polars as pl
import pytest

from collabstate import Responses, parse_instrument
from collabstate.report.evidence import gather
from collabstate.report.methods import methods_section

PULSE = """
id: pulse
title: Partnership pulse
questions:
  - id: sector
    type: single
    text: Which sector is your organisation in?
    choices: [{code: 1, label: Public}, {code: 2, label: Private}]
"""


def responses(n: int) -> Responses:
    return Responses(parse_instrument(PULSE), pl.DataFrame({"sector": [1 + i % 2 for i in range(n)]}))


def sample(n: int, **figures) -> list[str]:
    section = methods_section(gather(responses(n), by=None, **figures))
    return dict(section.lists)["Sample"]


def rate_line(n: int, **figures) -> str:
    [line] = [line for line in sample(n, **figures) if line.startswith("Response rate:")]
    return line


def test_response_rate_counts_invitees_not_imports():
    # the reader's wave: 5 invited, all 5 completed, 149 responses imported from files
    line = rate_line(154, invited=5, invited_completed=5, imported=149)
    assert line == "Response rate: 5 of 5 invited, 100.0%; plus 149 responses imported from files, analysed but not part of the rate."
    assert sample(154, invited=5, invited_completed=5, imported=149)[0] == "154 respondents."  # every one is analysed
    assert rate_line(40, invited=200, invited_completed=36, imported=4) == (
        "Response rate: 36 of 200 invited, 18.0%; plus 4 responses imported from files, analysed but not part of the rate."
    )
    assert rate_line(12, invited=20, invited_completed=12) == "Response rate: 12 of 20 invited, 60.0%."
    # others than invitees and files (an open link) are analysed, and said not to be in the rate
    line = rate_line(30, invited=20, invited_completed=12, imported=3)
    assert line.startswith("Response rate: 12 of 20 invited, 60.0%; plus 3 responses imported from files")
    assert line.endswith(
        "Responses from people who were not invited (by an open link, for instance) are analysed too, but are not part of the rate."
    )


@pytest.mark.parametrize("figures", [
    {"invited": 5},  # `collabstate report --invited 5` of a file of 154
    {"invited": 5, "imported": 10},  # 144 left when the imports are taken out: still more than 5
    {"invited": 5, "invited_completed": 6},  # figures that cannot be: still no rate over 100%
])  # fmt: skip
def test_a_response_rate_over_100_percent_is_never_printed(figures):
    line = rate_line(154, **figures)
    assert line.startswith("Response rate: not computed: the ") and "exceed the 5 invited" in line
    assert "%" not in line and "3080" not in line


def test_without_invitees_who_completed_the_rate_is_of_the_respondents_analysed():
    assert rate_line(115, invited=7000) == "Response rate: 115 of 7,000 invited, 1.6%."
    assert rate_line(154, invited=200, imported=149) == (
        "Response rate: 5 of 200 invited, 2.5%; plus 149 responses imported from files, analysed but not part of the rate."
    )
    assert rate_line(154) == "Response rate: not known (the number invited was not given)."
    assert rate_line(154, imported=149) == (
        "Response rate: not known (the number invited was not given); plus 149 responses imported from files, analysed but not part of the rate."
    )
