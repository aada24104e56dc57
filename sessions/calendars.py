"""iCalendar for sessions: a private feed per person, one-session downloads and the .ics on
reminders and notices, all built by `session_event`, so they always agree.

No clinical content: the group's discreet name, the time, the place and the video link (in
LOCATION, where every calendar app shows it, and in the description). UIDs are stable and
SEQUENCE rises with each change, so calendar apps update events. A cancelled session is
STATUS:CANCELLED in the feed; a one-off file or email about it is also METHOD:CANCEL, so the
calendar app removes the event. A session the person said they can't make is marked so, and
free time, in their own calendar.
"""

from datetime import timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress

from members.models import Organisation, User
from sessions.models import Attendance, GroupSession

FEED_PAST = timedelta(days=30)
FEED_FUTURE = timedelta(days=400)


def _calendar(name: str, method: str | None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Together//Group sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    calendar.add("x-wr-calname", name)
    return calendar


def _organizer() -> vCalAddress:
    organizer = vCalAddress(f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}")
    organizer.params["cn"] = Organisation.current().name
    return organizer


def session_event(session: GroupSession, *, cant_make_it: bool = False) -> Event:
    event = Event()
    event.add("uid", f"session-{session.pk}@{urlsplit(settings.SITE_URL).hostname}")
    event.add("dtstamp", session.updated_at)
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    name = session.group.public_name
    event.add("summary", f"{name} (you can't make it)" if cant_make_it else name)
    event.add("sequence", session.sequence)
    event.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
    if cant_make_it:
        event.add("transp", "TRANSPARENT")  # not busy: they told the group they won't come
    where = " · ".join(filter(None, [session.location, session.video_link]))
    if where:
        event.add("location", where)
    if session.video_link:
        event.add("url", session.video_link)
    lines = (
        [_("Join by video: %(link)s") % {"link": session.video_link}] if session.video_link else []
    )
    lines.append(
        _("Details and “I can't make it”: %(link)s") % {"link": settings.SITE_URL + reverse("home")}
    )
    event.add("description", "\n".join(lines))
    return event


def sessions_calendar(sessions, *, name: str, person: User | None = None) -> bytes:
    """A feed (several sessions): no METHOD, as subscriptions expect."""
    calendar = _calendar(name, method=None)
    away = said_cant_make_it(person, sessions) if person else set()
    for session in sessions:
        calendar.add_component(session_event(session, cant_make_it=session.pk in away))
    return calendar.to_ical()


def session_file(
    session: GroupSession, *, person: User | None = None, cant_make_it: bool | None = None
) -> bytes:
    """One session, to download or attach to an email: PUBLISH, or CANCEL once cancelled.
    `cant_make_it`, when the caller has read it already: whether `person` said they can't."""
    cancelled = session.is_cancelled
    calendar = _calendar(session.group.public_name, method="CANCEL" if cancelled else "PUBLISH")
    if cant_make_it is None:
        cant_make_it = bool(person and said_cant_make_it(person, [session]))
    event = session_event(session, cant_make_it=cant_make_it)
    if cancelled:
        event.add("organizer", _organizer())  # iTIP: a CANCEL names who sends it
    calendar.add_component(event)
    return calendar.to_ical()


def said_cant_make_it(person: User, sessions) -> set[int]:
    """The sessions among these that the person told the group they can't make."""
    return set(
        Attendance.objects.filter(
            participant=person,
            marked_by=person,
            status=Attendance.Status.EXCUSED,
            session__in=[s.pk for s in sessions],
        ).values_list("session_id", flat=True)
    )


def feed_sessions(user):
    """What a person's feed lists: their sessions from a month ago on, cancelled ones included."""
    now = timezone.now()
    return (
        GroupSession.objects.for_calendar_of(user)
        .filter(starts_at__gte=now - FEED_PAST, starts_at__lt=now + FEED_FUTURE)
        .select_related("group")
        .order_by("starts_at")
    )
