"""Planning the outbox, and building each message from current data (core.outbox.delivery sends).

Rows are planned when the facts change, and by the tick:
- scheduling, moving or joining plans every future reminder of the sessions concerned at once
  (`plan_sessions`, `plan_person_reminders`), so a reminder exists long before it is due,
  whatever happens to beat or Redis later;
- each tick plans what came due since the last tick that got this far (`planned_through`, in
  the database), however long ago that was (up to MAX_CATCH_UP): after an outage, every
  reminder whose window passed is written and shows as missed instead of never existing.
Planning is idempotent: the unique keys make the same message one row, and a cancelled row is
not in the way, so a session moved and moved back gets its reminders again.

Day-based offsets (24, 48 hours) are "the day before, at the same time" in the recipient's own
zone, across clock changes; other offsets count real hours.
"""

import zoneinfo
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta

from django.db.models import Exists, F, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext, pgettext

from core import outbox
from core.outbox import advance_mark, enqueue_many, links, mark
from core.outbox.models import Notification, OutboxMark
from members import text_numbers
from members.messages import (
    Content,
    email,
    link,
    register_invitation_details,
    text_link,
    time_for,
    when_for,
    when_in,
)
from members.models import Invitation, Organisation, User
from members.services import reminder_hours_for
from sessions import calendars
from sessions.models import Attendance, GroupSession
from sessions.queries import active_member_count
from therapy_groups.models import Enrollment, Goal

SESSION_REMINDER = "session_reminder"
TIME_CHANGED = "time_changed"
CANCELLED = "cancelled"
DAY_SUMMARY = "day_summary"
GOAL_PROMPT = "goal_prompt"


class Topics:
    """What sessions' messages are about: each person chooses email, text or both for each.
    Reminders and changes are what texts are best at; the rest carry a link better read in an
    email."""

    REMINDERS = outbox.Topic(
        "reminders", gettext_lazy("Reminders before each session"), outbox.Choice.BOTH
    )
    CHANGES = outbox.Topic(
        "changes", gettext_lazy("A session's new time, or a cancellation"), outbox.Choice.BOTH
    )
    GOAL_PROMPTS = outbox.Topic(
        "goal_prompts", gettext_lazy("Goal check-in prompts between sessions"), outbox.Choice.EMAIL
    )
    DAY_SUMMARY = outbox.Topic(
        "day_summary",
        gettext_lazy("The evening before you run sessions"),
        outbox.Choice.EMAIL,
        for_staff=True,
    )


PLAN_AHEAD = timedelta(minutes=10)  # the tick plans rows this long before they are due
REMINDER_WINDOW = timedelta(hours=1)  # a reminder later than this (or after the start) is missed
MAX_CATCH_UP = timedelta(days=7)  # how far back a tick looks after an outage
GOAL_LINK_SALT = "together.goal-check-in"
GOAL_LINK_AGE = timedelta(days=7)


# Planning ------------------------------------------------------------------------------


def plan(now: datetime) -> int:
    """Plan every message that came due since the last planning run, up to PLAN_AHEAD from
    now. Safe to run any number of times, by any number of beats."""
    organisation = Organisation.current()
    since = max(mark(OutboxMark.PLANNED_THROUGH) or now - REMINDER_WINDOW, now - MAX_CATCH_UP)
    until = now + PLAN_AHEAD
    planned = (
        plan_session_reminders(since, until, organisation)
        + plan_day_summaries(now)
        + plan_goal_prompts(since, until, organisation)
    )
    advance_mark(OutboxMark.PLANNED_THROUGH, until)
    return planned


def reminder_due(start: datetime, hours: int, zone: str) -> datetime:
    """When a reminder `hours` before `start` is due for someone in `zone`."""
    if hours % 24:
        return start - timedelta(hours=hours)
    local = timezone.localtime(start, zoneinfo.ZoneInfo(zone)).replace(tzinfo=None)
    wall = local - timedelta(days=hours // 24)  # the same wall-clock time, N days before
    return wall.replace(tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(UTC)


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


def _reminder_rows(sessions, organisation, wanted, people=None) -> list[Notification]:
    """Reminder rows for these sessions' members (or only `people`), where wanted(due, expires),
    on each channel the person's choice for reminders asks for."""
    members = _members(sessions)
    channels = text_numbers.channels(
        [p for group in members.values() for p in group], Topics.REMINDERS
    )
    rows = []
    for session in sessions:
        for person in members.get(session.group_id, []):
            if people is not None and person.pk not in people:
                continue
            if not person.session_reminders:
                continue
            for hours in reminder_hours_for(person, organisation):
                due = reminder_due(session.starts_at, hours, person.timezone)
                expires = min(session.starts_at, due + REMINDER_WINDOW)
                if not wanted(due, expires):
                    continue
                rows.extend(
                    Notification(
                        kind=SESSION_REMINDER,
                        channel=channel,
                        recipient=person,
                        subject_id=session.pk,
                        occurrence=session.starts_at,
                        offset_minutes=hours * 60,
                        due_at=due,
                        expires_at=expires,
                    )
                    for channel in channels[person.pk]
                )
    return rows


# Clock changes move a day-based reminder by at most this much against real hours.
DST_MARGIN = timedelta(hours=2)


def plan_session_reminders(since: datetime, until: datetime, organisation: Organisation) -> int:
    """Reminders falling due in (since, until]: the cost follows what is due, not how many
    sessions exist."""
    offsets = [timedelta(hours=h) for h in organisation.allowed_reminder_hours] or [timedelta()]
    sessions = list(
        GroupSession.objects.filter(
            status=GroupSession.Status.SCHEDULED,
            starts_at__gt=since + min(offsets) - DST_MARGIN,
            starts_at__lte=until + max(offsets) + DST_MARGIN,
        )
    )
    rows = _reminder_rows(sessions, organisation, lambda due, expires: since < due <= until)
    return enqueue_many(rows)


def plan_sessions(sessions, now: datetime | None = None, not_before: datetime | None = None) -> int:
    """Every reminder still to come for these sessions: called when they are scheduled or
    moved, so that their reminders exist whatever happens to beat later. A reminder that would
    fall due before `not_before` falls due then (after a notice planned at the same time)."""
    now = now or timezone.now()
    sessions = [s for s in sessions if s.status == GroupSession.Status.SCHEDULED]
    rows = _reminder_rows(sessions, Organisation.current(), lambda due, expires: expires > now)
    if not_before is not None:
        for row in rows:
            row.due_at = max(row.due_at, not_before)
        rows = [row for row in rows if row.due_at < row.expires_at]
    return enqueue_many(rows)


def plan_person_reminders(person: User) -> int:
    """Every reminder still to come for someone who joined a group or came back."""
    now = timezone.now()
    sessions = list(
        GroupSession.objects.filter(
            status=GroupSession.Status.SCHEDULED,
            starts_at__gt=now,
            group__enrollments__participant=person,
            group__enrollments__status=Enrollment.Status.ACTIVE,
        ).distinct()
    )
    rows = _reminder_rows(
        sessions, Organisation.current(), lambda due, expires: expires > now, people={person.pk}
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
    facilitators = {p.pk: p for s in sessions for p in s.group.facilitators.all() if p.is_active}
    channels = text_numbers.channels(list(facilitators.values()), Topics.DAY_SUMMARY)
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
                rows.extend(
                    Notification(
                        kind=DAY_SUMMARY,
                        channel=channel,
                        recipient=person,
                        subject_id=person.pk,
                        occurrence=start_of_day,
                        due_at=due,
                        expires_at=start_of_day,
                    )
                    for channel in channels[person.pk]
                )
    return enqueue_many(rows)


def plan_goal_prompts(since: datetime, until: datetime, organisation: Organisation) -> int:
    """N days after each session that took place, members with open goals get one prompt."""
    after = timedelta(days=organisation.goal_prompt_days)
    sessions = list(
        GroupSession.objects.filter(
            status=GroupSession.Status.HELD,
            starts_at__gt=min(since, until - PLAN_AHEAD) - after - timedelta(days=1),
            starts_at__lte=until - after,
        )
    )
    members = _members(sessions)
    with_goals = set(
        Goal.objects.filter(
            status=Goal.Status.ACTIVE,
            group__in={s.group_id for s in sessions},
        ).values_list("group_id", "participant_id")
    )
    channels = text_numbers.channels(
        [p for group in members.values() for p in group], Topics.GOAL_PROMPTS
    )
    rows = []
    for session in sessions:
        for person in members.get(session.group_id, []):
            if person.goal_prompts and (session.group_id, person.pk) in with_goals:
                due = session.starts_at + after
                rows.extend(
                    Notification(
                        kind=GOAL_PROMPT,
                        channel=channel,
                        recipient=person,
                        subject_id=session.pk,
                        occurrence=session.starts_at,
                        due_at=due,
                        expires_at=due + timedelta(days=1),
                    )
                    for channel in channels[person.pk]
                )
    return enqueue_many(rows)


# Messages -------------------------------------------------------------------------------


def _session(row: Notification) -> GroupSession | None:
    """The row's session, read with what its message asks of it in the same query: whether the
    recipient is an active member, and whether they said they can't make it (for the .ics)."""
    person = row.recipient_id or 0
    return (
        GroupSession.objects.select_related("group")
        .filter(pk=row.subject_id)
        .annotate(
            recipient_is_member=Exists(
                Enrollment.objects.filter(
                    group_id=OuterRef("group_id"),
                    participant_id=person,
                    status=Enrollment.Status.ACTIVE,
                )
            ),
            recipient_cant_make_it=Exists(
                Attendance.objects.filter(
                    session_id=OuterRef("pk"),
                    participant_id=person,
                    marked_by_id=person,
                    status=Attendance.Status.EXCUSED,
                )
            ),
        )
        .first()
    )


def _live_session(row: Notification) -> GroupSession | None:
    """The session, if it still happens at the time planned and the person is still a member."""
    session = _session(row)
    if session is None or session.is_cancelled or session.starts_at != row.occurrence:
        return None
    if row.recipient_id and not session.recipient_is_member:
        return None
    return session


def _session_context(session: GroupSession, person: User | None) -> dict:
    return {
        "session": session,
        "group_name": session.group.public_name,
        "when": when_for(person, session.starts_at),
        "cant_make_it": link("cant_make_it", session.pk),
        "home": link("home"),
    }


def _ics(session: GroupSession, person: User | None) -> tuple[str, bytes, str]:
    ics = calendars.session_file(
        session, person=person, cant_make_it=getattr(session, "recipient_cant_make_it", None)
    )
    return ("session.ics", ics, "text/calendar")


def _about_session(
    row: Notification, session: GroupSession | None, label: str, template: str
) -> Content | None:
    """Reminders and notices about one session: its time in the recipient's zone, and an .ics.
    `label` is the subject's opening, such as "Reminder" (translated here, as it is sent)."""
    if session is None:
        return None
    context = _session_context(session, row.recipient)
    subject = _("%(label)s: %(group)s, %(when)s") % {
        "label": _(label),
        "group": context["group_name"],
        "when": context["when"],
    }
    return Content(subject, template, context, _ics(session, row.recipient))


def _reminder_wanted(row: Notification, organisation: Organisation) -> bool:
    person = row.recipient
    wanted = reminder_hours_for(person, organisation)
    return person.session_reminders and row.offset_minutes // 60 in wanted


def render_reminder(row: Notification, organisation: Organisation) -> Content | None:
    if not _reminder_wanted(row, organisation):
        return None
    return _about_session(row, _live_session(row), gettext_noop("Reminder"), "session_reminder")


# Texts are short and discreet: no group name, nothing clinical, one segment wherever possible
# (tests/sessions/test_texts.py measures them with the longest zone names).


def _ahead(session: GroupSession | None, now: datetime) -> GroupSession | None:
    # A text held through quiet hours may come due late: it never arrives once its session began.
    return session if session is not None and session.starts_at > now else None


def text_reminder(row: Notification, now: datetime) -> outbox.Text | None:
    session = _live_session(row) if _reminder_wanted(row, Organisation.current()) else None
    if not _ahead(session, now):
        return None
    when = when_for(row.recipient, session.starts_at)
    return outbox.Text(
        _("Reminder: your group meets %(when)s. %(link)s") % {"when": when, "link": link("home")}
    )


def text_time_changed(row: Notification, now: datetime) -> outbox.Text | None:
    session = _ahead(_live_session(row), now)
    if session is None:
        return None
    when = when_for(row.recipient, session.starts_at)
    return outbox.Text(
        _("New time: your group now meets %(when)s. %(link)s")
        % {"when": when, "link": link("home")}
    )


URGENT = timedelta(hours=24)  # a change this close to the session is not held overnight


def change_is_urgent(row: Notification, now: datetime) -> bool:
    """A new time or a cancellation for a session in the next 24 hours (a move counts from
    the earlier of the two times: someone may be about to set out)."""
    first = min(row.occurrence, row.previous_occurrence or row.occurrence)
    return first - now <= URGENT


def text_cancelled(row: Notification, now: datetime) -> outbox.Text | None:
    session = _ahead(_session(row), now)
    if session is None or not session.is_cancelled:
        return None
    when = when_for(row.recipient, session.starts_at)
    return outbox.Text(
        _("Cancelled: your group won't meet %(when)s. %(link)s")
        % {"when": when, "link": link("home")}
    )


def render_time_changed(row: Notification, organisation: Organisation) -> Content | None:
    content = _about_session(row, _live_session(row), gettext_noop("New time"), "time_changed")
    if content is not None and row.previous_occurrence is not None:
        content.context["was"] = when_for(row.recipient, row.previous_occurrence)
    return content


def render_cancelled(row: Notification, organisation: Organisation) -> Content | None:
    session = _session(row)
    return _about_session(
        row,
        session if session and session.is_cancelled else None,
        gettext_noop("Cancelled"),
        "cancelled",
    )


def _sessions_that_day(row: Notification):
    """The sessions the row's facilitator runs on the day it is about, earliest first."""
    day_start = row.occurrence
    return (
        GroupSession.objects.filter(
            group__facilitators=row.recipient,
            starts_at__gte=day_start,
            starts_at__lt=day_start + timedelta(days=1),
        )
        .exclude(status=GroupSession.Status.CANCELLED)
        .select_related("group")
        .order_by("starts_at")
    )


def text_day_summary(row: Notification, now: datetime) -> outbox.Text | None:
    sessions = list(_sessions_that_day(row)) if now < row.occurrence else []  # "tomorrow" still
    if not sessions:
        return None
    first = time_for(row.recipient, sessions[0].starts_at)
    return outbox.Text(
        ngettext(
            "Tomorrow you run a session, at %(first)s. %(link)s",
            "Tomorrow you run %(count)s sessions, the first at %(first)s. %(link)s",
            len(sessions),
        )
        % {"count": len(sessions), "first": first, "link": link("home")}
    )


def render_day_summary(row: Notification, organisation: Organisation) -> Content | None:
    person = row.recipient
    zone = zoneinfo.ZoneInfo(person.timezone)
    day_start = row.occurrence
    sessions = list(_sessions_that_day(row).annotate(enrolled=active_member_count()))
    if not sessions:
        return None
    unsigned = (
        GroupSession.objects.filter(group__facilitators=person, status=GroupSession.Status.HELD)
        .without_signed_note()
        .count()
    )
    apologies = defaultdict(list)  # who said they can't make it: names only, never why
    for attendance in (
        Attendance.objects.filter(
            session__in=sessions,
            status=Attendance.Status.EXCUSED,
            marked_by=F("participant"),
        )
        .select_related("participant")
        .order_by("participant__display_name", "participant_id")
    ):
        apologies[attendance.session_id].append(attendance.participant.short_name)
    lines = [
        {
            "when": when_for(person, s.starts_at),
            "group_name": s.group.public_name,
            "enrolled": s.enrolled,
            "apologies": apologies[s.pk],
        }
        for s in sessions
    ]
    day = format_date(
        timezone.localtime(day_start, zone),
        pgettext("date format: weekday, day and month", "l j F"),
    )
    return Content(
        _("Your sessions on %(day)s") % {"day": day},
        "day_summary",
        {"lines": lines, "unsigned": unsigned, "day": day, "home": link("home")},
    )


def goal_link_token(row: Notification) -> str:
    return links.link_token(row, salt=GOAL_LINK_SALT)


def open_goal_link(token: str) -> Notification:
    """The goal prompt a link's token names; raises core.outbox.links.LinkProblem."""
    return links.open_link(token, salt=GOAL_LINK_SALT, max_age=GOAL_LINK_AGE, kinds=[GOAL_PROMPT])


def _goal_prompt_wanted(person: User) -> bool:
    return (
        person.goal_prompts and Goal.objects.of(person).filter(status=Goal.Status.ACTIVE).exists()
    )


def goal_prompt_opens(row: Notification) -> str:
    return reverse("goal_prompt_check_in", args=[goal_link_token(row)])


def text_goal_prompt(row: Notification, now: datetime) -> outbox.Text | None:
    if not _goal_prompt_wanted(row.recipient):
        return None
    return outbox.Text(
        _("How are your goals going? A quick check-in: %(link)s") % {"link": text_link(row)}
    )


def render_goal_prompt(row: Notification, organisation: Organisation) -> Content | None:
    if not _goal_prompt_wanted(row.recipient):
        return None
    return Content(
        _("How are your goals going?"),
        "goal_prompt",
        {"link": link("goal_prompt_check_in", goal_link_token(row))},
    )


def invited_groups(invitation: Invitation) -> dict:
    """For the invitation email: the groups it adds its person to, by their discreet name,
    each with its next session in the group's own zone (the invitee has no zone yet)."""
    groups = []
    for enrollment in Enrollment.objects.filter(invitation=invitation).select_related("group"):
        group = enrollment.group
        upcoming = (
            GroupSession.objects.filter(group=group, starts_at__gt=timezone.now())
            .not_cancelled()
            .order_by("starts_at")
            .first()
        )
        groups.append(
            {
                "name": group.public_name,
                "next": when_in(group.timezone, upcoming.starts_at) if upcoming else None,
            }
        )
    return {"groups": groups}


def register() -> None:
    register_invitation_details(invited_groups)
    outbox.register(
        outbox.MessageKind(
            SESSION_REMINDER,
            gettext_lazy("Session reminder"),
            email=email(render_reminder),
            text=text_reminder,
            topic=Topics.REMINDERS,
        ),
        outbox.MessageKind(
            TIME_CHANGED,
            gettext_lazy("Session time changed"),
            email=email(render_time_changed),
            text=text_time_changed,
            topic=Topics.CHANGES,
            urgent=change_is_urgent,
        ),
        outbox.MessageKind(
            CANCELLED,
            gettext_lazy("Session cancelled"),
            email=email(render_cancelled),
            text=text_cancelled,
            topic=Topics.CHANGES,
            urgent=change_is_urgent,
        ),
        outbox.MessageKind(
            DAY_SUMMARY,
            gettext_lazy("Facilitator's day-before summary"),
            email=email(render_day_summary),
            text=text_day_summary,
            topic=Topics.DAY_SUMMARY,
        ),
        outbox.MessageKind(
            GOAL_PROMPT,
            gettext_lazy("Goal check-in prompt"),
            email=email(render_goal_prompt),
            text=text_goal_prompt,
            topic=Topics.GOAL_PROMPTS,
            opens=goal_prompt_opens,
            link_age=GOAL_LINK_AGE,
        ),
    )
    outbox.register_tick_planner(plan)
    outbox.register_person_planner(plan_person_reminders)
