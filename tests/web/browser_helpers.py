"""Driving respondents' pages in Debian's Chromium through Playwright: a respondent who answers
each page with real clicks and typing while recording what the database and the check-answers
page should then hold, and axe-core run on each distinct page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from collabstate.instrument import Instrument
from collabstate.instrument.model import MatrixQuestion, MultipleQuestion, Question, TextQuestion

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
LAYOUT_CHECK = Path(__file__).with_name("layout_check.js")
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
NOT_ANSWERED = "Not answered"

_AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
}"""


def need_browser() -> None:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (scripts/install-report-deps.sh installs it)")
    if not AXE.is_file():
        pytest.skip("node_modules is missing (run `make setup`, which runs `npm ci`)")


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it stands. The script is evaluated by the browser's
    tools, as Playwright's evaluate does, not added as a <script> element: the pages' policy
    (Content-Security-Policy: script-src 'self') refuses inline scripts, rightly."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(_AXE_RUN, AXE_TAGS)


def assert_accessible(page, what: str) -> None:
    violations = axe_violations(page)
    if violations:
        lines = [f"axe-core found {len(violations)} violation(s) on {what} ({page.url}):"]
        for v in violations:
            lines.append(f"- {v['id']} [{v['impact']}]: {v['help']}")
            lines.extend(f"    {node}" for node in v["nodes"])
        pytest.fail("\n".join(lines), pytrace=False)


def layout_problems(page) -> list[str]:
    """What a person would see as broken on the page as it stands, in sentences naming the
    elements (see layout_check.js): the page wider than the window outside a region that scrolls,
    boxes that overlap, text cut off or running out of its box."""
    return page.evaluate(LAYOUT_CHECK.read_text(encoding="utf-8"))


def assert_layout(page, what: str) -> None:
    problems = layout_problems(page)
    if problems:
        width = page.evaluate("document.documentElement.clientWidth")  # a page or a frame in it
        lines = [f"the layout of {what} ({page.url}) at {width} px wide is broken:"]
        lines.extend(f"- {p}" for p in problems)
        pytest.fail("\n".join(lines), pytrace=False)


def accessible_at_widths(page, what: str, widths: tuple[int, ...] = (390, 1280)) -> None:
    """axe on the page at each width (a phone's, a desktop's), the page's height kept at 844."""
    for width in widths:
        page.set_viewport_size({"width": width, "height": 844})
        assert_accessible(page, f"{what}, {width} px wide")


def accessible_and_within(page, what: str, widths: tuple[int, ...] = (390, 1280)) -> None:
    """axe on the page at each width, and nothing wider than the window; the window left at 1280 px."""
    for width in widths:
        page.set_viewport_size({"width": width, "height": 844})
        assert_accessible(page, f"{what}, {width} px wide")
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{what} is {wide} px wide in a window of {width} px"
    page.set_viewport_size({"width": 1280, "height": 844})


def heading(page) -> str:
    return " ".join(page.locator("h1").first.inner_text().split())


def submit(page, name: str = "Continue") -> None:
    """Press a form's button and wait for the page the redirect ends on."""
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name=name).click()


def follow(page, name: str, exact: bool = True) -> None:
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name=name, exact=exact).click()


class Respondent:
    """One respondent's browser page, what they have entered (data column -> stored text) and what
    the check-answers page should list (question text -> lines), in the order asked."""

    def __init__(self, page, instrument: Instrument, base_url: str, axe: bool | set[str] = True) -> None:
        """``axe``: run axe-core on every page this respondent visits (once each), on none, or
        only on these (question ids, ``"check"``, ``"done"``)."""
        self.page, self.instrument, self.base_url = page, instrument, base_url
        self.expected: dict[str, str] = {}
        self.summary: dict[str, list[str]] = {}
        self.axe = axe
        self.checked: set[str] = set()  # pages axe-core has already seen

    # Where we are
    def path(self) -> str:
        return re.split(r"[?#]", self.page.url.removeprefix(self.base_url))[0]

    def token(self) -> str:
        match = re.fullmatch(r"/r/([A-Za-z0-9_-]{43})/.*", self.path())
        assert match, self.page.url
        return match[1]

    def question_id(self) -> str:
        match = re.fullmatch(r"/r/[A-Za-z0-9_-]{43}/q/([\w-]+)/", self.path())
        assert match, f"not a question page: {self.page.url}"
        return match[1]

    def expect_question(self, qid: str) -> Question:
        q = self.instrument.question(qid)
        assert self.question_id() == qid
        wanted = " ".join(q.text.split())
        assert heading(self.page) == wanted
        assert self.page.title().removeprefix("Error: ").startswith((q.short or wanted)[:40])
        return q

    def accessible(self, key: str, what: str) -> None:
        wanted = self.axe if isinstance(self.axe, bool) else key in self.axe
        if wanted and key not in self.checked:
            self.checked.add(key)
            assert_accessible(self.page, what)

    # Answering one page
    def answer(self, qid: str, value, *, via_label: bool = False) -> None:
        """Answer the question on the current page (asserting it is ``qid``) and continue.

        ``value``: a choice label (single, scale); a list of option labels (multiple; [] ticks
        none); row id -> choice label (grid); text (text, number); None leaves it empty."""
        page = self.page
        q = self.expect_question(qid)
        self.accessible(qid, f"the page of {qid} ({q.type})")
        text = " ".join(q.text.split())
        if isinstance(q, MultipleQuestion):
            ticked = list(value or [])
            group = page.get_by_role("group", name=text)
            for label in ticked:
                box = group.get_by_role("checkbox", name=label, exact=True)
                if box.is_checked():
                    continue  # ticked before (a page shown again): a click would untick it
                if via_label:
                    group.locator("label", has_text=re.compile(f"^{re.escape(label)}$")).click()
                else:
                    box.check()
                assert box.is_checked()
            codes = {o.label: o.code for o in q.options}
            assert set(ticked) <= set(codes), ticked
            if ticked:
                for o in q.options:
                    self.expected[f"{q.id}/{o.code}"] = "1" if o.label in ticked else "0"
            self.summary[text] = [o.label for o in q.options if o.label in ticked] or [NOT_ANSWERED]
        elif isinstance(q, MatrixQuestion):
            labels = {c.label: str(c.code) for c in self.instrument.choices(q)}
            value = value or {}
            for row in q.rows:
                if row.id in value:
                    group = page.get_by_role("group", name=" ".join(row.text.split()), exact=True)
                    group.get_by_role("radio", name=value[row.id], exact=True).check()
                    self.expected[row.id] = labels[value[row.id]]
            self.summary[text] = [f"{row.label}: {value.get(row.id, NOT_ANSWERED)}" for row in q.rows]
        elif isinstance(q, TextQuestion) or q.type == "number":
            box = page.get_by_label(text, exact=True)
            if value is not None:
                box.fill("")  # a page shown again has the saved answer in it
                box.press_sequentially(value)
                assert box.input_value() == value
                self.expected[q.id] = value
            self.summary[text] = [value or NOT_ANSWERED]
        else:
            labels = {c.label: str(c.code) for c in self.instrument.choices(q)}
            if value is not None:
                group = page.get_by_role("group", name=text)
                if via_label:
                    group.locator("label", has_text=re.compile(f"^{re.escape(value)}$")).click()
                    radio = group.get_by_role("radio", name=value, exact=True)
                    assert radio.is_checked()
                else:
                    group.get_by_role("radio", name=value, exact=True).check()
                self.expected[q.id] = labels[value]
            self.summary[text] = [value if value is not None else NOT_ANSWERED]
        submit(page)

    # The end
    def check_answers_listed(self) -> None:
        page = self.page
        assert re.fullmatch(r"/r/[A-Za-z0-9_-]{43}/check/", self.path()), page.url
        assert heading(page) == "Check your answers before sending"
        self.accessible("check", "check your answers")
        listed = {}
        for row in page.locator(".summary-row").all():
            key = " ".join(row.locator("dt").inner_text().split())
            listed[key] = [" ".join(p.split()) for p in row.locator(".summary-value p").all_inner_texts()]
        wanted = {q: [" ".join(line.split()) for line in lines] for q, lines in self.summary.items()}
        assert list(listed) == list(wanted), f"the check page lists {list(listed)}, not {list(wanted)}"
        wrong = {q: (listed[q], wanted[q]) for q in wanted if listed[q] != wanted[q]}
        assert not wrong, f"the check page lists (listed, entered): {wrong}"

    def send(self) -> None:
        submit(self.page, "Send answers")
        assert re.fullmatch(r"/r/[A-Za-z0-9_-]{43}/done/", self.path()), self.page.url
        assert heading(self.page) == "Answers sent"
        assert "Thank you for taking part" in self.page.locator(".panel").inner_text()
        self.accessible("done", "the confirmation page")


def sign_in(page, username: str, password: str) -> None:
    """Sign in through the site's own sign-in page, as a person does."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    submit(page, "Sign in")
