"""Logging that never carries the bot token: PTB and httpx put it in request URLs."""

from __future__ import annotations

import logging
import re
from typing import Any, TextIO

# A bot token anywhere in a log line: digits, a colon, the secret part.
_TOKEN = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{30,64}")


class RedactTokenFilter(logging.Filter):
    """Replaces anything shaped like a bot token (and the configured one) with [token]."""

    def __init__(self, token: str | None = None):
        super().__init__()
        self.token = token

    def _clean(self, text: str) -> str:
        if self.token:
            text = text.replace(self.token, "[token]")
        return _TOKEN.sub("[token]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(_LIBRARIES) and record.args:
            # PTB logs whole updates and request parameters at DEBUG: they carry what
            # parents typed. Keep short words (endpoint names), hide everything else.
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(_redact(a) for a in args)
        message = record.getMessage()
        cleaned = self._clean(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            # Format the traceback now so the token in an exception's text is cleaned too.
            formatter = logging.Formatter()
            record.exc_text = self._clean(formatter.formatException(record.exc_info))
            record.exc_info = None
        return True


_LIBRARIES = ("telegram", "httpx", "httpcore", "apscheduler", "aiohttp", "tornado", "aiosqlite")


def _redact(value: Any) -> Any:
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    if isinstance(value, str) and len(value) <= 40 and re.fullmatch(r"[\w.`/-]*", value):
        return value
    if isinstance(value, BaseException):
        return value.__class__.__name__
    return "[redacted]"


def setup_logging(level: str, token: str | None, stream: TextIO | None = None) -> None:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactTokenFilter(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL (which contains the token) at INFO.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))
    logging.getLogger("httpcore").setLevel(max(logging.WARNING, root.level))
