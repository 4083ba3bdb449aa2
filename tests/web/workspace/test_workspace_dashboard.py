"""The wave dashboard: invited, started and completed counts, the response rate by sector and over
time (a server-drawn SVG chart and its table), and drop-off by page, from respondents driven
through the real respondents' pages."""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.urls import reverse
from django.utils import timezone
from workspace_helpers import complete, tokens_in_outbox

from collabstate.web.surveys.invitations import add_invitees
from collabstate.web.surveys.models import Respondent
from collabstate.web.workspace import actions
from collabstate.web.workspace.dashboard import progress
from collabstate.web.workspace.importing import import_responses


def test_counts_rates_and_drop_off_follow_the_respondents(client, make_wave, org_b, viewer_b, start):
    wave = make_wave("dash", organisation=org_b, title="Dash wave")
    add_invitees(wave, "email,sector\nami@example.org,Public\nbo@example.org,Private\ncy@example.org,Public\ndi@example.org,\n")
    assert actions.send(wave).sent == 4
    tokens = tokens_in_outbox()
    complete(client, tokens["ami@example.org"])  # Public: completed
    client.post(f"/r/{tokens['bo@example.org']}/")  # Private: stopped at q2
    client.post(f"/r/{tokens['bo@example.org']}/q/q1_example/", {"q1_example": "1"})
    client.post(f"/r/{tokens['cy@example.org']}/")  # Public: consented, stopped at the first question
    # di: invited, never started
    complete(client, start(wave))  # by the open link: completed, not in the rate
    start(wave)  # by the open link: on the first question

    p = progress(wave)
    assert (p.invited, p.started, p.completed, p.completed_invited, p.imported) == (4, 5, 2, 1, 0)
    assert p.rate == 0.25
    assert p.by_sector == [
        {"sector": "Private", "invited": 1, "completed": 0, "rate": 0.0},
        {"sector": "Public", "invited": 2, "completed": 1, "rate": 0.5},
        {"sector": "Not given", "invited": 1, "completed": 0, "rate": 0.0},
    ]
    stopped = {row["page"]: row["stopped"] for row in p.drop_off}
    assert stopped[""] == 1  # di
    assert stopped["q1_example"] == 2 and stopped["q2_description"] == 1 and stopped[":check"] == 0
    assert sum(stopped.values()) == 4 and list(stopped)[1] == "q1_example"  # questionnaire order
    today = timezone.localdate()
    assert p.period == "day" and p.over_time == [
        {"label": f"{today:%-d %b}", "start": today, "completed": 2, "cumulative": 2, "rate": 0.25}
    ]

    client.force_login(viewer_b)
    html = client.get(reverse("workspace:wave", args=[wave.pk])).content.decode()
    assert "<dt>Invited</dt><dd>4</dd>" in html and "<dt>Started</dt><dd>5</dd>" in html
    assert "<dt>Completed</dt><dd>2</dd>" in html and "<dt>Response rate</dt><dd>25%</dd>" in html
    assert '<th scope="row">Public</th><td class="numeric">2</td><td class="numeric">1</td>' in html and "50%" in html
    assert '<svg role="img" aria-labelledby="completions-title completions-desc"' in html
    assert "<title>" + f"{today:%-d %b}" + ": 2</title>" in html
    assert "Send invitations" not in html  # a viewer is offered no changes
    assert "http" not in html.split("<svg", 1)[1].split("</svg>", 1)[0].replace("http://www.w3.org/2000/svg", "")  # nothing fetched


def test_completions_over_a_long_span_are_counted_by_week(make_wave, start, client):
    wave = make_wave("weeks")
    for _ in range(3):
        complete(client, start(wave))
    first = dt.datetime(2026, 1, 7, 12, tzinfo=dt.UTC)  # a Wednesday
    for respondent, days in zip(Respondent.objects.filter(wave=wave).order_by("pk"), (0, 2, 70)):
        Respondent.objects.filter(pk=respondent.pk).update(updated_at=first + dt.timedelta(days=days))
    p = progress(wave)
    assert p.period == "week"
    assert p.over_time[0]["start"] == dt.date(2026, 1, 5) and p.over_time[0]["completed"] == 2  # Monday 5 January
    assert p.over_time[-1]["completed"] == 1 and p.over_time[-1]["cumulative"] == 3
    assert len(p.over_time) == 11 and all(row["rate"] is None for row in p.over_time)  # nobody invited: no rate


def test_an_empty_wave_says_so(client, make_wave, org_b, viewer_b):
    wave = make_wave("empty", organisation=org_b)
    client.force_login(viewer_b)
    html = client.get(reverse("workspace:wave", args=[wave.pk])).content.decode()
    assert "Nobody has been invited yet." in html and "Nobody has completed yet." in html
    assert "<dt>Response rate</dt><dd>–</dd>" in html


def test_dashboard_response_rate_counts_invitees_not_imports(client, make_wave, org_b, viewer_b, start):
    wave = make_wave("dash-imports", organisation=org_b, title="Dash imports")
    add_invitees(wave, "email,sector\nami@example.org,Public\nbo@example.org,Private\ncy@example.org,Public\ndi@example.org,Private\n")
    actions.send(wave)
    complete(client, tokens_in_outbox()["ami@example.org"])  # one of four invitees
    complete(client, start(wave))  # by the open link
    assert import_responses(wave, pl.DataFrame({"q1_example": ["1"] * 10}), name="paper.csv").imported == 10

    p = progress(wave)
    assert (p.invited, p.completed, p.completed_invited, p.imported) == (4, 2, 1, 10)
    assert p.rate == 0.25
    assert [(s["sector"], s["completed"], s["rate"]) for s in p.by_sector] == [("Private", 0, 0.0), ("Public", 1, 0.5)]
    assert [(d["cumulative"], d["rate"]) for d in p.over_time] == [(2, 0.25)]  # imports have no day: not in it either
    client.force_login(viewer_b)
    html = client.get(reverse("workspace:wave", args=[wave.pk])).content.decode()
    assert "<dt>Response rate</dt><dd>25%</dd>" in html and "<dt>Imported from files</dt><dd>10</dd>" in html


def test_the_rate_by_sector_groups_the_lists_spellings_of_one_sector(make_wave, org_b):
    """ "Public", "public sector" and "PUBLIC" on the invitee list are one sector of the
    questionnaire (the code the list's sector matched), one row, under the questionnaire's label."""
    wave = make_wave("dash-spellings", organisation=org_b, title="Dash spellings")
    add_invitees(
        wave,
        "email,sector\na@example.org,Public\nb@example.org,public sector\nc@example.org,PUBLIC\nd@example.org,third-sector\n",
    )
    actions.send(wave)
    assert [(s["sector"], s["invited"]) for s in progress(wave).by_sector] == [("Public", 3), ("Third sector", 1)]
