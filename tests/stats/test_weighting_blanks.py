"""Weighting when a weighting variable has blank answers (issue 12): by default an error that
names the data rows and the column and offers the two usual choices; ``missing="own-cell"`` rakes
the blanks as a cell of their own, to a ``missing`` target; ``missing="unweighted"`` leaves them
out of the raking at their input weight and says so. Errors about the targets file still name it."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from collabstate import read_responses, stats, write_responses
from collabstate.dataset import Responses
from collabstate.demo import leaders_wave
from collabstate.errors import UsageError
from collabstate.instrument import load_instrument
from collabstate.stats import (
    Design,
    Targets,
    TargetsError,
    domain_mean,
    estimate,
    load_targets,
    poststratify,
    rake,
)

LEADERS = load_instrument("leaders")
SECTOR = {1: 0.4, 2: 0.35, 3: 0.2, 4: 0.05}


@pytest.fixture(scope="module")
def wave(tmp_path_factory):
    """The 2024 demo wave, read from a CSV: 3 respondents leave sector blank (rows 159, 227 and 232
    of the file, as a spreadsheet shows them: the header is row 1)."""
    folder = tmp_path_factory.mktemp("blanks")
    path = write_responses(Responses(LEADERS, leaders_wave(2024)), folder / "leaders-2024.csv", "csv")
    return read_responses(path, LEADERS).responses


def blanks(r: Responses) -> np.ndarray:
    return r.data["sector"].is_null().to_numpy()


def test_weighting_with_blank_weighting_variable_names_the_data_rows_not_the_targets(wave, tmp_path):
    targets = tmp_path / "targets.yaml"
    targets.write_text("sector: {1: 0.4, 2: 0.35, 3: 0.2, 4: 0.05}\n")
    with pytest.raises(ValueError) as error:
        rake(wave, load_targets(targets, wave))
    message = str(error.value)
    assert message.startswith("leaders-2024.csv: 3 respondents have no answer to 'sector'")
    assert "rows 159, 227 and 232" in message and "column 'sector'" in message
    assert "targets.yaml" not in message
    assert "missing='own-cell'" in message and "missing='unweighted'" in message and "`missing`" in message
    assert isinstance(error.value, stats.WeightingDataError) and not isinstance(error.value, TargetsError)
    assert error.value.rows == [159, 227, 232] and error.value.column == "sector" and error.value.count == 3
    with pytest.raises(stats.WeightingDataError, match="rows 159, 227 and 232"):
        poststratify(wave, Targets({"sector": SECTOR}))


def test_weighting_with_blank_weighting_variable_lists_five_rows_and_the_count():
    frame = leaders_wave(2024).with_columns(
        pl.when(pl.int_range(pl.len()) % 20 == 0).then(None).otherwise(pl.col("sector")).alias("sector")
    )
    r = Responses(LEADERS, frame)  # not read from a file: respondents are counted from 1, in data order
    n = int(blanks(r).sum())
    with pytest.raises(stats.WeightingDataError) as error:
        rake(r, Targets({"sector": SECTOR}))
    message = str(error.value)
    assert f"{n} respondents have no answer to 'sector'" in message
    assert "respondents 1, 21, 41, 61, 81 and " in message and f"{n - 5} more, counting from 1 in data order" in message


def test_weighting_with_blank_weighting_variable_in_their_own_cell(wave, tmp_path):
    path = tmp_path / "targets.yaml"
    path.write_text("sector:\n  1: 0.38\n  2: 0.34\n  3: 0.2\n  4: 0.05\n  missing: 0.03\nrole: {1: 0.2, 2: 0.1, 3: 0.3, 4: 0.3, 5: 0.1}\n")
    targets = load_targets(path, wave)
    for missing in (None, "own-cell"):  # a target for `missing` is itself the choice
        result = rake(wave, targets, missing=missing)
        w = result.weights
        assert result.converged and result.max_margin_error < 1e-9
        assert w[blanks(wave)].sum() / w.sum() == pytest.approx(0.03, abs=1e-9)
        assert w[wave.data["sector"].to_numpy() == 1].sum() / w.sum() == pytest.approx(0.38, abs=1e-9)
        assert "missing" in result.report().filter(pl.col("margin") == "sector")["code"].to_list()
        assert any(line.split()[:2] == ["sector", "missing"] for line in str(result).splitlines())
    # the estimate of sector is of valid answers: the raked shares, rescaled without the blanks
    table = estimate(result.responses, ["sector"])
    one = table.filter((pl.col("option") == "1") & (pl.col("statistic") == "proportion"))["estimate"].item()
    assert one == pytest.approx(0.38 / 0.97, abs=1e-9)


def test_weighting_with_blank_weighting_variable_in_own_cell_needs_a_target(wave, tmp_path):
    path = tmp_path / "targets.yaml"
    path.write_text("role: {1: 0.2, 2: 0.1, 3: 0.3, 4: 0.3, 5: 0.1}\nsector: {1: 0.4, 2: 0.35, 3: 0.2, 4: 0.05}\n")
    with pytest.raises(TargetsError) as error:
        rake(wave, load_targets(path, wave), missing="own-cell")
    message = str(error.value)
    assert message.startswith("targets.yaml, line 2: 'sector' has no target for blank answers")
    assert "3 respondents" in message and "rows 159, 227 and 232 of leaders-2024.csv" in message and "missing: " in message


def test_weighting_with_blank_weighting_variable_left_unweighted(wave):
    base = np.linspace(0.5, 2.0, wave.n)
    r = Responses(LEADERS, wave.data.with_columns(pl.Series("weight", base)), source=wave.source, rows=wave.rows)
    result = rake(r, Targets({"sector": SECTOR, "role": {1: 0.2, 2: 0.1, 3: 0.3, 4: 0.3, 5: 0.1}}), missing="unweighted")
    w, out = result.weights, blanks(r)
    assert result.converged and result.n_unweighted == 3
    np.testing.assert_array_equal(w[out], base[out])  # their input weight, untouched
    raked = w[~out]
    assert raked.sum() == pytest.approx(base[~out].sum(), rel=1e-12)  # shares of the raked respondents' total
    sector = r.data["sector"].to_numpy()[~out]
    for code, share in SECTOR.items():
        assert raked[sector == code].sum() / raked.sum() == pytest.approx(share, abs=1e-9)
    assert result.summary()["n_unweighted"] == 3
    text = str(result)
    assert "3 respondents with no answer to sector (rows 159, 227 and 232) were left out of the raking at their input weight" in text
    # unweighted respondents: no calibration residual; the grouped kernel agrees with R's literal residual
    design = Design.from_responses(result.responses)
    table = estimate(result.responses, ["role"], min_base=5)
    row = table.filter((pl.col("option") == "1") & (pl.col("statistic") == "proportion")).row(0, named=True)
    y = (result.responses.data["role"] == 1).cast(pl.Float64).to_numpy()
    m = domain_mean(design, y)
    assert row["estimate"] == pytest.approx(m.estimate[0], rel=1e-12) and row["se"] == pytest.approx(m.se[0], rel=1e-9)


def test_weighting_with_blank_weighting_variable_unweighted_refuses_a_missing_target(wave):
    targets = Targets({"sector": {**SECTOR, 1: 0.37, "missing": 0.03}})
    with pytest.raises(TargetsError, match=r"a target for blank answers of 'sector', but blank answers are to be left out of the raking"):
        rake(wave, targets, missing="unweighted")
    with pytest.raises(UsageError, match=r"missing 'drop' is not valid; expected 'own-cell' or 'unweighted'"):
        rake(wave, targets, missing="drop")


def test_weighting_with_blank_input_weights_names_the_rows(wave):
    weights = pl.Series("weight", [1.0] * wave.n).scatter([3, 10], None)
    r = Responses(LEADERS, wave.data.with_columns(weights), source=wave.source, rows=wave.rows)
    with pytest.raises(
        stats.WeightingDataError, match=r"leaders-2024.csv: 2 respondents have no weight in the column 'weight': rows 5 and 12"
    ):
        rake(r, Targets({"role": {1: 0.2, 2: 0.1, 3: 0.3, 4: 0.3, 5: 0.1}}))


def test_a_code_without_a_target_names_the_targets_file_and_the_rows(wave, tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("role: {1: 0.2, 2: 0.2, 3: 0.3, 4: 0.3}\n")
    answered = Responses(LEADERS, wave.data, source=wave.source, rows=wave.rows)
    with pytest.raises(TargetsError) as error:
        rake(answered, load_targets(path, answered))
    message = str(error.value)
    assert message.startswith("t.yaml, line 1: ") and "have code 5, which has no target" in message
    assert "of leaders-2024.csv" in message


def test_missing_targets_in_files_and_crosses(tmp_path):
    csv = tmp_path / "t.csv"
    csv.write_text("variable,code,target\nsector,1,0.5\nsector,2,0.3\nsector,missing,0.2\n")
    assert load_targets(csv).margins == {"sector": {"1": 0.5, "2": 0.3, "missing": 0.2}}
    blank = tmp_path / "b.csv"
    blank.write_text("variable,code,target\nsector,,0.2\n")
    with pytest.raises(TargetsError, match=r"b.csv, line 2: the variable and the code must not be empty \(write `missing`"):
        load_targets(blank)
    frame = leaders_wave(2024).filter(pl.col("role").is_not_null())
    r = Responses(LEADERS, frame)
    cells = {f"{s}*{k}": 0.0 for s in (1, 2, 3, 4, "missing") for k in (1, 2, 3, 4, 5)}
    counts = frame.group_by("sector", "role").len()
    for s, k, n in counts.iter_rows():
        cells[f"{'missing' if s is None else s}*{k}"] = float(n) * 10
    cells = {key: value for key, value in cells.items() if value > 0}
    result = poststratify(r, Targets({"sector*role": cells}))
    got = pl.DataFrame({"s": r.data["sector"], "k": r.data["role"], "w": result.weights}).group_by("s", "k").agg(pl.col("w").sum())
    for s, k, w in got.iter_rows():
        assert w == pytest.approx(cells[f"{'missing' if s is None else s}*{k}"], rel=1e-12)


def test_weighting_with_blank_weighting_variable_counts_rows_as_the_file_shows_them(tmp_path):
    """Rejected and wholly empty rows do not shift the row numbers a message gives."""
    path = tmp_path / "answers.csv"
    path.write_text("sector,role\n1,1\n9,1\n,\n2,2\n,3\n")  # row 3: sector 9 is rejected; row 4 is empty
    responses = read_responses(path, LEADERS).responses
    assert responses.rows.tolist() == [2, 5, 6]
    with pytest.raises(stats.WeightingDataError, match=r"answers.csv: 1 respondent has no answer to 'sector', .*: row 6\."):
        rake(responses, Targets({"sector": {1: 0.5, 2: 0.5}}))
