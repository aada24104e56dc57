"""Risk concerns in session notes join the follow-up loop. A facilitator who marks "risk
concern" on a participant's note opens, within a tick, the same follow-up an answer about
self-harm opens: every facilitator of the group alerted, acknowledged, closed with an outcome,
escalated if no one acknowledges it. Sessions know nothing of follow-ups, so the tick looks for
newly marked notes in the database, since a mark it keeps there, once per note."""

from datetime import datetime, timedelta

from core import outbox
from measures.models import FollowUpReason
from measures.services import open_follow_up_once
from sessions.models import IndividualNote

SEEN_THROUGH = "risk_notes_seen_through"  # an OutboxMark
FIRST_LOOK = timedelta(hours=1)  # on the very first tick: notes marked in the last hour
OVERLAP = timedelta(minutes=5)  # a note saved just before a tick may commit just after it
CATCH_UP = timedelta(days=7)  # how far back a tick looks after an outage


def open_for_risk_notes(now: datetime) -> int:
    """Open a follow-up for each note marked with a risk concern since the last look; returns
    how many were opened."""
    seen = outbox.mark(SEEN_THROUGH)
    since = max(seen - OVERLAP if seen else now - FIRST_LOOK, now - CATCH_UP)
    opened = 0
    for note in (
        IndividualNote.objects.filter(
            risk_flag=True, updated_at__gt=since, updated_at__lte=now, follow_up__isnull=True
        )
        .select_related("session__group", "participant")
        .order_by("updated_at")
    ):
        opened += open_follow_up_once(
            group=note.session.group,
            participant=note.participant,
            reason=FollowUpReason.RISK_NOTE,
            note=note,
        )
    outbox.advance_mark(SEEN_THROUGH, now)
    return opened
