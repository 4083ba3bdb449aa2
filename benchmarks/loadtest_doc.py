"""The load test's section of docs/benchmarks.md (benchmarks/loadtest.py), from one run's rows."""

from __future__ import annotations

GOAL_PAGES, GOAL_P99 = 150.0, 300.0
NAMES = {"sqlite": "SQLite (WAL)", "postgres": "PostgreSQL"}
KINDS = {"paced": "paced", "flat": "flat out", "crash": "paced, SIGKILL at 40%"}


def offered(respondents: int, think: tuple[float, float]) -> float:
    """Page submissions/s the respondents would send while all of them are answering question
    pages, if the server answered at once: one each per think time."""
    return respondents / ((think[0] + think[1]) / 2)


def server_name(row: dict) -> str:
    if row["threads"] > 1:
        return f"{row['workers']} gthread workers × {row['threads']} threads, ≤ {row['connections']} connections each"
    return f"{row['workers']} sync workers"


def _ms(x: float) -> str:
    return f"{x:,.0f}" if x >= 10 else f"{x:.1f}"


def render(
    rows: list[dict],
    notes: dict,
    args,
    config: tuple[int, int, int],
    *,
    machine: str,
    load: tuple[float, float],
    seconds: float,
    date: str,
    expected: float,
) -> str:
    lo, hi = args.think
    versions = sorted({r["server_version"] for r in rows if r.get("server_version")})
    main = server_name(dict(zip(("workers", "threads", "connections"), config)))
    swept = [r for r in rows if server_name(r) != main]
    lines = [
        "## Web collection load test (issue 5)",
        "",
        f"`make loadtest` (`python benchmarks/loadtest.py`): {args.respondents} simulated respondents at once complete the "
        f"`readiness-2018` survey (an identified wave with an open link; {expected:.2f} question pages per respondent on "
        "average, since q1 is Yes or No at random and skip logic applies) against `collabstate serve` (gunicorn with "
        f"{main}{', keep-alive 75 s' if config[1] > 1 else ', what it starts on 2 cores: 2 per core + 1'}) on 127.0.0.1, on a fresh database per run: SQLite in WAL mode (`synchronous=NORMAL`) "
        f"and PostgreSQL{' ' + ', '.join(v.split(' ')[0] for v in versions) if versions else ''} from Debian's packages "
        "(default configuration, durable commits), on the same machine. The respondents are coroutines in one client "
        "process (aiohttp), each behaving like a browser: GET the page, read the CSRF token and the form's inputs from "
        "the HTML, choose random valid answers (about 8% of optional questions left blank), POST, follow the 302, up to "
        "the check-answers page, whose POST completes. **Client and server share the 2 cores.**",
        "",
        "What a page costs the server: a GET reads the respondent and their answers in one query (the answers folded "
        "into one JSON object by the database); a POST reads the same and saves the page in one more statement (on "
        "PostgreSQL the UPDATE of the respondent and the upsert of the answers are one statement with data-modifying "
        "CTEs, so no BEGIN/COMMIT round trips; on SQLite a transaction of up to three). Kept connections are checked by "
        "looking at the socket, not with `SELECT 1` (`collabstate.web.postgres`); gunicorn forks its workers after "
        "the built-in instruments are parsed (`--preload`); each worker keeps its waves for a few seconds and draws each "
        "radio button or checkbox once (`forms.option_html`).",
        "",
        f"Runs: *paced* ({args.repeat} run{'s' if args.repeat != 1 else ''} per database, each with its own random seed): each respondent thinks for a uniform {lo:g}–{hi:g} s before every POST, as a person reading "
        "the page (the goal is judged on these runs; if the server answered at once, the respondents would submit about "
        f"{offered(args.respondents, (lo, hi)):.0f} pages/s while all of them are answering question pages); *flat out*: no think time, so the figures are the server's capacity "
        "and the latencies are mostly queueing; *crash*: paced, and when 40% of the expected page submissions are "
        "acknowledged the whole gunicorn process group gets SIGKILL, the server is started again on the same database "
        "(`collabstate serve`: migrations, gunicorn) and every respondent whose request failed waits for it, GETs "
        "`/r/<token>/` and carries on from the page the server resumes it at (the page whose POST was lost is sent "
        "again with the same answers)."
        + (
            f" The last rows run paced again with other gunicorn configurations ({'; '.join(sorted({server_name(r) for r in swept}))}), "
            f"to compare with the one chosen ({main})."
            if swept
            else ""
        ),
        "",
        "A page submission is a question page's POST answered with a 302: the server's acknowledgement that the page "
        "is saved; the client records the token, the question and the exact column values it sent. Two rates: "
        "*while all answer* = acknowledged page submissions per second from the moment every respondent has had a page "
        "acknowledged until the first of them completes, i.e. while all of them are at it at once (the server's sustained "
        "rate); *whole run* = per second of wall time from the first request to the last response, the ramp-up and the "
        "tail included. In the tail fewer and fewer respondents are left, so the whole-run rate is bounded by the "
        "respondents themselves: *ceiling* = the pages acknowledged divided by the slowest respondent's own think time "
        "(all its pages together), the whole-run rate if the server answered every request at once. Requests/s counts "
        "every request (GETs, the open-link and check POSTs too). Latency is "
        "measured in the client, from sending the request until the whole response has arrived (so it includes the "
        "client's own delays). Server CPU is the CPU time of the gunicorn process group (and of PostgreSQL's "
        "processes) per acknowledged page, read from `/proc` (not for crash runs: killed workers take theirs along).",
        "",
        "After each run the database is checked through the Django ORM: for every acknowledged page, the respondent's "
        "stored `Answer` rows must equal what was sent (an unanswered column: no row). Lost = acknowledged values "
        "missing or different; duplicated = (response, column) pairs with more than one row, plus responses beyond "
        "one per respondent. Also counted: stored values that no page sent, and completions.",
        "",
        "| database | run | server | completed | pages acked | wall s | pages/s while all answer | pages/s whole run (ceiling) "
        "| requests/s | page POST p50 ms | page POST p99 ms "
        "| GET p50 ms | GET p99 ms | server CPU ms/page (gunicorn + PostgreSQL) | failed requests | lost | duplicated |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        v, cpu = r["verify"], r["cpu"]
        cpu_cell = "–"
        if r["cpu_complete"]:
            cpu_cell = _ms(1000 * cpu["server"] / r["acked"])
            if r["backend"] == "postgres":
                cpu_cell += f" + {_ms(1000 * cpu['postgres'] / r['acked'])} PG"
        lines.append(
            f"| {NAMES[r['backend']]} | {KINDS[r['kind']]} | {server_name(r)} | {r['completed']}/{r['respondents']} | {r['acked']:,} "
            f"| {r['wall']:.1f} | **{_rate(r['sustained'])}** | {r['pages_per_s']:.1f} ({_ceiling(r)}) | {r['requests_per_s']:.1f} "
            f"| {_ms(r['post_p50'])} | **{_ms(r['post_p99'])}** "
            f"| {_ms(r['get_p50'])} | {_ms(r['get_p99'])} | {cpu_cell} | {r['failed']} | {v['lost']} | {v['duplicated']} |"
        )
    lines.append("")
    for r in rows:
        lines.append(_details(r))
        lines.append("")
    for note in notes.values():
        lines += [f"{note}: its runs are missing from the table.", ""]
    lines += _sweep(rows, main)
    lines += _goal(rows, notes, main)
    lines.append(
        f"Machine: {machine}; 1-minute load average {load[0]:.1f} at the start and {load[1]:.1f} at the end (the machine may "
        f"be shared with other work). The whole run took {seconds / 60:.1f} minutes. Date: {date}."
    )
    return "\n".join(lines) + "\n"


def _rate(window: dict | None) -> str:
    return f"{window['rate']:.1f}" if window else "–"


def _ceiling(r: dict) -> str:
    return f"{r['ceiling']:.0f}" if r.get("ceiling") and r["kind"] != "flat" else "–"


def _details(r: dict) -> str:
    v = r["verify"]
    name = f"{NAMES[r['backend']]}, {KINDS[r['kind']]}, {server_name(r)}"
    text = (
        f"{name}: checked {v['pages_checked']:,} acknowledged pages ({v['values_checked']:,} column values): {v['missing']} missing, "
        f"{v['wrong']} different; {v['duplicated_pairs']} duplicated (response, column) pairs; {v['responses']} responses for "
        f"{v['respondents']} respondents ({r['started']} started by the client); {v['unexplained']} stored values no page sent; "
        f"{v['completed_stored']} respondents completed in the database, {r['completed']} confirmed to the client, "
        f"{v['completed_missing']} confirmed but not stored; {r['rejected']} POSTs the form refused."
    )
    if (w := r.get("sustained")) is not None:
        text += (
            f" All {r['respondents']} respondents were answering from {w['from']:.1f} s to {w['to']:.1f} s into the run: "
            f"{w['pages']:,} pages acknowledged then, {w['rate']:.1f} a second"
            + (f", with the machine's CPU {100 * w['busy']:.0f}% busy" if w.get("busy") is not None else "")
            + f"; page POST p99 then {_ms(w['post_p99'])} ms."
        )
    if (slow := r.get("slowest_posts")) is not None:
        text += (
            f" The slowest 1% of page POSTs ({slow['n']}) were sent {slow['first']:.1f}–{slow['last']:.1f} s into the run "
            f"(half of them by {slow['median']:.1f} s)."
        )
    if r.get("ceiling") and r["kind"] != "flat":
        text += (
            f" The slowest respondent thought for {r['slowest_think']:.1f} s in all, so no server could have made the whole run "
            f"shorter than that: at most {r['ceiling']:.0f} pages/s over the whole run."
        )
    statuses = ", ".join(f"{k}: {n:,}" for k, n in sorted(r["statuses"].items()))
    text += f" Responses: {statuses}."
    c, cores = r["cpu"], 2 * r["wall"]
    if r["cpu_complete"]:
        other = max(0.0, c["machine"] - c["server"] - c["postgres"] - c["client"])
        text += (
            f" CPU time ({cores:.0f} s available): gunicorn {c['server']:.1f} s, PostgreSQL {c['postgres']:.1f} s, the client "
            f"{c['client']:.1f} s, other work on the machine {other:.1f} s, idle {max(0.0, cores - c['machine']):.1f} s."
        )
    else:
        text += f" CPU time ({cores:.0f} s available): the machine was busy for {c['machine']:.1f} s, the client for {c['client']:.1f} s."
    crash = r.get("crash")
    if crash:
        text += (
            f" The server was killed {crash['at']:.1f} s into the run, after {crash['acked_before']:,} acknowledged page submissions; "
            f"it answered again {crash['restart_s']:.1f} s later. {r['failed']} requests failed with a connection error "
            f"({r['failed_posts']} of them page or check POSTs, the rest GETs in flight or sent while it was down, "
            f"{r['start_failed']} open-link requests); of the page POSTs that failed, {r['saved_unacked']} had been saved "
            f"all the same (the respondent was resumed after that page; checked too: {v['saved_unacked_lost']} lost) and the "
            f"others were sent again; {v['respondents_unseen']} respondents were created by an open-link POST the client never "
            "saw answered."
        )
    return text


def _sweep(rows: list[dict], main: str) -> list[str]:
    swept = [r for r in rows if server_name(r) != main]
    if not swept:
        return []
    base = [r for r in rows if r["kind"] == "paced" and server_name(r) == main and r["backend"] == swept[0]["backend"]]
    parts = [f"{server_name(r)}: {_rate(r['sustained'])} pages/s while all answer ({r['pages_per_s']:.1f} over the whole run), "
             f"page POST p99 {r['post_p99']:,.0f} ms" for r in base + swept]  # fmt: skip
    return [
        f"Server configurations, paced, {NAMES[swept[0]['backend']]}: " + "; ".join(parts) + ". " + "gthread "
        "workers keep connections alive (less work per request for the client and the server), but a connection stays with "
        "the worker that accepted it, and a worker accepts up to `--worker-connections` (1000 by default), so the respondents' "
        "connections can pile up on one or two workers, each held to one core by Python's GIL, while the others have nothing "
        "to do. A cap of 1.25 × respondents / workers spreads them, but in production a cap below the number of simultaneous "
        "browsers makes the extra ones wait for a kept-alive connection to close. Sync workers take each connection when they "
        "are free, at the price of a new connection per request.",
        "",
    ]


def _goal(rows: list[dict], notes: dict, main: str) -> list[str]:
    paced = [r for r in rows if r["backend"] == "postgres" and r["kind"] == "paced" and server_name(r) == main]
    if not paced:
        why = "PostgreSQL was not available" if notes.get("postgres") else "no paced PostgreSQL run in this invocation"
        return [f"Goal (≥ 150 page submissions/s with p99 under 300 ms with PostgreSQL on 2 cores): not measured, {why}.", ""]
    met = [r for r in paced if r["sustained"] and r["sustained"]["rate"] >= GOAL_PAGES and r["post_p99"] < GOAL_P99]
    runs = "; ".join(
        f"{_rate(r['sustained'])} pages/s while all answer, {r['pages_per_s']:.1f} over the whole run (ceiling {_ceiling(r)}), "
        f"page POST p99 {r['post_p99']:,.0f} ms"
        for r in paced
    )
    text = (
        f"Goal with PostgreSQL on 2 cores, paced runs: ≥ {GOAL_PAGES:.0f} page submissions/s while the {paced[0]['respondents']} "
        f"respondents answer at once, with page POST p99 < {GOAL_P99:.0f} ms: **{'met' if len(met) == len(paced) else 'not met'} "
        f"in {len(met)} of {len(paced)} runs** ({runs}). The whole-run rate is "
        f"{'at or above' if all(r['pages_per_s'] >= GOAL_PAGES for r in paced) else 'not always above'} {GOAL_PAGES:.0f} too, "
        "but it says more about the respondents than about the server: it cannot exceed the ceiling, set by the slowest "
        "respondent's think time."
    )
    r = paced[0]
    if r["per_second"]:
        text += f" Page submissions acknowledged in each second of the first run: {', '.join(map(str, r['per_second']))}."
    flat = [x for x in rows if x["backend"] == "postgres" and x["kind"] == "flat"]
    if flat:
        best = max(flat, key=lambda x: x["pages_per_s"])
        text += f" Flat out, the server acknowledged {best['pages_per_s']:.1f} page submissions/s over the whole run ({server_name(best)})."
    c, n = r["cpu"], r["acked"]
    per_page = {k: 1000 * c[k] / n for k in ("server", "postgres", "client")}
    total = sum(per_page.values())
    text += (
        f" Each acknowledged page cost {per_page['server']:.1f} ms of gunicorn CPU, {per_page['postgres']:.1f} ms of PostgreSQL "
        f"and {per_page['client']:.1f} ms of the client ({total:.1f} ms in all, for the page's GET and POST and its share of the "
        f"open link, check and confirmation pages). If the server answered at once, the respondents would send about "
        f"{offered(r['respondents'], r['think']):.0f} pages/s while all of them are answering question pages."
    )
    w, slow = r["sustained"], r.get("slowest_posts")
    if w and slow:
        when = (
            "while the respondents were still arriving: the open-link visits, starts and first pages of all "
            f"{r['respondents']} come at once, and not every one of them had a page acknowledged until {w['from']:.1f} s"
            if slow["median"] < w["from"]
            else "while all of them were answering"
        )
        busy = f"the machine's CPU was {100 * w['busy']:.0f}% busy and " if w.get("busy") is not None else ""
        text += (
            f" Where the p99 comes from, in the first run: half of the slowest 1% of page POSTs were sent by {slow['median']:.1f} s, "
            f"{when}. While all of them were answering, {busy}the page POST p99 was {_ms(w['post_p99'])} ms."
        )
    return [text, ""]


def render_background(rows: list[dict], notes: dict, args, *, machine: str, date: str, expected: float) -> str:
    """The section of the background run (issue 14): the crowd's figures as in the main table, and
    what the analyst's requests and the task workers did meanwhile."""
    lo, hi = args.think
    first = rows[0]
    lines = [
        "## Web collection load test with background work (issue 14)",
        "",
        f"`make loadtest` (run *background*; `python benchmarks/loadtest.py --runs background`): the paced run above "
        f"({args.respondents} respondents at once, think time {lo}–{hi} s before every POST, {expected:.2f} question pages each "
        f"on average, `collabstate serve` with {server_name(first)} and its 2 task workers, client and server on the same "
        f"2 cores), while an analyst, through the workspace's own pages as a browser would, uploads a list of "
        f"{first['invitees']:,} invitees into another wave, sends them the invitations as soon as they are added, and imports "
        f"a CSV file of {first['imported']:,} responses into that wave (benchmarks/loadtest_background.py). Each upload and "
        "the send return at once (the work is queued); the task workers do it while the respondents answer: crowd after crowd "
        f"of {args.respondents} (new respondents by the open link) until the background work has ended. Mail goes to "
        "files (Django's file backend, the site's default). Afterwards: every acknowledged answer of the respondents is "
        "compared with the database as in the other runs, and the other wave must hold every invitee, invited, one e-mail "
        "each, and every imported response, with no half-imported response left.",
        "",
        f"Measured {date} on {machine}.",
        "",
        "| database | respondents completed | pages acked | POST p50 / p99 / max (ms) | rejected | lost | duplicated | upload invitees / import / send (request, ms) | list added / import done / invitations sent (s after the run began) | respondents done (s) | invited / e-mails / imported |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for r in rows:
        b, v = r["crash"]["background"], r["verify"]
        c = b["counted"]
        began = b["started"]

        def at(name: str, began: float = began, b: dict = b) -> str:
            job = b.get(name, {})
            return (
                f"{began + job['seconds']:.0f}"
                if job.get("said", "").startswith("Done")
                else f"{job.get('said', '–')} {job.get('error', '')}"
            )

        send_at = b["send_job"]["seconds"] + b["invitees_job"]["seconds"] + began
        lines.append(
            f"| {NAMES[r['backend']]} | {r['completed']}/{r['respondents']} | {r['acked']:,} | {_ms(r['post_p50'])} / {_ms(r['post_p99'])} / "
            f"{_ms(r['post_max'])} | {r['rejected']} | {v['lost']} | {v['duplicated']} | {_ms(1000 * b['invitees']['seconds'])} / "
            f"{_ms(1000 * b['import']['seconds'])} / {_ms(1000 * b['send']['seconds'])} | {at('invitees_job')} / {at('import_job')} / "
            f"{send_at:.0f} | {b['crowd_ended']:.0f} | {c['invited']:,} / {c['mails']:,} / {c['imported']:,} |"
        )
    for r in rows:
        b = r["crash"]["background"]
        lines += ["", f"{NAMES[r['backend']]}: invitee list: {b['invitees_job']['said']} Import: {b['import_job']['said']} "
                  f"Sending: {b['send_job']['said']} Statuses seen by the respondents: {r['statuses']}."]  # fmt: skip
    if notes.get("postgres"):
        lines += ["", notes["postgres"]]
    return "\n".join(lines) + "\n"
