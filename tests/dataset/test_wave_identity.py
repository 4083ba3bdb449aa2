"""Waves have identity and order, always (issue 12): labels from the wave column or the file name,
order from the dates, years or numbers in them (else as given, nearest first), errors that say how
to name waves whose order cannot be known, and panels found by respondent_id or org_id."""

from __future__ import annotations

import polars as pl
import pytest

from collabstate import Responses, load_instrument, read_responses
from collabstate.dataset.waves import (
    Wave,
    WaveOrderError,
    labels_in_time,
    order_waves,
    stack_waves,
    wave_when,
    waves_in,
)

INS = load_instrument("leaders")


def wave(frame: dict, source: str | None = None) -> Responses:
    return Responses(INS, pl.DataFrame(frame), source=source)


@pytest.mark.parametrize(
    ("label", "when"),
    [
        ("leaders-2024", ("date", (2024, 0, 0))),
        ("2025", ("date", (2025, 0, 0))),
        ("pulse_2026_03", ("date", (2026, 3, 0))),
        ("survey 2025-11-30 final", ("date", (2025, 11, 30))),
        ("2024-25", ("date", (2024, 0, 0))),  # an academic year: its first year
        ("3", ("number", (3,))),
        (12, ("number", (12,))),
        ("spring", None),
        ("wave-b", None),
        ("v12345", None),
    ],
)
def test_a_label_says_where_the_wave_sits_in_time(label, when):
    assert wave_when(label) == when


def test_a_file_without_a_wave_column_is_labelled_by_its_name():
    (w,) = waves_in(wave({"sector": [1]}, "data/leaders-2024.csv"))
    assert (w.label, w.when, w.origin) == ("leaders-2024", ("date", (2024, 0, 0)), "its file name")


def test_a_wave_column_labels_the_wave_and_may_hold_several():
    waves = waves_in(wave({"wave": [2025, 2024, 2025], "sector": [1, 2, 3]}, "both.csv"))
    assert [(w.label, w.responses.n, w.origin) for w in waves] == [("2024", 1, "its wave column"), ("2025", 2, "its wave column")]


def test_waves_in_one_file_whose_order_cannot_be_known_are_an_error():
    with pytest.raises(WaveOrderError, match="both.csv holds waves spring, autumn.*cannot be told"):
        waves_in(wave({"wave": ["spring", "autumn"], "sector": [1, 2]}, "both.csv"))


def test_data_in_memory_with_no_name_and_no_wave_column_asks_for_a_label():
    with pytest.raises(WaveOrderError, match="no wave column and no file name"):
        waves_in(wave({"sector": [1]}))
    assert waves_in(wave({"sector": [1]}), label="Pulse")[0].label == "Pulse"


@pytest.mark.parametrize("given", [["b-2024", "a-2023"], ["a-2023", "b-2024"]])
def test_dated_waves_are_ordered_by_their_dates_whatever_the_order_given(given):
    reported = waves_in(wave({"sector": [1]}, "c-2025.csv"))
    earlier = [waves_in(wave({"sector": [1]}, f"{name}.csv")) for name in given]
    assert [w.label for w in order_waves(reported, earlier)] == ["a-2023", "b-2024", "c-2025"]


def test_undated_waves_come_in_the_order_given_nearest_first():
    reported = waves_in(wave({"sector": [1]}, "now.csv"))
    earlier = [waves_in(wave({"sector": [1]}, f"{name}.csv")) for name in ("before", "long-ago")]
    assert [w.label for w in order_waves(reported, earlier)] == ["long-ago", "before", "now"]


def test_two_waves_with_one_label_stop_with_how_to_name_them():
    with pytest.raises(WaveOrderError, match="both labelled '2025'.*name each file after its wave"):
        order_waves(waves_in(wave({"wave": [2025], "sector": [1]}, "a.csv")), [waves_in(wave({"wave": [2025], "sector": [1]}, "b.csv"))])


def test_a_wave_to_compare_that_is_later_than_the_reported_one_is_an_error():
    with pytest.raises(WaveOrderError, match="'leaders-2026'.*later than the wave reported.*swap them"):
        order_waves(waves_in(wave({"sector": [1]}, "leaders-2025.csv")), [waves_in(wave({"sector": [1]}, "leaders-2026.csv"))])


def test_labels_in_time_and_unknown_order():
    assert labels_in_time(["10", "9", "11"]) == ["9", "10", "11"]
    assert labels_in_time(["x-2025", "y-2024"]) == ["y-2024", "x-2025"]
    with pytest.raises(WaveOrderError, match="cannot be told"):
        labels_in_time(["current", "previous"])


def test_stacking_finds_the_panel_and_clusters_by_it():
    a = Wave.of("2024", wave({"respondent_id": ["r1", "r2", "r3"], "sector": [1, 2, 3]}))
    b = Wave.of("2025", wave({"respondent_id": ["r2", "r3", "r4", "r5"], "sector": [2, 3, 1, 1]}))
    stacked = stack_waves([a, b])
    assert stacked.labels == ["2024", "2025"] and stacked.sizes == {"2024": 3, "2025": 4}
    assert stacked.panel is not None and stacked.panel.column == "respondent_id" and stacked.panel.between("2024", "2025") == 2
    data = stacked.responses.data
    assert stacked.responses.cluster == "cluster" and data["cluster"].to_list() == ["r1", "r2", "r3", "r2", "r3", "r4", "r5"]
    assert data["wave"].to_list() == ["2024"] * 3 + ["2025"] * 4


def test_organisations_followed_are_a_panel_too(tmp_path):
    path = tmp_path / "orgs-2025.csv"
    pl.DataFrame({"org_id": ["o1", "o1", "o2"], "sector": [1, 1, 2]}).write_csv(path)
    later = read_responses(path, INS)
    assert later.ok and later.responses.data["org_id"].to_list() == ["o1", "o1", "o2"]
    earlier = Wave.of("2024", wave({"org_id": ["o1", "o3"], "sector": [1, 3]}))
    stacked = stack_waves([earlier, *waves_in(later.responses)])
    assert stacked.panel is not None and stacked.panel.column == "org_id" and stacked.panel.between("2024", "orgs-2025") == 1
    assert stacked.responses.data["cluster"].to_list() == ["o1", "o3", "o1", "o1", "o2"]


def test_respondents_without_an_id_are_clusters_of_their_own():
    a = Wave.of("2024", wave({"respondent_id": ["r1", None], "sector": [1, 2]}))
    b = Wave.of("2025", wave({"respondent_id": ["r1", None], "sector": [1, 2]}))
    clusters = stack_waves([a, b]).responses.data["cluster"].to_list()
    assert clusters[0] == clusters[2] == "r1" and len(set(clusters)) == 3


def test_no_panel_keeps_independent_samples():
    a = Wave.of("2024", wave({"respondent_id": ["a1"], "sector": [1]}))
    b = Wave.of("2025", wave({"respondent_id": ["b1"], "sector": [1]}))
    stacked = stack_waves([a, b])
    assert stacked.panel is None and stacked.responses.cluster is None


def test_weighted_and_unweighted_waves_are_not_stacked():
    a = Wave.of("2024", wave({"weight": [1.5], "sector": [1]}))
    b = Wave.of("2025", wave({"sector": [1]}))
    with pytest.raises(WaveOrderError, match="weight every wave or none"):
        stack_waves([a, b])


def test_a_file_of_several_waves_may_follow_the_same_respondents(tmp_path):
    path = tmp_path / "panel.csv"
    path.write_text("respondent_id,wave,sector\nr1,2025,1\nr2,2025,2\nr1,2026,1\nr2,2026,3\nr2,2026,3\n")
    validation = read_responses(path, INS)
    assert [(p.row, p.kind) for p in validation.problems] == [(6, "duplicate_id")]  # only the repeat within 2026
    assert "used only once in its wave; it is already used in row 5" in str(validation.problems[0])
    assert validation.responses.n == 4


def test_a_report_of_a_file_of_several_waves_compares_the_latest_with_the_rest():
    from collabstate.report.evidence import gather

    frame = pl.concat([
        pl.DataFrame({"respondent_id": [f"r{i}" for i in range(40)], "wave": [2025] * 40, "growth_belief": [4] * 30 + [2] * 10}),
        pl.DataFrame({"respondent_id": [f"r{i}" for i in range(40)], "wave": [2026] * 40, "growth_belief": [4] * 10 + [2] * 30}),
    ])  # fmt: skip
    ev = gather(Responses(INS, frame, source="panel.csv"))
    assert ev.waves == ("2025", "2026") and ev.responses.n == 40 and ev.panel is not None and ev.panel.between("2025", "2026") == 40
    change = ev.change("growth_belief", "agree", "net")
    assert change is not None and change["verdict"] == "down" and round(change["change"], 2) == -0.5
