"""How a wave is going: invited, started and completed; the response rate by sector and over
time; where people stop (drop-off by page). Counts only: no answer is read here.

- *invited*: invitees sent an invitation; *started*: respondents past the consent page (invited
  or by the open link); *completed*: respondents who sent their answers on the web;
  *imported*: responses read from a file (not counted as completions of invitees).
- The *response rate* is the share of invited people who completed (``Wave.invited_completed``
  over ``Wave.invited``, the report's figures too): by the sector on their invitee row (its label
  when it matched the questionnaire's sector question), and over
  time (cumulative, by the day they completed). Respondents by the open link and imported
  responses are never part of it.
- *Opted out*: invitees who used the opt-out link of an e-mail (nothing more is sent to them;
  those invited still count as invited).
- *Drop-off*: respondents who started and have not completed, by the page they would resume
  at (the page they stopped on), in questionnaire order; plus those invited who never started.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from ..surveys import flow
from ..surveys.known_facts import question_for_column
from ..surveys.models import Respondent, Wave

__all__ = ["Progress", "progress"]

#: Completions are shown by week instead of by day when they span more days than this.
MAX_DAYS = 62


@dataclass
class Progress:
    invited: int
    started: int
    completed: int
    imported: int
    completed_invited: int  # completions of invitees (the rate's numerator)
    by_sector: list[dict] = field(default_factory=list)  # sector, invited, completed, rate
    over_time: list[dict] = field(default_factory=list)  # label, start, completed, cumulative, rate
    period: str = "day"  # or "week"
    drop_off: list[dict] = field(default_factory=list)  # page, label, stopped
    opted_out: int = 0  # invitees who asked for no more e-mails

    @property
    def rate(self) -> float | None:
        return self.completed_invited / self.invited if self.invited else None


def progress(wave: Wave) -> Progress:
    respondents = Respondent.objects.filter(wave=wave)
    invited = wave.invited()
    counts = respondents.aggregate(
        started=Count("id", filter=Q(consented_at__isnull=False)),
        completed=Count("id", filter=Q(status=Respondent.COMPLETED)),
    )
    over_time, period = _over_time(respondents, invited)
    return Progress(
        invited=invited, imported=wave.imported(), completed_invited=wave.invited_completed(), **counts,
        by_sector=_by_sector(wave), over_time=over_time, period=period, drop_off=_drop_off(wave, respondents),
        opted_out=wave.invitees.filter(opted_out_at__isnull=False).count(),
    )  # fmt: skip


def _by_sector(wave: Wave) -> list[dict]:
    """Invited, completed and the rate by sector: the sector's label where the invitee list's
    sector matched a code of the questionnaire's sector question (so "Public" and "public sector"
    are one row), else the list's text as given (the same text in any case being one row)."""
    question = question_for_column(wave.instrument, "sector")
    labels = {str(c.code): c.label for c in wave.instrument.choices(question)} if question is not None else {}
    rows: dict[str, dict] = {}
    invitees = wave.invitees.filter(invited_at__isnull=False).values_list("sector", "facts", "respondent__status")
    for text, facts, status in invitees:
        code = (facts or {}).get(question.id) if question is not None else None
        label = labels.get(str(code)) if code is not None else None
        label = label or (text or "").strip() or "Not given"
        row = rows.setdefault(label.casefold(), {"sector": label, "invited": 0, "completed": 0})
        row["invited"] += 1
        row["completed"] += status == Respondent.COMPLETED
    out = [{**r, "rate": r["completed"] / r["invited"]} for r in rows.values()]
    return sorted(out, key=lambda r: (r["sector"] == "Not given", r["sector"].lower()))


def _over_time(respondents, invited: int) -> tuple[list[dict], str]:
    """Completions per day (per week over long spans), with the cumulative count and rate. A
    completed respondent's row is last changed when they complete, so its day is that day."""
    days = (
        respondents.filter(status=Respondent.COMPLETED)
        .annotate(day=TruncDate("updated_at"))
        .values("day")
        .annotate(n=Count("id"), invitees=Count("id", filter=Q(invitee__invited_at__isnull=False)))
        .order_by("day")
    )
    found = {d["day"]: (d["n"], d["invitees"]) for d in days}
    if not found:
        return [], "day"
    first, last = min(found), max(found)
    weekly = (last - first).days + 1 > MAX_DAYS
    if weekly:
        first -= dt.timedelta(days=first.weekday())
    step = dt.timedelta(days=7 if weekly else 1)
    rows, total, total_invited, start = [], 0, 0, first
    while start <= last:
        counted = [found.get(start + dt.timedelta(days=i), (0, 0)) for i in range(step.days)]
        n = sum(c[0] for c in counted)
        total += n
        total_invited += sum(c[1] for c in counted)
        label = f"week of {start:%-d %b}" if weekly else f"{start:%-d %b}"
        rows.append({"label": label, "start": start, "completed": n, "cumulative": total,
                     "rate": total_invited / invited if invited else None})  # fmt: skip
        start += step
    return rows, "week" if weekly else "day"


def _drop_off(wave: Wave, respondents) -> list[dict]:
    stopped = dict(respondents.filter(consented_at__isnull=False, status=Respondent.STARTED).values_list("page").annotate(n=Count("id")))
    instrument = wave.instrument
    first = instrument.questions[0].id
    stopped[first] = stopped.get(first, 0) + stopped.pop("", 0)  # not past the first page yet
    rows = [{"page": "", "label": "Not started (invited, consent page not passed)",
             "stopped": respondents.filter(consented_at__isnull=True).count()}]  # fmt: skip
    for number, q in enumerate(instrument.questions, start=1):
        rows.append({"page": q.id, "label": f"{number}. {q.label}", "stopped": stopped.pop(q.id, 0)})
    rows.append({"page": flow.CHECK, "label": "Check your answers", "stopped": stopped.pop(flow.CHECK, 0)})
    for page, n in sorted(stopped.items()):  # pages no longer in an edited instrument
        rows.append({"page": page, "label": f"{page} (no longer in the instrument)", "stopped": n})
    return rows
