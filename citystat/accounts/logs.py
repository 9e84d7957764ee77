"""Keep secrets out of log records (settings.LOGGING attaches this filter)."""

from __future__ import annotations

import logging
import re

# Passwords in connection URLs, and name=value pairs whose name says secret.
URL_PASSWORD = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s]+@", re.IGNORECASE)
NAMED_SECRET = re.compile(
    r"(?P<name>\b(?:password|passwd|secret|secret_key|token|api_key|csrfmiddlewaretoken|sessionid)\b[\"']?\s*[=:]\s*[\"']?)[^\s&\"',;]+",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    text = URL_PASSWORD.sub(r"\g<scheme>***@", text)
    return NAMED_SECRET.sub(r"\g<name>***", text)


class RedactSecrets(logging.Filter):
    """Rewrite a record's message with passwords and tokens replaced by ***."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
