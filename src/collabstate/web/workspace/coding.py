"""Coding open answers in the workspace (issue 19, item 4): a codebook per text question of a
wave, kept in the database (:class:`~.models.WaveCodebook`, :class:`~.models.WaveCode`), and the
codes each analyst gives each answer (:class:`~.models.CodedAnswer`).

- **The codebook** is started from a codebook file (checked by
  :func:`~collabstate.instrument.codebook.parse_codebook`, every problem with its line) or code by
  code (:func:`add_code`: the new code is checked the same way, as the codebook it makes, so an id,
  a parent or a duplicate is told as the file loader tells it). It is downloaded as a codebook file
  that :func:`~collabstate.instrument.codebook.load_codebook` reads (:func:`codebook_yaml`).
- **The answers** are the wave's completed responses that answered the question (text that is
  not blank), with their sector and the current coder's own codes (:func:`answer_rows`). Each
  coder sees only their own codes: a second coder codes blind.
- **Coding an answer** replaces that coder's codes for it (:func:`save_codes`); coding it with no
  code is kept too (a row with an empty code), so that an answer no theme fits counts as coded.
- **The primary coder** (:func:`primary_coder`) is the one whose codes the wave's report uses: the
  one chosen, else the first analyst who coded. The agreement of each other coder with them
  (:func:`agreements`) is :func:`collabstate.stats.agreement.agreement` over the respondents either
  coded, shown once both have coded an answer; never anyone's codes.
- **The export** is a codes file ``respondent_id,code,coder,quote`` (:func:`codes_csv`), which
  :func:`collabstate.dataset.codes.read_codes` reads; the report's codes are a
  :class:`collabstate.dataset.codes.Codes` built from the rows (:func:`report_codes`).
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl
import yaml
from django.db import transaction
from django.db.models import Count, Max, Sum

from ...analysis.themes import suggest_codes
from ...dataset.codes import Codes, answered_text
from ...dataset.csv_text import write_csv
from ...errors import RefusedError
from ...instrument.codebook import Codebook, CodebookError, parse_codebook
from ...instrument.model import TextQuestion
from ...instrument.yaml_file import Problem
from ...report.evidence import sector_question_id
from ...report.methods import agreement_sentence
from ...stats.agreement import Agreement, agreement
from ..surveys.models import Answer, Wave
from .models import AuditEntry, CodedAnswer, WaveCode, WaveCodebook

if TYPE_CHECKING:
    from ...dataset import Responses

__all__ = [
    "PER_PAGE",
    "AnswerRow",
    "CoderAgreement",
    "CodingError",
    "accept_suggestions",
    "add_code",
    "agreements",
    "answer_rows",
    "book_of",
    "choose_primary",
    "codebook_of",
    "codebook_yaml",
    "coder_counts",
    "coders_codes",
    "codes_csv",
    "coding_key",
    "primary_coder",
    "report_codes",
    "save_codes",
    "sector_question",
    "suggestions",
    "text_questions",
    "upload_codebook",
]  # fmt: skip

#: Answers shown per page.
PER_PAGE = 50


class CodingError(RefusedError):
    """Something asked of the coding page that cannot be done; the message says why."""


def text_questions(wave: Wave) -> list[TextQuestion]:
    """The wave's text questions, in questionnaire order."""
    return [q for q in wave.instrument.questions if isinstance(q, TextQuestion)]


@dataclass(frozen=True)
class Sector:
    """The instrument's sector question: its id and its options as (code, label)."""

    id: str
    options: list[tuple[str, str]]


def sector_question(wave: Wave) -> Sector | None:
    """The instrument's sector question (the report's default breakdown), if it has one."""
    instrument = wave.instrument
    found = sector_question_id(instrument)
    question = next((q for q in instrument.questions if q.id == found), None)
    if question is None:
        return None
    return Sector(question.id, [(str(c.code), c.label) for c in instrument.choices(question)])


def book_of(wave: Wave, question: str) -> WaveCodebook | None:
    return WaveCodebook.objects.filter(wave=wave, question=question).first()


def _book_fields(book: WaveCodebook) -> dict[str, Any]:
    """The codebook as a codebook file spells it (only the keys it has)."""
    return {
        "question": book.question,
        **({"label": book.label} if book.label else {}),
        "codes": [_code_fields(c) for c in book.codes.all()],
    }


def codebook_of(book: WaveCodebook | None) -> Codebook | None:
    """The codebook in the database as the file's :class:`~collabstate.instrument.codebook.Codebook`; None without codes."""
    fields = _book_fields(book) if book is not None else None
    return Codebook.model_validate(fields) if fields and fields["codes"] else None


def _code_fields(code: WaveCode) -> dict[str, Any]:
    """A code as a codebook file spells it (only the keys it has)."""
    out: dict[str, Any] = {"id": code.code, "label": code.label}
    if code.description:
        out["description"] = code.description
    if code.keywords:
        out["keywords"] = list(code.keywords)
    if code.parent:
        out["parent"] = code.parent
    return out


def codebook_yaml(book: WaveCodebook) -> str:
    """The codebook as a codebook file (YAML), which :func:`~collabstate.instrument.codebook.load_codebook` reads."""
    return yaml.safe_dump(_book_fields(book), sort_keys=False, allow_unicode=True, width=120)


def upload_codebook(wave: Wave, question: str, text: str, name: str, user) -> WaveCodebook:
    """The codebook of ``question`` replaced by the file's (raises :class:`CodebookError` with
    every problem and its line). A code someone has given an answer must stay in the file."""
    checked = parse_codebook(text, name, wave.instrument)
    if checked.question != question:
        raise CodebookError(name, [Problem("question", f"the file codes {checked.question!r}; this page codes {question!r}", None)])
    with transaction.atomic():
        book, _ = WaveCodebook.objects.get_or_create(wave=wave, question=question)
        used = set(book.coded.exclude(code="").values_list("code", flat=True))
        dropped = sorted(used - {c.id for c in checked.codes})
        if dropped:
            raise CodebookError(
                name, [Problem("codes", f"{', '.join(dropped)} {'has' if len(dropped) == 1 else 'have'} been given to answers: "
                                        "keep them in the file (their labels may change)", None)],
            )  # fmt: skip
        book.label = checked.label or ""
        book.save(update_fields=["label"])
        book.codes.exclude(code__in=[c.id for c in checked.codes]).delete()
        for order, c in enumerate(checked.codes):
            WaveCode.objects.update_or_create(
                book=book, code=c.id,
                defaults={"label": c.label, "description": c.description or "", "keywords": list(c.keywords), "parent": c.parent or "",
                          "order": order},
            )  # fmt: skip
        AuditEntry.objects.create(organisation=wave.organisation, wave=wave, user=user, action=AuditEntry.CODEBOOK,
                                  detail=f"Codebook of {question} uploaded ({name}): {len(checked.codes)} codes")  # fmt: skip
    return book


def code_id(label: str) -> str:
    """An id made from a label: lower-case ASCII letters, digits and _, starting with a letter.

    >>> code_id("Funding & resources (2025)"), code_id("2 Trust"), code_id("Élan")
    ('funding_resources_2025', 'c_2_trust', 'elan')
    """
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    made = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")[:60]
    if not made:
        return "code"
    return made if made[0].isalpha() else f"c_{made}"


def add_code(wave: Wave, question: str, fields: dict[str, Any], user) -> tuple[WaveCode | None, dict[str, list[str]]]:
    """Add a code at the end of the codebook of ``question`` (made if need be). ``fields``: ``id``
    (empty: made from the label), ``label``, ``description``, ``keywords`` (comma-separated),
    ``parent``. Checked as the codebook file it makes would be: returns the code, or None and the
    problems by field."""
    label = str(fields.get("label", "")).strip()
    new: dict[str, Any] = {"id": str(fields.get("id", "")).strip() or code_id(label), "label": label}
    if str(fields.get("description", "")).strip():
        new["description"] = str(fields["description"]).strip()
    keywords = [k.strip() for k in str(fields.get("keywords", "")).split(",") if k.strip()]
    if keywords:
        new["keywords"] = keywords
    if str(fields.get("parent", "")).strip():
        new["parent"] = str(fields["parent"]).strip()
    book = book_of(wave, question)
    codes = [_code_fields(c) for c in book.codes.all()] if book else []
    text = yaml.safe_dump({"question": question, "codes": [*codes, new]}, sort_keys=False, allow_unicode=True)
    try:
        parse_codebook(text, "the new code", wave.instrument)
    except CodebookError as exc:
        position = f"codes[{len(codes)}]"
        errors: dict[str, list[str]] = {}
        for problem in exc.problems:
            if problem.path.startswith(position + "."):
                name = problem.path.removeprefix(position + ".")
            elif problem.path.startswith("codes[") and problem.message.startswith("duplicate id"):
                name = "id"
            else:
                name = "__all__"
            what = (
                problem.message if name != "id" or fields.get("id") else f"{problem.message} (the id made from the label is {new['id']!r})"
            )
            errors.setdefault(name if name in ("id", "label", "description", "keywords", "parent") else "__all__", []).append(what)
        if not errors:
            errors["__all__"] = [str(p) for p in exc.problems]
        return None, errors
    with transaction.atomic():
        book, _ = WaveCodebook.objects.get_or_create(wave=wave, question=question)
        order = (book.codes.aggregate(last=Max("order"))["last"] or 0) + 1
        made = WaveCode.objects.create(book=book, code=new["id"], label=label, description=new.get("description", ""),
                                       keywords=keywords, parent=new.get("parent", ""), order=order)  # fmt: skip
        AuditEntry.objects.create(organisation=wave.organisation, wave=wave, user=user, action=AuditEntry.CODEBOOK,
                                  detail=f"Code {made.code!r} added to the codebook of {question}")  # fmt: skip
    return made, {}


# ------------------------------------------------------------------------------------- answers
@dataclass
class AnswerRow:
    """One answer on the page: its response, text, sector and the current coder's codes."""

    response: int
    respondent_id: str
    text: str
    sector: str = ""
    sector_code: str = ""
    codes: set[str] = field(default_factory=set)
    quote: str = ""
    coded: bool = False
    suggested: list[tuple[str, str, str]] = field(default_factory=list)  # (code, its label, why)
    next: int | None = None  # the response of the answer after it on the page


def _answers(wave: Wave, question: str) -> list[AnswerRow]:
    """Every completed response's non-blank answer to ``question``, in order of response."""
    found = (
        Answer.objects.filter(response__wave=wave, response__completed=True, column=question)
        .values_list("response_id", "response__public_id", "value")
        .order_by("response_id")
    )
    rows = [AnswerRow(pk, str(public), value) for pk, public, value in found if value.strip()]
    sector = sector_question(wave)
    if sector is not None and rows:
        labels = dict(sector.options)
        given = dict(
            Answer.objects.filter(response_id__in=[r.response for r in rows], column=sector.id).values_list("response_id", "value")
        )
        for row in rows:
            row.sector_code = given.get(row.response, "")
            row.sector = labels.get(row.sector_code, row.sector_code)
    return rows


def answer_rows(wave: Wave, question: str, coder, *, sector: str = "", search: str = "") -> list[AnswerRow]:
    """The answers to code, with ``coder``'s own codes (and no one else's): those of ``sector``
    (its code) and containing ``search`` (any case) when given; the answers ``coder`` has not
    coded first, then by response."""
    rows = _answers(wave, question)
    if sector:
        rows = [r for r in rows if r.sector_code == sector]
    if search.strip():
        needle = search.strip().casefold()
        rows = [r for r in rows if needle in r.text.casefold()]
    book = book_of(wave, question)
    if book is not None and getattr(coder, "pk", None) is not None:
        mine = CodedAnswer.objects.filter(book=book, coder=coder, response_id__in=[r.response for r in rows])
        by_response = {r.response: r for r in rows}
        for coded in mine.values_list("response_id", "code", "quote"):
            row = by_response[coded[0]]
            row.coded = True
            if coded[1]:
                row.codes.add(coded[1])
            if coded[2]:
                row.quote = coded[1]
    rows.sort(key=lambda r: (r.coded, r.response))
    return rows


def suggestions(book: WaveCodebook | None, rows: list[AnswerRow]) -> None:
    """Fill each row's ``suggested`` with the codebook's codes suggested for it
    (:func:`~collabstate.analysis.themes.suggest_codes`) that the coder has not given it."""
    codebook = codebook_of(book)
    if codebook is None or not rows:
        return
    by_id = {r.respondent_id: r for r in rows}
    labels = {c.id: c.label for c in codebook.codes}
    for s in suggest_codes([r.respondent_id for r in rows], [r.text for r in rows], codebook):
        row = by_id[s["respondent_id"]]
        if s["code"] not in row.codes:
            row.suggested.append((s["code"], labels[s["code"]], s["why"]))


def save_codes(wave: Wave, question: str, response_id: int, coder, codes: Iterable[str], quote: str = "") -> list[str]:
    """Replace ``coder``'s codes of the answer of response ``response_id`` by ``codes`` (none: coded,
    no code fits); ``quote``, one of the codes, marks the answer as the coder's chosen quote of that
    code (and gives it that code). Returns the codes saved, in codebook order."""
    book = book_of(wave, question)
    if book is None or not book.codes.exists():
        raise CodingError("the codebook has no code yet: add a code or upload a codebook first")
    known = list(book.codes.values_list("code", flat=True))
    wanted = set(codes) | ({quote} if quote else set())
    unknown = sorted(wanted - set(known))
    if unknown:
        raise CodingError(f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not a code of the codebook")
    answered = Answer.objects.filter(response_id=response_id, response__wave=wave, response__completed=True, column=question).first()
    if answered is None or not answered.value.strip():
        raise CodingError("no such answer to code: the response did not answer the question, or is not completed")
    chosen = [c for c in known if c in wanted]
    with transaction.atomic():
        CodedAnswer.objects.filter(book=book, response_id=response_id, coder=coder).delete()
        rows = [CodedAnswer(book=book, response_id=response_id, coder=coder, code=c, quote=c == quote) for c in chosen]
        CodedAnswer.objects.bulk_create(rows or [CodedAnswer(book=book, response_id=response_id, coder=coder, code="")])
    return chosen


def accept_suggestions(wave: Wave, question: str, rows: Iterable[AnswerRow], coder) -> int:
    """Give each of ``rows`` that ``coder`` has not coded the codes suggested for it (its
    ``suggested``, filled by :func:`suggestions`); an answer already coded is never changed.
    Returns how many answers were coded."""
    done = 0
    for row in rows:
        if row.coded or not row.suggested:
            continue
        save_codes(wave, question, row.response, coder, [code for code, _, _ in row.suggested])
        done += 1
    return done


# ------------------------------------------------------------------------------ coders, agreement
def coders_codes(book: WaveCodebook) -> dict[str, dict[str, set[str]]]:
    """Each coder (username) -> respondent id -> the codes they gave (empty: coded, no code)."""
    out: dict[str, dict[str, set[str]]] = {}
    for username, public, code in book.coded.values_list("coder__username", "response__public_id", "code"):
        codes = out.setdefault(username, {}).setdefault(str(public), set())
        if code:
            codes.add(code)
    return out


def coder_counts(book: WaveCodebook | None) -> list[tuple[str, int]]:
    """(username, answers coded) of every coder, by username."""
    if book is None:
        return []
    counted = book.coded.values("coder__username").annotate(n=Count("response", distinct=True)).order_by("coder__username")
    return [(c["coder__username"], c["n"]) for c in counted]


def primary_coder(book: WaveCodebook | None):
    """The coder whose codes the report uses: the one chosen, else the first who coded; None before anyone coded."""
    if book is None:
        return None
    if book.primary_coder_id is not None:
        return book.primary_coder
    first = book.coded.select_related("coder").order_by("at", "pk").first()
    return first.coder if first else None


def choose_primary(wave: Wave, question: str, username: str, user) -> None:
    """Make ``username`` (an analyst or owner of the wave's organisation) the primary coder."""
    book = book_of(wave, question)
    if book is None:
        raise CodingError("the question has no codebook yet")
    member = wave.organisation.memberships.filter(user__username=username, role__in=("analyst", "owner")).select_related("user").first()
    if member is None:
        raise CodingError(f"{username!r} is not an analyst of {wave.organisation.name}")
    book.primary_coder = member.user
    book.save(update_fields=["primary_coder"])
    AuditEntry.objects.create(organisation=wave.organisation, wave=wave, user=user, action=AuditEntry.PRIMARY_CODER,
                              detail=f"{username} is the primary coder of {question}")  # fmt: skip


@dataclass(frozen=True)
class CoderAgreement:
    """One other coder's agreement with the primary coder, and how many answers each coded."""

    primary: str
    other: str
    primary_n: int
    other_n: int
    result: Agreement

    @property
    def sentence(self) -> str:
        return agreement_sentence(self.result)


def agreements(book: WaveCodebook | None) -> list[CoderAgreement]:
    """The agreement of each other coder with the primary coder, over the respondents either coded
    (:func:`~collabstate.stats.agreement.agreement`), for every code of the codebook; only for
    coders who, like the primary coder, have coded at least one answer."""
    primary = primary_coder(book)
    if book is None or primary is None:
        return []
    every = coders_codes(book)
    name = primary.get_username()
    mine = every.get(name, {})
    if not mine:
        return []
    codes = list(book.codes.values_list("code", flat=True))
    return [
        CoderAgreement(name, other, len(mine), len(theirs), agreement(mine, theirs, codes))
        for other, theirs in sorted(every.items())
        if other != name and theirs
    ]


# ---------------------------------------------------------------------------- export and report
def codes_csv(book: WaveCodebook) -> bytes:
    """Every coder's codes as a codes file ``respondent_id,code,coder,quote`` (quote 1 or blank), by
    coder, respondent and codebook order; an answer coded with no code has no row."""
    order = {c: i for i, c in enumerate(book.codes.values_list("code", flat=True))}
    rows = sorted(
        (
            (str(public), code, username, "1" if quote else None)
            for public, code, username, quote in book.coded.exclude(code="").values_list(
                "response__public_id", "code", "coder__username", "quote"
            )
        ),
        key=lambda r: (r[2], r[0], order.get(r[1], len(order))),
    )
    frame = pl.DataFrame(rows, schema={"respondent_id": pl.String, "code": pl.String, "coder": pl.String, "quote": pl.String}, orient="row")
    out = io.BytesIO()
    write_csv(frame, out)
    return out.getvalue()


def report_codes(wave: Wave, responses: Responses) -> tuple[list[Codes], list[str]]:
    """The codes the wave's report applies: for each codebook whose primary coder has coded, that
    coder's codes of the answers in ``responses`` (an answer since blanked or erased is left out),
    with the quotes they chose and which answers they coded (those not coded yet are out of the
    themes' base, not counted as "no theme"); and the methods' sentence on each other coder's agreement."""
    out, sentences = [], []
    for book in wave.codebooks.all():
        codebook, primary = codebook_of(book), primary_coder(book)
        if codebook is None or primary is None or book.question not in responses.data.columns:
            continue
        data = responses.data
        answered = set(data.filter(answered_text(data, book.question))["respondent_id"].cast(pl.String).drop_nulls().to_list())
        rows: dict[tuple[str | None, str, str], int] = {}
        quotes: set[tuple[str | None, str, str]] = set()
        done: set[tuple[str | None, str]] = set()  # answers coded, with a code or none: the others are not in the base yet
        coded = book.coded.filter(coder=primary).values_list("response__public_id", "code", "quote").order_by("pk")
        for public, code, quote in coded:
            rid = str(public)
            if rid not in answered:
                continue
            done.add((None, rid))
            if code:
                rows[(None, rid, code)] = len(rows) + 2  # its row in the export's file, the header being row 1
                if quote:
                    quotes.add((None, rid, code))
        if not done:
            continue
        out.append(Codes(f"the workspace's coding of {book.question}", codebook, rows, has_wave=False, coder=primary.get_username(),
                         quotes=frozenset(quotes), coded=frozenset(done)))  # fmt: skip
        sentences += [f"{a.sentence.rstrip('.')} ({book.question}: {a.primary} and {a.other})." for a in agreements(book)]
    return out, sentences


def coding_key(wave: Wave) -> list[Any]:
    """What the report takes from the coding, for its cache key: every codebook's codes and
    primary coder, and the coded rows (a code saved again is a new row, so the sum and the
    largest of their keys change)."""
    parts: list[Any] = []
    for book in wave.codebooks.all():
        coded = book.coded.aggregate(n=Count("pk"), total=Sum("pk"), last=Max("pk"))
        codes = list(book.codes.values_list("code", "label", "parent", "order"))
        parts.append([book.question, book.label, book.primary_coder_id, codes, coded["n"], coded["total"], coded["last"]])
    return parts
