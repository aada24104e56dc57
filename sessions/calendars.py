"""iCalendar for sessions: a private feed per person and one-session downloads.

No clinical content: the group's discreet name, the time, the place and the video link.
UIDs are stable and SEQUENCE rises with each change, so calendar apps update and cancel events.
"""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from sessions.models import GroupSession

FEED_PAST = timedelta(days=30)
FEED_FUTURE = timedelta(days=400)


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Together//Group sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    return calendar


def session_event(session: GroupSession) -> Event:
    event = Event()
    event.add("uid", f"session-{session.pk}@{urlsplit(settings.SITE_URL).hostname}")
    event.add("dtstamp", session.updated_at)
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    event.add("summary", session.group.public_name)
    event.add("sequence", session.sequence)
    event.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
    if session.location:
        event.add("location", session.location)
    if session.video_link:
        event.add("url", session.video_link)
    event.add(
        "description", "Details and “I can't make it”: " + settings.SITE_URL + reverse("home")
    )
    return event


def sessions_calendar(sessions, *, name: str) -> bytes:
    calendar = _calendar(name)
    for session in sessions:
        calendar.add_component(session_event(session))
    return calendar.to_ical()


def feed_sessions(user):
    """What a person's feed lists: their sessions from a month ago on, cancelled ones included."""
    now = timezone.now()
    return (
        GroupSession.objects.for_calendar_of(user)
        .filter(starts_at__gte=now - FEED_PAST, starts_at__lt=now + FEED_FUTURE)
        .select_related("group")
        .order_by("starts_at")
    )
