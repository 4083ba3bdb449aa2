"""Schedules: a wave's invitations and reminders go out by themselves when their time comes, on a
test clock (``now`` passed to the runner), through Django's locmem mail outbox. Planning refuses,
in words, what cannot run; a step runs once, is claimed by one UPDATE, says when it ran late,
and is refused (not retried) on a closed wave; a reminder days after the invitation is counted
from each invitee's own invitation; the workers look for due steps by themselves."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from collabstate.web import serving
from collabstate.web.surveys.invitations import add_invitees
from collabstate.web.surveys.models import Invitee, Respondent, Wave
from collabstate.web.workspace import jobs, schedules
from collabstate.web.workspace.models import AuditEntry, Membership, ScheduleStep, StepRun

DAY = dt.timedelta(days=1)
PEOPLE = "email,name\n" + "".join(f"{p}@example.org,{p.title()}\n" for p in ("ami", "bo", "cy", "di"))


@pytest.fixture
def t0():
    return timezone.now()


@pytest.fixture
def listed(make_wave, organisation, t0):
    """A wave of four invitees, nobody invited yet, open for 30 days, two reminders at most."""
    wave = make_wave("scheduled", mode="identified", open_link=False, opens_at=t0 - DAY, closes_at=t0 + 30 * DAY)
    add_invitees(wave, PEOPLE)
    return wave


def plan(wave: Wave, number: int, at=None, days_after=None, now=None) -> ScheduleStep:
    return schedules.add_step(wave, number, at, days_after, None, now)


def complete(email: str) -> None:
    Respondent.objects.filter(invitee__email=email).update(status=Respondent.COMPLETED)


def sent_to() -> list[str]:
    return sorted(m.to[0] for m in mail.outbox)


# --- planning --------------------------------------------------------------------------------


def refusal(wave, number, at=None, days_after=None, now=None) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        plan(wave, number, at, days_after, now)
    return caught.value.message_dict


def test_planning_refuses_in_words_what_cannot_run(listed, t0):
    wave = listed
    assert "is in the past" in refusal(wave, 0, at=t0 - dt.timedelta(minutes=1), now=t0)["at"][0]
    assert "is after the wave closes" in refusal(wave, 0, at=t0 + 31 * DAY, now=t0)["at"][0]
    early = Wave.objects.filter(pk=wave.pk).update(opens_at=t0 + 2 * DAY) and Wave.objects.get(pk=wave.pk)
    assert "is before the wave opens" in refusal(early, 0, at=t0 + DAY, now=t0)["at"][0]
    Wave.objects.filter(pk=wave.pk).update(opens_at=t0 - DAY)
    [more] = refusal(wave, 3, days_after=7, now=t0)["number"]
    assert more.startswith("this wave sends at most 2 reminders to each invitee, so reminder 3 cannot be planned")
    assert "one of them" in refusal(wave, 1, now=t0)["at"][0]
    assert "one of them" in refusal(wave, 1, at=t0 + DAY, days_after=3, now=t0)["at"][0]
    assert "the invitations need a date and time" in refusal(wave, 0, days_after=3, now=t0)["days_after"][0]
    assert "from 1 to 365, not 0" in refusal(wave, 1, days_after=0, now=t0)["days_after"][0]

    invitations = plan(wave, 0, at=t0 + 2 * DAY, now=t0)
    assert "reminder 1 must come after invitations" in refusal(wave, 1, at=t0 + DAY, now=t0)["at"][0]
    assert "invitations is already planned" in refusal(wave, 0, at=t0 + 3 * DAY, now=t0)["number"][0]
    assert "is after the wave closes" in refusal(wave, 1, days_after=29, now=t0)["days_after"][0]
    plan(wave, 1, days_after=7, now=t0)
    assert "reminder 2 must come after reminder 1" in refusal(wave, 2, days_after=5, now=t0)["days_after"][0]
    assert "reminder 2 must come after reminder 1" in refusal(wave, 2, at=t0 + 8 * DAY, now=t0)["at"][0]
    plan(wave, 2, at=t0 + 10 * DAY, now=t0)
    schedules.cancel_step(invitations, None)
    assert "invitations must come before reminder 2" in refusal(wave, 0, at=t0 + 11 * DAY, now=t0)["at"][0]
    assert list(wave.schedule.values_list("number", "status")) == [(0, "cancelled"), (1, "planned"), (2, "planned")]
    assert AuditEntry.objects.filter(wave=wave, action=AuditEntry.SCHEDULE).count() == 4
    with pytest.raises(schedules.WorkspaceError, match="Invitations is cancelled, not planned"):
        schedules.cancel_step(invitations, None)


# --- running, on a test clock ----------------------------------------------------------------


def test_the_reminder_goes_out_when_its_time_comes(listed, t0):
    """Invitations now, a reminder 7 days after: at day 6.9 nothing; at day 7 the reminder goes to
    exactly those invited who have not completed."""
    plan(listed, 0, at=t0 + dt.timedelta(minutes=1), now=t0)
    plan(listed, 1, days_after=7, now=t0)
    assert schedules.run_due(t0) == [] and mail.outbox == []
    [run] = schedules.run_due(t0 + dt.timedelta(minutes=1))
    assert run.outcome == "4 invitations sent." and not run.late and not run.refused
    assert sent_to() == ["ami@example.org", "bo@example.org", "cy@example.org", "di@example.org"]
    complete("bo@example.org")
    mail.outbox.clear()

    assert schedules.run_due(t0 + 6.9 * DAY) == [] and mail.outbox == []
    [reminder] = schedules.run_due(t0 + 7 * DAY + dt.timedelta(minutes=1))
    assert sent_to() == ["ami@example.org", "cy@example.org", "di@example.org"]
    assert all(m.subject.startswith("Reminder: ") for m in mail.outbox)
    assert reminder.outcome == "3 reminders sent." and not reminder.late
    assert ScheduleStep.objects.get(number=1).status == ScheduleStep.PLANNED  # for anyone invited later
    assert schedules.run_due(t0 + 8 * DAY) == []  # nobody due again
    assert list(Invitee.objects.order_by("email").values_list("reminders_sent", flat=True)) == [1, 0, 1, 1]

    # someone invited later is reminded 7 days after their own invitation
    add_invitees(listed, "email\neve@example.org\n")
    Invitee.objects.filter(email="eve@example.org").update(invited_at=t0 + 10 * DAY)
    Respondent.objects.create(wave=listed, invitee=Invitee.objects.get(email="eve@example.org"))
    mail.outbox.clear()
    assert schedules.run_due(t0 + 16.9 * DAY) == []
    [later] = schedules.run_due(t0 + 17 * DAY)
    assert sent_to() == ["eve@example.org"] and later.outcome == "1 reminder sent."
    # once the wave has closed with nobody left due, the step is over
    assert schedules.run_due(t0 + 31 * DAY) == []
    assert ScheduleStep.objects.get(number=1).status == ScheduleStep.DONE


def test_reminders_on_dates_go_in_turn_and_never_beyond_the_wave_s_maximum(listed, t0):
    Wave.objects.filter(pk=listed.pk).update(max_reminders=2)
    plan(listed, 0, at=t0 + DAY, now=t0)
    plan(listed, 1, at=t0 + 3 * DAY, now=t0)
    plan(listed, 2, at=t0 + 5 * DAY, now=t0)
    schedules.run_due(t0 + DAY)
    complete("ami@example.org")
    mail.outbox.clear()
    add_invitees(listed, "email\neve@example.org\n")  # added after the invitations: not invited, never reminded
    [first] = schedules.run_due(t0 + 3 * DAY)
    assert first.outcome == "3 reminders sent." and len(mail.outbox) == 3
    [second] = schedules.run_due(t0 + 5 * DAY)
    assert second.outcome == "3 reminders sent." and len(mail.outbox) == 6
    assert "eve@example.org" not in sent_to()
    assert schedules.run_due(t0 + 6 * DAY) == []
    assert max(Invitee.objects.values_list("reminders_sent", flat=True)) == 2
    assert list(ScheduleStep.objects.values_list("status", flat=True)) == ["done"] * 3


def test_a_step_missed_while_no_worker_ran_runs_late_and_says_so(listed, t0, client, django_user_model):
    plan(listed, 0, at=t0 + DAY, now=t0)
    [run] = schedules.run_due(t0 + 3 * DAY)
    assert run.late and run.due_at == t0 + DAY and run.outcome == "4 invitations sent."
    user = django_user_model.objects.create_user("watcher", "w@example.org", "a-long-pass-phrase-1")
    Membership.objects.create(user=user, organisation=listed.organisation, role=Membership.VIEWER)
    client.force_login(user)
    page = client.get(reverse("workspace:schedule", args=[listed.pk])).content.decode()
    assert "(late: it was due" in page and "4 invitations sent." in page and "Plan a step" not in page
    dashboard = client.get(reverse("workspace:wave", args=[listed.pk])).content.decode()
    assert "(late)" in dashboard and "4 invitations sent." in dashboard


def test_a_step_on_a_closed_wave_is_refused_once_not_retried(listed, t0):
    plan(listed, 0, at=t0 + 28 * DAY, now=t0)
    plan(listed, 1, days_after=1, now=t0)
    runs = schedules.run_due(t0 + 31 * DAY)  # no worker ran until after the wave closed
    assert [(r.step.number, r.refused, r.late) for r in runs] == [(0, True, True)]
    assert "closed on" in runs[0].outcome and runs[0].outcome.startswith("Nothing was sent: ")
    assert mail.outbox == []
    assert list(ScheduleStep.objects.values_list("status", flat=True)) == ["refused", "done"]
    assert schedules.run_due(t0 + 32 * DAY) == [] and StepRun.objects.count() == 1


def test_a_step_is_claimed_by_one_update_and_taken_up_again_when_its_worker_is_gone(listed, t0):
    step = plan(listed, 0, at=t0 + DAY, now=t0)
    ScheduleStep.objects.filter(pk=step.pk).update(status=ScheduleStep.RUNNING, heartbeat_at=timezone.now())
    assert schedules.run_due(t0 + DAY) == [] and schedules.run_step(step, t0 + DAY) is None  # another worker has it
    assert mail.outbox == []
    ScheduleStep.objects.filter(pk=step.pk).update(heartbeat_at=timezone.now() - jobs.STALE_AFTER - dt.timedelta(seconds=1))
    [run] = schedules.run_due(t0 + DAY)  # its worker was killed: run again, to those still due
    assert run.outcome == "4 invitations sent."
    assert schedules.run_step(step, t0 + DAY) is None  # done: never again
    assert len(mail.outbox) == 4


def test_a_cancelled_step_does_not_run(listed, t0):
    schedules.cancel_step(plan(listed, 0, at=t0 + DAY, now=t0), None)
    assert schedules.run_due(t0 + 2 * DAY) == [] and mail.outbox == []


_examples = itertools.count()


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    invited_days=st.lists(st.integers(0, 20), min_size=1, max_size=6),
    completed=st.lists(st.booleans(), min_size=6, max_size=6),
    max_reminders=st.integers(0, 3),
    gaps=st.lists(st.integers(1, 6), min_size=3, max_size=3),
    clock=st.lists(st.floats(0, 40, allow_nan=False), min_size=1, max_size=6),
)
def test_nobody_is_reminded_early_or_too_often(make_wave, t0, invited_days, completed, max_reminders, gaps, clock):
    """Reminders days after the invitation, the runner run at any moments: nobody gets reminder k
    before D_k days after their own invitation, nor more than the wave's maximum, nor any once
    completed."""
    wave = make_wave(f"property-{next(_examples)}", mode="identified", open_link=False, opens_at=t0 - 30 * DAY,
                     closes_at=t0 + 400 * DAY, max_reminders=max_reminders)  # fmt: skip
    add_invitees(wave, "email\n" + "".join(f"p{i}@example.org\n" for i in range(len(invited_days))))
    invited_at = {}
    for i, days in enumerate(invited_days):
        invitee = Invitee.objects.get(wave=wave, email=f"p{i}@example.org")
        invited_at[invitee.pk] = t0 + days * DAY
        Invitee.objects.filter(pk=invitee.pk).update(invited_at=invited_at[invitee.pk])
        Respondent.objects.create(wave=wave, invitee=invitee, status=Respondent.COMPLETED if completed[i] else Respondent.STARTED)
    days_after = list(itertools.accumulate(gaps))
    for k in range(1, 4):  # the steps, made directly: planning would refuse reminders beyond the maximum
        ScheduleStep.objects.create(wave=wave, number=k, days_after=days_after[k - 1])
    for moment in sorted(t0 + d * DAY for d in clock):
        before = dict(wave.invitees.values_list("pk", "reminders_sent"))
        schedules.run_due(moment)
        for pk, count in wave.invitees.values_list("pk", "reminders_sent"):
            assert count <= max_reminders
            for k in range(before[pk] + 1, count + 1):
                assert moment - invited_at[pk] >= days_after[k - 1] * DAY, f"reminder {k} too early"
                assert not Respondent.objects.get(invitee_id=pk).completed
    wave.delete()


# --- what fires the steps --------------------------------------------------------------------


def queued() -> list[str]:
    return list(DBTaskResult.objects.filter(status="READY").values_list("task_path", flat=True))


def test_a_tick_queues_one_run_when_a_step_is_due_and_a_worker_runs_it(listed, t0, work_off):
    step = plan(listed, 0, at=t0 + dt.timedelta(minutes=1), now=t0)
    assert not schedules.tick(t0) and queued() == []
    ScheduleStep.objects.filter(pk=step.pk).update(at=t0 - dt.timedelta(seconds=1))  # its time has come
    assert schedules.tick() and not schedules.tick()  # one waiting is enough
    assert queued() == [schedules.run_schedules.module_path]
    work_off()
    assert len(mail.outbox) == 4 and step.runs.get().outcome == "4 invitations sent."
    assert not schedules.tick()


@pytest.mark.django_db(transaction=True)
def test_a_worker_starting_runs_what_was_missed(make_wave, monkeypatch):
    """``collabstate worker`` (and each worker ``collabstate serve`` starts) looks when it starts."""
    now = timezone.now()
    wave = make_wave("missed", mode="identified", open_link=False, opens_at=now - 3 * DAY)
    add_invitees(wave, PEOPLE)
    step = ScheduleStep.objects.create(wave=wave, number=0, at=now - 2 * DAY)
    monkeypatch.setattr(serving, "_watch", lambda parent: None)
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.Worker.configure_signals", lambda self: None)
    serving.run_worker(interval=0, batch=True)
    [run] = step.runs.all()
    assert run.late and run.outcome == "4 invitations sent." and len(mail.outbox) == 4


def test_the_worker_s_watch_looks_for_due_steps_every_few_seconds(monkeypatch):
    looked, parents = [], iter([1, 1, 1, 2])
    monkeypatch.setattr(schedules, "SCHEDULE_SECONDS", -1.0)  # every time round
    monkeypatch.setattr(schedules, "tick", lambda: looked.append(True))
    monkeypatch.setattr(jobs, "note_worker", lambda: None)
    monkeypatch.setattr(serving.os, "getppid", lambda: next(parents))
    monkeypatch.setattr(serving.os, "kill", lambda pid, sig: None)
    monkeypatch.setattr(serving.time, "sleep", lambda seconds: None)
    serving._watch(1)  # returns once its supervisor (parent 1) has gone
    assert len(looked) == 3


def test_run_schedules_takes_a_clock(listed, t0):
    plan(listed, 0, at=t0 + DAY, now=t0)
    out = __import__("io").StringIO()
    call_command("run_schedules", "--now", f"{timezone.localtime(t0):%Y-%m-%dT%H:%M}", stdout=out)
    assert out.getvalue() == "No step of any schedule is due.\n"
    call_command("run_schedules", "--now", (t0 + 2 * DAY).isoformat(), stdout=out)
    assert "scheduled: invitations (late): 4 invitations sent." in out.getvalue()
    with pytest.raises(CommandError, match="--now: expected a date and time such as 2027-01-08T09:00, not 'soon'"):
        call_command("run_schedules", "--now", "soon")


# --- the pages -------------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, member, listed):
    client.force_login(member(listed.organisation, Membership.ANALYST, "planner"))
    return client


def test_an_analyst_plans_and_cancels_steps(signed_in, listed):
    client, url = signed_in, reverse("workspace:schedule", args=[listed.pk])
    page = client.get(url).content.decode()
    assert "Plan a step" in page and '<option value="2">Reminder 2</option>' in page and "Nothing is planned" in page
    when = timezone.localtime(timezone.now() + DAY).strftime("%Y-%m-%dT%H:%M")
    done = client.post(reverse("workspace:plan_step", args=[listed.pk]), {"number": "0", "at": when}, follow=True)
    assert "Invitations planned on" in done.content.decode()
    client.post(reverse("workspace:plan_step", args=[listed.pk]), {"number": "1", "days_after": "7"})
    assert list(listed.schedule.values_list("number", "days_after")) == [(0, None), (1, 7)]

    for posted, expected in [
        ({"number": "3", "days_after": "9"}, "Step: This wave sends at most 2 reminders to each invitee, so reminder 3 cannot be planned"),
        ({"number": "2", "at": "tomorrow"}, "On (date and time): Expected a date and time such as 2027-01-08 09:00"),
        ({"number": "2", "days_after": "soon"}, "Or days after each invitation (reminders only): Expected a whole number of days from 1 to 365"),
        ({"number": "2", "days_after": "5"}, "Reminder 2 must come after reminder 1 (planned 7 days after each invitation)."),
        ({"days_after": "5"}, "Step: Choose the invitations or a reminder"),
    ]:  # fmt: skip
        refused = client.post(reverse("workspace:plan_step", args=[listed.pk]), posted)
        assert refused.status_code == 400 and expected in refused.content.decode().replace("&#x27;", "'"), posted
    assert listed.schedule.count() == 2

    step = listed.schedule.get(number=1)
    client.post(reverse("workspace:cancel_step", args=[listed.pk, step.pk]))
    step.refresh_from_db()
    assert step.status == ScheduleStep.CANCELLED
    again = client.post(reverse("workspace:cancel_step", args=[listed.pk, step.pk]), follow=True).content.decode()
    assert "Reminder 1 is cancelled, not planned: only a planned step can be cancelled." in again
    details = list(AuditEntry.objects.filter(action=AuditEntry.SCHEDULE).order_by("pk").values_list("detail", flat=True))
    assert [d.split(" (")[0] for d in details] == ["Planned invitations", "Planned reminder 1", "Cancelled reminder 1"]
    assert "Reminder 1" not in client.get(url).content.decode().split("Plan a step")[0].split("<tbody>")[1]


def test_a_closed_waves_schedule_says_so_and_offers_no_plan(signed_in, listed):
    listed.closes_at = timezone.now() - DAY
    listed.opens_at = listed.closes_at - 10 * DAY
    listed.save()
    page = signed_in.get(reverse("workspace:schedule", args=[listed.pk])).content.decode()
    assert "Plan a step" not in page and "nothing more can be planned or sent" in page
