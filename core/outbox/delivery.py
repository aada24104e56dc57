"""The delivery engine: workers claim due outbox rows and send them, one guarded row at a time,
by email or by text (a row's channel; texts through core/outbox/sms.py's provider).

The guarantee, precisely:
- **At least once, within the window.** Every planned message is sent while its window is open,
  or ends visibly `missed` (window passed: beat, Redis or the mail server down too long),
  `failed` (refused or unbuildable MAX_ATTEMPTS times) or `cancelled` (no longer applies).
- **Never twice, except across one crash.** A worker claims rows with SELECT … FOR UPDATE SKIP
  LOCKED, a claim token and a lease on the database's clock (no host's clock counts). Before
  each send it checks that the token is still the row's and the lease still runs; it marks the
  row sent only where the token still matches. Two beats, two ticks, two workers or a skewed
  host clock therefore never send a row twice. A row is sent twice only if its worker stops
  after the mail server or text provider accepted it and before the row was marked (SIGKILL,
  power loss): when the lease runs out another worker sends it again. That is at most one
  message per worker that died, the one in flight.
- **From current data.** Each message is built immediately before it is sent, from what the
  database holds then (the session's time and state, the person's membership, preferences and
  address). A change committed before that read is always respected. The organisation's own
  settings (quiet hours, language, email subjects) are read once a batch, at its start: a batch
  sends for at most 40 seconds.
- **A text the provider may have taken is never handed back as unsent.** When the request
  reached the provider but its answer did not come back (a read timeout after the text was
  written), the row keeps its claim for MAYBE_SENT_WAIT, counted in `maybe_sent`. Each text's
  status-callback address names its row, so the provider's first report on it settles it as
  sent, once. With no report by then, it is sent once more, and that send is final whatever
  its answer: such a text reaches the phone at most twice, and Delivery health counts the texts
  that may have.
- **One bad row never blocks the others.** Each row is built and sent in its own guard; any
  error puts that row back with exponential backoff (error class recorded, never the message
  or the address) until MAX_ATTEMPTS, attempts counted on every claim, a reclaimed lease
  included. A mail server that cannot be reached hands the batch back without counting it
  against the rows and is shown on Delivery health with the time it has been unreachable; so
  does a text provider that sends nothing (down, rate-limiting: after the wait it asks for). A
  number the provider refuses for good (invalid, or it replied STOP) fails that row at once.
- **Texts only to a number that may have them.** A text row is built with the number the
  person has now (verified, not stopped: `Recipients.number`); without one, or with
  texts switched off (no SMS_URL), the row is cancelled, never sent elsewhere.
- **Texts wait out quiet hours.** A text that can wait, due in its recipient's quiet hours (the
  organisation's, in the recipient's own zone), goes back to pending until they end, its window
  moved by as long as it waits; an urgent one (a code, a cancellation or new time within 24
  hours) goes at once. Emails never wait.
- **On the channel the person chose, as it is now.** A row whose channel its person no longer
  wants for its topic is cancelled when its turn comes (`Recipients.wants`): an email
  goes unless they chose texts only and a text can reach them then.
- **Bounded in time.** A batch stops sending after two thirds of Celery's soft limit and hands
  back what it did not reach, so the limit never interrupts a send.
- **Held after a restore.** While `held_since` is set (scripts/restore.sh sets it in the same
  transaction as the restored rows, so no worker sees them unheld), nothing is
  claimed; an admin resumes delivery on Delivery health, which skips what was due before the
  restore (it may have gone out from the old database).
"""

import contextlib
import logging
import smtplib
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.db.models import F
from django.utils import translation

from core import outbox
from core.clock import DatabaseNow, db_now
from core.outbox import clear_mark, mark, set_mark, set_mark_once, sms
from core.outbox.models import Channel, Notification, OutboxMark
from core.request_context import unit_of_work

log = logging.getLogger(__name__)
State = Notification.State

LEASE = timedelta(minutes=5)  # a "sending" row whose worker died is reclaimed after this
# How long a text the provider may have taken waits for the provider's report before it is
# sent again (Twilio reports "queued" or "sent" within seconds of taking a text).
MAYBE_SENT_WAIT = timedelta(minutes=10)
MAX_ATTEMPTS = 5
BATCH = 100
# A connection that cannot be opened, or is lost: the batch goes back, no attempt counted.
CONNECTION_ERRORS = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    ConnectionError,
    TimeoutError,
)


def batch_seconds() -> float:
    """How long a batch may send: two thirds of Celery's soft limit (40 of 60 s), so a slow
    mail server makes the batch stop and hand back, never the limit kill it mid-send."""
    return settings.CELERY_TASK_SOFT_TIME_LIMIT * 2 / 3


def expire_and_reclaim(now: datetime) -> None:
    """Rows past their window become missed; rows whose worker died (lease over, on the
    database's clock) go back to pending, or to failed once their attempts are spent."""
    Notification.objects.filter(state=State.PENDING, expires_at__lt=now).update(state=State.MISSED)
    dead = Notification.objects.filter(state=State.SENDING, lease_until__lt=DatabaseNow())
    dead.filter(attempts__gte=MAX_ATTEMPTS).update(
        state=State.FAILED, last_error="WorkerLost", lease_until=None, claim_token=None
    )
    dead.update(state=State.PENDING, lease_until=None, claim_token=None)


def claim(now: datetime, limit: int = BATCH) -> tuple[uuid.UUID, list[Notification]]:
    """Take up to `limit` due rows for this worker alone, under a fresh claim token."""
    token = uuid.uuid4()
    if mark(OutboxMark.HELD) is not None:
        return token, []
    with transaction.atomic():
        ids = list(
            Notification.objects.due(now)
            .select_for_update(skip_locked=True)
            .order_by("due_at")
            .values_list("pk", flat=True)[:limit]
        )
        Notification.objects.filter(pk__in=ids).update(
            state=State.SENDING,
            lease_until=DatabaseNow() + LEASE,
            claim_token=token,
            attempts=F("attempts") + 1,
        )
    return token, list(Notification.objects.filter(pk__in=ids).order_by("due_at"))


@unit_of_work()
def deliver_due(now: datetime | None = None, limit: int = BATCH) -> int:
    """Claim a batch and send it: its emails over one connection, its texts through the text
    provider, each row in its own guard. Returns how many messages were sent. The
    organisation's settings are read once a batch (one unit of work), everything else per row."""
    started = time.monotonic()
    now = now or db_now()
    token, rows = claim(now, limit)
    if not rows:
        return 0
    emails = [row for row in rows if row.channel == Channel.EMAIL]
    texts = [row for row in rows if row.channel == Channel.TEXT]
    return _send_emails(emails, token, now, started) + _send_texts(texts, token, now, started)


def _send_emails(rows, token, now, started) -> int:
    if not rows:
        return 0
    mailer = mail.mailers.default
    try:
        mailer.open()
    except Exception as error:
        _hand_back(rows, token, error)
        return 0
    clear_mark(OutboxMark.MAIL_UNREACHABLE)
    try:
        return _send_each(rows, token, now, started, mailer)[0]
    finally:
        with contextlib.suppress(Exception):  # closing a broken connection may fail too
            mailer.close()


def _send_texts(rows, token, now, started) -> int:
    if not rows:
        return 0
    sent, finished = _send_each(rows, token, now, started, sms.provider())
    if finished:  # the provider took every text it was offered
        clear_mark(OutboxMark.TEXTS_UNAVAILABLE)
    return sent


def _send_each(rows, token, now, started, sender) -> tuple[int, bool]:
    """Each row in its own guard, until the time budget runs out; how many were sent, and
    whether every row was tried. A mail server or text provider that cannot take messages
    hands the rest back uncounted (a text provider's after the wait it asks for); a number
    refused for good (invalid, or it replied STOP) fails that row alone; any other error puts
    the row back with backoff."""
    sent = 0
    for index, row in enumerate(rows):
        if time.monotonic() - started > batch_seconds():
            _hand_back(rows[index:], token)
            break
        try:
            sent += _send_one(row, token, sender, now)
        except SoftTimeLimitExceeded:
            # Should not happen (the budget stops first); if it does, nothing is lost.
            _hand_back(rows[index:], token)
            raise
        except CONNECTION_ERRORS as error:
            _retry(row, token, error, now)
            _hand_back(rows[index + 1 :], token, error)
            break
        except sms.MaybeSent as error:
            _maybe_sent(row, token, error)
        except sms.Unavailable as error:  # nothing was sent, this row included
            _hand_back(rows[index:], token, error, retry_after=error.retry_after)
            break
        except sms.Refused as error:
            log.warning("notification %s: the text was refused (%s)", row.pk, type(error).__name__)
            _finish(row, token, State.FAILED, last_error=type(error).__name__)
            if isinstance(error, sms.OptedOut):
                outbox.recipients().stopped(row)
        except Exception as error:
            _retry(row, token, error, now)
    else:
        return sent, True
    return sent, False


def _still_ours(row: Notification, token: uuid.UUID):
    return Notification.objects.filter(
        pk=row.pk, claim_token=token, state=State.SENDING, lease_until__gt=DatabaseNow()
    )


def _send_one(row, token, sender, now) -> int:
    """Send one claimed row with `sender` (the mail connection, or the text provider)."""
    fresh = _still_ours(row, token).select_related("recipient").first()
    if fresh is None:
        log.warning("notification %s: claim lost before sending; not sent", row.pk)
        return 0
    with translation.override(outbox.recipients().language(fresh)):
        message = build(fresh, now)
    if isinstance(message, str):  # it must not go: close it as missed or cancelled
        _finish(row, token, message)
        return 0
    if isinstance(message, Held):
        _hold(row, token, message.until, now)
        return 0
    if isinstance(message, OutgoingText):
        sent = sender.send(message.to, message.body, status_callback=_callback_for(row))
        fields = {"segments": sent.segments, "provider_id": sent.provider_id}
    else:
        sender.send_messages([message])
        fields = {}
    if not _finish(row, token, State.SENT, sent_at=DatabaseNow(), **fields):
        log.warning("notification %s: reclaimed while it was being sent", row.pk)
    return 1


@dataclass(frozen=True)
class OutgoingText:
    to: str
    body: str


@dataclass(frozen=True)
class Held:
    """A text that waits for its recipient's quiet hours to end."""

    until: datetime


def build(row: Notification, now: datetime):
    """The message for a row (an email, or an `OutgoingText`), built by its kind from what the
    database holds now; or, when it must not go, the state to close the row with."""
    if now > row.expires_at:
        return State.MISSED
    if row.recipient_id and not row.recipient.is_active:
        return State.CANCELLED
    kind = outbox.kind(row.kind)
    if kind.topic and not outbox.recipients().wants(row, kind.topic):
        return State.CANCELLED  # the person now wants this topic on another channel
    if row.channel == Channel.TEXT:
        return _build_text(row, now, kind)
    message = kind.email(row, now) if kind.email else None
    return State.CANCELLED if message is None else message


def _build_text(row, now, kind):
    # Read now, like an address: a number removed, or a STOP, before this moment is respected.
    recipients = outbox.recipients()
    number = recipients.number(row) if kind.text else None
    if number is None or settings.SMS is None:
        return State.CANCELLED  # no verified number now, texts stopped, or texts switched off
    if not (kind.urgent and kind.urgent(row, now)):
        until = recipients.quiet_until(row, now)
        if until is not None:
            return Held(until)
    text = kind.text(row, now)
    return State.CANCELLED if text is None else OutgoingText(number, sms.fit(text.body))


def _callback_for(row: Notification) -> str:
    """The provider's status-callback address for this text, naming its row: a report settles a
    text whose sending answer never came back."""
    callback = outbox.recipients().report_url()
    return f"{callback}?n={row.pk}" if callback else ""


def _maybe_sent(row, token, error: Exception) -> None:
    """The provider may have taken it: keep the claim (the lease now runs MAYBE_SENT_WAIT) for
    its report to settle; the attempt stays counted. The second time for one row, it is
    taken as sent: it went at least once, most likely twice, and never a third time."""
    log.warning("notification %s: the text may have gone (%s)", row.pk, type(error).__name__)
    if row.maybe_sent:
        _finish(row, token, State.SENT, sent_at=DatabaseNow(), maybe_sent=F("maybe_sent") + 1)
        return
    Notification.objects.filter(pk=row.pk, claim_token=token).update(
        lease_until=DatabaseNow() + MAYBE_SENT_WAIT,
        maybe_sent=F("maybe_sent") + 1,
        last_error="MaybeSent",
    )


def _finish(row, token, state, **fields) -> bool:
    return bool(
        Notification.objects.filter(pk=row.pk, claim_token=token).update(
            state=state, lease_until=None, claim_token=None, **fields
        )
    )


def _hold(row, token, until: datetime, now: datetime) -> None:
    """Back to pending until `until`, its window moved by as long as it waits, the claim's
    attempt not counted: holding is not failing. Its builder refuses it then if it no longer
    applies (a session that has begun, say)."""
    _finish(
        row,
        token,
        State.PENDING,
        due_at=until,
        expires_at=F("expires_at") + (until - now),
        attempts=F("attempts") - 1,
    )


def _retry(row: Notification, token: uuid.UUID, error: Exception, now: datetime) -> None:
    """This row failed: back with backoff (2, 4, 8, 16 minutes), or failed for good."""
    reason = type(error).__name__  # never the message text, which may name an address
    log.warning("notification %s failed (attempt %s): %s", row.pk, row.attempts, reason)
    if row.attempts >= MAX_ATTEMPTS:
        _finish(row, token, State.FAILED, last_error=reason)
        return
    _finish(
        row,
        token,
        State.PENDING,
        last_error=reason,
        due_at=now + timedelta(minutes=2**row.attempts),
    )


def _hand_back(rows, token, error: Exception | None = None, retry_after: int | None = None):
    """Rows this worker did not try: back to pending, the claim's attempt not counted. With an
    error, the mail server or text provider could not take them, and Delivery health says so
    from when."""
    fields = {}
    if error is not None:
        if isinstance(error, sms.Unavailable):
            what, since = "TextsUnavailable", OutboxMark.TEXTS_UNAVAILABLE
        else:
            what, since = "MailServerUnreachable", OutboxMark.MAIL_UNREACHABLE
        log.warning("%s (%s): %s messages wait", what, type(error).__name__, len(rows))
        fields["last_error"] = f"{what}: {type(error).__name__}"
        set_mark_once(since, db_now())
    if retry_after:  # counted on the database's clock, as every due time is
        fields["due_at"] = DatabaseNow() + timedelta(seconds=retry_after)
    Notification.objects.filter(pk__in=[r.pk for r in rows], claim_token=token).update(
        state=State.PENDING,
        lease_until=None,
        claim_token=None,
        attempts=F("attempts") - 1,
        **fields,
    )


# Delivery reports ------------------------------------------------------------------------

# A provider's reports may arrive out of order: a later stage is never overwritten by an
# earlier one ("sent" arriving after "delivered").
REPORT_STAGES = {
    "queued": 0,
    "accepted": 0,
    "scheduled": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "undelivered": 3,
    "failed": 3,
    "canceled": 3,
    "read": 4,
}
NOT_DELIVERED = ("undelivered", "failed")


@transaction.atomic
def record_report(provider_id: str, status: str, row_id: int | None = None) -> Notification | None:
    """What the provider says became of a text it took; returns its row, if we know it.
    `row_id` comes from the callback address: a report on a text whose sending answer never
    came back settles it as sent (and names its provider id)."""
    status = status.lower()
    if not provider_id or status not in REPORT_STAGES:
        return None
    texts = Notification.objects.select_for_update().filter(channel=Channel.TEXT)
    row = texts.filter(provider_id=provider_id).first()
    if row is None and row_id is not None:
        row = texts.filter(pk=row_id, state=State.SENDING, last_error="MaybeSent").first()
        if row is not None:
            row.state, row.provider_id, row.sent_at = State.SENT, provider_id, db_now()
            row.lease_until = row.claim_token = None
            row.maybe_sent -= 1  # it went once, and we know it
            row.save(
                update_fields=[
                    "state",
                    "provider_id",
                    "sent_at",
                    "lease_until",
                    "claim_token",
                    "maybe_sent",
                ]
            )
    if row is not None and REPORT_STAGES[status] >= REPORT_STAGES.get(row.delivery_status, -1):
        row.delivery_status = status
        row.save(update_fields=["delivery_status"])
    return row


# Holding after a restore ---------------------------------------------------------------


def hold(at: datetime) -> None:
    """Stop all sending (a restored database may hold rows that already went out)."""
    set_mark(OutboxMark.HELD, at)


@transaction.atomic
def resume() -> int:
    """Send again. Rows due before the hold may have gone out from the old database: they are
    closed as missed, never sent twice. Returns how many were skipped."""
    held_since = mark(OutboxMark.HELD)
    if held_since is None:
        return 0
    skipped = Notification.objects.filter(
        state__in=[State.PENDING, State.SENDING], due_at__lt=held_since
    ).update(
        state=State.MISSED, last_error="SkippedAfterRestore", lease_until=None, claim_token=None
    )
    clear_mark(OutboxMark.HELD)
    return skipped
