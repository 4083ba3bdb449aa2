"""Helpers of the workspace tests: the links in sent e-mails, a respondent completing, many completing."""

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


#: Sector code -> how many complete the wave: the third sector's base (5) is under 10.
SECTORS = {"1": 20, "2": 15, "3": 5}


def respond(client, start, wave, sectors: dict[str, int] = SECTORS) -> None:
    """Respondents by the open link, ``sectors[code]`` of each sector (q16). The third sector's
    rate the importance of collaboration (q7) 'Not important' (1), which nobody else does; the
    others 3, 4 and 5 in turn; everyone has worked on an example (q1) and rates its success (q6)
    and their organisation's tools (q12)."""
    i = 0
    for sector, count in sectors.items():
        for _ in range(count):
            importance = "1" if sector == "3" else str(3 + i % 3)
            complete(client, start(wave), {"q1_example": "1", "q6_success": str(1 + i % 4), "q7_importance": importance,
                                           "q12_tools": str(i % 4), "q16_sector": sector})  # fmt: skip
            i += 1
