"""The simulated respondents of the web load test (benchmarks/loadtest.py).

Each respondent behaves like a browser without JavaScript: it GETs a page, reads the CSRF token
and the form's inputs from the HTML, waits (its think time), POSTs random but valid answers and
follows the 302 to the next page, from the wave's open link to the check-answers page and the
confirmation. Every page POST is timed from sending the request until its whole response has
arrived; a 302 to the next page is the server's acknowledgement that the page is saved, and the
token, the question and the exact column values sent are recorded.

When a request fails with a connection error (the server was killed), the respondent waits until
the harness says the server is back, then GETs ``/r/<token>/`` like a returning browser and goes
on from the page the server resumes it at: the same page (its POST was not saved) is sent again
with the same answers; a page the server moved on from was saved without acknowledgement, and is
recorded as such (its values are checked too).
"""

from __future__ import annotations

import asyncio
import html
import random
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import aiohttp

TAG = re.compile(r'<div class="divider">|<input\b[^>]*>|<textarea\b[^>]*>')
ATTR = re.compile(r'([a-zA-Z_:-]+)="([^"]*)"')
WORDS = [
    "we",
    "worked",
    "with",
    "the",
    "council",
    "and",
    "two",
    "charities",
    "on",
    "housing",
    "support",
    "for",
    "older",
    "people",
    "in",
    "the",
    "town",
    "café",
]
BLANK = 0.08  # share of optional questions left unanswered


class ConnectionFailed(Exception):
    """The request did not get a response (refused, reset, or the server died while answering)."""


@dataclass
class Results:
    """What one run's respondents did; latencies in seconds."""

    post_latency: list[float] = field(default_factory=list)  # question-page POSTs
    post_sent: list[float] = field(default_factory=list)  # when each of them was sent
    get_latency: list[float] = field(default_factory=list)
    other_post_latency: list[float] = field(default_factory=list)  # open link (start) and check (complete)
    statuses: dict[str, int] = field(default_factory=dict)
    acked: list[dict] = field(default_factory=list)  # {token, question, values}
    saved_unacked: list[dict] = field(default_factory=list)  # failed POSTs the server had saved
    started: list[str] = field(default_factory=list)  # tokens
    completed: list[str] = field(default_factory=list)
    rejected: int = 0  # POSTs answered 200 (the form found a problem)
    failed: int = 0  # requests that failed with a connection error
    failed_posts: int = 0  # of which question-page or check POSTs
    start_failed: int = 0  # open-link POSTs that failed (a respondent may have been created unseen)
    first: float = 0.0
    last: float = 0.0
    ack_times: list[float] = field(default_factory=list)  # when each page submission was acknowledged
    first_ack: dict[str, float] = field(default_factory=dict)  # token -> when its first page was acknowledged
    done_at: dict[str, float] = field(default_factory=dict)  # token -> when its completion was confirmed
    thought: list[float] = field(default_factory=list)  # each respondent's think time, all pages together
    cpu_samples: list[tuple[float, float]] = field(default_factory=list)  # (when, machine busy CPU s), from the harness

    def count(self, key: str) -> None:
        self.statuses[key] = self.statuses.get(key, 0) + 1


class Respondent:
    def __init__(self, client: Crowd, number: int) -> None:
        self.c = client
        self.rng = random.Random(client.seed * 100_003 + number)
        self.cookie = ""
        self.token = ""
        self.pending: dict | None = None  # the page POST in flight: {question, values, pairs}
        self.thought = 0.0
        self.retry: dict | None = None  # a page POST that failed unsaved: sent again as it was

    async def request(self, method: str, path: str, form: list[tuple[str, str]] | None = None, kind: str = "get"):
        """One request without following redirects: (status, location path, body, seconds)."""
        headers = {"Cookie": f"csrftoken={self.cookie}"} if self.cookie else {}
        body = None
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(form)
        res = self.c.results
        started = time.perf_counter()
        try:
            async with self.c.session.request(method, self.c.base + path, data=body, headers=headers, allow_redirects=False) as r:
                text = await r.text()
                status = r.status
                location = r.headers.get("Location", "")
                if (cookie := r.cookies.get("csrftoken")) is not None:
                    self.cookie = cookie.value
        except (TimeoutError, aiohttp.ClientError) as exc:  # refused, reset, cut off mid-response
            res.failed += 1
            res.count(f"{method} failed")
            raise ConnectionFailed(str(exc)) from None
        seconds = time.perf_counter() - started
        res.last = time.perf_counter()
        {"get": res.get_latency, "page": res.post_latency}.get(kind, res.other_post_latency).append(seconds)
        if kind == "page":
            res.post_sent.append(started)
        res.count(f"{method} {status}")
        return status, urlsplit(location).path, text, seconds

    async def think(self) -> None:
        lo, hi = self.c.think
        if hi > 0:
            seconds = self.rng.uniform(lo, hi)
            self.thought += seconds
            await asyncio.sleep(seconds)

    async def run(self) -> None:
        url = await self.start()
        while url is not None:
            try:
                url = await self.page(url)
            except ConnectionFailed:
                url = await self.resume()
        self.c.results.thought.append(self.thought)

    async def start(self) -> str:
        """The open link: GET the consent page, POST it, learn the token from the redirect."""
        slug = self.c.slug
        while True:
            try:
                status, _, text, _ = await self.request("GET", f"/s/{slug}/")
                await self.think()
                status, location, _, _ = await self.request("POST", f"/s/{slug}/", [("csrfmiddlewaretoken", csrf_of(text))], kind="start")
            except ConnectionFailed:
                self.c.results.start_failed += 1
                await self.c.up.wait()
                continue
            if status != 302:
                raise RuntimeError(f"open link POST answered {status}")
            self.token = location.split("/")[2]
            self.c.results.started.append(self.token)
            return location

    async def page(self, url: str) -> str | None:
        """GET a page, answer it, POST it; the next page's address (None when done)."""
        status, location, text, _ = await self.request("GET", url)
        if status == 302:
            return location
        if status != 200:
            raise RuntimeError(f"GET {url} answered {status}")
        kind = page_kind(url)
        if kind == "done" or "already sent your answers" in text:
            self.c.completed(self.token)
            return None
        await self.think()
        if kind == "check":
            self.pending = {"question": ":check", "values": {}}
            status, location, _, _ = await self.request("POST", url, [("csrfmiddlewaretoken", csrf_of(text))], kind="check")
            self.pending = None
            return location if status == 302 else url
        question = url.rstrip("/").split("/")[-1]
        form = parse_form(text)
        retry, self.retry = self.retry, None
        pairs, values = (retry["pairs"], retry["values"]) if retry and retry["question"] == question else self.answer(form)
        self.pending = {"question": question, "values": values, "pairs": pairs}
        status, location, _, _ = await self.request("POST", url, [("csrfmiddlewaretoken", form["csrf"]), *pairs], kind="page")
        self.pending = None
        if status == 302:
            self.c.acked(self.token, question, values)
            return location
        self.c.results.rejected += 1
        return url

    async def resume(self) -> str | None:
        """After a failed request: wait for the server, then come back through /r/<token>/."""
        res = self.c.results
        if self.pending is not None:
            res.failed_posts += 1
        url = f"/r/{self.token}/"
        while True:
            await self.c.up.wait()
            try:
                status, location, text, _ = await self.request("GET", url)
            except ConnectionFailed:
                await asyncio.sleep(0.2)
                continue
            if status != 302:  # the respondent is done ("already sent") or on an unexpected page
                break
            url = location
            if page_kind(url) in ("question", "check"):
                break
        pending, self.pending = self.pending, None
        if pending is not None:
            here = url.rstrip("/").split("/")[-1] if page_kind(url) == "question" else ":check"
            if pending["question"] == here:
                self.retry = pending if here != ":check" else None  # not saved: the same answers again
            elif pending["question"] != ":check":
                res.saved_unacked.append({"token": self.token, "question": pending["question"], "values": pending["values"]})
        if status == 200 and "already sent your answers" in text:
            self.c.completed(self.token)
            return None
        return url

    def answer(self, form: dict) -> tuple[list[tuple[str, str]], dict[str, str | None]]:
        """Random valid answers: the form fields to send, and the column values they mean."""
        rng, pairs, values = self.rng, [], {}
        for name, options in form["radios"].items():
            if name != "q1_example" and rng.random() < BLANK:
                values[name] = None
                continue
            choice = rng.choice(options)
            pairs.append((name, choice))
            values[name] = choice
        for name, options in form["checkboxes"].items():
            plain = [v for v, exclusive in options if not exclusive]
            only = [v for v, exclusive in options if exclusive]
            if rng.random() < BLANK:
                ticked = []
            elif only and rng.random() < 0.1:
                ticked = [rng.choice(only)]
            else:
                ticked = rng.sample(plain, rng.randint(1, min(3, len(plain))))
            pairs += [(name, v) for v in ticked]
            for v, _ in options:
                values[f"{name}/{v}"] = ("1" if v in ticked else "0") if ticked else None
        for name in form["texts"]:
            text = "" if rng.random() < BLANK else " ".join(rng.choices(WORDS, k=rng.randint(3, 12)))
            pairs.append((name, text))
            values[name] = text or None
        for name in form["numbers"]:
            number = str(rng.randint(1, 5))
            pairs.append((name, number))
            values[name] = number
        return pairs, values


class Crowd:
    """The respondents of one run, sharing one connection pool (each keeps its own cookie)."""

    def __init__(self, base: str, slug: str, n: int, think: tuple[float, float], seed: int, on_ack=None) -> None:
        self.base, self.slug, self.n, self.think, self.seed = base, slug, n, think, seed
        self.results = Results()
        self.up = asyncio.Event()
        self.up.set()
        self.on_ack = on_ack
        self.session: aiohttp.ClientSession | None = None

    def acked(self, token: str, question: str, values: dict) -> None:
        res, now = self.results, time.perf_counter()
        res.acked.append({"token": token, "question": question, "values": values})
        res.ack_times.append(now)
        res.first_ack.setdefault(token, now)
        if self.on_ack is not None:
            self.on_ack(len(self.results.acked))

    def completed(self, token: str) -> None:
        self.results.completed.append(token)
        self.results.done_at.setdefault(token, time.perf_counter())

    async def run(self, extra=None) -> Results:
        connector = aiohttp.TCPConnector(limit=0, force_close=False)
        timeout = aiohttp.ClientTimeout(total=120)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()) as session:
            self.session = session
            self.results.first = time.perf_counter()
            side = asyncio.create_task(extra) if extra is not None else None
            await asyncio.gather(*(Respondent(self, i).run() for i in range(self.n)))
            if side is not None:
                side.cancel()  # a kill that was never reached
                await asyncio.gather(side, return_exceptions=True)
        return self.results


def page_kind(url: str) -> str:
    parts = url.strip("/").split("/")
    if len(parts) >= 4 and parts[2] == "q":
        return "question"
    return parts[2] if len(parts) == 3 else "start"


def csrf_of(text: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
    if not found:
        raise RuntimeError("no CSRF token in the page")
    return found.group(1)


def parse_form(text: str) -> dict:
    """The form's inputs: radio groups, checkbox groups (exclusive options marked), text areas and
    text inputs, in page order; and the CSRF token."""
    form = {"csrf": "", "radios": {}, "checkboxes": {}, "texts": [], "numbers": []}
    exclusive = False
    for tag in TAG.findall(text):
        if tag.startswith("<div"):
            exclusive = True
            continue
        attrs = {k: html.unescape(v) for k, v in ATTR.findall(tag)}
        name, kind = attrs.get("name", ""), attrs.get("type", "")
        if name == "csrfmiddlewaretoken":
            form["csrf"] = attrs.get("value", "")
        elif tag.startswith("<textarea"):
            form["texts"].append(name)
        elif kind == "radio":
            form["radios"].setdefault(name, []).append(attrs["value"])
        elif kind == "checkbox":
            form["checkboxes"].setdefault(name, []).append((attrs["value"], exclusive))
        elif kind == "text":
            form["numbers"].append(name)
        exclusive = False
    if not form["csrf"]:
        raise RuntimeError("no CSRF token in the form")
    return form
