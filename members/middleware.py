import time
import zoneinfo

from allauth.usersessions.internal import usersessionkit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from members.models import STAFF_ROLES


class UserTimezoneMiddleware:
    """Show every time in the viewer's own zone (templates name the zone next to the time)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            timezone.activate(zoneinfo.ZoneInfo(user.timezone))
        else:
            timezone.deactivate()
        return self.get_response(request)


class StaffMFAMiddleware:
    """Admins and facilitators see clinical data, so they enrol a TOTP authenticator first.

    Until they do, only account pages (which include the MFA set-up), the crisis page and the
    health check open for them; everything else sends them to the TOTP set-up page.
    """

    EXEMPT_PREFIXES = ("/accounts/", "/help/", "/healthz", "/static/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.role in STAFF_ROLES
            and not request.path.startswith(self.EXEMPT_PREFIXES)
            and not user.authenticator_set.filter(type="totp").exists()
        ):
            return HttpResponseRedirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


class SessionTimeoutMiddleware:
    """Sign people out after a quiet spell (15 minutes for staff, 60 for participants) and,
    whatever they do, 12 hours after they signed in. The page warns two minutes before
    (static/js/app.js) and "Stay signed in" calls the keep-alive view."""

    STARTED, SEEN = "together.started", "together.seen"
    WRITE_EVERY = 30  # seconds: the session is saved at most this often just to note activity

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.path.startswith(("/static/", "/healthz")):
            now = time.time()
            session = request.session
            started = session.setdefault(self.STARTED, now)
            seen = session.get(self.SEEN, now)
            if now - seen > idle_seconds(user) or now - started > settings.SESSION_ABSOLUTE_SECONDS:
                minutes = idle_seconds(user) // 60
                logout(request)
                messages.info(
                    request,
                    f"We signed you out after {minutes} minutes without "
                    "activity, to keep your information private. "
                    "Please sign in again.",
                )
                return redirect_to_login(request.get_full_path())
            if now - seen >= self.WRITE_EVERY or self.SEEN not in session:
                session[self.SEEN] = now
        return self.get_response(request)


def idle_seconds(user) -> int:
    return settings.SESSION_IDLE_SECONDS[user.role]


class SessionActivityMiddleware:
    """allauth's "where you're signed in" list, with its last-seen time kept to the minute.

    allauth's own middleware writes the user-session row on every request: a SELECT and an
    UPDATE for each page. A minute is precise enough to recognise a session, and saves both.
    """

    TRACKED = "together.activity_tracked"
    EVERY = 60  # seconds

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and request.user.is_authenticated:
            now = time.time()
            if now - session.get(self.TRACKED, 0) >= self.EVERY:
                usersessionkit.track_activity(request, user=request.user, session=session)
                session[self.TRACKED] = now
        return self.get_response(request)
