"""Requests that may change something run in one transaction; pages that only read run without.

Django's ATOMIC_REQUESTS wraps every view, so every page paid two round trips (BEGIN and
COMMIT) for a transaction with nothing to protect: a page's one write is its audit event, a
single statement. POST, PUT, PATCH and DELETE keep ATOMIC_REQUESTS's promise: what the view
writes is committed if it answers, and rolled back if it raises, before the error page (which
reads) is made. It sits last in MIDDLEWARE, so its block holds just the view, as Django's did.
"""

from django.db import transaction

READS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class AtomicChangesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in READS:
            return self.get_response(request)
        request.change = transaction.atomic()
        request.change.__enter__()
        try:
            response = self.get_response(request)
        except BaseException as error:
            self._end(request, error)
            raise
        self._end(request, None)
        return response

    def process_exception(self, request, exception):
        # Innermost, so called first: the view's writes are undone before anything answers.
        self._end(request, exception)

    @staticmethod
    def _end(request, error: BaseException | None) -> None:
        change = request.__dict__.pop("change", None)
        if change is not None:
            traceback = error.__traceback__ if error is not None else None
            change.__exit__(type(error) if error is not None else None, error, traceback)
