"""Which request is being served: its id and address, for the audit trail and the logs.

Free of models, so the logging configuration can load it before apps are ready.
"""

import logging
import re
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

_request: ContextVar = ContextVar("together_request", default=None)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{8,32}$")


def current_request():
    return _request.get()


_unit: ContextVar = ContextVar("together_unit_of_work", default=None)


@contextmanager
def unit_of_work():
    """One request, or one delivery batch: shared settings asked for many times in it (the
    organisation's) are read once, at its first ask."""
    token = _unit.set({})
    try:
        yield
    finally:
        _unit.reset(token)


def once_per_unit(key: str, load: Callable):
    """`load()` once per unit of work (each time, outside one)."""
    memo = _unit.get()
    if memo is None:
        return load()
    if key not in memo:
        memo[key] = load()
    return memo[key]


def remember(key: str, value) -> None:
    """What `once_per_unit(key, ...)` gives for the rest of this unit of work: a value read
    with something else (nothing, outside one)."""
    memo = _unit.get()
    if memo is not None:
        memo[key] = value


def client_ip(request) -> str | None:
    """The address the request came from; behind our proxy, the one the proxy saw."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.rsplit(",", 1)[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Gives each request an id, returns it in the response, and lets the trail and the logs
    know which request they belong to. A well-formed X-Request-ID is kept only from our own
    proxy (BEHIND_PROXY): from anyone else it would let a client write into the audit trail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get("X-Request-ID", "") if settings.BEHIND_PROXY else ""
        request.request_id = offered if _REQUEST_ID.match(offered) else uuid.uuid4().hex
        token = _request.set(request)
        try:
            with unit_of_work():
                response = self.get_response(request)
        finally:
            _request.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


class RequestIdLogFilter(logging.Filter):
    """Adds `request_id` to every log record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = current_request()
        record.request_id = getattr(request, "request_id", "-")
        return True
