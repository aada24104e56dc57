import time
import zoneinfo

from allauth.usersessions.internal import usersessionkit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import middleware as auth_middleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from members import second_step
from members.models import Organisation


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, with the person read at once instead of behind a lazy object. Nearly every
    request asks who it is, many times (each later layer, the view, the frame), and each
    question through the lazy wrapper cost more than the answer. The read is the one Django
    makes, with its checks (the session's hash, an active account); a request without a
    session cookie reads nothing."""

    def process_request(self, request):
        super().process_request(request)
        request.user = auth_middleware.get_user(request)


class PersonLocaleMiddleware:
    """Each person sees the app in their own zone (templates name it beside each time) and
    their own language: theirs, or else the organisation's. Someone not signed in sees the
    language they picked at the foot of a page (a cookie), or else the organisation's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            zone = zoneinfo.ZoneInfo(user.timezone)
            language = user.language_in_use
        else:
            zone = None
            picked = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
            known = dict(settings.LANGUAGES)
            language = picked if picked in known else Organisation.current().language
        request.LANGUAGE_CODE = language
        # For this request only: what the thread does next (a test, a task) is not in them.
        with timezone.override(zone), translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class StaffSecondStepMiddleware:
    """Admins and facilitators see clinical data, so their session must pass the second step.

    - Without an authenticator they may only enrol one (allauth's TOTP set-up, which counts as
      this session's second step), sign out, or read the crisis page.
    - With one, a session that did not pass the second step (signed in by password alone, by
      whatever path) is signed out and sent to the login, which asks for the code.
    """

    ALWAYS_OPEN = ("/accounts/logout/", "/help/", "/healthz", "/static/")
    ENROLMENT = ("/accounts/2fa/totp/activate/", "/accounts/reauthenticate/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            second_step.required(user)
            and not request.path.startswith(self.ALWAYS_OPEN)
            and not second_step.passed(request)
        ):
            if second_step.has_totp(user):
                logout(request)
                messages.info(request, _("Please sign in again with your authenticator code."))
                return redirect_to_login(request.get_full_path())
            if not request.path.startswith(self.ENROLMENT):
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
            if now - started > settings.SESSION_ABSOLUTE_SECONDS:
                hours = settings.SESSION_ABSOLUTE_SECONDS // 3600
                why = _("%(hours)s hours after you signed in") % {"hours": hours}
            elif now - seen > idle_seconds(user):
                why = _("after %(minutes)s minutes without activity") % {
                    "minutes": idle_seconds(user) // 60
                }
            else:
                why = None
            if why:
                logout(request)
                messages.info(
                    request,
                    _(
                        "We signed you out %(why)s, to keep your information private. Please "
                        "sign in again."
                    )
                    % {"why": why},
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
