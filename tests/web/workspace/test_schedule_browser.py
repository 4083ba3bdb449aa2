"""An analyst plans a wave's invitations and a reminder on its Schedule page in a real browser (a
form without JavaScript), sees a refusal in words, sees the runs once the test clock has passed
the invitations' time, and cancels the reminder. axe-core finds no violation on the Schedule page
(empty, with errors, with runs) and on the wave's page with its Schedule section, at phone (390 px)
and desktop (1280 px) widths."""

from __future__ import annotations

import datetime as dt

import pytest
from browser_helpers import accessible_at_widths, follow, heading, sign_in, submit
from django.core import mail
from django.utils import timezone
from workspace_helpers import PASSWORD

from collabstate.web.workspace import schedules
from collabstate.web.workspace.models import ScheduleStep

pytestmark = pytest.mark.browser

check = accessible_at_widths


def test_an_analyst_plans_a_schedule_and_sees_it_run(new_page, analyst_b, wave_b):
    page = new_page(axe_everywhere=True)
    sign_in(page, "analyst-b", PASSWORD)
    page.goto(f"/workspace/waves/{wave_b.pk}/")
    assert "Nothing is planned" in page.locator("#schedule + p").inner_text()
    follow(page, "Plan or cancel steps, and see every run of the schedule")
    assert heading(page) == "Schedule"
    check(page, "the empty Schedule page")

    at = timezone.localtime(timezone.now() + dt.timedelta(hours=1)).replace(second=0, microsecond=0)
    page.get_by_label("Step", exact=True).select_option("0")
    page.get_by_label("On (date and time)").fill(f"{at:%Y-%m-%dT%H:%M}")
    submit(page, "Plan the step")
    assert "Invitations planned on" in page.content()
    page.get_by_label("Step", exact=True).select_option("1")
    page.get_by_label("Or days after each invitation").fill("7")
    submit(page, "Plan the step")
    page.get_by_label("Step", exact=True).select_option("2")
    page.get_by_label("Or days after each invitation").fill("3")
    submit(page, "Plan the step")
    assert "Reminder 2 must come after reminder 1 (planned 7 days after each invitation)." in page.locator(".error-summary").inner_text()
    check(page, "the Schedule page with an error")

    [run] = schedules.run_due(at + dt.timedelta(minutes=1))  # the test clock passes the invitations' time
    assert run.outcome == "2 invitations sent." and len(mail.outbox) == 2
    page.goto(f"/workspace/waves/{wave_b.pk}/schedule/")
    assert "Ran " in page.locator("tbody").inner_text() and "2 invitations sent." in page.locator("tbody").inner_text()
    check(page, "the Schedule page with a run")
    submit(page, "Cancel reminder 1")
    assert "Reminder 1 (7 days after each invitation) cancelled" in page.content()
    assert ScheduleStep.objects.get(number=1).status == ScheduleStep.CANCELLED

    page.goto(f"/workspace/waves/{wave_b.pk}/")
    assert "2 invitations sent." in page.locator("main").inner_text()
    check(page, "the wave's page with its schedule")
