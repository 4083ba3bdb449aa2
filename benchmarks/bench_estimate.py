"""Benchmark: the full estimate table of the ``leaders`` instrument (issue 3).

Every question of the built-in ``leaders`` instrument (every option's share, every NET, the mean
of every scored question, every multiple-choice option), by sector and in total, on synthetic
respondents of two waves with weights, 12 strata and ~20 respondents per cluster, generated
vectorised and cached under ``.bench/``. Timed side by side in the same run:

- ours: ``collabstate.estimate(responses, by="sector")`` (builds the design, every estimate with
  its SE, interval, bases, design effect, flags and pairwise letters);
- R ``survey``: ``svydesign(ids=~cluster, strata=~stratum, weights=~weight, nest=TRUE)``, then per
  question ``svyby(~factor(q) + q + NETs, ~sector, design, svymean, na.rm=TRUE)`` and the same
  ``svymean`` for the total (multiple choice: one call per question over its options); timed
  with ``system.time`` around the design and the estimates, not around reading the CSV;
- the Python package ``svy``: ``Sample(data, Design(stratum, psu, wgt))``, then ``prop`` and
  ``mean`` per question, by sector and in total.

NET indicators are derived before the clock starts for R and svy (ours derives them inside).
Each tool runs in a fresh child process; seconds are wall time, the best of ``--repeat`` runs for
the Python tools and one run for R. Estimates are checked against R (1e-9 relative) and svy, SEs
to 1e-6 relative, on the timed run's output. Our peak memory is the child's ``ru_maxrss``
(read from ``RUSAGE_CHILDREN`` by a parent with no other child), compared with the in-memory size
of the data frame. Writes the section "## Estimate table (issue 3)" of ``docs/benchmarks.md``.

    python benchmarks/bench_estimate.py [--rows 100000 1000000] [--repeat 3] [--r-limit 600] [--no-doc]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _record import machine, write_section

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / ".bench"
SECTION = "## Estimate table (issue 3)"
SLOW = 30.0  # seconds: a tool slower than this runs once
TOLERANCE = {"est": 1e-9, "se": 1e-6}
GOALS = {"r": 50.0, "svy": 10.0, "memory": 3.0}
sys.path.insert(0, str(ROOT / "src"))

from estimate_peers import _spec, compare, r_rows, r_version, run_r, run_svy, svy_rows, with_nets  # noqa: E402


# --------------------------------------------------------------------------------- the data
def make_data(n: int, seed: int = 2025):
    """Synthetic leaders' answers, vectorised: skip logic, item non-response, a design."""
    import numpy as np
    import polars as pl

    ins, _, _ = _spec()
    rng = np.random.default_rng(seed)
    n_strata = 12
    stratum = rng.integers(0, n_strata, n)
    per_stratum = max(2, n // (20 * n_strata))
    cols: dict[str, pl.Series] = {
        "wave": pl.Series(np.where(rng.random(n) < 0.5, 2024, 2025)),
        "weight": pl.Series(np.exp(rng.normal(0, 0.4, n)) * (1 + stratum / 6)),
        "stratum": pl.Series(stratum).cast(pl.String).str.zfill(2),
        "cluster": pl.Series(stratum * per_stratum + rng.integers(0, per_stratum, n)).cast(pl.String),
    }
    sector = rng.choice(np.array([1, 2, 3, 4]), n, p=[0.3, 0.35, 0.25, 0.1])

    def blanks(x, p, asked=None):
        gone = rng.random(n) < p
        if asked is not None:
            gone |= ~asked
        return pl.Series(x).set(pl.Series(gone), None)

    for c in ins.columns:
        if c.kind == "code":
            codes = np.array([x.code for x in c.choices])
            if c.name == "sector":
                cols[c.name] = pl.Series(sector)
            else:
                cols[c.name] = blanks(codes[rng.integers(0, len(codes), n)], 0.03, sector == 1 if c.name == "civil_service" else None)
    for q in ins.questions:
        if q.type == "multiple":
            unanswered = rng.random(n) < 0.05
            none = rng.random(n) < 0.05
            for o in q.options:
                x = none if o.exclusive else (rng.random(n) < 0.3) & ~none
                cols[f"{q.id}/{o.code}"] = pl.Series(x.astype(np.int8)).set(pl.Series(unanswered), None)
    return pl.DataFrame(cols)


def data_files(n: int) -> tuple[Path, Path]:
    """The cached parquet (canonical frame) and CSV (for R: '/' -> '__', NET indicators) of n rows."""
    parquet, csv = BENCH_DIR / f"leaders-estimate-{n}.parquet", BENCH_DIR / f"leaders-estimate-{n}.csv"
    if not (parquet.exists() and csv.exists()):
        print(f"writing {parquet.name} and {csv.name} …", file=sys.stderr)
        BENCH_DIR.mkdir(exist_ok=True)
        frame = make_data(n)
        frame.write_parquet(parquet)
        with_nets(frame).rename({c: c.replace("/", "__") for c in frame.columns}).write_csv(csv)
    return parquet, csv


# ------------------------------------------------------------------------------ the children
def run_ours(parquet: str, out: str | None) -> dict:
    import resource

    import polars as pl

    from collabstate.dataset import Responses
    from collabstate.instrument import load_instrument
    from collabstate.stats import estimate

    imports_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    responses = Responses(load_instrument("leaders"), pl.read_parquet(parquet))
    data_mb = responses.data.estimated_size() / 2**20
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    table = estimate(responses, by="sector")
    seconds = time.perf_counter() - start
    if out:
        table.select("question", "option", "statistic", "group", "estimate", "se").write_parquet(out)
    return {"seconds": seconds, "data_mb": data_mb, "imports_mb": imports_mb, "before_mb": before_mb, "rows": table.height}


# ----------------------------------------------------------------------------- measurement
def _measure_here(tool: str, parquet: str, out: str) -> dict:
    import resource

    result = subprocess.run([sys.executable, __file__, "--child", tool, parquet, out], capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"{tool} failed:\n{result.stderr}")
    info = json.loads(result.stdout.strip().splitlines()[-1])
    info["peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return info


def measure(tool: str, parquet: Path, out: Path, repeat: int) -> dict:
    runs: list[dict] = []
    for i in range(repeat):
        if runs and runs[0]["seconds"] > SLOW:  # one run is enough to rank a tool this slow
            break
        target = str(out) if i == 0 else ""
        result = subprocess.run([sys.executable, __file__, "--measure", tool, str(parquet), target], capture_output=True, text=True)
        if result.returncode:
            raise SystemExit(f"{tool} failed:\n{result.stderr}")
        runs.append(json.loads(result.stdout.strip().splitlines()[-1]))
    best = min(runs, key=lambda r: r["seconds"])
    return {**best, "peak_mb": max(r["peak_mb"] for r in runs), "runs": [round(r["seconds"], 2) for r in runs]}


# ------------------------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs of the Python tools; the best time is kept")
    parser.add_argument("--r-limit", type=float, default=600, help="skip R where it would take longer (seconds, predicted)")
    parser.add_argument("--no-doc", action="store_true", help="do not update docs/benchmarks.md")
    parser.add_argument("--child", nargs=3, metavar=("TOOL", "PARQUET", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--measure", nargs=3, metavar=("TOOL", "PARQUET", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        tool, parquet, out = args.child
        runner = {"ours": run_ours, "svy": run_svy}[tool]
        print(json.dumps(runner(parquet, out or None)))
        return 0
    if args.measure:
        print(json.dumps(_measure_here(*args.measure)))
        return 0

    has_r = (
        subprocess.run(["Rscript", "-e", "quit(status = !requireNamespace('survey', quietly = TRUE))"], capture_output=True).returncode == 0
    )
    try:
        import svy  # noqa: F401

        has_svy = True
    except ImportError:
        has_svy = False
    load = [os.getloadavg()[0]]
    results = []
    r_rate = None  # seconds per row of the last R run, to predict the next
    for n in sorted(args.rows):
        parquet, csv = data_files(n)
        row: dict = {"rows": n, "ours": measure("ours", parquet, BENCH_DIR / f"ours-{n}.parquet", args.repeat)}
        print(f"{n:,} ours: {row['ours']}", file=sys.stderr)
        if has_svy:
            row["svy"] = measure("svy", parquet, BENCH_DIR / f"svy-{n}.parquet", args.repeat)
            row["svy_check"] = compare(BENCH_DIR / f"ours-{n}.parquet", svy_rows(n))
            print(f"{n:,} svy: {row['svy']} {row['svy_check']}", file=sys.stderr)
        predicted = None if r_rate is None else r_rate * n
        if has_r and (predicted is None or predicted <= args.r_limit):
            row["r"] = run_r(csv, n)
            r_rate = row["r"]["seconds"] / n
            row["r_check"] = compare(BENCH_DIR / f"ours-{n}.parquet", r_rows(n))
            print(f"{n:,} R: {row['r']} {row['r_check']}", file=sys.stderr)
        elif has_r:
            row["r_skipped"] = predicted
        results.append(row)
    load.append(os.getloadavg()[0])
    text = render(results, args.repeat, has_r, has_svy, args.r_limit, load)
    print(text)
    bad = [
        f"{n:,} rows, {tool}: {key} differs by {c[key]:.1e}"
        for n, tool, c in _checks(results)
        for key in TOLERANCE
        if c[key] > TOLERANCE[key]
    ]
    bad += [
        f"{n:,} rows, {tool}: {c['missing']} of its estimates have no counterpart in ours"
        for n, tool, c in _checks(results)
        if c["missing"]
    ]
    if bad:
        print("numbers differ, docs/benchmarks.md not updated:\n" + "\n".join(bad), file=sys.stderr)
        return 1
    if not args.no_doc:
        write_section(SECTION, text)
    return 0


def _checks(results: list[dict]):
    for row in results:
        for tool in ("r", "svy"):
            if f"{tool}_check" in row:
                yield row["rows"], tool, row[f"{tool}_check"]


def _cell(row: dict, tool: str) -> str:
    if tool not in row:
        return "–"
    runs = row[tool].get("runs")
    return f"{row[tool]['seconds']:.2f}" + (" (1 run)" if runs is not None and len(runs) == 1 else "")


def render(results: list[dict], repeat: int, has_r: bool, has_svy: bool, r_limit: float, load: list[float]) -> str:
    _, coded, multiple = _spec()
    lines = [
        SECTION,
        "",
        "`python benchmarks/bench_estimate.py`: the full estimate table of the `leaders` instrument, by sector and in "
        f"total ({len(coded)} coded columns with every option's share, their NETs and the means of the scored ones; "
        f"{len(multiple)} multiple-choice questions, every option; {results[-1]['ours']['rows']} rows of our table), on "
        "synthetic respondents of two waves with weights, 12 strata and about 20 respondents per cluster (50,000 "
        "clusters at 1,000,000), generated vectorised.",
        "",
        '- ours: `estimate(responses, by="sector")`: the design, every estimate with its SE, interval, bases, design '
        "effect, flags and pairwise letters;",
        "- R `survey`" + ("" if has_r else " (not installed on this machine)") + ": `svydesign(ids=~cluster, "
        "strata=~stratum, weights=~weight, nest=TRUE)`, then per question `svyby(~factor(q) + q + NETs, ~sector, design, "
        "svymean, na.rm=TRUE)` and `svymean` of the same for the total (multiple choice: one call per question over its "
        "options), timed by `system.time` around the design and the estimates, not reading the CSV;",
        "- svy" + ("" if has_svy else " (not installed on this machine)") + ": `Sample(data, Design(stratum, psu, wgt))`, "
        "then `prop` and `mean` (`drop_nulls=True`) of the same variables, by sector and in total.",
        "",
        "NET indicators are derived before the clock starts for R and svy (ours derives them inside). The shares of "
        "sector within a sector (0 or 1) are left to ours: R's `svyby` fails on a factor with one level, and svy "
        f"returns 0 for a sector's own share. Seconds are wall time in a fresh process: the best of {repeat} runs for "
        f"the Python tools (one run when a run takes over {SLOW:.0f} s), one run for R. The machine may be shared with "
        "other work. Peak MB is our child process's maximum resident set (`ru_maxrss`): the interpreter and libraries, "
        "the data frame as read from Parquet, and what `estimate` adds; data MB is the frame's in-memory size "
        "(`estimated_size`). The estimates and SEs of the timed runs are compared with ours.",
        "",
        "| rows | ours s | R survey s | svy s | R / ours | svy / ours | our peak MB | before `estimate` MB | data MB "
        "| peak / data | added by `estimate` / data | max rel. diff. est. (R; svy) | max rel. diff. SE (R; svy) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results:
        o = row["ours"]
        ratio = lambda tool: f"{row[tool]['seconds'] / o['seconds']:.0f}×" if tool in row else "–"  # noqa: E731
        check = lambda key, tool: f"{row[tool + '_check'][key]:.0e}" if tool + "_check" in row else "–"  # noqa: E731
        lines.append(
            f"| {row['rows']:,} | {o['seconds']:.2f} | {_cell(row, 'r')} | {_cell(row, 'svy')} | {ratio('r')} | {ratio('svy')} | "
            f"{o['peak_mb']:,.0f} | {o['before_mb']:,.0f} | {o['data_mb']:,.0f} | {o['peak_mb'] / o['data_mb']:.2f} | "
            f"{(o['peak_mb'] - o['before_mb']) / o['data_mb']:.2f} | {check('est', 'r')}; {check('est', 'svy')} | "
            f"{check('se', 'r')}; {check('se', 'svy')} |"
        )
    lines.append("")
    for row in results:
        notes = []
        if "r_skipped" in row:
            notes.append(f"R was not run: at the rate measured at the previous size it would take about {row['r_skipped']:.0f} s "
                         f"(over the {r_limit:.0f} s limit), so no R ratio is claimed at this size.")  # fmt: skip
        for tool in ("r", "svy"):
            c = row.get(f"{tool}_check")
            if c:
                notes.append(f"{'R' if tool == 'r' else 'svy'}: {c['matched']} estimates compared, {c['missing']} without a "
                             "counterpart in ours.")  # fmt: skip
        notes.append(f"Interpreter and libraries: {row['ours']['imports_mb']:,.0f} MB.")
        lines += [f"At {row['rows']:,} rows: " + " ".join(notes), ""]
    top = results[-1]
    o = top["ours"]
    goals = []
    for tool, name in (("r", "R survey"), ("svy", "svy")):
        if tool in top:
            x = top[tool]["seconds"] / o["seconds"]
            goals.append(f"≥ {GOALS[tool]:.0f}× faster than {name}: {x:.0f}×, {'met' if x >= GOALS[tool] else 'missed'}")
    m = o["peak_mb"] / o["data_mb"]
    goals.append(f"peak memory < {GOALS['memory']:.0f}× the data: {m:.2f}×, {'met' if m < GOALS['memory'] else 'missed'}")
    lines += [f"Goals at {top['rows']:,} rows: " + "; ".join(goals) + ".", ""]
    versions = []
    if has_svy:
        import svy

        versions.append(f"svy {getattr(svy, '__version__', '?')}")
    if has_r:
        versions.append(f"R {r_version()}")
    lines += [f"Machine: {machine(numpy=True)}{', ' if versions else ''}{', '.join(versions)}; 1-minute load average "
              f"{load[0]:.1f} at the start and {load[-1]:.1f} at the end of the run. Date: {dt.date.today().isoformat()}.", ""]  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
