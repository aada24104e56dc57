import zoneinfo

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
