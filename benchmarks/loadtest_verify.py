"""Check a load-test run against the database, through the Django ORM (benchmarks/loadtest.py).

Run as a child process with the run's environment (``COLLABSTATE_VAR`` or ``DATABASE_URL``), so
that it reads the very database the server wrote:

    python benchmarks/loadtest_verify.py RUN.json      # prints one JSON object

RUN.json holds what the simulated respondents did: the wave, the tokens started and completed,
every acknowledged page (token, question, the exact column values sent) and every page whose
POST failed but that the server had saved. For each page the stored Answer rows of that
respondent's response must equal what was sent (an unanswered column: no row). Counted:

- lost: acknowledged column values that are not stored (missing), or stored differently (wrong);
- duplicated: (response, column) pairs with more than one row, and responses beyond one per
  respondent; respondents beyond those the client started are reported apart (a start POST cut
  off by the kill may create one the client never saw);
- unexplained: stored columns that no page of that respondent sent.
"""

from __future__ import annotations

import json
import os
import sys
from collections import defaultdict


def verify(run: dict) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collabstate.web.settings")
    import django

    django.setup()
    from django.db.models import Count

    from collabstate.web.surveys.actions import token_hash
    from collabstate.web.surveys.models import Answer, Link, Respondent, Response, Wave

    wave = Wave.objects.get(slug=run["slug"])
    links = dict(Link.objects.filter(respondent__wave=wave).values_list("token_hash", "respondent_id"))
    respondents = {r.pk: r for r in Respondent.objects.filter(wave=wave)}
    answers = Answer.objects.filter(response__wave=wave)
    stored: dict[int, dict[str, str]] = defaultdict(dict)
    for response_id, column, value in answers.values_list("response_id", "column", "value").iterator(chunk_size=10_000):
        stored[response_id][column] = value
    duplicated_pairs = answers.values("response_id", "column").annotate(n=Count("id")).filter(n__gt=1).count()

    def response_of(token: str) -> int | None:
        pk = links.get(token_hash(token))
        return respondents[pk].response_id if pk in respondents else None

    out = {"pages_checked": 0, "values_checked": 0, "missing": 0, "wrong": 0, "pages_lost": 0, "unknown_tokens": 0,
           "saved_unacked_checked": 0, "saved_unacked_lost": 0}  # fmt: skip
    sent: dict[int, set[str]] = defaultdict(set)
    for key, pages in (("acked", run["acked"]), ("saved_unacked", run["saved_unacked"])):
        for page in pages:
            response = response_of(page["token"])
            if response is None:
                out["unknown_tokens"] += 1
                continue
            have = stored.get(response, {})
            bad = 0
            for column, value in page["values"].items():
                sent[response].add(column)
                if key == "acked":
                    out["values_checked"] += 1
                if value is None:
                    bad += column in have
                    out["wrong"] += (column in have) and key == "acked"
                elif column not in have:
                    bad += 1
                    out["missing"] += key == "acked"
                elif have[column] != value:
                    bad += 1
                    out["wrong"] += key == "acked"
            if key == "acked":
                out["pages_checked"] += 1
                out["pages_lost"] += bad > 0
            else:
                out["saved_unacked_checked"] += 1
                out["saved_unacked_lost"] += bad > 0
    out["unexplained"] = sum(len(set(columns) - sent[response]) for response, columns in stored.items())
    out["duplicated_pairs"] = duplicated_pairs
    out["answer_rows"] = answers.count()
    started = set(run["started"])
    seen = {links.get(token_hash(t)) for t in started}
    out["respondents"] = len(respondents)
    out["respondents_started"] = len(started)
    out["respondents_unseen"] = len(set(respondents) - seen)
    out["responses"] = Response.objects.filter(wave=wave).count()
    out["responses_extra"] = out["responses"] - len(started)
    done = {links.get(token_hash(t)) for t in run["completed"]}
    out["completed_acked"] = len(run["completed"])
    out["completed_stored"] = sum(r.completed for r in respondents.values())
    out["completed_missing"] = sum(1 for pk in done if pk not in respondents or not respondents[pk].completed)
    out["completed_responses"] = Response.objects.filter(wave=wave, completed=True).count()
    out["pages_saved_counter"] = sum(r.pages_saved for r in respondents.values())
    out["lost"] = out["missing"] + out["wrong"]
    # a respondent has one response: more responses than respondents would be a duplicate
    out["duplicated"] = duplicated_pairs + max(0, out["responses"] - len(respondents))
    return out


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        print(json.dumps(verify(json.load(f))))
