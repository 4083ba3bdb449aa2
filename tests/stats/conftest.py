"""Shared by the tests that compare with R's ``survey`` package: run one of ``tests/stats/r/*.R``
once, into a temporary folder, or skip with the reason R cannot be used."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

R_DIR = Path(__file__).parent / "r"


def r_missing() -> str | None:
    """Why R's survey package cannot be run here, or None."""
    if shutil.which("Rscript") is None:
        return "Rscript is not installed"
    probe = subprocess.run(["Rscript", "-e", "quit(status = !requireNamespace('survey', quietly = TRUE))"], capture_output=True)
    return None if probe.returncode == 0 else "R's survey package is not installed"


def _run_r_script(script: str, tmp_path_factory, *, skip_note: str = "") -> Path:
    """Run ``tests/stats/r/<script>`` with an output folder; the folder it wrote to."""
    reason = r_missing()
    if reason:
        pytest.skip(f"{reason}{skip_note}")
    out = tmp_path_factory.mktemp(Path(script).stem)
    run = subprocess.run(["Rscript", str(R_DIR / script), str(out)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return out


def r_on_cases(script: str, cases: dict[str, pl.DataFrame], tmp_path_factory) -> pl.DataFrame:
    """Each case written as ``<name>.csv`` (blanks as NA) into a new folder, ``tests/stats/r/<script>``
    run on that folder, and the ``reference.csv`` it wrote (or skip with the reason R cannot run)."""
    reason = r_missing()
    if reason:
        pytest.skip(reason)
    out = tmp_path_factory.mktemp(Path(script).stem)
    for name, frame in cases.items():
        frame.write_csv(out / f"{name}.csv", null_value="NA")
    run = subprocess.run(["Rscript", str(R_DIR / script), str(out)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return pl.read_csv(out / "reference.csv")


@pytest.fixture(scope="session")
def need_r() -> None:
    """Skip with the reason when R's survey package cannot be run."""
    reason = r_missing()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def run_r_script(tmp_path_factory):
    """``run_r_script("reference.R")``: run an R script once and get its output folder (or skip)."""
    return lambda script, *, skip_note="": _run_r_script(script, tmp_path_factory, skip_note=skip_note)


def _reference_table(path: Path, keys: tuple[str, ...]) -> dict[tuple, float]:
    """An R script's long ``reference.csv`` (variable, by, group, stat, value and the case columns)
    as {(keys…): value}; an empty variable, by or group reads as ''."""
    ref = pl.read_csv(path, schema_overrides={"group": pl.String, "value": pl.Float64, "by": pl.String, "variable": pl.String})
    ref = ref.with_columns(pl.col("variable", "by", "group").fill_null(""))
    return {tuple(r[k] for k in keys): r["value"] for r in ref.iter_rows(named=True)}


@pytest.fixture(scope="session")
def r_reference_table():
    """``r_reference_table(out / "reference.csv", ("case", "variable", "by", "group", "stat"))``."""
    return _reference_table
