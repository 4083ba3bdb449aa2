"""Benchmark: the command line, as a person at a terminal meets it (issue 15, speed for interactive use).

Two measurements in one run, each command a fresh process, wall time:

1. Cold start: ``collabstate --help``, ``collabstate estimate --help`` and a small command
   (``collabstate instrument show leaders``), each started ``--starts`` times (default 20, the
   commands taken in turn so that a change of load falls on all of them), against the peer
   ``python -c pass`` (the interpreter alone). The console script beside this interpreter is run
   (``python -m collabstate`` where there is none), with ``src/`` first on ``PYTHONPATH``.
2. End to end: ``collabstate estimate FILE.csv -i leaders --by sector -q <16 questions> --format
   json --weight weight --strata stratum --cluster cluster`` (read the CSV, validate it, build the
   design, every statistic of the 16 questions by sector and in total, write JSON) against one
   ``Rscript`` process doing the same from the same CSV: ``read.csv``, ``svydesign(ids=~cluster,
   strata=~stratum, weights=~weight, nest=TRUE)``, ``svyby(~q1 + … + q16, ~sector, design,
   svymean, na.rm=TRUE)`` and ``svymean`` of the same for the total, and write its numbers.

The data: ``bench_estimate.make_data`` (247,000 synthetic respondents of the ``leaders``
instrument, 12 strata, about 20 respondents per cluster, weights), with the blanks of the 16
questions filled in, because R's ``svyby`` over several variables with ``na.rm=TRUE`` keeps only
the respondents who answered all of them, where ours takes each question's own base: with no
blank among them the two are the same estimate. The 16 questions are the 15 scored ones of the
instrument (5-point scales and the 11 statements) and the multiple-choice ``org_support``, whose
four 0/1 option columns R averages. Our means and option shares are checked against R's (1e-9
relative) and so are their SEs (1e-6); ours also computes every option's share and NET, which R
is not asked for.

Where our time goes is measured once more in a fresh process, step by step (``--stages``), with
the library calls the command makes. Writes the section "## Command line: cold start and end to
end (issue 15)" of ``docs/benchmarks.md``.

    python benchmarks/bench_cli.py [--rows 247000] [--starts 20] [--repeat 5] [--r-repeat 3] [--no-doc]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _record import machine, write_section

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
BENCH_DIR = ROOT / ".bench"
SECTION = "## Command line: cold start and end to end (issue 15)"
SCORED = ["growth_belief", "state_rating", "st_effective", "st_communication", "st_cs_understands", "st_understand_other",
          "st_opportunities", "st_outcomes", "st_regulation", "st_boards", "st_movement", "st_leadership", "st_network",
          "confidence", "optimism"]  # fmt: skip
MULTIPLE = "org_support"
QUESTIONS = [*SCORED, MULTIPLE]
TOLERANCE = {"est": 1e-9, "se": 1e-6}
GOALS = {"start": 0.3, "r": 10.0}  # seconds for a cold start; times faster than R end to end

R_SCRIPT = """suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], colClasses = c(stratum = "character", cluster = "character"))
f <- as.formula(paste("~", paste(make.names(strsplit(args[2], ",")[[1]]), collapse = " + ")))
design <- svydesign(ids = ~cluster, strata = ~stratum, weights = ~weight, nest = TRUE, data = d)
by <- svyby(f, ~sector, design, svymean, na.rm = TRUE)
total <- svymean(f, design, na.rm = TRUE)
est <- c(coef(by), coef(total))
se <- c(sqrt(diag(suppressWarnings(vcov(by)))), sqrt(diag(vcov(total))))
write.csv(data.frame(name = names(est), estimate = sprintf("%.17g", est), se = sprintf("%.17g", se)), args[3], row.names = FALSE)
"""


# --------------------------------------------------------------------------------- the data
def data_file(n: int) -> Path:
    """The cached CSV of n respondents (bench_estimate's generator, the 16 questions without blanks)."""
    path = BENCH_DIR / f"cli-leaders-{n}.csv"
    if path.exists():
        return path
    import numpy as np
    import polars as pl

    sys.path.insert(0, str(SRC))
    from bench_estimate import make_data

    print(f"writing {path.name} …", file=sys.stderr)
    frame = make_data(n)
    rng = np.random.default_rng(15)
    frame = frame.with_columns(pl.col(c).fill_null(pl.Series(rng.integers(1, 5, frame.height))) for c in SCORED)
    options = [c for c in frame.columns if c.startswith(f"{MULTIPLE}/")]
    unanswered = frame[options[0]].is_null()  # make_data leaves every option of a question blank together
    frame = frame.with_columns(
        [pl.col(c).fill_null(0) for c in options if c != f"{MULTIPLE}/none"]
        + [pl.when(unanswered).then(1).otherwise(pl.col(f"{MULTIPLE}/none")).alias(f"{MULTIPLE}/none")]  # "none of these"
    )
    BENCH_DIR.mkdir(exist_ok=True)
    frame.write_csv(path)
    return path


# ------------------------------------------------------------------------------ the commands
def collabstate() -> list[str]:
    script = Path(sys.executable).parent / "collabstate"
    return [str(script)] if script.exists() else [sys.executable, "-m", "collabstate"]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), *filter(None, [env.get("PYTHONPATH")])])
    return env


def timed(command: list[str], stdout=subprocess.DEVNULL) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, the process and its children) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, stdout=stdout, stderr=subprocess.PIPE, env=environment(), cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr.decode(errors='replace')}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def summary(runs: list[tuple[float, float]]) -> dict:
    walls = [w for w, _ in runs]
    return {"median": statistics.median(walls), "min": min(walls), "cpu": statistics.median(c for _, c in runs), "runs": len(runs)}


def cold_starts(starts: int) -> dict[str, dict]:
    cli = collabstate()
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "collabstate --help": [*cli, "--help"],
        "collabstate estimate --help": [*cli, "estimate", "--help"],
        "collabstate instrument show leaders": [*cli, "instrument", "show", "leaders"],
    }
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for command in commands.values():  # once each before the clock: files in the page cache
        timed(command)
    for _ in range(starts):
        for name, command in commands.items():
            runs[name].append(timed(command))
    return {name: summary(r) for name, r in runs.items()}


def end_to_end(csv: Path, repeat: int, r_repeat: int, has_r: bool) -> dict:
    ours_out, r_out = BENCH_DIR / "cli-ours.json", BENCH_DIR / "cli-r.csv"
    script = BENCH_DIR / "bench_cli.R"
    script.write_text(R_SCRIPT)
    command = [*collabstate(), "estimate", str(csv.relative_to(ROOT)), "-i", "leaders", "--by", "sector", "-q", ",".join(QUESTIONS),
               "--format", "json", "--weight", "weight", "--strata", "stratum", "--cluster", "cluster"]  # fmt: skip
    variables = [*SCORED, *(f"{MULTIPLE}/{o}" for o in _options())]
    r_command = ["Rscript", str(script), str(csv.relative_to(ROOT)), ",".join(variables), str(r_out)]
    ours: list[tuple[float, float]] = []
    theirs: list[tuple[float, float]] = []
    with open(ours_out, "wb") as fh:  # once before the clock: the file in the page cache
        timed(command, stdout=fh)
    for i in range(max(repeat, r_repeat if has_r else 0)):  # in turn, so that a change of load falls on both
        if has_r and i < r_repeat:
            theirs.append(timed(r_command))
        if i < repeat:
            with open(ours_out, "wb") as fh:
                ours.append(timed(command, stdout=fh))
    result = {"ours": summary(ours), "command": " ".join(["collabstate", *command[len(collabstate()) :]])}
    if has_r:
        result["r"] = summary(theirs)
        result["check"] = compare(ours_out, r_out)
    return result


def _options() -> list[str]:
    sys.path.insert(0, str(SRC))
    from collabstate.instrument import load_instrument

    question = load_instrument("leaders").question(MULTIPLE)
    return [o.code for o in question.options]


def compare(ours_path: Path, r_path: Path) -> dict:
    """Largest relative differences of R's estimates and SEs from ours, and how many were compared."""
    import polars as pl

    rows = json.loads(ours_path.read_text())
    ours = {}
    for r in rows:
        if r["statistic"] == "mean" and r["question"] in SCORED:
            ours[(r["question"], r["group"])] = (r["estimate"], r["se"])
        elif r["statistic"] == "proportion" and r["question"] == MULTIPLE:
            ours[(f"{MULTIPLE}.{r['option']}", r["group"])] = (r["estimate"], r["se"])
    worst = {"est": 0.0, "se": 0.0}
    matched = missing = 0
    for r in pl.read_csv(r_path, infer_schema=False).iter_rows(named=True):
        group, var = r["name"].split(":", 1) if ":" in r["name"] else (None, r["name"])
        key = (var, group)
        if key not in ours:
            missing += 1
            continue
        matched += 1
        for name, theirs, mine in (("est", float(r["estimate"]), ours[key][0]), ("se", float(r["se"]), ours[key][1])):
            worst[name] = max(worst[name], abs(mine - theirs) / abs(theirs) if theirs else abs(mine))
    return {**worst, "matched": matched, "missing": missing}


# ---------------------------------------------------------------------- where our time goes
def stages(csv: str) -> dict:
    """One fresh process: the command's steps, as the command line calls them, each timed."""
    marks: list[tuple[str, float, float]] = [("", time.perf_counter(), time.process_time())]

    def mark(name: str) -> None:
        marks.append((name, time.perf_counter(), time.process_time()))

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the command line
    import dataclasses

    import collabstate.cli  # noqa: F401  (typer, rich, the commands)

    mark("command line (typer, rich)")
    from collabstate.instrument import load_instrument

    instrument = load_instrument("leaders")
    mark("the instrument (pydantic, YAML, skip logic)")
    import numpy  # noqa: F401
    import polars  # noqa: F401
    import pyarrow.csv  # noqa: F401  (the short-row check of a CSV file)
    import scipy.special  # noqa: F401  (quantiles)

    from collabstate.dataset import read_responses
    from collabstate.stats import estimate

    mark("numpy, polars, pyarrow, scipy.special, dataset and stats")
    responses = read_responses(csv, instrument).responses
    mark("read and validate the CSV")
    responses = dataclasses.replace(responses, weight="weight", strata="stratum", cluster="cluster")
    table = estimate(responses, QUESTIONS, by="sector")
    mark("design and estimates")
    from collabstate.cli.estimate import estimate_json

    estimate_json(table)
    mark("JSON")
    return {"steps": [(name, wall - marks[i][1], cpu - marks[i][2]) for i, (name, wall, cpu) in enumerate(marks[1:])]}


def run_stages(csv: Path) -> dict:
    result = subprocess.run([sys.executable, __file__, "--stages", str(csv)], capture_output=True, text=True, env=environment())
    if result.returncode:
        raise SystemExit(f"stages failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=247_000)
    parser.add_argument("--starts", type=int, default=20, help="fresh processes per command for the cold start")
    parser.add_argument("--repeat", type=int, default=5, help="end-to-end runs of ours (the median is kept)")
    parser.add_argument("--r-repeat", type=int, default=3, help="end-to-end runs of R (the median is kept)")
    parser.add_argument("--no-doc", action="store_true", help="do not update docs/benchmarks.md")
    parser.add_argument("--stages", metavar="CSV", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stages:
        print(json.dumps(stages(args.stages)))
        return 0

    has_r = shutil.which("Rscript") is not None and subprocess.run(
        ["Rscript", "-e", "quit(status = !requireNamespace('survey', quietly = TRUE))"], capture_output=True
    ).returncode == 0  # fmt: skip
    csv = data_file(args.rows)
    load = [os.getloadavg()[0]]
    starts = cold_starts(args.starts)
    print(json.dumps(starts, indent=1), file=sys.stderr)
    e2e = end_to_end(csv, args.repeat, args.r_repeat, has_r)
    print(json.dumps(e2e, indent=1), file=sys.stderr)
    steps = run_stages(csv)
    load.append(os.getloadavg()[0])
    text = render(args, starts, e2e, steps, has_r, load)
    print(text)
    check = e2e.get("check")
    if check and (check["missing"] or any(check[k] > TOLERANCE[k] for k in TOLERANCE)):
        print(f"numbers differ from R, docs/benchmarks.md not updated: {check}", file=sys.stderr)
        return 1
    if not args.no_doc:
        write_section(SECTION, text)
    return 0


def _met(ok: bool) -> str:
    return "met" if ok else "missed"


def render(args: argparse.Namespace, starts: dict, e2e: dict, steps: dict, has_r: bool, load: list[float]) -> str:
    peer = starts["python -c pass"]["median"]
    lines = [
        SECTION,
        "",
        "`python benchmarks/bench_cli.py`: the command line as a person at a terminal meets it. Every command is a fresh "
        "process, timed from start to exit (wall time); the machine may be shared with other work, so the 1-minute load "
        "average is given and CPU time (user + system, the process and its children) beside the wall time.",
        "",
        f"### Cold start (median of {args.starts} starts each, the commands in turn)",
        "",
        "| command | median s | fastest s | CPU s (median) | / `python -c pass` |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, s in starts.items():
        lines.append(f"| `{name}` | {s['median']:.3f} | {s['min']:.3f} | {s['cpu']:.3f} | {s['median'] / peer:.1f}× |")
    small = [n for n in starts if n != "python -c pass"]
    worst = max(starts[n]["median"] for n in small)
    lines += [
        "",
        f"Goal: each of them under {GOALS['start']} s: slowest median {worst:.3f} s, {_met(worst < GOALS['start'])}.",
        "",
        f"### End to end: `estimate` of {args.rows:,} respondents against R",
        "",
        f"`{e2e['command']}` (CSV {data_file(args.rows).stat().st_size / 2**20:.0f} MB, written by `bench_estimate.make_data` "
        "with the blanks of these 16 questions filled in: 15 scored questions and the multiple-choice `org_support`) "
        "against one `Rscript` process: `read.csv`, `svydesign(ids=~cluster, strata=~stratum, weights=~weight, nest=TRUE)`, "
        "`svyby(~q1 + … + q16, ~sector, design, svymean, na.rm=TRUE)` and `svymean` of the same for the total (the means, "
        "and the option shares of `org_support` as the means of its 0/1 columns), written to CSV. Ours also computes every "
        "option's share and NET of the scored questions, their intervals, bases, design effects and letters.",
        "",
        "| | median s | fastest s | CPU s (median) | runs |",
        "|---|---:|---:|---:|---:|",
    ]
    o = e2e["ours"]
    lines.append(f"| ours | {o['median']:.2f} | {o['min']:.2f} | {o['cpu']:.2f} | {o['runs']} |")
    if has_r:
        r = e2e["r"]
        lines.append(f"| R survey | {r['median']:.2f} | {r['min']:.2f} | {r['cpu']:.2f} | {r['runs']} |")
        ratio, cpu_ratio = r["median"] / o["median"], r["cpu"] / o["cpu"]
        c = e2e["check"]
        lines += [
            "",
            f"R / ours: {ratio:.1f}× in wall time (medians), {cpu_ratio:.1f}× in CPU time. Goal: ≥ {GOALS['r']:.0f}× faster than "
            f"R end to end: {_met(ratio >= GOALS['r'])}. Checked against R: {c['matched']} estimates, largest relative "
            f"difference {c['est']:.0e} in the estimates and {c['se']:.0e} in the SEs ({c['missing']} of R's without a "
            "counterpart in ours).",
        ]
    else:
        lines += ["", "R with `survey` is not installed on this machine: no ratio is claimed."]
    lines += [
        "",
        "Where our time goes (one more fresh process, the command's library calls timed in turn; imports are counted "
        "where they are first needed):",
        "",
        "| step | wall s | CPU s |",
        "|---|---:|---:|",
    ]
    for name, wall, cpu in steps["steps"]:
        lines.append(f"| {name} | {wall:.3f} | {cpu:.3f} |")
    total_wall, total_cpu = sum(s[1] for s in steps["steps"]), sum(s[2] for s in steps["steps"])
    lines += [f"| total (after the interpreter's own start) | {total_wall:.3f} | {total_cpu:.3f} |", ""]
    lines += [
        "The Tables page's server time is measured by `benchmarks/bench_tables.py` (the next section).",
        "",
    ]
    versions = [f"R {r_version()}"] if has_r else []
    lines += [f"Machine: {machine(numpy=True)}{', ' if versions else ''}{', '.join(versions)}; 1-minute load average "
              f"{load[0]:.1f} at the start and {load[-1]:.1f} at the end of the run. Date: {dt.date.today().isoformat()}.", ""]  # fmt: skip
    return "\n".join(lines)


def r_version() -> str:
    from estimate_peers import r_version as version

    return version()


if __name__ == "__main__":
    sys.exit(main())
