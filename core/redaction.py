"""Secrets in URLs never reach a log.

Which parts of a path are secret follows from the routes themselves, not from a list a new
route could miss: every URL pattern is walked once, and a parameter is secret when its path
converter says so (`secret = True`, as `core.converters.Token` does) or, in a regular-expression
route of a library's (allauth's confirmation and password-reset keys), when its group is named
`key` or `token`. Query parameters named token, key or code are secret too.

One rule for every place a URL is written down: Django's own log records (django.request's
"Not Found: /m/…") through `RedactingLogFilter`, gunicorn's access log (request line, path, query
and referrer) through `AccessLogger` in config/gunicorn.py, and the audit trail's paths.
"""

import functools
import logging
import re

SECRET_GROUP_NAMES = {"key", "token"}
SECRET_IN_QUERY = re.compile(r"(?P<page>[?&](?:token|key|code)=)[^&#\s\"']+", re.IGNORECASE)
# A path where a log line may hold one: after a space, quote, bracket or "=", or after a host.
PATH = re.compile(r"(?:^|(?<=[\s\"'(=,])|(?<=//)[^/\s\"']*)(/[^\s?#\"']*)")
# A secret runs to the end of its path segment, whatever it holds: a token with junk appended
# ("/m/<token>x") is still redacted, though its route would not match it.
SEGMENT = r"[^/?#\s\"']+"


def redact(text: str) -> str:
    text = PATH.sub(lambda found: _redact_path(found.group(0)), text)
    return SECRET_IN_QUERY.sub(r"\g<page>[redacted]", text)


def _redact_path(text: str) -> str:
    start = text.find("/")
    for route in secret_routes():
        match = route.match(text, start + 1)
        if match:
            for name in sorted(route.groupindex, key=match.start, reverse=True):
                text = text[: match.start(name)] + "[redacted]" + text[match.end(name) :]
            return text
    return text


@functools.cache
def secret_routes() -> tuple[re.Pattern, ...]:
    """One expression per URL pattern that carries a secret: the path up to its last secret
    parameter, each secret a named group (and the only named groups)."""
    from django.urls import URLResolver, get_resolver

    found = []

    def walk(resolver, prefix: str, converters: dict) -> None:
        for entry in resolver.url_patterns:
            body = _body(entry.pattern.regex.pattern)
            known = {**converters, **getattr(entry.pattern, "converters", {})}
            if isinstance(entry, URLResolver):
                walk(entry, prefix + body, known)
                continue
            expression = prefix + body
            names = [
                name
                for name in re.compile(expression).groupindex
                if getattr(known.get(name), "secret", False)
                or (name in SECRET_GROUP_NAMES and name not in known)
            ]
            if names:
                found.append(re.compile(_secret_groups_only(expression, names)))

    walk(get_resolver(), "", {})
    return tuple(found)


def _body(regex: str) -> str:
    return regex.removeprefix("^").removesuffix(r"\Z").removesuffix("$")


def _secret_groups_only(expression: str, secrets: list[str]) -> str:
    """`expression` cut after its last secret group, each secret group widened to a whole
    segment and every other named group made plain."""
    out, last, at = [], 0, 0
    for group in re.finditer(r"\(\?P<(\w+)>", expression):
        if group.start() < at:
            continue  # inside a group already replaced
        end = _closing(expression, group.end())
        name = group.group(1)
        inner = SEGMENT if name in secrets else expression[group.end() : end]
        out.append(expression[last : group.start()])
        out.append(f"(?P<{name}>{inner})" if name in secrets else f"(?:{inner})")
        last = at = end + 1
        if name == secrets[-1]:
            break
    return "".join(out)


def _closing(expression: str, index: int) -> int:
    """The index of the parenthesis closing the group whose body starts at `index`."""
    depth, in_class = 1, False
    while index < len(expression):
        char = expression[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    raise ValueError(f"unbalanced group in {expression!r}")


class RedactingLogFilter(logging.Filter):
    """Rewrites a record's message with the secrets in it redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
