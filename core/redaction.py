"""Secrets in URLs never reach a log: calendar-feed, goal-prompt and invitation tokens, and
allauth's email-confirmation and password-reset keys.

One rule for every place a URL is written down: Django's own log records (django.request's
"Not Found: /invitations/…") through `RedactingLogFilter`, and gunicorn's access log (request
line, path, query and referrer) through `AccessLogger` in config/gunicorn.py.
"""

import logging
import re

# Each pattern keeps what names the page and replaces the secret with [redacted].
SECRET_IN_URL = re.compile(
    r"(?P<page>/calendar/|/check-in/|/invitations/|/accounts/confirm-email/"
    r"|/accounts/password/reset/key/)[^/?#\s\"']+"
)
SECRET_IN_QUERY = re.compile(r"(?P<page>[?&](?:token|key|code)=)[^&#\s\"']+", re.IGNORECASE)


def redact(text: str) -> str:
    text = SECRET_IN_URL.sub(r"\g<page>[redacted]", text)
    return SECRET_IN_QUERY.sub(r"\g<page>[redacted]", text)


class RedactingLogFilter(logging.Filter):
    """Rewrites a record's message with the secrets in it redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
