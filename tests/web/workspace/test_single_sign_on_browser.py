"""Single sign-on in a real browser, through the fake provider on this machine (fake_idp.py): the
sign-in page's button takes a colleague to the provider and back, signed in; someone without an
account lands on the page that says why. axe-core finds no violation on the sign-in page with the
button and on that page, and the layout checker finds no overlap or overflow, at 320, 390, 768 and 1280 px; the pages' policy
(Content-Security-Policy) refuses nothing."""

from __future__ import annotations

import pytest
from browser_helpers import assert_accessible, assert_layout, follow, heading
from fake_idp import FakeIdP, configure

pytestmark = pytest.mark.browser

WIDTHS = (320, 390, 768, 1280)


def check(page, what: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 844})
        assert_accessible(page, f"{what}, {width} px wide")
        assert_layout(page, f"{what}, {width} px wide")


def test_single_sign_on_from_the_sign_in_page(browser, live_server, settings, member, org_b):
    settings.SITE_URL = live_server.url
    member(org_b, "analyst", "ada")  # ada@example.org
    with FakeIdP() as idp:
        configure(settings, idp, name="Example ID")
        context = browser.new_context(viewport={"width": 1280, "height": 844}, base_url=live_server.url)
        page = context.new_page()
        page.set_default_timeout(10_000)
        refused: list[str] = []
        page.on("console", lambda m: refused.append(f"{page.url}: {m.text}") if "Content Security Policy" in m.text else None)
        page.goto("/accounts/login/")
        assert page.get_by_label("Username").is_visible()  # the password form stays
        check(page, "the sign-in page with single sign-on")
        follow(page, "Sign in with Example ID")
        assert page.url == live_server.url + "/workspace/" and "Beta Board" in page.content()
        assert idp.seen.count("/authorize") == 1

        context.clear_cookies()
        idp.person = {"sub": "u-2", "email": "zed@example.org", "email_verified": True}
        page.goto("/accounts/login/")
        follow(page, "Sign in with Example ID")
        assert heading(page) == "You are not signed in"
        assert "No workspace account for zed@example.org. Ask an owner of your organisation to invite you." in page.content()
        check(page, "the page refusing a single sign-on")
        follow(page, "Back to the sign-in page")
        assert page.url.startswith(live_server.url + "/accounts/login/")
        context.close()
        assert refused == [], "the Content-Security-Policy refused:\n" + "\n".join(refused)
