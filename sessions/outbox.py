"""Planning and sending the notification outbox (members.models.Notification).

Delivery guarantee, precisely: every pending message is sent at least once while its window is
open. A message is sent twice only if a worker dies after the SMTP server accepted it and before
the row was marked sent: then, when the row's lease expires, another worker sends it again. So a
crash duplicates at most the one message that was in flight in each worker that died. Two ticks
or two workers never send a row twice: a worker claims rows with SELECT ... FOR UPDATE SKIP
LOCKED and moves them to "sending" before sending.
"""

import logging
import smtplib
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core import mail, signing
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date

from members.models import Invitation, Notification, Organisation, Role, User
from members.outbox import enqueue_many
from members.services import invitation_url, reminder_hours_for
from sessions import calendars
from sessions.models import GroupSession
from sessions.queries import active_member_count
from therapy_groups.models import Enrollment, Goal

log = logging.getLogger(__name__)
Kind, State = Notification.Kind, Notification.State

PLAN_AHEAD = timedelta(minutes=10)  # rows are planned this long before they are due
REMINDER_WINDOW = timedelta(hours=1)  # a reminder later than this (or after the start) is missed
LEASE = timedelta(minutes=5)  # a "sending" row whose worker died is reclaimed after this
MAX_ATTEMPTS = 5
BATCH = 100
GOAL_LINK_SALT = "together.goal-check-in"
GOAL_LINK_AGE = timedelta(days=7)


# Planning ------------------------------------------------------------------------------


def plan(now: datetime) -> int:
    """Plan every scheduled message that comes due soon. Safe to run any number of times."""
    organisation = Organisation.current()
    return (
        plan_session_reminders(now, organisation)
        + plan_day_summaries(now)
        + plan_goal_prompts(now, organisation)
    )


def _members(sessions):
    """Active, reachable members per group of these sessions, with their preferences."""
    by_group = {}
    for enrollment in Enrollment.objects.filter(
        group__in={s.group_id for s in sessions},
        status=Enrollment.Status.ACTIVE,
        participant__is_active=True,
    ).select_related("participant"):
        by_group.setdefault(enrollment.group_id, []).append(enrollment.participant)
    return by_group


def plan_session_reminders(now: datetime, organisation: Organisation) -> int:
    """For each allowed offset, only sessions whose reminder falls due about now: the cost
    follows what is due, not how many sessions exist."""
    rows = []
    for hours in sorted(set(organisation.allowed_reminder_hours)):
        offset = timedelta(hours=hours)
        sessions = list(
            GroupSession.objects.filter(
                status=GroupSession.Status.SCHEDULED,
                starts_at__gt=now + offset - REMINDER_WINDOW,
                starts_at__lte=now + offset + PLAN_AHEAD,
            ).filter(starts_at__gt=now)
        )
        members = _members(sessions)
        for session in sessions:
            for person in members.get(session.group_id, []):
                if person.session_reminders and hours in reminder_hours_for(person, organisation):
                    due = session.starts_at - offset
                    rows.append(
                        Notification(
                            kind=Kind.SESSION_REMINDER,
                            recipient=person,
                            email=person.email,
                            subject_id=session.pk,
                            occurrence=session.starts_at,
                            offset_minutes=hours * 60,
                            due_at=due,
                            expires_at=min(session.starts_at, due + REMINDER_WINDOW),
                        )
                    )
    return enqueue_many(rows)


SUMMARY_AT = time(17, 0)  # facilitators hear about tomorrow at 17:00 their time


def plan_day_summaries(now: datetime) -> int:
    """One message per facilitator, the day before they have sessions (in their own zone)."""
    sessions = (
        GroupSession.objects.filter(starts_at__gt=now, starts_at__lte=now + timedelta(hours=31))
        .exclude(status=GroupSession.Status.CANCELLED)
        .prefetch_related("group__facilitators")
    )
    rows = []
    for session in sessions:
        for person in session.group.facilitators.all():
            if not person.is_active:
                continue
            zone = zoneinfo.ZoneInfo(person.timezone)
            day = timezone.localtime(session.starts_at, zone).date()
            due = datetime.combine(day - timedelta(days=1), SUMMARY_AT, tzinfo=zone)
            start_of_day = datetime.combine(day, time(), tzinfo=zone)
            if due <= now + PLAN_AHEAD and now < start_of_day:  # too late once the day begins
                rows.append(
                    Notification(
                        kind=Kind.DAY_SUMMARY,
                        recipient=person,
                        email=person.email,
                        subject_id=person.pk,
                        occurrence=start_of_day,
                        due_at=due,
                        expires_at=start_of_day,
                    )
                )
    return enqueue_many(rows)


def plan_goal_prompts(now: datetime, organisation: Organisation) -> int:
    """N days after each session that took place, members with open goals get one prompt."""
    after = timedelta(days=organisation.goal_prompt_days)
    sessions = list(
        GroupSession.objects.filter(
            status=GroupSession.Status.HELD,
            starts_at__gt=now - after - timedelta(days=1),
            starts_at__lte=now - after + PLAN_AHEAD,
        )
    )
    members = _members(sessions)
    with_goals = set(
        Goal.objects.filter(
            status=Goal.Status.ACTIVE,
            group__in={s.group_id for s in sessions},
        ).values_list("group_id", "participant_id")
    )
    rows = []
    for session in sessions:
        for person in members.get(session.group_id, []):
            if person.goal_prompts and (session.group_id, person.pk) in with_goals:
                due = session.starts_at + after
                rows.append(
                    Notification(
                        kind=Kind.GOAL_PROMPT,
                        recipient=person,
                        email=person.email,
                        subject_id=session.pk,
                        occurrence=session.starts_at,
                        due_at=due,
                        expires_at=due + timedelta(days=1),
                    )
                )
    return enqueue_many(rows)


def expire_and_reclaim(now: datetime) -> None:
    """Rows past their window become missed; rows whose worker died go back to pending."""
    Notification.objects.filter(state=State.PENDING, expires_at__lt=now).update(state=State.MISSED)
    Notification.objects.filter(state=State.SENDING, lease_until__lt=now).update(
        state=State.PENDING, lease_until=None
    )


# Sending --------------------------------------------------------------------------------


def claim(now: datetime, limit: int = BATCH) -> list[Notification]:
    """Take up to `limit` due rows for this worker alone."""
    with transaction.atomic():
        ids = list(
            Notification.objects.due(now)
            .select_for_update(skip_locked=True)
            .order_by("due_at")
            .values_list("pk", flat=True)[:limit]
        )
        Notification.objects.filter(pk__in=ids).update(
            state=State.SENDING, lease_until=now + LEASE, attempts=F("attempts") + 1
        )
    return list(
        Notification.objects.filter(pk__in=ids).select_related("recipient").order_by("due_at")
    )


def deliver_due(now: datetime | None = None, limit: int = BATCH) -> int:
    """Claim a batch, send it over one SMTP connection, mark each row. Returns messages sent."""
    now = now or timezone.now()
    rows = claim(now, limit)
    if not rows:
        return 0
    sent = 0
    batch = Batch(rows)
    with mail.mailers.default as connection:  # one SMTP connection for the whole batch
        for row in rows:
            message = build_message(row, now, batch)
            if message is None:
                continue
            try:
                connection.send_messages([message])
            except (smtplib.SMTPException, OSError) as error:
                _failed(row, error, now)
                continue
            Notification.objects.filter(pk=row.pk).update(
                state=State.SENT, sent_at=timezone.now(), lease_until=None
            )
            sent += 1
    return sent


def _failed(row: Notification, error: Exception, now: datetime) -> None:
    reason = f"{type(error).__name__}: {str(error)[:200]}"
    log.warning(
        "notification %s failed (attempt %s): %s", row.pk, row.attempts, type(error).__name__
    )
    if row.attempts >= MAX_ATTEMPTS:
        Notification.objects.filter(pk=row.pk).update(
            state=State.FAILED, last_error=reason, lease_until=None
        )
        return
    backoff = timedelta(minutes=2**row.attempts)  # 2, 4, 8, 16 minutes
    Notification.objects.filter(pk=row.pk).update(
        state=State.PENDING, last_error=reason, lease_until=None, due_at=now + backoff
    )


def _close(row: Notification, state: str) -> None:
    Notification.objects.filter(pk=row.pk).update(state=state, lease_until=None)


# Messages -------------------------------------------------------------------------------


@dataclass
class Content:
    subject: str
    template: str
    context: dict
    attachment: tuple[str, bytes, str] | None = None


class Batch:
    """What a batch's messages share, read once: the organisation, sessions, memberships."""

    def __init__(self, rows: list[Notification]):
        self.organisation = Organisation.current()
        session_kinds = {Kind.SESSION_REMINDER, Kind.TIME_CHANGED, Kind.CANCELLED}
        ids = {r.subject_id for r in rows if r.kind in session_kinds}
        self.sessions = GroupSession.objects.select_related("group").in_bulk(ids)
        self.memberships = set(
            Enrollment.objects.filter(
                group__in={s.group_id for s in self.sessions.values()},
                participant__in={r.recipient_id for r in rows if r.recipient_id},
                status=Enrollment.Status.ACTIVE,
            ).values_list("group_id", "participant_id")
        )


def build_message(
    row: Notification,
    now: datetime,
    batch: Batch | None = None,
) -> mail.EmailMultiAlternatives | None:
    """The email for a row, from the current data; None when it must not go (row closed)."""
    if now > row.expires_at:
        _close(row, State.MISSED)
        return None
    if row.recipient_id and not row.recipient.is_active:
        _close(row, State.CANCELLED)
        return None
    batch = batch or Batch([row])
    content = RENDERERS[row.kind](row, batch)
    if content is None:
        _close(row, State.CANCELLED)
        return None
    organisation = batch.organisation
    context = {
        "organisation": organisation,
        "site_url": settings.SITE_URL,
        "row": row,
        "person": row.recipient,
        **content.context,
    }
    message = mail.EmailMultiAlternatives(
        subject=f"{organisation.name}: {content.subject}",
        body=render_to_string(f"emails/{content.template}.txt", context, using="text"),
        to=[row.email],
    )
    message.attach_alternative(
        render_to_string(f"emails/{content.template}.html", context), "text/html"
    )
    if content.attachment:
        message.attach(*content.attachment)
    return message


def when_for(person: User | None, moment: datetime) -> str:
    """'Tuesday 3 March, 18:00 (Europe/London)' in the recipient's own zone."""
    zone_name = person.timezone if person else settings.TIME_ZONE
    local = timezone.localtime(moment, zoneinfo.ZoneInfo(zone_name))
    return f"{format_date(local, 'l j F, H:i')} ({zone_name})"


def _link(name: str, *args) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def _live_session(row: Notification, batch: Batch) -> GroupSession | None:
    """The session, if it still happens at the time planned and the person is still a member."""
    session = batch.sessions.get(row.subject_id)
    if session is None or session.is_cancelled or session.starts_at != row.occurrence:
        return None
    if row.recipient_id and (session.group_id, row.recipient_id) not in batch.memberships:
        return None
    return session


def _session_context(session: GroupSession, person: User | None) -> dict:
    return {
        "session": session,
        "group_name": session.group.public_name,
        "when": when_for(person, session.starts_at),
        "cant_make_it": _link("cant_make_it", session.pk),
        "home": _link("home"),
    }


def _ics(session: GroupSession) -> tuple[str, bytes, str]:
    return (
        "session.ics",
        calendars.sessions_calendar([session], name=session.group.public_name),
        "text/calendar",
    )


def _about_session(
    row: Notification, session: GroupSession | None, label: str, template: str
) -> Content | None:
    """Reminders and notices about one session: its time in the recipient's zone, and an .ics."""
    if session is None:
        return None
    context = _session_context(session, row.recipient)
    return Content(
        f"{label}: {context['group_name']}, {context['when']}", template, context, _ics(session)
    )


def render_reminder(row: Notification, batch: Batch) -> Content | None:
    if not row.recipient.session_reminders:
        return None
    return _about_session(row, _live_session(row, batch), "Reminder", "session_reminder")


def render_time_changed(row: Notification, batch: Batch) -> Content | None:
    return _about_session(row, _live_session(row, batch), "New time", "time_changed")


def render_cancelled(row: Notification, batch: Batch) -> Content | None:
    session = batch.sessions.get(row.subject_id)
    return _about_session(
        row, session if session and session.is_cancelled else None, "Cancelled", "cancelled"
    )


def render_day_summary(row: Notification, batch: Batch) -> Content | None:
    person = row.recipient
    zone = zoneinfo.ZoneInfo(person.timezone)
    day_start = row.occurrence
    sessions = (
        GroupSession.objects.filter(
            group__facilitators=person,
            starts_at__gte=day_start,
            starts_at__lt=day_start + timedelta(days=1),
        )
        .exclude(status=GroupSession.Status.CANCELLED)
        .select_related("group")
        .order_by("starts_at")
    )
    sessions = list(sessions.annotate(enrolled=active_member_count()))
    if not sessions:
        return None
    unsigned = (
        GroupSession.objects.filter(group__facilitators=person, status=GroupSession.Status.HELD)
        .without_signed_note()
        .count()
    )
    lines = [
        {
            "when": when_for(person, s.starts_at),
            "group_name": s.group.public_name,
            "enrolled": s.enrolled,
        }
        for s in sessions
    ]
    day = format_date(timezone.localtime(day_start, zone), "l j F")
    return Content(
        f"Your sessions on {day}",
        "day_summary",
        {"lines": lines, "unsigned": unsigned, "day": day, "home": _link("home")},
    )


def goal_link_token(row: Notification) -> str:
    return signing.dumps({"n": row.pk, "u": row.recipient_id}, salt=GOAL_LINK_SALT)


def render_goal_prompt(row: Notification, batch: Batch) -> Content | None:
    person = row.recipient
    if (
        not person.goal_prompts
        or not Goal.objects.of(person).filter(status=Goal.Status.ACTIVE).exists()
    ):
        return None
    return Content(
        "How are your goals going?",
        "goal_prompt",
        {"link": _link("goal_prompt_check_in", goal_link_token(row))},
    )


def render_waitlist_offer(row: Notification, batch: Batch) -> Content | None:
    enrollment = Enrollment.objects.filter(pk=row.subject_id).select_related("group").first()
    if enrollment is None or not enrollment.has_offer:
        return None
    return Content(
        "A place is free for you",
        "waitlist_offer",
        {"group_name": enrollment.group.public_name, "home": _link("home")},
    )


def render_added(row: Notification, batch: Batch) -> Content | None:
    enrollment = Enrollment.objects.filter(pk=row.subject_id).select_related("group").first()
    if enrollment is None or not enrollment.awaits_answer:
        return None
    return Content(
        "You're invited to join a group",
        "added_to_group",
        {"group_name": enrollment.group.public_name, "home": _link("home")},
    )


def render_invitation(row: Notification, batch: Batch) -> Content | None:
    invitation = (
        Invitation.objects.pending().filter(pk=row.subject_id).select_related("invited_by").first()
    )
    if invitation is None:
        return None
    inviter = invitation.invited_by.short_name if invitation.invited_by else None
    staff = invitation.role != Role.PARTICIPANT
    return Content(
        "You're invited",
        "invitation",
        {
            "url": invitation_url(invitation),
            "inviter": inviter,
            "staff": staff,
            "expires": format_date(invitation.expires_at, "j F Y"),
        },
    )


RENDERERS = {
    Kind.SESSION_REMINDER: render_reminder,
    Kind.TIME_CHANGED: render_time_changed,
    Kind.CANCELLED: render_cancelled,
    Kind.DAY_SUMMARY: render_day_summary,
    Kind.GOAL_PROMPT: render_goal_prompt,
    Kind.WAITLIST_OFFER: render_waitlist_offer,
    Kind.ADDED_TO_GROUP: render_added,
    Kind.INVITATION: render_invitation,
}
