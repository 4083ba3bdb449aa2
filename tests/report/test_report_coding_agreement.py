"""``collabstate report --codes A --codebook BOOK --second-coder B`` (issue 19): the methods state
the two coders' agreement, the figures of ``collabstate text agreement`` on the same files; without
a second coder there is no such list; a second coder without a first is a usage error."""

from __future__ import annotations

import json
import re

import polars as pl
from typer.testing import CliRunner

from collabstate import Responses, load_instrument, write_responses
from collabstate.cli import app
from collabstate.demo import leaders_wave
from collabstate.demo._coding import DEMO_CODEBOOK, DEMO_CODES

runner = CliRunner()


def test_the_methods_state_the_coders_agreement(tmp_path):
    data = tmp_path / "leaders-2025.csv"
    write_responses(Responses(load_instrument("leaders"), leaders_wave(2025)), data)
    first = pl.read_csv(DEMO_CODES).filter(pl.col("wave") == 2025)
    first.write_csv(tmp_path / "a.csv")
    changed = first.with_columns(pl.when(pl.int_range(pl.len()) % 6 == 0).then(pl.lit("funding")).otherwise(pl.col("code")).alias("code"))
    changed.drop("coder").write_csv(tmp_path / "b.csv")
    said = runner.invoke(app, ["text", "agreement", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), "--format", "json"])
    assert said.exit_code == 0, said.output
    kappa = json.loads(said.stdout)["overall_kappa"]
    base = ["report", str(data), "-i", "leaders", "--codes", str(tmp_path / "a.csv"), "--codebook", str(DEMO_CODEBOOK)]
    done = runner.invoke(app, [*base, "--second-coder", str(tmp_path / "b.csv"), "--out", str(tmp_path / "r")])
    assert done.exit_code == 0, done.output
    html = " ".join((tmp_path / "r" / "report.html").read_text(encoding="utf-8").replace("&#39;", "'").split())
    found = re.search(r"Two coders coded (\d+) answers independently; Cohen's kappa ([0-9.]+) overall", html)
    assert found and float(found.group(2)) == round(kappa, 2), html[html.find("Coding of open answers") :][:400]
    assert "(files a.csv and b.csv)" in html and "Coding of open answers" in html
    alone = runner.invoke(
        app, ["report", str(data), "-i", "leaders", "--second-coder", str(tmp_path / "b.csv"), "--out", str(tmp_path / "x")]
    )
    assert alone.exit_code == 2 and "give the first coder's codes with --codes" in " ".join(alone.output.split())
