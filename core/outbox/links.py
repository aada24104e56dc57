"""Signed one-use links in messages (a questionnaire request, a goal prompt): the token names
its outbox row and recipient, expires with its kind, and works once. One flow for every such
link, so that each keeps the same guarantees."""

from datetime import timedelta

from django.core import signing
from django.utils import timezone

from core.outbox.models import Notification


class LinkProblem(Exception):
    """Why a link does not open: "expired", "broken" or "used", with the status to answer."""

    def __init__(self, problem: str, status: int):
        super().__init__(problem)
        self.problem, self.status = problem, status


def link_token(row: Notification, *, salt: str) -> str:
    return signing.dumps({"n": row.pk, "u": row.recipient_id}, salt=salt)


def open_link(token: str, *, salt: str, max_age: timedelta, kinds) -> Notification:
    """The row a link names, with its recipient: only a row of these kinds, for the recipient
    it was made for, still active, and not used yet. Raises LinkProblem otherwise."""
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age.total_seconds())
    except signing.SignatureExpired:
        raise LinkProblem("expired", 410) from None
    except signing.BadSignature:
        raise LinkProblem("broken", 400) from None
    row = (
        Notification.objects.filter(
            pk=payload.get("n"), recipient_id=payload.get("u"), kind__in=kinds
        )
        .select_related("recipient")
        .first()
    )
    if row is None or not row.recipient.is_active:
        raise LinkProblem("broken", 400)
    if row.link_used_at is not None:
        raise LinkProblem("used", 410)
    return row


def use_link(row: Notification) -> bool:
    """Mark the link used, inside the transaction that keeps what it was used for: only the one
    request that flips it may keep anything (two taps at once: the second gets False)."""
    return bool(
        Notification.objects.filter(pk=row.pk, link_used_at__isnull=True).update(
            link_used_at=timezone.now()
        )
    )
