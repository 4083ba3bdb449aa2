"""What a command imports (issue 15: speed for interactive use). ``collabstate --help`` and the
small commands load none of the heavy libraries, and ``estimate`` never loads ``scipy.stats``:
each is run in a fresh interpreter, as a user runs it, and the modules it loaded are read from
``sys.modules``. Timings belong to ``benchmarks/bench_cli.py``; this test says what regressed."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import collabstate
from collabstate.dataset import Responses, write_responses
from collabstate.demo import leaders_wave
from collabstate.instrument import load_instrument

SRC = str(Path(collabstate.__file__).parents[1])  # the collabstate under test, not the one installed

#: Run the command line in-process (as the console script does) and report the modules it loaded.
SCRIPT = textwrap.dedent(
    """
    import contextlib, io, json, sys
    from collabstate.cli import app

    with contextlib.redirect_stdout(io.StringIO()):
        try:
            app(sys.argv[1:], prog_name="collabstate")
        except SystemExit as exc:
            code = exc.code
    print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
    """
)

#: Heavy, and needed by none of the commands below.
DATA = ("numpy", "polars", "pyarrow", "scipy", "pandas", "narwhals")
WRITERS = ("xlsxwriter", "pyreadstat", "altair", "vl_convert", "weasyprint", "jinja2")
WEB = ("django", "gunicorn", "collabstate.web", "collabstate.report")
ROOMS = ("collabstate.dataset", "collabstate.stats", "collabstate.analysis")
#: Only what reads instruments needs these (and typer needs pydantic to parse a command's options).
INSTRUMENTS = ("lark", "yaml", "collabstate.instrument")


def loaded(*args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        capture_output=True,
        text=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "PYTHONPATH": SRC},
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["code"] in (0, None), (args, result.stderr)
    return set(report["modules"])


def heavy(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m.startswith(tuple(f"{n}." for n in names)) or m in names)


def test_help_loads_no_heavy_library():
    modules = loaded("--help")
    assert "collabstate.cli" in modules
    assert heavy(modules, DATA + WRITERS + WEB + ROOMS + INSTRUMENTS + ("pydantic",)) == []


@pytest.mark.parametrize("args", [["instrument"], ["wave"], ["estimate"], ["validate"], ["report"], ["demo"], ["serve"]], ids=" ".join)
def test_a_command_s_help_loads_no_data_library(args):
    modules = loaded(*args, "--help")
    assert heavy(modules, DATA + WRITERS + WEB + ROOMS + INSTRUMENTS) == []


@pytest.mark.parametrize("args", [["instrument", "show", "leaders"], ["instrument", "list"], ["instrument", "schema"]], ids=" ".join)
def test_instrument_commands_load_no_data_library(args):
    modules = loaded(*args)
    assert "collabstate.instrument" in modules
    assert heavy(modules, DATA + WRITERS + WEB + ROOMS) == []


def test_estimate_loads_neither_scipy_stats_nor_the_writers(tmp_path):
    """``estimate`` needs numpy, polars and scipy.special (its quantiles), not scipy.stats (most of
    a second to import), the file writers or the web."""
    data = write_responses(Responses(load_instrument("leaders"), leaders_wave(2025)), tmp_path / "leaders.csv", "csv")
    modules = loaded("estimate", str(data), "-i", "leaders", "--by", "sector", "-q", "growth_belief,statements", "--format", "json")
    assert {"numpy", "polars", "scipy.special", "collabstate.stats"} <= modules
    assert heavy(modules, ("scipy.stats", "scipy.sparse", "pandas", *WRITERS, *WEB)) == []
