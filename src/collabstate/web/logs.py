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

TOKEN_IN_PATH = re.compile(r"/r/[^/\s]+")


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/r/" in message:
            record.msg, record.args = TOKEN_IN_PATH.sub("/r/…", message), None
        return True
