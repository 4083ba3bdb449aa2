"""The Coding pages (issue 19, item 4): the wave's text questions, then one page per question
where analysts keep its codebook and code its answers (:mod:`.coding` does the work). Viewers may
look; analysts and owners code. Every form is a plain POST that returns to the same place."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from ...instrument.codebook import CodebookError
from ...instrument.model import TextQuestion
from ...instrument.yaml_file import Problem
from ...stats.agreement import landis_koch
from ..surveys.models import Wave
from . import coding
from .access import wave_view
from .models import Membership

ANALYST, VIEWER = Membership.ANALYST, Membership.VIEWER
#: A codebook file is a few kilobytes; more than this is not one.
MAX_CODEBOOK_BYTES = 1_000_000
#: The keys the page's script understands, as the page lists them.
KEYS = [("j or ↓", "the next answer"), ("k or ↑", "the previous answer"), ("1 to 9", "tick or untick the answer's first nine codes"),
        ("Enter", "save the answer's codes and go to the next answer")]  # fmt: skip


class CodebookUploadForm(forms.Form):
    file = forms.FileField(label="Codebook file (YAML)", error_messages={"required": "Choose a codebook file to upload",
                                                                       "empty": "The file is empty"})  # fmt: skip


class CodeForm(forms.Form):
    label = forms.CharField(label="Label", max_length=200, error_messages={"required": "Give the code a label"})
    id = forms.CharField(label="Id (optional)", max_length=64, required=False,
                         help_text="Lower-case letters, digits and _, starting with a letter; empty: made from the label")  # fmt: skip
    description = forms.CharField(label="Description (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    keywords = forms.CharField(label="Keywords (optional)", max_length=500, required=False,
                               help_text="Separated by commas: words that suggest the code")  # fmt: skip
    parent = forms.ChoiceField(label="Falls under (optional)", required=False)

    def __init__(self, *args, codes: Sequence[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        cast("forms.ChoiceField", self.fields["parent"]).choices = [("", "No parent: a top-level code"), *codes]


def _question(wave: Wave, question: str) -> TextQuestion:
    found = next((q for q in coding.text_questions(wave) if q.id == question), None)
    if found is None:
        raise Http404("no such text question")
    return found


def _place(request: HttpRequest) -> dict[str, str]:
    """Where the person is in the list (filter, search, page), from the address or the form posted."""
    source = request.POST if request.method == "POST" else request.GET
    return {k: source.get(k, "").strip()[:200] for k in ("sector", "q", "page") if source.get(k, "").strip()}


def _back(wave: Wave, question: str, place: dict[str, str], anchor: str = "") -> str:
    url = reverse("workspace:coding_question", args=[wave.pk, question])
    return url + (f"?{urlencode(place)}" if place else "") + (f"#{anchor}" if anchor else "")


@wave_view(VIEWER)
def coding_index(request: HttpRequest, wave: Wave, membership: Membership) -> HttpResponse:
    rows = []
    for q in coding.text_questions(wave):
        book = coding.book_of(wave, q.id)
        answers = coding.answer_rows(wave, q.id, request.user)
        rows.append({"question": q, "answers": len(answers), "mine": sum(r.coded for r in answers),
                     "codes": book.codes.count() if book else 0})  # fmt: skip
    return render(request, "workspace/coding_index.html", {"wave": wave, "membership": membership, "rows": rows})


@wave_view(VIEWER)
def coding_question(request: HttpRequest, wave: Wave, membership: Membership, question: str) -> HttpResponse:
    return _page(request, wave, membership, _question(wave, question))


def _page(request, wave, membership, question: TextQuestion, upload_form=None, code_form=None, status: int = 200) -> HttpResponse:
    book = coding.book_of(wave, question.id)
    codes = list(book.codes.all()) if book else []
    place = _place(request)
    sector = coding.sector_question(wave)
    rows, page = _listed(request, wave, question.id, place)
    everything = rows if not place.get("sector") and not place.get("q") else coding.answer_rows(wave, question.id, request.user)
    shown = list(page.object_list)
    for i, row in enumerate(shown):
        row.next = shown[i + 1].response if i + 1 < len(shown) else None
    coder = membership.allows(ANALYST)
    if coder:
        coding.suggestions(book, shown)
    labels = {c.code: c.label for c in codes}
    primary = coding.primary_coder(book)
    context = {
        "wave": wave, "membership": membership, "question": question, "book": book, "codes": codes, "labels": labels,
        "coder": coder, "page": page, "rows": shown, "total": len(everything), "mine": sum(r.coded for r in everything),
        "found": len(rows), "place": place, "query": urlencode({k: v for k, v in place.items() if k != "page"}),
        "sector": sector, "counts": coding.coder_counts(book), "primary": primary.get_username() if primary else "",
        "agreements": [_agreement_view(a, labels) for a in coding.agreements(book)],
        "analysts": list(wave.organisation.memberships.filter(role__in=(ANALYST, Membership.OWNER)).values_list("user__username", flat=True).order_by("user__username")),
        "upload_form": upload_form or CodebookUploadForm(), "code_form": code_form or CodeForm(codes=[(c.code, c.label) for c in codes]),
        "keys": KEYS, "first": (page.number - 1) * coding.PER_PAGE, "pending": sum(1 for r in shown if not r.coded and r.suggested),
    }  # fmt: skip
    return render(request, "workspace/coding.html", context, status=status)


def _listed(request: HttpRequest, wave: Wave, question: str, place: dict[str, str]):
    """The answers the filter and search find, and the page of them shown."""
    rows = coding.answer_rows(wave, question, request.user, sector=place.get("sector", ""), search=place.get("q", ""))
    return rows, Paginator(rows, coding.PER_PAGE).get_page(place.get("page") or 1)


def _agreement_view(found: coding.CoderAgreement, labels: dict[str, str]) -> dict:
    r = found.result
    return {"primary": found.primary, "other": found.other, "primary_n": found.primary_n, "other_n": found.other_n, "n": r.n,
            "kappa": r.overall_kappa, "words": landis_koch(r.overall_kappa), "alpha": r.krippendorff_alpha,
            "notes": [n.replace("by A only", f"by {found.primary} only").replace("by B only", f"by {found.other} only") for n in r.notes],
            "codes": [{"label": labels.get(c.code, c.code), "kappa": c.kappa, "words": landis_koch(c.kappa), "note": c.note,
                       "used_a": c.used_a, "used_b": c.used_b} for c in r.codes]}  # fmt: skip


@wave_view(ANALYST, ("POST",))
def upload_codebook(request: HttpRequest, wave: Wave, membership: Membership, question: str) -> HttpResponse:
    asked = _question(wave, question)
    form = CodebookUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_CODEBOOK_BYTES:
                raise CodebookError(upload.name, [Problem("", f"the file has {upload.size:,} bytes; a codebook file is under "
                                                                     f"{MAX_CODEBOOK_BYTES:,}")])  # fmt: skip
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise CodebookError(upload.name, [Problem("", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
            book = coding.upload_codebook(wave, question, text, upload.name, request.user)
        except CodebookError as exc:
            count = len(exc.problems)
            form.add_error("file", f"{upload.name} has {count} problem{'s' if count != 1 else ''}; nothing was changed.")
            for problem in exc.problems:
                form.add_error("file", str(problem))
        else:
            messages.success(request, f"Codebook uploaded: {book.codes.count()} codes.")
            return redirect(_back(wave, question, _place(request)))
    return _page(request, wave, membership, asked, upload_form=form)


@wave_view(ANALYST, ("POST",))
def add_code(request: HttpRequest, wave: Wave, membership: Membership, question: str) -> HttpResponse:
    asked = _question(wave, question)
    book = coding.book_of(wave, question)
    form = CodeForm(request.POST, codes=[(c.code, c.label) for c in book.codes.all()] if book else [])
    if form.is_valid():
        made, errors = coding.add_code(wave, question, form.cleaned_data, request.user)
        if made is not None:
            messages.success(request, f"Code added: {made.label} ({made.code}).")
            return redirect(_back(wave, question, _place(request)))
        for name, problems in errors.items():
            for problem in problems:
                form.add_error(None if name == "__all__" else name, problem)
    return _page(request, wave, membership, asked, code_form=form)


@wave_view(ANALYST, ("POST",))
def code_answer(request: HttpRequest, wave: Wave, membership: Membership, question: str) -> HttpResponse:
    """Save the codes ticked for one answer (and a suggestion accepted: ``accept``, a code), then
    back to the same place in the list, at the next answer."""
    _question(wave, question)
    try:
        response = int(request.POST.get("response", ""))
    except ValueError:
        raise Http404("no such answer") from None
    codes = request.POST.getlist("codes")
    accepted = request.POST.get("accept", "")
    if accepted:
        codes.append(accepted)
    place = _place(request)
    try:
        saved = coding.save_codes(wave, question, response, request.user, codes, request.POST.get("quote", ""))
    except coding.CodingError as exc:
        messages.error(request, f"Not saved: {exc}.")
        return redirect(_back(wave, question, place, f"answer-{response}"))
    book = coding.book_of(wave, question)
    labels = dict(book.codes.values_list("code", "label")) if book else {}
    said = ", ".join(labels.get(c, c) for c in saved) if saved else "no code (none fits)"
    messages.success(request, f"{'Suggestion accepted. ' if accepted else ''}Saved: {said}.")
    after = request.POST.get("next", "")
    return redirect(_back(wave, question, place, f"answer-{after}" if after.isdigit() else f"answer-{response}"))


@wave_view(ANALYST, ("POST",))
def accept_suggestions(request: HttpRequest, wave: Wave, membership: Membership, question: str) -> HttpResponse:
    """Accept the suggestions of every answer on the page (the same filter, search and page) that
    the analyst has not coded yet: a first pass to look over, as keyword coding is."""
    _question(wave, question)
    place = _place(request)
    _, page = _listed(request, wave, question, place)
    shown = [r for r in page.object_list if not r.coded]
    coding.suggestions(coding.book_of(wave, question), shown)
    try:
        done = coding.accept_suggestions(wave, question, shown, request.user)
    except coding.CodingError as exc:
        messages.error(request, f"Not saved: {exc}.")
    else:
        messages.success(request, f"Suggestions accepted for {done} answer{'s' if done != 1 else ''}: look them over, each can be changed."
                         if done else "No answer on this page that you have not coded has a suggestion.")  # fmt: skip
    return redirect(_back(wave, question, place))


@wave_view(ANALYST, ("POST",))
def primary_coder(request: HttpRequest, wave: Wave, membership: Membership, question: str) -> HttpResponse:
    _question(wave, question)
    try:
        coding.choose_primary(wave, question, request.POST.get("coder", ""), request.user)
    except coding.CodingError as exc:
        messages.error(request, f"Not changed: {exc}.")
    else:
        messages.success(request, f"{request.POST['coder']} is now the primary coder: the report uses their codes.")
    return redirect(_back(wave, question, _place(request), "agreement"))


@wave_view(ANALYST)
def codebook_download(request: HttpRequest, wave: Wave, membership: Membership, question: str) -> HttpResponse:
    _question(wave, question)
    book = coding.book_of(wave, question)
    if book is None or not book.codes.exists():
        raise Http404("no codebook yet")
    response = HttpResponse(coding.codebook_yaml(book), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{wave.slug}-{question}-codebook.yaml"'
    return response


@wave_view(ANALYST)
def codes_download(request: HttpRequest, wave: Wave, membership: Membership, question: str) -> HttpResponse:
    _question(wave, question)
    book = coding.book_of(wave, question)
    if book is None:
        raise Http404("no codebook yet")
    response = HttpResponse(coding.codes_csv(book), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{wave.slug}-{question}-codes.csv"'
    return response
