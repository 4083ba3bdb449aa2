"""Benchmark: the survey website under 200 simulated respondents at once (issue 5); ``make loadtest``.

For each database (SQLite in WAL mode; PostgreSQL from Debian's packages, set up by
``scripts/install-postgres.sh``) and each run, on a fresh database: ``collabstate wave create``
(migrations, cache table, an identified wave of ``readiness-2018`` with an open link), then
``collabstate serve`` (gunicorn on 127.0.0.1, a free port, in its own process group; 5 sync
workers by default, as serve starts on 2 cores; gthread workers through ``GUNICORN_CMD_ARGS``).
The respondents (benchmarks/loadtest_client.py) complete the survey at once; afterwards
benchmarks/loadtest_verify.py compares every acknowledged page with the Answer rows in the
database. Runs:

- paced: each respondent takes a think time (uniform, ``--think``) before every POST, as a person
  reading the page; the goal (≥ 150 page submissions/s, p99 < 300 ms with PostgreSQL) is judged
  on this run;
- flat out: no think time (the server's capacity; latency is then queueing);
- crash: paced, and when 40% of the expected page submissions are acknowledged the whole
  gunicorn process group gets SIGKILL; the server is restarted on the same database and the
  respondents carry on where the server resumes them;
- sweep: paced again on the last database with other gunicorn configurations, to compare with
  the default (5 sync workers, as ``collabstate serve`` starts on 2 cores);
- background (issue 14): paced, while an analyst, through the workspace's pages, uploads 100,000
  invitees into another wave, sends them the invitations and imports 20,000 responses into it
  (benchmarks/loadtest_background.py): the requests must return at once, the work is done by
  ``collabstate serve``'s task workers while the respondents answer (crowd after crowd of them,
  until the work has ended), and the respondents' answers must still all be there. Its figures
  go to a section of their own.

    python benchmarks/loadtest.py [--respondents 200] [--backends sqlite postgres] [--runs paced flat crash background]
                                  [--server sync:5] [--repeat 3] [--think 0.4 1.2] [--sweep gthread:5x4 gthread:5x4/1000] [--no-doc]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import loadtest_background as background  # noqa: E402
from _record import machine, write_section  # noqa: E402
from loadtest_client import Crowd  # noqa: E402
from loadtest_doc import render, render_background  # noqa: E402

ROOT = HERE.parent
BIN = Path(sys.executable).parent
SLUG = "loadtest"
INSTRUMENT = "readiness-2018"
CRASH_AT = 0.4


class Unavailable(Exception):
    pass


# ------------------------------------------------------------------------------- databases
def postgres_base() -> str:
    """DATABASE_URL of the test cluster (installed and started by scripts/install-postgres.sh), or
    ``$LOADTEST_POSTGRES_URL`` (a role that may create databases) when that is set."""
    if os.environ.get("LOADTEST_POSTGRES_URL"):
        return os.environ["LOADTEST_POSTGRES_URL"]
    result = subprocess.run(["bash", str(ROOT / "scripts" / "install-postgres.sh")], capture_output=True, text=True)
    sys.stderr.write(result.stderr)
    lines = [line for line in result.stdout.splitlines() if line.startswith("DATABASE_URL=")]
    if result.returncode or not lines:
        reason = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else f"exit status {result.returncode}"
        raise Unavailable(reason.removeprefix("PostgreSQL not available: "))
    return lines[-1].removeprefix("DATABASE_URL=")


def fresh_postgres(base: str, name: str) -> str:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
        version = conn.execute("SHOW server_version").fetchone()[0]
    return base.rsplit("/", 1)[0] + "/" + name, version


def drop_postgres(base: str, name: str) -> None:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def environment(backend: str, var: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "COLLABSTATE_VAR", "DJANGO_DEBUG", "GUNICORN_CMD_ARGS")}
    env["COLLABSTATE_VAR"] = str(var)
    # every simulated respondent comes from 127.0.0.1: the limit on starts per address is for real crowds
    env.setdefault("COLLABSTATE_OPEN_LINK_STARTS", "100000/m")
    if backend == "postgres":
        env["DATABASE_URL"] = database_url
    return env


def create_wave(env: dict[str, str]) -> None:
    subprocess.run([str(BIN / "collabstate"), "wave", "create", SLUG, "--instrument", INSTRUMENT, "--open-link", "--mode", "identified"],
                   env=env, check=True, capture_output=True, text=True)  # fmt: skip


# ---------------------------------------------------------------------------------- server
class Server:
    """``collabstate serve`` in its own process group (killed as a whole)."""

    def __init__(self, env: dict[str, str], workers: int, threads: int, connections: int, log: Path) -> None:
        self.port = free_port()
        self.workers, self.threads, self.log = workers, threads, log
        # sync workers: exactly what `collabstate serve --workers N` starts; gthread through gunicorn's own variable
        args = f"--worker-class gthread --threads {threads} --worker-connections {connections} --keep-alive 75" if threads > 1 else ""
        self.env = {**env, "GUNICORN_CMD_ARGS": args} if args else env
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> float:
        """Start and wait until the open link answers; seconds it took."""
        began = time.perf_counter()
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen([str(BIN / "collabstate"), "serve", "--port", str(self.port), "--workers", str(self.workers)],
                                         env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with status {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.base}/s/{SLUG}/", timeout=5) as r:
                    if r.status == 200:
                        return time.perf_counter() - began
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the server did not answer within 120 s:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------- CPU accounting
def cpu_seconds(pgid: int | None) -> dict[str, float]:
    """CPU seconds so far of the server's process group, of PostgreSQL's processes, of this
    process (the client), and of the whole machine (busy, all cores)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {"server": 0.0, "postgres": 0.0}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        comm, fields = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        used = (int(fields[11]) + int(fields[12])) / tick
        if pgid is not None and int(fields[2]) == pgid:
            out["server"] += used
        elif comm == "postgres":
            out["postgres"] += used
    out["client"] = time.process_time()
    out["machine"] = machine_cpu()
    return out


def machine_cpu() -> float:
    """CPU seconds the whole machine has been busy (all cores; idle and I/O wait excluded)."""
    cpu = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(cpu) - cpu[3] - cpu[4]) / os.sysconf("SC_CLK_TCK")


async def sample_machine(samples: list[tuple[float, float]]) -> None:
    """(time, :func:`machine_cpu`) every half second, until cancelled."""
    while True:
        samples.append((time.perf_counter(), machine_cpu()))
        await asyncio.sleep(0.5)


# ------------------------------------------------------------------------------------- runs
def expected_pages() -> float:
    """Question pages a respondent answers on average (q1 Yes or No at random; 'other' ticked or not)."""
    from collabstate.instrument import load_instrument

    ins = load_instrument(INSTRUMENT)
    counts = [sum(1 for q in ins.questions if q.condition is None or q.condition.holds(v))
              for v in ({"q1_example": 1, "q3_stakeholders/other": 1}, {"q1_example": 1, "q3_stakeholders/other": 0}, {"q1_example": 2})]  # fmt: skip
    return (counts[0] + counts[1]) / 4 + counts[2] / 2


async def load(server: Server, n: int, think: tuple[float, float], seed: int, crash: bool, files: Path | None = None) -> tuple:
    """The crowd (and, with ``files``, the analyst's background work, waited for to its end)."""
    kill_at = int(CRASH_AT * n * expected_pages()) if crash else None
    reached = asyncio.Event()
    crash_info: dict = {}
    crowd = Crowd(server.base, SLUG, n, think, seed, on_ack=(lambda k: k >= kill_at and reached.set()) if crash else None)

    async def killer() -> None:
        await reached.wait()
        crowd.up.clear()
        crash_info["acked_before"] = len(crowd.results.acked)
        crash_info["at"] = time.perf_counter() - crowd.results.first
        server.kill()
        crash_info["restart_s"] = await asyncio.to_thread(server.start)
        crowd.up.set()

    sampler = asyncio.create_task(sample_machine(crowd.results.cpu_samples))
    if files is None:
        results = await crowd.run(killer() if crash else None)
    else:
        work: dict = {}
        rounds = await _crowds_during(crowd, seed, background.drive(server.base, files, work))
        results = crowd.results
        crash_info["background"] = {**work, "started": work["started"] - results.first, "ended": work["ended"] - results.first,
                                    "crowd_ended": results.last - results.first, "rounds": rounds}  # fmt: skip
    sampler.cancel()
    return results, crash_info


async def _crowds_during(crowd: Crowd, seed: int, work) -> int:
    """Crowds of respondents one after another (new respondents by the open link, new answers),
    the first starting with ``work``, until ``work`` has ended: the background work always has
    respondents beside it. Their results go into ``crowd.results``; returns how many crowds."""
    done = asyncio.Event()

    async def watched() -> None:
        try:
            await work
        finally:
            done.set()

    task = asyncio.create_task(watched())
    rounds, first = 0, None
    while True:
        crowd.seed = seed + 1_000 * rounds
        await crowd.run(None)
        first = crowd.results.first if first is None else first
        crowd.results.first = first  # each run starts its own clock; the whole run's is the first's
        rounds += 1
        if done.is_set():
            break
    await task
    return rounds


def run_one(backend: str, kind: str, args, pg_base: str | None, work: Path, number: int, config: tuple[int, int, int]) -> dict:
    workers, threads, connections = config
    name = f"{kind}_{workers}x{threads}_{connections}_{number}"
    var = work / f"{backend}-{name}"
    var.mkdir(parents=True)
    url, version = fresh_postgres(pg_base, f"collabstate_lt_{name}") if backend == "postgres" else (None, None)
    env = environment(backend, var, url)
    create_wave(env)
    files = None
    if kind == "background":
        background.setup(env, BIN)
        files = var / "files"
        files.mkdir()
        background.write_files(files, args.invitees, args.imported)
    server = Server(env, workers, threads, connections, var / "server.log")
    think = (0.0, 0.0) if kind == "flat" else tuple(args.think)
    try:
        server.start()
        before = cpu_seconds(server.proc.pid)
        print(
            f"{backend} {kind} ({workers} workers × {threads} threads): {args.respondents} respondents on {server.base} …",
            file=sys.stderr,
            flush=True,
        )
        results, crash = asyncio.run(load(server, args.respondents, think, args.seed + number, kind == "crash", files))
        after = cpu_seconds(server.proc.pid)
    finally:
        server.stop()
    run_file = var / "run.json"
    run_file.write_text(json.dumps({"slug": SLUG, "acked": results.acked, "saved_unacked": results.saved_unacked,
                                    "started": results.started, "completed": results.completed}))  # fmt: skip
    check = subprocess.run([sys.executable, str(HERE / "loadtest_verify.py"), str(run_file)], env=env, capture_output=True, text=True)
    if check.returncode:
        raise RuntimeError(f"verification failed:\n{check.stderr[-3000:]}")
    if files is not None:
        counted = subprocess.run([sys.executable, str(HERE / "loadtest_background.py"), "count"], env=env, capture_output=True, text=True)
        if counted.returncode:
            raise RuntimeError(f"counting the background work failed:\n{counted.stderr[-3000:]}")
        crash["background"]["counted"] = json.loads(counted.stdout.strip().splitlines()[-1])
    if backend == "postgres":
        drop_postgres(pg_base, f"collabstate_lt_{name}")
    row = summary(results, json.loads(check.stdout.strip().splitlines()[-1]), crash, before, after)
    rounds = crash.get("background", {}).get("rounds", 1)
    row.update(backend=backend, kind=kind, think=think, workers=workers, threads=threads, connections=connections,
               respondents=args.respondents * rounds, server_version=version, invitees=args.invitees, imported=args.imported)  # fmt: skip
    print(json.dumps({k: v for k, v in row.items() if k != "verify"}), file=sys.stderr, flush=True)
    return row


def parse_config(text: str, respondents: int) -> tuple[int, int, int]:
    """``sync:5`` -> (5, 1, 0); ``gthread:5x4`` -> (5, 4, connections per worker for 1.25 × the
    respondents); ``gthread:5x4/1000`` -> (5, 4, 1000)."""
    kind, _, size = text.partition(":")
    if kind == "sync":
        return int(size), 1, 0
    size, _, cap = size.partition("/")
    workers, _, threads = size.partition("x")
    return int(workers), int(threads), int(cap) if cap else math.ceil(1.25 * respondents / int(workers))


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def sustained(res) -> dict | None:
    """Acknowledged pages per second while every respondent is answering: from the moment the last
    of them has a page acknowledged until the first of them completes (no ramp-up, no tail)."""
    if not res.done_at or len(res.first_ack) < len(res.started):
        return None
    start, end = max(res.first_ack.values()), min(res.done_at.values())
    if end - start < 1.0:
        return None
    pages = sum(1 for t in res.ack_times if start <= t <= end)
    inside = [(t, busy) for t, busy in res.cpu_samples if start <= t <= end]
    share = (inside[-1][1] - inside[0][1]) / ((os.cpu_count() or 1) * (inside[-1][0] - inside[0][0])) if len(inside) > 1 else None
    posts = [seconds for sent, seconds in zip(res.post_sent, res.post_latency) if start <= sent <= end]
    return {"rate": pages / (end - start), "from": start - res.first, "to": end - res.first, "pages": pages, "busy": share,
            "post_p99": pct(posts, 0.99)}  # fmt: skip


def slowest_posts(res) -> dict | None:
    """When the slowest 1% of page POSTs were sent (seconds into the run): where the p99 comes from."""
    ranked = sorted(zip(res.post_latency, res.post_sent))
    slow = sorted(sent - res.first for _, sent in ranked[int(0.99 * len(ranked)) :])
    return {"first": slow[0], "median": slow[len(slow) // 2], "last": slow[-1], "n": len(slow)} if slow else None


def summary(res, verify: dict, crash: dict, before: dict, after: dict) -> dict:
    wall = res.last - res.first
    slowest = max(res.thought, default=0.0)
    seconds = [0] * (int(wall) + 1)
    for t in res.ack_times:
        seconds[min(len(seconds) - 1, int(t - res.first))] += 1
    requests = len(res.post_latency) + len(res.get_latency) + len(res.other_post_latency)
    return {
        "wall": wall,
        "acked": len(res.acked),
        "pages_per_s": len(res.acked) / wall,
        "sustained": sustained(res),
        "slowest_posts": slowest_posts(res),
        # the whole run's pages/s if the server answered at once: the slowest respondent's own think time bounds it
        "ceiling": len(res.acked) / slowest if slowest else None,
        "slowest_think": slowest,
        "per_second": seconds,
        "requests_per_s": requests / wall,
        "requests": requests,
        "post_p50": pct(res.post_latency, 0.50), "post_p99": pct(res.post_latency, 0.99), "post_max": pct(res.post_latency, 1.0),
        "get_p50": pct(res.get_latency, 0.50), "get_p99": pct(res.get_latency, 0.99),
        "statuses": res.statuses, "rejected": res.rejected, "failed": res.failed, "failed_posts": res.failed_posts,
        "start_failed": res.start_failed, "saved_unacked": len(res.saved_unacked),
        "completed": len(res.completed), "started": len(res.started),
        "cpu": {k: after[k] - before[k] for k in before}, "cpu_complete": not crash,  # killed workers take their CPU time along
        "crash": crash, "verify": verify,
    }  # fmt: skip


def background_complete(row: dict) -> bool:
    """Every invitee added and invited (one e-mail each), every response imported, nothing half-done."""
    counted = row["crash"]["background"]["counted"]
    return (counted["invitees"], counted["invited"], counted["mails"], counted["imported"], counted["incomplete_imported"]) == (
        row["invitees"],
        row["invitees"],
        row["invitees"],
        row["imported"],
        0,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--respondents", type=int, default=200)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"])
    parser.add_argument(
        "--runs", nargs="+", default=["paced", "flat", "crash", "background"], choices=["paced", "flat", "crash", "background"]
    )
    parser.add_argument("--invitees", type=int, default=100_000, help="invitees uploaded and sent to in the background run")
    parser.add_argument("--imported", type=int, default=20_000, help="responses imported in the background run")
    parser.add_argument(
        "--server",
        default="sync:5",
        metavar="CONFIG",
        help="gunicorn: sync:N (N sync workers) or gthread:WxT[/C] (W workers × T threads, at most C connections "
        "each; default C: 1.25 × the respondents / W)",
    )
    parser.add_argument(
        "--sweep",
        nargs="*",
        default=["gthread:5x4", "gthread:5x4/1000"],
        metavar="CONFIG",
        help="other server configurations run paced on the last database, to compare",
    )
    parser.add_argument("--repeat", type=int, default=3, help="paced runs per database with the chosen server (the goal is judged on each)")
    parser.add_argument(
        "--think", type=float, nargs=2, default=[0.4, 1.2], metavar=("MIN", "MAX"), help="think time before each POST, seconds (uniform)"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-doc", action="store_true", help="print the section instead of writing docs/benchmarks.md")
    args = parser.parse_args(argv)

    began, load_start = time.perf_counter(), os.getloadavg()[0]
    rows, notes, last = [], {}, None
    with tempfile.TemporaryDirectory(prefix="collabstate-loadtest-") as tmp:
        for backend in args.backends:
            pg_base = None
            if backend == "postgres":
                try:
                    pg_base = postgres_base()
                except Unavailable as exc:
                    notes["postgres"] = f"PostgreSQL not available: {exc}"
                    print(notes["postgres"], file=sys.stderr)
                    continue
            for kind in args.runs:
                for _ in range(args.repeat if kind == "paced" else 1):
                    rows.append(run_one(backend, kind, args, pg_base, Path(tmp), len(rows), parse_config(args.server, args.respondents)))
            last = (backend, pg_base)
        for config in args.sweep if last else []:  # the other server configurations, on the last database
            rows.append(run_one(last[0], "paced", args, last[1], Path(tmp), len(rows), parse_config(config, args.respondents)))
    main_rows, work_rows = [r for r in rows if r["kind"] != "background"], [r for r in rows if r["kind"] == "background"]
    sections = []
    if main_rows:
        text = render(main_rows, notes, args, parse_config(args.server, args.respondents), machine=machine(), load=(load_start, os.getloadavg()[0]),
                      seconds=time.perf_counter() - began, date=dt.date.today().isoformat(), expected=expected_pages())  # fmt: skip
        sections.append(("## Web collection load test (issue 5)", text))
    if work_rows:
        text = render_background(work_rows, notes, args, machine=machine(), date=dt.date.today().isoformat(), expected=expected_pages())
        sections.append(("## Web collection load test with background work (issue 14)", text))
    for heading, text in sections:
        if args.no_doc:
            print(text)
        else:
            write_section(heading, text)
            print(f"wrote {heading} in docs/benchmarks.md", file=sys.stderr)
    bad = [r for r in rows if r["verify"]["lost"] or r["verify"]["duplicated"] or r["completed"] != r["respondents"]]
    bad += [r for r in work_rows if not background_complete(r)]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
