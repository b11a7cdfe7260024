"""A redaction filter on every log handler: phone numbers, e-mail addresses, ID numbers, names after "my name
is", street addresses and bot tokens never reach a log, whatever a library decides to log."""

from __future__ import annotations

import logging
import re

from bot.redact import redact

_TOKEN = re.compile(r"\d{5,12}:[A-Za-z0-9_-]{30,}")  # Telegram bot tokens (also inside API URLs)


def scrub(text: str) -> str:
    """The text with personal identifiers and tokens replaced by placeholders."""
    return redact(_TOKEN.sub("[token]", text))


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and exception text) before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact; never drops a record."""
        try:
            message = record.getMessage()
        except Exception:  # a library's broken format string: keep the template only
            message = str(record.msg)
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def install() -> int:
    """Add the filter to every handler of every logger that has one (idempotent); returns how many handlers."""
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in list(logging.root.manager.loggerDict))]
    done = 0
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())
            done += 1
    return done
