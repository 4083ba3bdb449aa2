"""Reports built once per test session and shared by the xdist workers (a file lock per report):
the 2018 readiness report, the 2025 leaders' report against 2024, and an organisation's peer
comparison (the readiness benchmark)."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from collabstate import Responses, load_instrument
from collabstate.demo import leaders_wave, readiness_2018

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
CHROMIUM = Path("/usr/bin/chromium")


def need_node_modules() -> None:
    if not (NODE_MODULES / "vega-embed" / "build" / "vega-embed.min.js").is_file():
        pytest.skip("node_modules is missing (run `make setup`, which runs `npm ci`)")


def need(program: str) -> None:
    if shutil.which(program) is None:
        pytest.skip(f"{program} is not installed (scripts/install-report-deps.sh installs it)")


@contextmanager
def _lock(path: Path, blocking: bool = True):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def r18() -> Responses:
    return Responses(load_instrument("readiness-2018"), readiness_2018(), source="the 2018 demo wave")


def leaders(year: int) -> Responses:
    return Responses(load_instrument("leaders"), leaders_wave(year), source=f"the {year} demo wave")


def _build(name: str, out: Path) -> dict:
    from collabstate.demo import demo_organisation
    from collabstate.report import build_report
    from collabstate.report.peer_comparison import build_peer_comparison

    if name == "r18":
        paths = build_report(r18(), out, invited=7000)
    elif name == "l25":
        paths = build_report(leaders(2025), out, previous=leaders(2024))
    else:
        everyone = r18()
        org = Responses(everyone.instrument, demo_organisation(everyone.data))
        paths = build_peer_comparison(org, everyone, out, name="Example Housing Trust")
    return {
        "html": str(paths.html), "pdf": str(paths.pdf), "xlsx": str(paths.xlsx), "pptx": str(paths.pptx), "estimates": str(paths.estimates),
        "changes": str(paths.changes) if paths.changes else None, "pdf_charts": paths.pdf_charts, "pdf_layout": paths.pdf_layout,
    }  # fmt: skip


NAMES = ("r18", "l25", "bench")


@pytest.fixture(scope="session")
def shared_dir(tmp_path_factory) -> Path:
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "collabstate-reports"


def _ensure(shared: Path, wanted: str) -> dict:
    need_node_modules()
    # Build whichever report nobody is building yet (workers build different reports at once) …
    others = [n for n in NAMES if n != wanted] if os.environ.get("PYTEST_XDIST_WORKER") else []
    for name in (wanted, *others):
        done = shared / name / "paths.json"
        with _lock(shared / f"{name}.lock", blocking=False) as mine:
            if mine and not done.exists():
                done.parent.mkdir(parents=True, exist_ok=True)
                done.write_text(json.dumps(_build(name, shared / name)))
        if name == wanted and done.exists():
            break
    # … then wait for the one wanted.
    with _lock(shared / f"{wanted}.lock"):
        done = shared / wanted / "paths.json"
        if not done.exists():
            done.write_text(json.dumps(_build(wanted, shared / wanted)))
        return json.loads(done.read_text())


@pytest.fixture(scope="session")
def r18_report(shared_dir) -> dict:
    return _ensure(shared_dir, "r18")


@pytest.fixture(scope="session")
def l25_report(shared_dir) -> dict:
    return _ensure(shared_dir, "l25")


@pytest.fixture(scope="session")
def bench_report(shared_dir) -> dict:
    return _ensure(shared_dir, "bench")
