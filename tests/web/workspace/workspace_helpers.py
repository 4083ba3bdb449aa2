"""Helpers of the workspace tests: the links in sent e-mails, a respondent completing."""

from __future__ import annotations

import re

from django.core import mail

PASSWORD = "a-long-pass-phrase-1"


def tokens_in_outbox() -> dict[str, str]:
    """E-mail address -> the token in its most recent message."""
    return {m.to[0]: re.findall(r"/r/([A-Za-z0-9_-]{43})/", m.body)[-1] for m in mail.outbox}


def complete(client, token: str, answers: dict[str, str] | None = None) -> None:
    """Consent, answer the first page (and any others given), send (readiness-2018)."""
    assert client.post(f"/r/{token}/").status_code == 302
    for question, value in (answers or {"q1_example": "2"}).items():
        assert client.post(f"/r/{token}/q/{question}/", {question: value}).status_code == 302
    assert client.post(f"/r/{token}/check/").status_code == 302
