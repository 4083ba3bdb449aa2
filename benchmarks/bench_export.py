"""Benchmark: exporting a web wave of 1,000,000 responses to .sav and Parquet (issue 6).

Builds once, and caches under ``.bench/``, a fresh SQLite database (the web's own, through its
migrations and ``collabstate wave create``) holding two anonymous ``readiness-2018`` waves of
completed responses: 1,000,000 and, for the peers, 100,000. The answers are those of
``bench_validate.synthetic_frame`` without its invalid cells (skip logic respected, item
non-response), stored as the web stores them: one ``Answer`` row per response and answered
column, nothing for a multiple-choice question with no option ticked, written in the order a
live wave writes them (200 respondents at a time, page by page). The load is bulk (indexes
built after it) and not timed.

Then each step runs in a fresh child process, "in the background" as a web job would, whose
peak memory is its ``ru_maxrss`` (read from ``RUSAGE_CHILDREN`` by a parent with no other child):

- ``export_wave`` to .sav and to Parquet, 1,000,000 and 100,000 responses;
- the path it replaces, at 100,000 (the previous ``responses_of``: the ORM's rows into a dict per
  response, one text frame, ``read_responses``; then ``write_responses``);
- the ``sqlite3`` command-line shell writing the same wave's answer rows to a CSV file: the
  floor of getting the rows out of the database, with no pivot, typing or labels;
- the Parquet export at 1,000,000 taken apart, its stages timed one after the other.

Seconds are wall time of the step (Django set up and the database migrated before the clock
starts), the best of ``--repeat`` runs; "whole child" adds the interpreter's start-up and
imports. The 100,000-response files of both paths are read back and compared. Writes the
section "## Exporting a wave (issue 6)" of ``docs/benchmarks.md``.

    python benchmarks/bench_export.py [--rows 1000000] [--peer-rows 100000] [--repeat 3] [--no-doc]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _record import machine, write_section

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / ".bench"
SECTION = "## Exporting a wave (issue 6)"
INSTRUMENT = "readiness-2018"
GOALS = {"seconds": 60.0, "peak_mb": 1536.0}
CONCURRENT = 200  # respondents answering at once, for the order answers are stored in
ENV = {"DJANGO_SETTINGS_MODULE": "collabstate.web.settings", "PYTHONPATH": str(ROOT / "src")}


def _env(var: Path) -> dict:
    path = os.pathsep.join(filter(None, [ENV["PYTHONPATH"], os.environ.get("PYTHONPATH")]))
    return {**os.environ, **ENV, "PYTHONPATH": path, "COLLABSTATE_VAR": str(var)}


def _django(var: Path):
    os.environ.update(_env(var))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


# ------------------------------------------------------------------------- the database
def slug(rows: int) -> str:
    return f"bench-{rows}"


def build(var: Path, sizes: list[int], seed: int = 2018) -> None:
    """The waves of ``sizes`` responses, in a new database under ``var`` (run in a child)."""
    import sqlite3

    import numpy as np
    import polars as pl
    from bench_validate import synthetic_frame

    var.mkdir(parents=True, exist_ok=True)
    cli = Path(sys.executable).parent / "collabstate"
    for rows in sizes:
        subprocess.run([str(cli), "wave", "create", slug(rows), "--instrument", INSTRUMENT, "--title", f"Benchmark {rows}"],
                       env=_env(var), check=True, capture_output=True)  # fmt: skip
    _django(var)
    from django.db import connection, connections

    from collabstate.web.surveys.models import Answer, Response, Wave

    waves = {rows: Wave.objects.get(slug=slug(rows)) for rows in sizes}
    instrument = waves[sizes[0]].instrument
    # one row of surveys_response, as the web writes a completed one; every other field its default
    fields = Response._meta.concrete_fields
    fixed = {"completed": True, "completed_on": "2026-11-22"}
    template = [fixed.get(f.name, f.get_db_prep_save(f.get_default(), connection)) for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    position = {f.name: i for i, f in enumerate(fields)}
    page = {c.name: i for i, q in enumerate(instrument.questions) for c in instrument.columns if c.question is q}
    groups = [[c.name for c in instrument.columns if c.question is q] for q in instrument.questions]
    multiple = [g for g in groups if all(instrument.column(c).kind == "flag" for c in g)]
    response_table, answer_table = Response._meta.db_table, Answer._meta.db_table
    connections.close_all()

    db = sqlite3.connect(var / "collabstate.sqlite3", isolation_level=None)
    db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-500000;")
    indexes = [
        sql
        for (sql,) in db.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", [answer_table])
    ]
    for (name,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", [answer_table]
    ).fetchall():
        db.execute(f'DROP INDEX "{name}"')
    rng = np.random.default_rng(seed)
    first = db.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {response_table}").fetchone()[0]
    db.execute("BEGIN")
    for rows in sizes:
        frame = synthetic_frame(rows, seed + rows, messy=False)
        # the web stores nothing for a multiple-choice question with no option ticked
        frame = frame.with_columns(
            pl.when(pl.all_horizontal([pl.col(c).fill_null("0") == "0" for c in g])).then(None).otherwise(pl.col(c)).alias(c)
            for g in multiple for c in g
        )  # fmt: skip
        ids = np.arange(first, first + rows)
        public = rng.integers(0, 256, size=(rows, 16), dtype=np.uint8)
        values = []
        for i, hexed in zip(ids.tolist(), (bytes(b).hex() for b in public)):
            row = list(template)
            row[position["id"]], row[position["public_id"]], row[position["wave"]] = i, hexed, waves[rows].pk
            values.append(row)
        db.executemany(f"INSERT INTO {response_table} ({columns}) VALUES ({', '.join('?' * len(fields))})", values)
        del values
        for start in range(0, rows, 50_000):
            part = frame.slice(start, 50_000)
            part = part.with_columns(response_id=pl.int_range(first + start, first + start + part.height, dtype=pl.Int64))
            long = part.unpivot(index="response_id", variable_name="column").drop_nulls("value")
            long = long.with_columns(page=pl.col("column").replace_strict(page, return_dtype=pl.Int32))
            long = long.sort([pl.col("response_id") // CONCURRENT, "page", "response_id", "column"])
            db.executemany(f'INSERT INTO {answer_table} (response_id, "column", value) VALUES (?, ?, ?)',
                           long.select("response_id", "column", "value").iter_rows())  # fmt: skip
        first += rows
    db.execute("COMMIT")
    for sql in indexes:
        db.execute(sql)
    db.execute("PRAGMA journal_mode=WAL")
    db.close()


def database(sizes: list[int]) -> Path:
    """The cached database with the waves of ``sizes`` (built when missing)."""
    var = BENCH_DIR / f"export-{'-'.join(map(str, sizes))}"
    done = var / "built"
    if not done.exists():
        shutil.rmtree(var, ignore_errors=True)
        print(f"building {var} (not timed) …", file=sys.stderr, flush=True)
        began = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--build", str(var), *map(str, sizes)], check=True)
        done.write_text(f"{time.perf_counter() - began:.0f} s\n")
    subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
                    f"import bench_export as b; b._django(b.Path({str(var)!r}))"], check=True)  # fmt: skip
    return var


# ------------------------------------------------------------------------- the steps
def old_responses_of(wave):
    """``responses_of`` as it was before export_wave (commit 76f4f2c), the peer."""
    import polars as pl

    from collabstate.dataset import read_responses
    from collabstate.web.surveys.models import Answer, Response

    instrument = wave.instrument
    ids = dict(Response.objects.filter(wave=wave, completed=True).values_list("pk", "public_id"))
    rows: dict[int, dict[str, str]] = {pk: {} for pk in ids}
    stored = Answer.objects.filter(response_id__in=list(ids)).values_list("response_id", "column", "value")
    for response_id, column, value in stored.iterator(chunk_size=20_000):
        rows[response_id][column] = value
    names = [c.name for c in instrument.columns]
    data = {"respondent_id": [str(ids[pk]) for pk in rows]}
    for name in names:
        data[name] = [answers.get(name) for answers in rows.values()]
    frame = pl.DataFrame(data, schema={"respondent_id": pl.String, **dict.fromkeys(names, pl.String)})
    return read_responses(frame, instrument, name=f"wave {wave.slug}")


def _stages(wave, out: str) -> dict:
    """``export_wave`` to Parquet taken apart, each stage timed on its own, one after the other."""
    from collabstate.web.surveys import exports

    instrument, name = wave.instrument, f"wave {wave.slug}"
    names, how = [c.name for c in instrument.columns], exports._how()
    times = dict.fromkeys(STAGES, 0.0)
    writer, before = exports._Parquet(Path(out), instrument), 0
    batches = exports._id_batches(wave, True, exports.CHUNK)
    while True:
        clock = time.perf_counter()
        ids = next(batches, None)
        times["ids"] += time.perf_counter() - clock
        if ids is None:
            break
        for stage, run in (("fold", lambda: exports._fetch(wave, ids, how, True)), ("pivot", lambda: exports._text_frame(ids, got, names, how)),
                           ("validate", lambda: exports._validate(got, instrument, name, before)), ("write", lambda: writer.add(got.responses.data))):  # fmt: skip
            clock = time.perf_counter()
            got = run()
            times[stage] += time.perf_counter() - clock
        before += ids.height
    writer.close()
    return {"stages": times, "seconds": sum(times.values()), "rows": before}


STAGES = {
    "ids": "the wave's response ids, a chunk at a time",
    "fold": "SQLite folds each response's answers into a JSON line (`json_group_object`)",
    "pivot": "polars reads the JSON lines into the instrument's columns (`read_ndjson`)",
    "validate": "the core's reading and validation: typed, canonical frame",
    "write": "Parquet row group",
}


def _step(kind: str, var: str, rows: int, out: str) -> dict:
    """One measured step, in this (child) process; Django is set up before the clock starts."""
    _django(Path(var))
    from collabstate.dataset import write_responses
    from collabstate.web.surveys.exports import export_wave
    from collabstate.web.surveys.models import Wave

    wave = Wave.objects.get(slug=slug(rows))
    if kind == "stages":
        return _stages(wave, out)
    calls = []
    start = time.perf_counter()
    if kind == "ours":
        written = export_wave(wave, out, progress=lambda done, total: calls.append((done, total))).n
    else:
        validation = old_responses_of(wave)
        write_responses(validation.responses, out)
        written = validation.responses.n
    return {
        "seconds": time.perf_counter() - start,
        "rows": written,
        "progress_calls": len(calls),
        "last_progress": calls[-1] if calls else None,
    }


def _sqlite3_command(var: Path, rows: int, out: Path) -> list[str]:
    sql = ('SELECT a.response_id, a."column", a.value FROM surveys_answer a WHERE a.response_id IN '
           f"(SELECT r.id FROM surveys_response r JOIN surveys_wave w ON w.id = r.wave_id WHERE w.slug = '{slug(rows)}' AND r.completed);")  # fmt: skip
    return ["sqlite3", "-csv", "-cmd", f".output {out}", str(var / "collabstate.sqlite3"), sql]


def _measure_here(kind: str, var: str, rows: int, out: str) -> dict:
    """Run the step as this process's only child: RUSAGE_CHILDREN is then that step's peak."""
    import resource

    began = time.perf_counter()
    if kind == "sqlite3":
        done = subprocess.run(_sqlite3_command(Path(var), rows, Path(out)), capture_output=True, text=True)
        info = {"rows": None}
    else:
        done = subprocess.run(
            [sys.executable, __file__, "--child", kind, var, str(rows), out], env=_env(Path(var)), capture_output=True, text=True
        )
        info = json.loads(done.stdout.strip().splitlines()[-1]) if not done.returncode else {}
    if done.returncode:
        raise SystemExit(f"{kind} {rows} {out} failed:\n{done.stderr}")
    info["whole"] = time.perf_counter() - began
    info.setdefault("seconds", info["whole"])
    info["peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    info["mb"] = Path(out).stat().st_size / 1e6
    return info


def measure(kind: str, var: Path, rows: int, fmt: str, repeat: int) -> dict:
    """Best wall time and largest peak of ``repeat`` runs, each in a fresh pair of processes."""
    out = BENCH_DIR / f"export-out-{kind}-{rows}.{fmt}"
    runs = []
    for _ in range(repeat):
        done = subprocess.run([sys.executable, __file__, "--measure", kind, str(var), str(rows), str(out)], capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(done.stderr)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"  {kind} {rows:,} {fmt}: {runs[-1]['seconds']:.2f} s, {runs[-1]['peak_mb']:.0f} MB", file=sys.stderr, flush=True)
    best = min(runs, key=lambda r: r["seconds"])
    return {**best, "whole": min(r["whole"] for r in runs), "peak_mb": max(r["peak_mb"] for r in runs),
            "runs": [round(r["seconds"], 2) for r in runs], "path": str(out)}  # fmt: skip


def same_files(a: str, b: str) -> str:
    """Whether two exported files read back to the same frame (and, for .sav, the same labels)."""
    import polars as pl
    import pyreadstat

    if a.endswith(".parquet"):
        equal = pl.read_parquet(a).equals(pl.read_parquet(b), null_equal=True)
        return "equal" if equal else "DIFFERENT"
    (x, mx), (y, my) = (pyreadstat.read_sav(p, output_format="polars", user_missing=True) for p in (a, b))
    labels = (mx.column_names_to_labels, mx.variable_value_labels, mx.missing_ranges) == (
        my.column_names_to_labels,
        my.variable_value_labels,
        my.missing_ranges,
    )
    return "equal, labels equal" if x.equals(y, null_equal=True) and labels else "DIFFERENT"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--peer-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each step; the best time is kept")
    parser.add_argument("--no-doc", action="store_true", help="do not update docs/benchmarks.md")
    parser.add_argument("--build", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--measure", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build:
        build(Path(args.build[0]), [int(n) for n in args.build[1:]])
        return 0
    if args.child or args.measure:
        kind, var, rows, out = args.child or args.measure
        print(json.dumps((_step if args.child else _measure_here)(kind, var, int(rows), out)))
        return 0

    load = [os.getloadavg()[0]]
    sizes = [args.rows, args.peer_rows]
    var = database(sizes)
    db_mb = (var / "collabstate.sqlite3").stat().st_size / 1e6
    results: dict[tuple, dict] = {}
    for rows in sizes:
        for fmt in ("sav", "parquet"):
            results["ours", rows, fmt] = measure("ours", var, rows, fmt, args.repeat)
        results["sqlite3", rows, "csv"] = measure("sqlite3", var, rows, "csv", args.repeat)
    for fmt in ("sav", "parquet"):
        results["old", args.peer_rows, fmt] = measure("old", var, args.peer_rows, fmt, args.repeat)
    stages = measure("stages", var, args.rows, "parquet", args.repeat)
    load.append(os.getloadavg()[0])
    checks = {
        fmt: same_files(results["ours", args.peer_rows, fmt]["path"], results["old", args.peer_rows, fmt]["path"])
        for fmt in ("sav", "parquet")
    }
    answers = _count_answers(var, sizes)
    for r in [*results.values(), stages]:
        Path(r["path"]).unlink(missing_ok=True)
    text = render(results, stages, args, db_mb, answers, checks, load, (var / "built").read_text().strip())
    print(text)
    if not args.no_doc:
        write_section(SECTION, text)
    return 0


def _count_answers(var: Path, sizes: list[int]) -> dict[int, int]:
    import sqlite3

    with sqlite3.connect(var / "collabstate.sqlite3") as db:
        return {rows: db.execute("SELECT count(*) FROM surveys_answer a JOIN surveys_response r ON r.id = a.response_id "
                                 "JOIN surveys_wave w ON w.id = r.wave_id WHERE w.slug = ?", [slug(rows)]).fetchone()[0]
                for rows in sizes}  # fmt: skip


def render(results: dict, stages: dict, args, db_mb: float, answers: dict, checks: dict, load: list, built: str) -> str:
    big, small = args.rows, args.peer_rows
    label = {
        "ours": "`export_wave` (streamed)",
        "old": "previous path: `responses_of` (ORM rows, a dict per response) + `write_responses`",
        "sqlite3": "`sqlite3` shell: the answer rows to CSV (no pivot, typing or labels)",
    }
    lines = [
        SECTION,
        "",
        f"`python benchmarks/bench_export.py --rows {big}`: a fresh SQLite database (the web's own schema, {db_mb:,.0f} MB) "
        f"with two completed anonymous `{INSTRUMENT}` waves of {big:,} and {small:,} responses: the answers of "
        "`bench_validate.synthetic_frame` without its invalid cells (skip logic, item non-response), stored as the web "
        f"stores them, one `Answer` row per answered column ({answers[big]:,} and {answers[small]:,} rows), written in the "
        f"order a live wave writes them ({CONCURRENT} respondents at a time, page by page). The database was bulk-loaded "
        f"once ({built}, not timed). Each step runs in a fresh child process, as a background job would; seconds are "
        f"the step's wall time (Django set up before the clock starts), the best of {args.repeat} runs; whole child "
        "adds the interpreter's start-up and imports; peak MB is the child's maximum resident set (`ru_maxrss`), the "
        "largest of the runs.",
        "",
        "| step | responses | file | seconds | whole child s | peak MB | file MB | × time of `sqlite3` | × time of the previous path |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for (kind, rows, fmt), r in results.items():
        floor = results["sqlite3", rows, "csv"]["seconds"]
        old = results.get(("old", rows, fmt))
        vs_old = f"{r['seconds'] / old['seconds']:.2f}" if old else "–"
        lines.append(f"| {label[kind]} | {rows:,} | .{fmt} | {r['seconds']:.2f} | {r['whole']:.2f} | {r['peak_mb']:,.0f} | "
                     f"{r['mb']:,.0f} | {r['seconds'] / floor:.2f} | {vs_old} |")  # fmt: skip
    notes = []
    for fmt in ("sav", "parquet"):
        ours, old = results["ours", small, fmt], results["old", small, fmt]
        notes.append(f".{fmt}: {old['seconds'] / ours['seconds']:.1f}× faster than the previous path at {small:,}, with "
                     f"{ours['peak_mb'] / old['peak_mb']:.2f}× its peak memory; the two files read back {checks[fmt]}")  # fmt: skip
    total = sum(stages["stages"].values())
    lines += [
        "",
        f"Where the time goes: the Parquet export of {big:,} responses taken apart, each stage timed on its own, one after "
        f"the other, in one child process: {total:.1f} s in all, the best of {args.repeat} runs "
        f"({', '.join(f'{t:.1f}' for t in stages['runs'])} s). `export_wave` overlaps them: it reads the next chunk "
        "from the database while a worker thread pivots, validates and writes the last one.",
        "",
        "| stage | seconds | share |",
        "|---|---:|---:|",
        *[f"| {STAGES[k]} | {v:.2f} | {v / total:.0%} |" for k, v in stages["stages"].items()],
    ]
    verdicts = []
    for fmt in ("sav", "parquet"):
        r = results["ours", big, fmt]
        met = r["whole"] < GOALS["seconds"] and r["peak_mb"] < GOALS["peak_mb"]
        runs = ", ".join(f"{t:.1f}" for t in r["runs"])
        verdicts.append(f".{fmt} {r['whole']:.1f} s (whole child; the export itself {runs} s in the {len(r['runs'])} runs) "
                        f"and {r['peak_mb']:,.0f} MB: {'met' if met else 'NOT met'}")  # fmt: skip
    ours = results["ours", big, "parquet"]
    lines += [
        "",
        "; ".join(notes) + ". "
        f"`export_wave` reported progress {ours['progress_calls']} times at {big:,} (after each chunk of 50,000 responses)."
        + (
            f" The previous path cannot run at {big:,} here: its `response_id IN (…)` with one parameter per response is "
            f'refused by SQLite beyond 250,000 responses ("too many SQL variables"), and it held '
            f"{max(results['old', small, f]['peak_mb'] for f in ('sav', 'parquet')):,.0f} MB at {small:,}."
            if big > 250_000
            else ""
        ),
        "",
        f"Goal at {big:,} responses, under {GOALS['seconds']:.0f} s and under {GOALS['peak_mb'] / 1024:.1f} GB each: "
        + "; ".join(verdicts)
        + ".",
        "",
        f"Machine: {machine()}, SQLite {_sqlite_version()}; 1-minute load average {load[0]:.1f} at the start and "
        f"{load[1]:.1f} at the end of the run (the machine may be shared with other work). Date: {dt.date.today().isoformat()}.",
        "",
    ]
    return "\n".join(lines)


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


if __name__ == "__main__":
    sys.exit(main())
