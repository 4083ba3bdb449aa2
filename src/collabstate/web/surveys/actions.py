"""What respondents' requests change, kept out of the views (the Zulip pattern).

Each page's answers are saved in one transaction, under a lock on the respondent's row, as
upserts keyed by (response, column): a double click or a retried POST writes the same rows again,
never a second copy, and never loses what the first one wrote. Completing is idempotent too.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import overload

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max, Sum
from django.utils import timezone

from ...dataset import Validation
from . import flow, known_facts
from .exports import answers_object, read_wave
from .models import Answer, FactCount, Invitee, Link, Respondent, Response, Wave

__all__ = [
    "complete",
    "completed_fingerprint",
    "consent",
    "find_respondent",
    "given_to",
    "new_token",
    "responses_of",
    "save_page",
    "start_open_link",
    "token_hash",
]

#: ``secrets.token_urlsafe(32)``: 256 bits of randomness, 43 characters.
TOKEN_BYTES = 32
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


def new_token() -> tuple[str, str]:
    """A fresh token and the hash that is stored in its place."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def find_respondent(token: str) -> Respondent | None:
    """The respondent a token belongs to, with their answers so far (``respondent.answers``:
    column -> stored text), in one indexed query; None for a malformed or unknown token. The
    wave comes from :func:`wave_by_id`. (The ORM took three queries and 2 ms a request on
    PostgreSQL: a request's time is mostly its round trips to the database.)"""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    with connection.cursor() as cursor:
        cursor.execute(_by_token(), [token_hash(token)])
        row = cursor.fetchone()
    if row is None:
        return None
    *values, answers = row
    consented = _RESPONDENT_FIELDS.index("consented_at")
    field = Respondent._meta.get_field("consented_at")
    column = field.get_col(Respondent._meta.db_table)
    for convert in connection.ops.get_db_converters(column) + field.get_db_converters(connection):  # SQLite returns text
        values[consented] = convert(values[consented], column, connection)
    respondent = Respondent.from_db(connection.alias, _RESPONDENT_FIELDS, values)
    respondent.answers = json.loads(answers) if answers else {}  # no answers: NULL or {}
    respondent.wave = wave_by_id(respondent.wave_id)
    return respondent


#: What the respondent pages read of a respondent (the time stamps stay deferred).
_RESPONDENT_FIELDS = ["id", "wave_id", "invitee_id", "response_id", "consented_at", "page", "status", "pages_saved"]


@cache
def _by_token() -> str:
    quote = connection.ops.quote_name
    columns = {f.attname: f.column for f in Respondent._meta.concrete_fields if f.column is not None}  # all: concrete means it has a column
    return (
        f"SELECT {', '.join('r.' + quote(columns[name]) for name in _RESPONDENT_FIELDS)}, "
        # the answers as one JSON object: one row instead of one per answer (a third of the time)
        f"(SELECT {answers_object('a.' + quote('column'), 'a.value')} FROM {Answer._meta.db_table} a WHERE a.response_id = r.response_id) "
        f"FROM {Link._meta.db_table} l JOIN {Respondent._meta.db_table} r ON r.id = l.respondent_id WHERE l.token_hash = %s"
    )


_WAVES: dict[object, tuple[float, Wave]] = {}


@overload
def _kept(key: object, read: Callable[[], Wave]) -> Wave: ...
@overload
def _kept(key: object, read: Callable[[], Wave | None]) -> Wave | None: ...
def _kept(key: object, read: Callable[[], Wave | None]) -> Wave | None:
    """``read()``, kept per process for ``settings.WAVE_CACHE_SECONDS`` (an edit reaches every
    worker within that time; 0 reads it every time). A miss is not kept: addresses made up by
    the thousand must not fill the memory."""
    hit = _WAVES.get(key)
    if hit is not None and time.monotonic() - hit[0] <= settings.WAVE_CACHE_SECONDS:
        return hit[1]
    wave = read()
    if wave is not None:
        _WAVES[key] = (time.monotonic(), wave)
    return wave


def wave_by_id(pk: int) -> Wave:
    """A wave, kept per process (:func:`_kept`)."""
    return _kept(pk, lambda: Wave.objects.get(pk=pk))


def open_link_wave(slug: str, *, kept: bool = True) -> Wave | None:
    """The wave whose open link is ``/s/<slug>/``, kept per process (:func:`_kept`) or, with
    ``kept=False``, read afresh; None when there is no such wave or it has no open link."""

    def read() -> Wave | None:
        return Wave.objects.filter(slug=slug, open_link=True).first()

    return _kept(("open link", slug), read) if kept else read()


def start_open_link(wave: Wave) -> str:
    """A new respondent on a wave's open link, consented; returns their token (their resume link)."""
    token, hashed = new_token()
    with transaction.atomic():
        response = Response.objects.create(wave=wave)
        respondent = Respondent.objects.create(wave=wave, response=response, consented_at=timezone.now())
        Link.objects.create(respondent=respondent, token_hash=hashed)
    return token


def consent(respondent: Respondent) -> known_facts.Given:
    """Consent, and the response is created; the known facts the wave hides are stored in it
    (:func:`given_to`, whose answer it returns), and in ``respondent.answers``."""
    with transaction.atomic():
        locked = Respondent.objects.select_for_update().get(pk=respondent.pk)
        if locked.consented_at is None:
            locked.consented_at = timezone.now()
        if locked.response_id is None and not locked.completed:
            locked.response = Response.objects.create(wave=locked.wave)
        locked.save(update_fields=["consented_at", "response", "updated_at"])
    respondent.refresh_from_db()
    return given_to(respondent)


def given_to(respondent: Respondent) -> known_facts.Given:
    """What the invitee list gives this respondent (:func:`.known_facts.given`): nothing for a
    respondent by the open link, or when the wave uses no known fact (then no query is made).
    Hidden facts not stored yet are stored now, without overwriting anything (a response created
    before the wave chose to hide a question gets them on the next page it opens), and added to
    ``respondent.answers``."""
    wave = respondent.wave
    modes = known_facts.wave_modes(wave.instrument, wave.known_facts) if wave.known_facts else {}
    if not modes or respondent.invitee_id is None or respondent.response_id is None or respondent.completed:
        return known_facts.NOTHING
    facts = Invitee.objects.filter(pk=respondent.invitee_id).values_list("facts", flat=True).first() or {}
    answers = getattr(respondent, "answers", None)
    if answers is None:
        answers = respondent.answers = answers_of(respondent)
    found = known_facts.given(modes, facts, answers)
    if found.to_store:
        with transaction.atomic():
            rows = [Answer(response_id=respondent.response_id, column=c, value=v) for c, v in found.to_store.items()]
            Answer.objects.bulk_create(rows, ignore_conflicts=True)
            response = Response.objects.select_for_update().get(pk=respondent.response_id)
            response.from_list = sorted({*response.from_list, *found.to_store})
            response.save(update_fields=["from_list"])
        answers.update(answers_of(respondent))
    return found


def answers_of(respondent: Respondent) -> dict[str, str]:
    """Column -> stored text of the respondent's answers so far."""
    if respondent.response_id is None:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_ANSWERS, [respondent.response_id])
        return dict(cursor.fetchall())


_ANSWERS = f"SELECT {connection.ops.quote_name('column')}, value FROM {Answer._meta.db_table} WHERE response_id = %s"


def save_page(respondent: Respondent, values: dict[str, str | None], next_page: str) -> None:
    """Store one page's answers (None clears a column) and where to resume, atomically. The
    UPDATE of the respondent's row locks it (as :func:`complete` does) and matches nothing once
    they have completed: a late retry changes nothing. Answers are upserted on (response,
    column), so a repeated POST writes the same rows.

    On PostgreSQL it is one statement (data-modifying CTEs: the DELETE and the upsert take the
    response id from the UPDATE's RETURNING, so they do nothing when it matched nothing), one
    round trip instead of five; elsewhere a transaction of two or three statements."""
    clear = [c for c, v in values.items() if v is None]
    rows = [(c, v) for c, v in values.items() if v is not None]
    update = (
        f"UPDATE {Respondent._meta.db_table} SET page = %s, pages_saved = pages_saved + 1, updated_at = %s "
        "WHERE id = %s AND status = %s AND response_id = %s"
    )
    params: list[str | int | datetime | None] = [next_page, timezone.now(), respondent.pk, Respondent.STARTED, respondent.response_id]
    table, column = Answer._meta.db_table, connection.ops.quote_name("column")
    upsert = f"ON CONFLICT (response_id, {column}) DO UPDATE SET value = excluded.value"
    if connection.vendor == "postgresql":
        parts = [f"saved AS ({update} RETURNING response_id)"]
        if clear:
            parts.append(
                f"cleared AS (DELETE FROM {table} WHERE response_id IN (SELECT response_id FROM saved) AND {column} IN ({_marks(len(clear))}))"
            )
            params += clear
        statement = f"WITH {', '.join(parts)} "
        if rows:
            statement += (
                f"INSERT INTO {table} (response_id, {column}, value) SELECT saved.response_id, v.c, v.v "
                f"FROM saved, (VALUES {', '.join(['(%s, %s)'] * len(rows))}) AS v (c, v) {upsert}"
            )
            params += [x for row in rows for x in row]
        else:
            statement += "SELECT 1"
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(update, params)
        if cursor.rowcount != 1:
            return
        if clear:
            cursor.execute(
                f"DELETE FROM {table} WHERE response_id = %s AND {column} IN ({_marks(len(clear))})", [respondent.response_id, *clear]
            )
        if rows:
            cursor.execute(
                f"INSERT INTO {table} (response_id, {column}, value) VALUES {', '.join(['(%s, %s, %s)'] * len(rows))} {upsert}",
                [x for c, v in rows for x in (respondent.response_id, c, v)],
            )


def _marks(n: int) -> str:
    return ", ".join(["%s"] * n)


def complete(respondent: Respondent) -> None:
    """Mark the respondent complete (once). Answers to questions that skip logic no longer asks
    (an earlier answer was changed) are removed, as LimeSurvey does; in anonymous mode the link
    between the respondent (token, invitee) and the answers is broken."""
    with transaction.atomic():
        locked = Respondent.objects.select_for_update().select_related("wave").get(pk=respondent.pk)
        if locked.completed or locked.response_id is None:
            return
        instrument = locked.wave.instrument
        answers = answers_of(locked)
        keep = {c for q in flow.asked_questions(instrument, answers) for c in flow.columns_of(instrument, q)}
        Answer.objects.filter(response_id=locked.response_id).exclude(column__in=keep).delete()
        if locked.wave.mode == Wave.ANONYMOUS and locked.invitee_id is not None:
            _count_facts(locked, locked.invitee_id, {c: v for c, v in answers.items() if c in keep})
        Response.objects.filter(pk=locked.response_id).update(completed=True, completed_on=timezone.localdate())
        locked.status = Respondent.COMPLETED
        locked.page = ""
        if locked.wave.mode == Wave.ANONYMOUS:
            locked.response = None
        locked.save(update_fields=["status", "page", "response", "updated_at"])
    respondent.refresh_from_db()


def _count_facts(respondent: Respondent, invitee_id: int, answers: dict[str, str]) -> None:
    """An anonymous wave's known facts compared with the answers of one invitee who completes:
    added to the wave's totals (:class:`.models.FactCount`), the only trace kept once the link
    between them and their answers is broken."""
    facts = Invitee.objects.filter(pk=invitee_id).values_list("facts", flat=True).first() or {}
    for qid, code in facts.items():
        if qid not in answers:
            continue
        FactCount.objects.get_or_create(wave_id=respondent.wave_id, question=qid)
        differed = int(answers[qid] != code)
        FactCount.objects.filter(wave_id=respondent.wave_id, question=qid).update(
            compared=F("compared") + 1, differed=F("differed") + differed
        )


def completed_fingerprint(wave: Wave) -> tuple[int, int, int] | None:
    """The completed responses of ``wave`` as (count, sum and largest of their keys), in one
    query; None before anyone completes. Responses are only added (completions, imports) or
    deleted (erasure, the admin): a deletion and an addition change the sum and the largest of
    the keys, if not the count, so what is computed from them is known to be current."""
    done = wave.responses.filter(completed=True).aggregate(n=Count("pk"), total=Sum("pk"), last=Max("pk"))
    return (done["n"], done["total"], done["last"]) if done["n"] else None


def responses_of(wave: Wave, *, completed_only: bool = True) -> Validation:
    """The wave's stored answers as the core's :class:`~collabstate.dataset.Validation` (its
    ``responses`` are a :class:`~collabstate.dataset.Responses`), through the same reader and
    validation as a data file: one row per response, in the order they were started,
    ``respondent_id`` its public id. Read a chunk of responses at a time
    (:func:`.exports.read_wave`); to write a file, :func:`.exports.export_wave` streams it."""
    return read_wave(wave, completed_only=completed_only)
