"""The layout checker (browser_helpers.assert_layout, layout_check.js) finds what it is for: on a
small page of its own, two links on top of each other, a bullet standing on the link before it, a table wider than a phone's window, a
long address that does not break and text cut off are each reported, naming the elements; the
same page made right passes."""

from __future__ import annotations

import pytest
from browser_helpers import assert_layout, layout_problems

pytestmark = pytest.mark.browser

BROKEN = """<!DOCTYPE html><html lang="en"><head><title>Broken</title><style>
body { margin: 0; font: 16px Arial, sans-serif; }
.links a { position: absolute; top: 10px; left: 10px; }
table { width: 600px; margin-top: 60px; }
.narrow { width: 120px; }
.cut { width: 100px; overflow: hidden; white-space: nowrap; }
.side-by-side { display: flex; gap: 15px; }
</style></head><body>
<p class="links"><a href="#a" id="create">Create a wave</a><a href="#b" id="members">Members</a></p>
<table id="waves"><tr><td>A wave of a long title</td><td>readiness-2018</td><td>1 Dec 2026 09:00</td></tr></table>
<p class="narrow" id="mail">a.very.long.address.without.any.spaces.in.it@example.org</p>
<p class="cut" id="cut">This sentence is cut off on the right</p>
<ul class="side-by-side"><li><a href="#c">Create a wave</a></li><li><a href="#d">Members</a></li></ul>
</body></html>"""

FIXED = """<!DOCTYPE html><html lang="en"><head><title>Fixed</title><style>
body { margin: 0; font: 16px Arial, sans-serif; }
.links { display: flex; flex-wrap: wrap; gap: 15px; }
.wrap { overflow-x: auto; }
table { width: 600px; }
.narrow { width: 120px; overflow-wrap: anywhere; }
.cut { width: 100px; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
.side-by-side { display: flex; gap: 15px; list-style: none; padding: 0; }
</style></head><body>
<p class="links"><a href="#a" id="create">Create a wave</a><a href="#b" id="members">Members</a></p>
<div class="wrap" role="region" aria-label="Waves" tabindex="0"><table id="waves"><tr><td>A wave of a long title</td><td>readiness-2018</td><td>1 Dec 2026 09:00</td></tr></table></div>
<p class="narrow" id="mail">a.very.long.address.without.any.spaces.in.it@example.org</p>
<p class="cut" id="cut" title="This sentence is cut off on the right">This sentence is cut off on the right</p>
<ul class="side-by-side"><li><a href="#c">Create a wave</a></li><li><a href="#d">Members</a></li></ul>
</body></html>"""


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    yield context.new_page()
    context.close()


def test_the_checker_reports_overlaps_a_wide_table_and_cut_text(phone):
    phone.set_content(BROKEN)
    problems = layout_problems(phone)
    text = "\n".join(problems)
    assert 'a#create "Create a wave" overlaps a#members "Members"' in text, text
    assert "the page is 6" in text and "in a window 320 px wide" in text and "table#waves" in text and "(to 600 px)" in text, text
    assert 'p#mail.narrow "a.very.long.address.without.any.spaces.i…": its text runs out of its box' in text, text
    assert 'p#cut.cut "This sentence is cut off on the right" cuts off its text' in text, text
    assert 'li "Members": its list marker stands on li "Create a wave"' in text, text
    assert len(problems) == 5, text
    with pytest.raises(pytest.fail.Exception, match="at 320 px wide is broken"):
        assert_layout(phone, "the broken page")


def test_the_checker_passes_the_page_made_right(phone):
    phone.set_content(FIXED)
    assert_layout(phone, "the fixed page")


HIDDEN_WORDS = """<!DOCTYPE html><html lang="en"><head><title>Hidden words</title><style>
body {{ margin: 0; font: 16px Arial, sans-serif; }}
.wrap {{ overflow-x: auto; {position} }}
table {{ width: 900px; }}
.visually-hidden {{ position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }}
</style></head><body>
<div class="wrap" role="region" aria-label="Members" tabindex="0"><table><tr><td>Ami</td><td>Viewer</td>
<td><button>Remove<span class="visually-hidden" id="hidden-name"> Ami</span></button></td></tr></table></div>
</body></html>"""


def test_a_hidden_word_escaping_a_scrolling_table_is_found(phone):
    """A visually hidden word is positioned absolutely: unless the region that scrolls is its
    containing block, it is not clipped there and widens the page (the members page was 876 px wide
    at 320 px)."""
    phone.set_content(HIDDEN_WORDS.format(position=""))
    [problem] = layout_problems(phone)
    assert "in a window 320 px wide; sticking out: span#hidden-name.visually-hidden" in problem, problem
    phone.set_content(HIDDEN_WORDS.format(position="position: relative;"))
    assert_layout(phone, "the table in a positioned region")
