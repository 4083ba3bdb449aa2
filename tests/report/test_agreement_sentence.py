"""The methods' sentence on two coders' agreement (issue 19, item 3): its numbers are the
agreement's, rounded, and an undefined figure is said so rather than printed as a number."""

from __future__ import annotations

from collabstate.report.methods import agreement_sentence
from collabstate.stats.agreement import agreement


def test_the_sentence_states_answers_pooled_kappa_range_and_alpha():
    a = {str(i): {"funding"} if i % 2 else {"time"} for i in range(120)}
    b = {k: ({"funding", "trust"} if k == "3" else v) for k, v in a.items()}
    result = agreement(a, b)
    sentence = agreement_sentence(result)
    assert sentence.startswith("Two coders coded 120 answers independently; Cohen's kappa ")
    assert f"{result.overall_kappa:.2f} overall (pooled over 3 codes; " in sentence
    # trust: one coder used it once, the other never: kappa 0 for that code; funding and time agree perfectly
    assert "0.00 to 1.00 across them" in sentence
    assert sentence.endswith(f"Krippendorff's alpha {result.krippendorff_alpha:.2f}.")


def test_undefined_figures_are_said_so():
    result = agreement({"1": {"all"}, "2": {"all", "x"}}, {"1": {"all"}, "2": {"all", "x"}})
    assert "1.00 across the 1 that varied" in agreement_sentence(result)
    nothing = agreement({"1": {"all"}}, {"1": {"all"}})
    assert agreement_sentence(nothing) == (
        "Two coders coded 1 answer independently; Cohen's kappa undefined overall (no code varied) (pooled over 1 code); "
        "Krippendorff's alpha undefined."
    )
