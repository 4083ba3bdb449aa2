"""Respondents' pages: thin views that look up the token, call an action and render.

``/r/<token>/``            consent and privacy page (first visit), or resume where they left off
``/r/<token>/q/<id>/``      one question or grid per page
``/r/<token>/check/``       check your answers; POST completes
``/r/<token>/done/``        confirmation
``/s/<wave>/``              a wave's open link: POST starts a new respondent

An unknown or malformed token gets the 404 page; an address that fails too many look-ups gets
429 instead for a while, and so does an address that starts too many respondents on open links
(the counts are kept in the database, shared by every worker: :mod:`..throttle.counting`).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from ..throttle.counting import client_address, hit, rate
from . import actions, flow
from .forms import PageForm, initial_values
from .models import Respondent, Wave
from .summary import answer_rows

TOKEN_FAILURES, OPEN_LINK_STARTS = "token-lookup-failures", "open-link-starts"


def _over(request: HttpRequest, scope: str, setting: str) -> bool:
    """Count one event of the client's address; whether it is now over ``settings.<setting>``."""
    limit = rate(setting)
    return hit(scope, client_address(request), limit) > limit.limit


def _respondent(request: HttpRequest, token: str) -> Respondent | HttpResponse:
    """The token's respondent. Failed look-ups are counted per address; over the rate, they get
    429 instead of 404 (guessing a 256-bit token is hopeless anyway: the limit is for the logs'
    and the database's sake). A link that works is never slowed down."""
    respondent = actions.find_respondent(token)
    if respondent is None:
        if _over(request, TOKEN_FAILURES, "TOKEN_FAILURES_RATE"):
            return render(request, "surveys/too_many.html", status=429)
        raise Http404("no such link")
    return respondent


def _stopped(request: HttpRequest, respondent: Respondent) -> HttpResponse | None:
    """The page to show instead of a question when the wave is not open or the respondent is done."""
    wave = respondent.wave
    if respondent.completed:
        return render(request, "surveys/already_done.html", {"wave": wave})
    state = wave.state()
    if state != "open":
        return render(request, "surveys/closed.html", {"wave": wave, "state": state}, status=403)
    return None


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, token: str) -> HttpResponse:
    respondent = _respondent(request, token)
    if isinstance(respondent, HttpResponse):
        return respondent
    if (stopped := _stopped(request, respondent)) is not None:
        return stopped
    given = actions.consent(respondent) if request.method == "POST" else None
    if respondent.consented_at is None:
        return render(request, "surveys/consent.html", {"wave": respondent.wave, "action": request.path})
    if given is None:
        given = actions.given_to(respondent)
    return redirect(_resume_url(token, respondent.wave, respondent.page, respondent.answers, given.skip))


def _resume_url(token: str, wave: Wave, page: str, answers: dict[str, str] | None = None, skip: frozenset[str] = frozenset()) -> str:
    """Where a respondent's link takes them: the page they are on (``Respondent.page``), the
    first question shown when they have not saved one yet (the check page when the invitee list
    answers every question asked)."""
    if page == flow.CHECK:
        return reverse("check", args=[token])
    if not page:
        first = flow.next_question(wave.instrument, answers or {}, None, skip)
        if first is None:
            return reverse("check", args=[token])
        page = first.id
    return reverse("question", args=[token, page])


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def question(request: HttpRequest, token: str, question_id: str) -> HttpResponse:
    respondent = _respondent(request, token)
    if isinstance(respondent, HttpResponse):
        return respondent
    if (stopped := _stopped(request, respondent)) is not None:
        return stopped
    if respondent.consented_at is None:
        return redirect("start", token)
    instrument = respondent.wave.instrument
    try:
        q = instrument.question(question_id)
    except KeyError:
        raise Http404("no such question") from None
    given = actions.given_to(respondent)
    answers = respondent.answers
    values = flow.typed(instrument, answers)
    if q.id in given.hidden or not flow.asked(q, values):  # skip logic, or answered from the invitee list: not for them (now)
        nxt = flow.next_question(instrument, answers, q.id, given.skip)
        return redirect("question", token, nxt.id) if nxt else redirect("check", token)
    returning = request.GET.get("return") == "check"
    prefilled = q.id in given.prefill and q.id not in answers  # the list's answer, until they save their own
    if request.method == "POST":
        form = PageForm(instrument, q, request.POST)
        if form.is_valid():
            new = form.column_values()
            merged = {c: v for c, v in {**answers, **new}.items() if v is not None}  # as saved below
            # changed from the check page: through any newly relevant unanswered questions, then back
            nxt = (flow.next_unanswered if returning else flow.next_question)(instrument, merged, q.id, given.skip)
            target = flow.CHECK if nxt is None else nxt.id
            actions.save_page(respondent, new, target)
            if target == flow.CHECK:
                return redirect("check", token)
            return redirect(_change_url(token, target) if returning else reverse("question", args=[token, target]))
    else:
        initial = initial_values(q, answers)
        if prefilled:
            initial[q.id] = given.prefill[q.id]
        form = PageForm(instrument, q, initial=initial)
    previous = flow.previous_question(instrument, answers, q.id, given.skip)
    number, total = flow.position(instrument, q.id)
    back = reverse("check", args=[token]) if returning else (reverse("question", args=[token, previous.id]) if previous else None)
    context = {
        "wave": respondent.wave,
        "question": q,
        "form": form,
        "fields": form.fieldsets(),
        "number": number,
        "total": total,
        "percent": round(100 * (number - 1) / total),
        "back": back,
        "prefilled": prefilled,
    }
    return render(request, "surveys/question.html", context)


def _change_url(token: str, question_id: str) -> str:
    """A question reached from the check-answers page: saving it leads back there."""
    return reverse("question", args=[token, question_id]) + "?return=check"


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, token: str) -> HttpResponse:
    respondent = _respondent(request, token)
    if isinstance(respondent, HttpResponse):
        return respondent
    if respondent.completed:
        return (
            redirect("done", token) if request.method == "POST" else render(request, "surveys/already_done.html", {"wave": respondent.wave})
        )
    if (stopped := _stopped(request, respondent)) is not None:
        return stopped
    if respondent.consented_at is None:
        return redirect("start", token)
    instrument = respondent.wave.instrument
    if request.method == "POST":
        actions.given_to(respondent)  # hidden facts stored, had the wave chosen to hide one since they last saved a page
        actions.complete(respondent)
        return redirect("done", token)
    skip = actions.given_to(respondent).skip
    answers = respondent.answers
    rows = answer_rows(instrument, answers, lambda qid: _change_url(token, qid), skip)
    shown = [q for q in flow.asked_questions(instrument, answers) if q.id not in skip]
    back = reverse("question", args=[token, shown[-1].id]) if shown else None
    return render(request, "surveys/check.html", {"wave": respondent.wave, "rows": rows, "back": back})


def done(request: HttpRequest, token: str) -> HttpResponse:
    respondent = _respondent(request, token)
    if isinstance(respondent, HttpResponse):
        return respondent
    if not respondent.completed:
        return redirect("start", token)
    return render(request, "surveys/done.html", {"wave": respondent.wave})


@require_http_methods(["GET", "POST"])
def open_link(request: HttpRequest, slug: str) -> HttpResponse:
    # the consent page may show a wave as it was a few seconds ago; starting reads it afresh
    wave = actions.open_link_wave(slug, kept=request.method == "GET")
    if wave is None:
        raise Http404("no such wave")
    state = wave.state()
    if state != "open":
        return render(request, "surveys/closed.html", {"wave": wave, "state": state}, status=403)
    if request.method == "POST":
        if _over(request, OPEN_LINK_STARTS, "OPEN_LINK_STARTS_RATE"):  # a flood of new respondents from one address
            return render(request, "surveys/too_many.html", {"wave": wave, "open_link": True}, status=429)
        token = actions.start_open_link(wave)
        return redirect(_resume_url(token, wave, ""))  # a new respondent starts at the first question
    return render(request, "surveys/consent.html", {"wave": wave, "action": request.path, "open_link": True})


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "surveys/not_found.html", status=404)
