"""`collabstate report` and `collabstate benchmark` end to end, through the command line's app:
exit codes 0 (written), 1 (input that cannot be used), 2 (usage), 3 (the report's scripts missing)."""

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from collabstate import Responses, load_instrument, write_responses
from collabstate.cli import app
from collabstate.demo import demo_organisation, leaders_wave, readiness_2018

runner = CliRunner()
NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"


def need_node_modules() -> None:
    if not (NODE_MODULES / "vega-embed" / "build" / "vega-embed.min.js").is_file():
        pytest.skip("node_modules is missing (run `make setup`, which runs `npm ci`)")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    leaders, readiness = load_instrument("leaders"), load_instrument("readiness-2018")
    r18 = readiness_2018()
    return {
        "l24": write_responses(Responses(leaders, leaders_wave(2024)), folder / "leaders-2024.csv", "csv"),
        "l25": write_responses(Responses(leaders, leaders_wave(2025)), folder / "leaders-2025.csv", "csv"),
        "r18": write_responses(Responses(readiness, r18), folder / "readiness-2018.csv", "csv"),
        "org": write_responses(Responses(readiness, demo_organisation(r18)), folder / "org.csv", "csv"),
    }


def test_help_has_an_example():
    for command in ("report", "benchmark"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and "Example" in result.output


def test_report_writes_every_format(files, tmp_path):
    need_node_modules()
    out = tmp_path / "leaders-2025"
    result = runner.invoke(
        app,
        [
            "report",
            str(files["l25"]),
            "--instrument",
            "leaders",
            "--compare",
            str(files["l24"]),
            "--title",
            "Leaders 2025",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    for name in ("report.html", "report.pdf", "tables.xlsx", "report.pptx", "estimates.json", "changes.json"):
        assert (out / name).stat().st_size > 1000, name
        assert name in result.output
    assert "<title>Leaders 2025</title>" in (out / "report.html").read_text(encoding="utf-8")


def test_benchmark_writes_every_format(files, tmp_path):
    need_node_modules()
    out = tmp_path / "bench"
    result = runner.invoke(
        app,
        [
            "benchmark",
            str(files["org"]),
            "--against",
            str(files["r18"]),
            "--instrument",
            "readiness-2018",
            "--name",
            "Example Housing Trust",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    for name in (
        "benchmark.html",
        "benchmark.pdf",
        "benchmark-tables.xlsx",
        "benchmark.pptx",
        "estimates.json",
        "organisation-estimates.json",
    ):
        assert (out / name).exists(), name


def test_usage_errors_exit_2(files, tmp_path):
    result = runner.invoke(app, ["report", str(files["l25"]), "--instrument", "leaders", "--by", "nope", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "nope" in result.output
    result = runner.invoke(app, ["report", str(files["l25"]), "--instrument", "leaders"])
    assert result.exit_code == 2
    result = runner.invoke(
        app, ["benchmark", str(files["l25"]), "--against", str(files["l24"]), "--instrument", "leaders", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2 and "no index" in result.output


def test_a_pptx_template_that_cannot_be_used_exits_2_before_the_work(files, tmp_path):
    """--pptx-template reaches build_report, which refuses a missing template or a file that is no
    PowerPoint file before estimating (report.pptx's template itself is tested in tests/report)."""
    bad = tmp_path / "template.pptx"
    bad.write_text("not a presentation", encoding="utf-8")
    for template, said in ((tmp_path / "missing.pptx", "no such PowerPoint template"), (bad, "not a PowerPoint")):
        out = tmp_path / "out"
        result = runner.invoke(
            app, ["report", str(files["l25"]), "--instrument", "leaders", "--out", str(out), "--pptx-template", str(template)]
        )
        assert result.exit_code == 2 and said in result.output and template.name in result.output
        assert not out.exists()


def test_bad_input_exits_1(files, tmp_path):
    result = runner.invoke(app, ["report", str(files["l25"]), "--instrument", "no-such-instrument", "--out", str(tmp_path)])
    assert result.exit_code == 1
    result = runner.invoke(app, ["report", str(tmp_path / "missing.csv"), "--instrument", "leaders", "--out", str(tmp_path)])
    assert result.exit_code == 1
    result = runner.invoke(
        app, ["report", str(files["l25"]), "--instrument", "leaders", "--compare", str(files["r18"]), "--out", str(tmp_path)]
    )
    assert result.exit_code == 1


def test_missing_javascript_says_run_make_setup(files, tmp_path, monkeypatch):
    """The machine lacks the report's scripts: a SetupError, exit code 3."""
    monkeypatch.setenv("COLLABSTATE_NODE_MODULES", str(tmp_path / "nowhere"))
    result = runner.invoke(app, ["report", str(files["l25"]), "--instrument", "leaders", "--out", str(tmp_path / "out")])
    assert result.exit_code == 3
    assert "make setup" in result.output and "npm ci" in result.output
    assert not (tmp_path / "out" / "report.html").exists()


def test_weights_rake_to_targets(files, tmp_path):
    need_node_modules()
    pytest.importorskip("collabstate.stats.weighting")
    targets = tmp_path / "targets.yaml"
    targets.write_text("sector: {1: 0.4, 2: 0.35, 3: 0.2, 4: 0.05}\n")
    out = tmp_path / "weighted"
    result = runner.invoke(app, ["report", str(files["l25"]), "--instrument", "leaders", "--weights", str(targets), "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Weighted by raking to the targets in targets.yaml" in html and "design effect" in html
    table = pl.read_json(out / "estimates.json", infer_schema_length=None)
    public = table.filter((pl.col("question") == "sector") & (pl.col("option") == "1") & pl.col("group").is_null())["estimate"][0]
    assert abs(public - 0.4) < 1e-6


def test_weighting_with_blank_weighting_variable_cli_blames_the_data_not_the_targets(files, tmp_path):
    """leaders-2024 has 3 blank sectors: the error names the data file, its rows and the column,
    and offers --weights-missing; the targets file is not the cause and is not named."""
    targets = tmp_path / "targets.yaml"
    targets.write_text("sector: {1: 0.4, 2: 0.35, 3: 0.2, 4: 0.05}\n")
    result = runner.invoke(
        app, ["report", str(files["l24"]), "--instrument", "leaders", "--weights", str(targets), "--out", str(tmp_path / "o")]
    )
    said = " ".join(result.output.split())
    assert result.exit_code == 1, said
    assert "error: leaders-2024.csv: 3 respondents have no answer to 'sector'" in said and "rows 159, 227 and 232" in said
    assert "--weights-missing own-cell" in said and "--weights-missing unweighted" in said and "`missing`" in said
    assert "targets.yaml:" not in said and "Traceback" not in said
    bad = tmp_path / "bad.yaml"
    bad.write_text("sector: {1: 0.4, 2: 0.35, 3: 0.2, 5: 0.05}\n")
    result = runner.invoke(
        app, ["report", str(files["l24"]), "--instrument", "leaders", "--weights", str(bad), "--out", str(tmp_path / "o")]
    )
    said = " ".join(result.output.split())
    assert result.exit_code == 1 and "error: bad.yaml, line 1: code 5 is not a choice of 'sector'" in said and said.count("bad.yaml") == 1
    result = runner.invoke(
        app,
        [
            "report",
            str(files["l24"]),
            "--instrument",
            "leaders",
            "--weights",
            str(targets),
            "--weights-missing",
            "sometimes",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 2


def test_weighting_with_blank_weighting_variable_cli_options(files, tmp_path):
    need_node_modules()
    targets = tmp_path / "targets.yaml"
    targets.write_text("sector: {1: 0.4, 2: 0.35, 3: 0.2, 4: 0.05}\n")
    out = tmp_path / "unweighted"
    result = runner.invoke(
        app,
        [
            "report",
            str(files["l24"]),
            "--instrument",
            "leaders",
            "--weights",
            str(targets),
            "--weights-missing",
            "unweighted",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    html = " ".join((out / "report.html").read_text(encoding="utf-8").split())
    assert "3 respondents with no answer to sector (rows 159, 227 and 232) were left out of the raking at their input weight" in html
    own = tmp_path / "own.yaml"
    own.write_text("sector: {1: 0.38, 2: 0.34, 3: 0.2, 4: 0.05, missing: 0.03}\n")
    result = runner.invoke(
        app,
        [
            "report",
            str(files["l24"]),
            "--instrument",
            "leaders",
            "--weights",
            str(own),
            "--weights-missing",
            "own-cell",
            "--out",
            str(tmp_path / "own"),
        ],
    )
    assert result.exit_code == 0, result.output
    html = " ".join((tmp_path / "own" / "report.html").read_text(encoding="utf-8").split())
    assert "Blank answers to sector raked as a cell of their own (3 respondents)" in html
