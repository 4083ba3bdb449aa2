"""The hostile-input corpus against the command line (issue 14): every case, run as a person runs
it, in a child process limited to 2 GB of address space and 20 s. Each ends with exit 0 or 1 and a
message (no traceback, no abort), and leaves nothing half-written in the output folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from hostile_cases import DATA, INSTRUMENTS, PULSE, SAMPLED, TARGETS, Case

SECONDS = 20
MEMORY = 2 << 30
#: Sets the limits, then runs the command line as ``python -m collabstate`` would.
LIMITED = (
    "import resource, runpy, sys\n"
    f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY}, {MEMORY}))\n"
    "sys.argv = ['collabstate', *sys.argv[1:]]\n"
    "runpy.run_module('collabstate', run_name='__main__')\n"
)


def cli(*args: str, cwd: Path, terminal: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p), "COLUMNS": "200"}
    env.pop("TTY_COMPATIBLE", None)
    if terminal:  # rich's consoles behave as on a terminal: tables, spinners, styles
        env["TTY_COMPATIBLE"] = "1"
    try:
        return subprocess.run([sys.executable, "-c", LIMITED, *args], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=SECONDS, check=False)  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"collabstate {' '.join(args)} took more than {SECONDS} s")


def ended_well(result: subprocess.CompletedProcess[str], codes: tuple[int, ...] = (0, 1)) -> str:
    """The command's output, once it is known to have ended with an allowed code, a message and
    no traceback or abort."""
    said = result.stdout + result.stderr
    assert result.returncode in codes, f"exit {result.returncode}:\n{said[-3000:]}"
    assert "Traceback" not in said and "panicked" not in said and "memory allocation" not in said, said[-3000:]
    assert said.strip(), "no message at all"
    return " ".join(said.split())


def params(cases: list[Case], xfail: bool = True) -> list:
    """The cases as parameters; ``xfail``: a case that another item of the issue owns is expected
    to fail (strictly: when it passes, the mark must go)."""
    return [
        pytest.param(case, id=case.name, marks=[pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail and xfail else [])
        for case in cases
    ]


@pytest.fixture
def folder(tmp_path) -> Path:
    (tmp_path / "pulse.yaml").write_text(PULSE, encoding="utf-8")
    (tmp_path / "out").mkdir()
    return tmp_path


def nothing_half_written(out: Path) -> None:
    """Every file the command left in ``out`` reads back whole."""
    for path in out.iterdir():
        if path.suffix == ".parquet":
            pl.read_parquet(path)
        elif path.suffix == ".csv":
            pl.read_csv(path, infer_schema=False)
        else:
            pytest.fail(f"unexpected file {path.name}")


@pytest.mark.parametrize("case", params(DATA))
def test_validate(case: Case, folder: Path):
    path = case.make(folder)
    said = ended_well(cli("validate", str(path.relative_to(folder)), "-i", "pulse.yaml", "--rejects", "out/rejects.csv", cwd=folder),
                      case.codes)  # fmt: skip
    for words in case.says:
        assert words in said, said[-2000:]
    nothing_half_written(folder / "out")


@pytest.mark.parametrize("case", params(SAMPLED, xfail=False))
def test_convert_writes_whole_files_or_nothing(case: Case, folder: Path):
    path = case.make(folder)
    result = cli(
        "convert", str(path.relative_to(folder)), "-i", "pulse.yaml", "--to", "parquet", "--out", "out/converted.parquet", cwd=folder
    )
    said = ended_well(result)
    if result.returncode == 1 and case.codes == (1,) and "error:" in said:
        assert not (folder / "out" / "converted.parquet").exists()
        for words in case.says:
            assert words in said, said[-2000:]
    nothing_half_written(folder / "out")


@pytest.mark.parametrize("case", params(SAMPLED, xfail=False))
def test_estimate(case: Case, folder: Path):
    path = case.make(folder)
    said = ended_well(cli("estimate", str(path.relative_to(folder)), "-i", "pulse.yaml", "--format", "json", cwd=folder))
    if case.codes == (1,) and said.startswith("error:"):
        for words in case.says:
            assert words in said, said[-2000:]


@pytest.mark.parametrize("case", params(SAMPLED, xfail=False))
def test_validate_on_a_terminal(case: Case, folder: Path):
    """As on a terminal (a spinner, a table of problems): the same ends, nothing read as markup
    (a table folds long lines, so only the file's name and any ``[/]`` are looked for)."""
    path = case.make(folder)
    said = ended_well(cli("validate", str(path.relative_to(folder)), "-i", "pulse.yaml", "--strict", cwd=folder, terminal=True), case.codes)
    assert path.name in said
    if any("[/]" in words for words in case.says):
        assert "'[/]'" in said


@pytest.mark.parametrize("case", params(INSTRUMENTS))
def test_instrument_check(case: Case, folder: Path):
    path = case.make(folder)
    said = ended_well(cli("instrument", "check", path.name, cwd=folder), case.codes)
    for words in case.says:
        assert words in said, said[-2000:]


@pytest.mark.parametrize("case", params(INSTRUMENTS))
def test_validate_with_a_hostile_instrument(case: Case, folder: Path):
    path = case.make(folder)
    (folder / "answers.csv").write_bytes(b"respondent_id,works\n1,1\n")
    said = ended_well(cli("validate", "answers.csv", "-i", path.name, cwd=folder), case.codes)
    if case.codes == (1,):
        assert said.startswith("error: ") and path.name in said


@pytest.mark.parametrize("terminal", [False, True])
def test_a_control_character_in_a_value_is_shown_as_its_escape_never_sent_to_the_terminal(folder: Path, terminal: bool):
    (folder / "esc.csv").write_bytes(b"respondent_id,works\n1,\x1b[2J\x07\n")
    result = cli("validate", "esc.csv", "-i", "pulse.yaml", "--strict", cwd=folder, terminal=terminal)
    said = ended_well(result, (1,))
    assert "\\x1b[2J\\x07" in said
    assert "\x1b[2J" not in result.stdout + result.stderr and "\x07" not in result.stdout + result.stderr


def test_instrument_show_prints_markup_in_a_title_as_it_is(folder: Path):
    (folder / "markup.yaml").write_text(PULSE.replace("title: Partnership pulse", 'title: "[/] Pulse [bold]"'), encoding="utf-8")
    for terminal in (False, True):
        said = ended_well(cli("instrument", "show", "markup.yaml", cwd=folder, terminal=terminal), (0,))
        assert "[/] Pulse [bold]" in said and "(pulse): 3 questions" in said


@pytest.mark.parametrize("case", params(TARGETS))
def test_report_with_hostile_targets(case: Case, folder: Path):
    """``report --weights``: the targets file is read before anything is built."""
    path = case.make(folder)
    (folder / "answers.csv").write_bytes(b"respondent_id,works,partners\n" + b"".join(f"{i},{1 + i % 2},{i}\n".encode() for i in range(40)))
    said = ended_well(cli("report", "answers.csv", "-i", "pulse.yaml", "--weights", path.name, "--out", "out/report", cwd=folder),
                      case.codes)  # fmt: skip
    for words in case.says:
        assert words in said, said[-2000:]
    assert not any((folder / "out").iterdir()), "a report was begun"


def test_the_wave_list_prints_titles_as_they_are(folder: Path, monkeypatch):
    """A wave titled with terminal markup: ``wave list`` prints every wave, the title as written (it
    crashed for every wave when one title held ``[/]``)."""
    monkeypatch.setenv("COLLABSTATE_VAR", str(folder / "var"))
    for slug, title in (("pulse-a", "[/] Pulse [bold]"), ("pulse-b", "[bold red]Pulse")):
        ended_well(cli("wave", "create", slug, "-i", "pulse.yaml", "--title", title, cwd=folder), (0,))
    said = ended_well(cli("wave", "create", "pulse-c", "-i", "pulse.yaml", "--title", "Pulse \x1b[2J", cwd=folder), (1,))
    assert "control character (U+001B)" in said and "\x1b[2J" not in said  # refused at the door (item 4's single-line titles)
    for terminal in (False, True):
        said = ended_well(cli("wave", "list", cwd=folder, terminal=terminal), (0,))
        assert "pulse-a" in said and "[/] Pulse [bold]" in said
        assert "pulse-b" in said and "[bold red]Pulse" in said
