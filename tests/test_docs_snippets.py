"""Every Python snippet of the README and docs/ runs, against the demo data (issue 13): docs that
tests keep honest, as Datasette's test_docs.py does. Each runs in a fresh folder holding the files
the snippets name: ``answers.csv`` (the 2025 leaders demo wave), ``leaders-2024.csv`` and
``leaders-2025.csv`` (as ``collabstate demo`` writes them) and ``targets.yaml``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from collabstate import Responses, load_instrument, write_responses
from collabstate.demo import leaders_wave

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
SNIPPETS = [(doc, i, code) for doc in DOCS for i, code in enumerate(FENCE.findall(doc.read_text(encoding="utf-8")), 1)]


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("snippets")
    leaders = load_instrument("leaders")
    for year in (2024, 2025):
        write_responses(Responses(leaders, leaders_wave(year)), folder / f"leaders-{year}.csv", "csv")
    write_responses(Responses(leaders, leaders_wave(2025).drop("wave")), folder / "answers.csv", "csv")
    (folder / "targets.yaml").write_text("sector: {1: 0.3, 2: 0.5, 3: 0.15, 4: 0.05}\n", encoding="utf-8")
    return folder


def test_the_docs_have_python_snippets():
    assert {doc.name for doc, _, _ in SNIPPETS} >= {"README.md", "waves.md"}


@pytest.mark.parametrize(("doc", "number", "code"), SNIPPETS, ids=[f"{d.name}-{i}" for d, i, _ in SNIPPETS])
def test_snippet_runs_on_the_demo_data(doc, number, code, demo_folder, monkeypatch, capsys):
    monkeypatch.chdir(demo_folder)
    exec(compile(code, f"{doc.name} snippet {number}", "exec"), {"__name__": "__snippet__"})
