"""Every Python and shell snippet of the README, CONTRIBUTING.md and docs/ runs, against the demo
data (issue 13): docs that tests keep honest, as Datasette's test_docs.py does.

Python snippets (```python) run in the test's process. Shell snippets (```sh, ```bash, ```shell
and the ``$`` lines of ```console) run line by line, in order: each ``collabstate …`` line (or
``.venv/bin/collabstate …``) runs as ``python -m collabstate …`` in a subprocess and must exit 0.
A line that a test cannot run (make targets, a server) is listed in :data:`NOT_RUN` with its
reason; a line that is neither run nor listed fails the test, and so does a command written
outside a shell snippet, so a new snippet is never silently left out.

Every snippet runs in one folder per test process, holding the files the snippets name:
``answers.csv`` (the 2025 leaders demo wave without its ``wave`` column), ``leaders-2024.csv``,
``leaders-2025.csv`` and ``leaders-2026.csv`` (as ``collabstate demo`` writes them), an
``earlier-waves/`` folder of the first two, ``now.csv``, ``last-year.csv`` and ``two-years-ago.csv``
(the 2026, 2025 and 2024 waves, labelled by their file names), ``readiness-2018.csv``, ``our-org.csv``
(the demo's organisation), ``my-survey.yaml`` (the README's instrument), ``groups.yaml`` (the derived variables of
docs/tables.md), ``barriers-codebook.yaml`` (the codebook of docs/text-suggest.md), ``report.yaml`` (the report spec of docs/report-spec.md), ``invitees.csv`` and ``targets.yaml``. The web commands keep their database in its ``var/``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import collabstate
from collabstate import Responses, load_instrument, write_responses
from collabstate.demo import demo_organisation, leaders_wave, readiness_2018

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
SNIPPETS = [(doc, i, code) for doc in DOCS for i, code in enumerate(FENCE.findall(doc.read_text(encoding="utf-8")), 1)]

SHELL_DOCS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_FENCE = re.compile(r"^(?P<indent>[ ]*)```(?P<language>sh|bash|shell|console)\n(?P<body>.*?)^(?P=indent)```", re.S | re.M)
#: How a shell snippet names the command line.
PROGRAMS = ("collabstate", ".venv/bin/collabstate")

#: Lines of the shell snippets a test cannot run, each with its reason.
NOT_RUN = {
    "make setup": "creates .venv and installs the package and its dev tools: what runs these tests",
    "make demo": "installs the report's JavaScript, Chromium and poppler first; `collabstate demo` is tested in tests/demo",
    "make test": "runs this test suite",
    "make check": "ruff and mypy, which CI runs before the tests",
    "make test-postgres": "installs and starts a PostgreSQL cluster",
    "make bench": "the speed benchmarks run for minutes",
    "make loadtest": "starts servers and 200 simulated respondents for minutes",
    "make serve": "a server that runs until it is stopped",
}


@dataclass(frozen=True)
class ShellSnippet:
    doc: Path
    number: int
    lines: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.doc.name}-sh{self.number}"


def _shell_lines(body: str, indent: int, console: bool) -> list[str]:
    """The commands of a snippet: continued lines joined, prompts of console blocks taken off,
    blank lines, comments and (in console blocks) output left out."""
    out: list[str] = []
    pending = ""
    for raw in body.splitlines():
        line = pending + raw[indent:]
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        pending = ""
        if console:
            if not line.startswith("$ "):
                continue
            line = line[2:]
        if line.strip() and not line.lstrip().startswith("#"):
            out.append(line.strip())
    return out


def _shell_snippets() -> list[ShellSnippet]:
    found = []
    for doc in SHELL_DOCS:
        for i, m in enumerate(SHELL_FENCE.finditer(doc.read_text(encoding="utf-8")), 1):
            lines = _shell_lines(m["body"], len(m["indent"]), m["language"] == "console")
            found.append(ShellSnippet(doc, i, tuple(lines)))
    return found


SHELL_SNIPPETS = _shell_snippets()


def _words(line: str) -> list[str]:
    return shlex.split(line, comments=True)


def _runs(line: str) -> bool:
    """A line the test runs: the command line, not a line of NOT_RUN."""
    return _words(line)[0] in PROGRAMS


def _listed(line: str) -> bool:
    return " ".join(_words(line)) in NOT_RUN


RUNNABLE = [s for s in SHELL_SNIPPETS if any(_runs(line) for line in s.lines)]


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("snippets")
    leaders, readiness = load_instrument("leaders"), load_instrument("readiness-2018")
    for year in (2024, 2025, 2026):
        write_responses(Responses(leaders, leaders_wave(year)), folder / f"leaders-{year}.csv", "csv")
    write_responses(Responses(leaders, leaders_wave(2025).drop("wave")), folder / "answers.csv", "csv")
    (folder / "earlier-waves").mkdir()
    for year in (2024, 2025):
        shutil.copy(folder / f"leaders-{year}.csv", folder / "earlier-waves")
    for name, year in (("now", 2026), ("last-year", 2025), ("two-years-ago", 2024)):
        write_responses(Responses(leaders, leaders_wave(year).drop("wave")), folder / f"{name}.csv", "csv")
    r18 = readiness_2018()
    write_responses(Responses(readiness, r18), folder / "readiness-2018.csv", "csv")
    write_responses(Responses(readiness, demo_organisation(r18)), folder / "our-org.csv", "csv")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [instrument] = [y for y in re.findall(r"^```yaml\n(.*?)^```", readme, re.S | re.M) if "\nquestions:" in y]
    (folder / "my-survey.yaml").write_text(instrument, encoding="utf-8")
    (folder / "invitees.csv").write_text(
        "email,name,organisation,sector\nann@example.org,Ann Lee,North Trust,3\nbo@example.org,Bo Khan,City Council,1\n", encoding="utf-8"
    )
    tables = (ROOT / "docs" / "tables.md").read_text(encoding="utf-8")
    [groups] = [y for y in re.findall(r"^```yaml\n(.*?)^```", tables, re.S | re.M) if y.startswith("derived:")]
    (folder / "groups.yaml").write_text(groups, encoding="utf-8")
    suggest = (ROOT / "docs" / "text-suggest.md").read_text(encoding="utf-8")
    [codebook] = [y for y in re.findall(r"^```yaml\n(.*?)^```", suggest, re.S | re.M) if y.startswith("question:")]
    (folder / "barriers-codebook.yaml").write_text(codebook, encoding="utf-8")
    specs = (ROOT / "docs" / "report-spec.md").read_text(encoding="utf-8")
    [spec] = [y for y in re.findall(r"^```yaml\n(.*?)^```", specs, re.S | re.M) if y.startswith("title:")]
    (folder / "report.yaml").write_text(spec, encoding="utf-8")
    (folder / "targets.yaml").write_text("sector: {1: 0.3, 2: 0.5, 3: 0.15, 4: 0.05}\n", encoding="utf-8")
    return folder


def test_the_docs_have_python_snippets():
    assert {doc.name for doc, _, _ in SNIPPETS} >= {"README.md", "waves.md"}


@pytest.mark.parametrize(("doc", "number", "code"), SNIPPETS, ids=[f"{d.name}-{i}" for d, i, _ in SNIPPETS])
def test_snippet_runs_on_the_demo_data(doc, number, code, demo_folder, monkeypatch, capsys):
    monkeypatch.chdir(demo_folder)
    exec(compile(code, f"{doc.name} snippet {number}", "exec"), {"__name__": "__snippet__"})


def test_every_shell_line_of_the_docs_is_run_or_listed_with_a_reason():
    assert {s.doc.name for s in RUNNABLE} >= {"README.md", "waves.md"}
    lines = [(s.name, line) for s in SHELL_SNIPPETS for line in s.lines]
    neither = [f"{name}: {line}" for name, line in lines if not _runs(line) and not _listed(line)]
    assert not neither, f"shell lines neither run by this test nor listed in NOT_RUN with a reason: {neither}"
    used = {" ".join(_words(line)) for _, line in lines}
    assert set(NOT_RUN) <= used, f"NOT_RUN lists lines no doc has any more: {sorted(set(NOT_RUN) - used)}"
    assert all(reason.strip() for reason in NOT_RUN.values())


def test_no_command_is_written_outside_a_shell_snippet():
    """A command line in another kind of block (or in an indented code block) would not be run: it
    must be in a ```sh snippet. Prose that names a command, in `backticks` or not, is not one."""
    fence = re.compile(r"^(?P<indent>[ ]*)```(?P<language>[^\n]*)\n(?P<body>.*?)^(?P=indent)```", re.S | re.M)
    command = re.compile(r"^\s*(\$ |\.venv/bin/)?collabstate\s")
    code_outside = re.compile(r"^( {4,}|\s*\$ |\s*\.venv/bin/)collabstate\s")  # indented code, a prompt or the venv's path
    for doc in SHELL_DOCS:
        text = doc.read_text(encoding="utf-8")
        stray, fenced = [], set()
        for m in fence.finditer(text):
            first = text.count("\n", 0, m.start())
            fenced.update(range(first, first + m.group(0).count("\n") + 1))
            if m["language"] not in ("sh", "bash", "shell", "console"):
                stray += [line for line in m["body"].splitlines() if command.match(line)]
        stray += [line for n, line in enumerate(text.splitlines()) if n not in fenced and code_outside.match(line)]
        assert not stray, f"{doc.name}: commands outside a ```sh snippet: {stray}"


def _environment(folder: Path) -> dict[str, str]:
    """The test's environment for the command line: this checkout's collabstate, the web app's
    database and mail under the folder's var/ (SQLite, never a DATABASE_URL of the caller's)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_", "EMAIL_", "COLLABSTATE_"))}
    if "COLLABSTATE_NODE_MODULES" in os.environ:
        env["COLLABSTATE_NODE_MODULES"] = os.environ["COLLABSTATE_NODE_MODULES"]
    src = str(Path(collabstate.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [os.environ.get("PYTHONPATH")])])
    env["COLLABSTATE_VAR"] = str(folder / "var")
    env["COLUMNS"] = "120"
    return env


def _run(line: str, folder: Path) -> subprocess.CompletedProcess[str]:
    words = _words(line)
    out = None
    if len(words) > 2 and words[-2] == ">":  # the one piece of shell the snippets use: stdout to a file
        out, words = folder / words[-1], words[:-2]
    unknown = [w for w in words if w in ("|", "||", "&&", ";", "<", ">", ">>", "2>", "&")]
    assert not unknown, f"{line!r}: the test runs one command with at most '> file', not {unknown}"
    command = [sys.executable, "-m", "collabstate", *words[1:]]
    done = subprocess.run(command, cwd=folder, env=_environment(folder), capture_output=True, text=True, timeout=300)
    if out is not None:
        out.write_text(done.stdout, encoding="utf-8")
    return done


@pytest.mark.parametrize("snippet", RUNNABLE, ids=[s.name for s in RUNNABLE])
def test_shell_snippet_runs_on_the_demo_data(snippet: ShellSnippet, demo_folder):
    if any(_words(line)[1:2] in (["report"], ["benchmark"]) for line in snippet.lines if _runs(line)):
        from collabstate.report.assets import AssetsMissing, node_modules

        try:
            node_modules()
        except AssetsMissing:
            pytest.skip("node_modules is missing (run `make setup`, which runs `npm ci`): the reports cannot be written")
    for line in snippet.lines:
        if not _runs(line):
            continue
        done = _run(line, demo_folder)
        assert done.returncode == 0, f"{snippet.name}: {line}\nexit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
