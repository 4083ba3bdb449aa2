"""End-to-end tests of the command line, run as a user runs it: a subprocess, exit codes, output."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import polars as pl
import pytest

import collabstate

CLI = [sys.executable, "-m", "collabstate"]
SRC = str(Path(collabstate.__file__).parents[1])  # the collabstate under test, not the one installed


def run(*args, cwd=None):
    return subprocess.run(
        [*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "PYTHONPATH": SRC}
    )


def test_help_of_every_command_has_an_example():
    for command in (
        ["instrument", "list"],
        ["instrument", "show"],
        ["instrument", "schema"],
        ["instrument", "check"],
        ["validate"],
        ["convert"],
        ["demo"],
    ):
        result = run(*command, "--help")
        assert result.returncode == 0, result.stderr
        assert "Example: collabstate" in result.stdout, command


def test_usage_error_exits_2():
    assert run("validate", "x.csv").returncode == 2  # no --instrument
    assert run("frobnicate").returncode == 2


def test_instrument_list_show_schema():
    listing = run("instrument", "list")
    assert listing.returncode == 0 and "readiness-2018" in listing.stdout and "leaders" in listing.stdout
    shown = run("instrument", "show", "readiness-2018")
    assert "q1_example == 1" in shown.stdout and "imp_behaviours" in shown.stdout
    schema = json.loads(run("instrument", "schema").stdout)
    assert schema["title"] == "collabstate instrument"


def test_instrument_show_piped_prints_every_id_whole():
    """Ids are what people copy: piped (not a terminal, the usual 80 columns), no id is cut."""
    shown = subprocess.run(
        [*CLI, "instrument", "show", "readiness-2018"],
        capture_output=True,
        text=True,
        env={"COLUMNS": "80", "PATH": "/usr/bin:/bin", "PYTHONPATH": SRC},
    )
    lines = shown.stdout.splitlines()
    assert lines[1].split("\t") == ["id", "type", "question", "codes", "asked when"]
    ids = [line.split("\t")[0] for line in lines[2:] if "\t" in line]
    assert "q10_involvement" in ids and "q3_stakeholders" in ids and not any("…" in i for i in ids)
    assert "private_housing_developer" in shown.stdout  # the codes whole too
    listing = run("instrument", "list").stdout.splitlines()
    assert listing[0].split("\t") == ["id", "title", "questions", "data columns"]


def test_instrument_check(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("id: g\ntitle: G\nquestions:\n  - {id: a, type: text, text: A}\n")
    assert run("instrument", "check", good).returncode == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: g\ntitle: G\nquestions:\n  - {id: a, type: text, text: A}\n  - {id: a, type: text, text: B}\n")
    result = run("instrument", "check", bad)
    assert result.returncode == 1
    assert "line 5: questions[1].id: duplicate id 'a'" in result.stderr
    assert run("instrument", "check", tmp_path / "missing.yaml").returncode == 1


LEADERS_CSV = textwrap.dedent(
    """\
    respondent_id,sector,civil_service,role,growth_belief,state_rating
    r1,1,1,3,5,2
    r2,5,,3,4,3
    r3,Private,,2,7,4
    r4,public,2,1,Agree,Good
    """
)


def test_validate_names_every_problem_with_row_and_column(tmp_path):
    data = tmp_path / "answers.csv"
    data.write_text(LEADERS_CSV)
    result = run("validate", data, "--instrument", "leaders")
    assert result.returncode == 1
    text = result.stdout + result.stderr
    assert "answers.csv: 4 rows read, 2 valid, 2 rejected, 2 problems" in " ".join(text.split())
    rejects = pl.read_csv(tmp_path / "answers.csv.rejects.csv", infer_schema=False)
    assert rejects["row"].to_list() == ["3", "4"]
    assert "sector" in rejects["problems"][0] and "growth_belief" in rejects["problems"][1]
    assert "answers.csv, row 3, column sector: '5' is not valid; expected a code of Sector" in result.stderr
    assert "answers.csv, row 4, column growth_belief: '7' is not valid" in result.stderr


def test_validate_strict_writes_nothing(tmp_path):
    data = tmp_path / "answers.csv"
    data.write_text(LEADERS_CSV)
    assert run("validate", data, "--instrument", "leaders", "--strict").returncode == 1
    assert not (tmp_path / "answers.csv.rejects.csv").exists()


def test_validate_clean_file_exits_0(tmp_path):
    data = tmp_path / "answers.csv"
    data.write_text("sector,growth_belief\n1,5\nHigher education,Strongly agree\n")
    result = run("validate", data, "--instrument", "leaders")
    assert result.returncode == 0, result.stderr
    assert "2 valid, 0 rejected" in result.stdout


def test_unreadable_data_exits_1(tmp_path):
    assert run("validate", tmp_path / "nope.csv", "--instrument", "leaders").returncode == 1
    assert run("validate", tmp_path / "nope.csv", "--instrument", "no-such-instrument").returncode == 1


def test_convert_keeps_valid_rows_and_strict_fails(tmp_path):
    data = tmp_path / "answers.csv"
    data.write_text(LEADERS_CSV)
    result = run("convert", data, "--instrument", "leaders", "--to", "parquet")
    assert result.returncode == 0, result.stderr
    assert "2 rows rejected" in result.stdout
    assert pl.read_parquet(tmp_path / "answers.parquet")["respondent_id"].to_list() == ["r1", "r4"]
    (tmp_path / "answers.parquet").unlink()
    assert run("convert", data, "--instrument", "leaders", "--to", "parquet", "--strict").returncode == 1
    assert not (tmp_path / "answers.parquet").exists()
    assert run("convert", data, "--instrument", "leaders", "--to", "docx").returncode == 2


@pytest.mark.parametrize("fmt", ["csv", "sav"])
def test_demo_prints_the_published_readiness_means(tmp_path, fmt):
    with_reports = fmt == "csv"  # the reports are the same whatever the file format: build them once
    result = run("demo", "--out", tmp_path / "demo", "--format", fmt, *([] if with_reports else ["--no-reports"]))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()

    def value(measure):
        found = [line for line in lines if measure in line]
        assert found, measure
        return found[0].split("│")[2].strip()

    assert value("importance, mean over the 6 index factors") == "2.42"
    assert value("importance, mean over all 8 factors") == "2.28"
    assert value("prevalence, mean over the 6 index factors") == "2.18"
    assert value("prevalence, mean over all 8 factors") == "2.06"
    assert value("Importance of collaboration to delivering services: important or critical") == "93%"
    files = sorted(p.name for p in (tmp_path / "demo").iterdir() if p.is_file())
    coding = [f"{q}-{kind}" for q in ("barriers", "enablers") for kind in ("codebook.yaml", "codes.csv")]
    assert files == sorted([*(f"{name}.{fmt}" for name in ("readiness-2018", "leaders-2024", "leaders-2025", "leaders-2026")), *coding])
    printed = [
        line.split()
        for line in lines
        if line.startswith(("readiness-2018: ", "leaders-2026: ", "leaders-2025: ", "benchmark: ")) and ".html" in line
    ]
    if with_reports:
        assert [words[0] for words in printed] == ["readiness-2018:", "leaders-2026:", "leaders-2025:", "benchmark:"]
        for words in printed:  # the HTML, the PDF, the workbook and the slides
            assert all(Path(path).stat().st_size > 0 for path in words[1:]) and [Path(p).suffix for p in words[1:]] == [
                ".html",
                ".pdf",
                ".xlsx",
                ".pptx",
            ]
    else:
        assert printed == [] and not (tmp_path / "demo" / "reports").exists()
