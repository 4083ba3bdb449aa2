"""A logging filter that cuts respondents' tokens out of log records (a token opens someone's answers).

>>> import logging
>>> record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/r/abcDEF123_-/q/q1/",), None)
>>> RedactTokens().filter(record), record.getMessage()
(True, 'Not Found: /r/…/q/q1/')
"""

from __future__ import annotations

import logging
import re

__all__ = ["RedactTokens"]

#: Respondents' tokens, colleagues' invitations, shared reports, and password resets (the account's number and the token).
TOKEN_IN_PATH = re.compile(r"/(r|workspace/join|shared)/[^/\s]+|/(accounts/reset)/[^\s]+")


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(part in message for part in ("/r/", "/workspace/join/", "/shared/", "/accounts/reset/")):
            record.msg, record.args = TOKEN_IN_PATH.sub(lambda m: f"/{m[1] or m[2]}/…", message), None
        return True
