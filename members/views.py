"""Pages of the sign-in rules themselves: the invitation link that starts an account, staying
signed in, and the crisis resources (public, one tap from every page). A person's own account
pages are in `accounts/`."""

import time

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members import invitations
from members.access import public, signed_in
from members.middleware import SessionTimeoutMiddleware
from members.models import CrisisLine, Invitation, Organisation


@public
def invitation_accept(request, token: str):
    """The link in an invitation email: remember the invitation, then show the signup form."""
    invitation = Invitation.objects.for_token(token).first()
    if invitation is None:
        return render(
            request, "members/invitation_problem.html", {"problem": "unknown"}, status=404
        )
    if invitation.is_accepted:
        return render(request, "members/invitation_problem.html", {"problem": "used"}, status=410)
    if invitation.is_expired:
        return render(
            request, "members/invitation_problem.html", {"problem": "expired"}, status=410
        )
    if request.user.is_authenticated:
        messages.info(
            request, _("You are already signed in. Sign out first to use this invitation.")
        )
        return redirect("home")
    invitations.remember(request, invitation)
    # The link reached this address's inbox: that is the proof a verification email would
    # ask for again. Signing up for this address needs no second email.
    get_adapter(request).stash_verified_email(request, invitation.email)
    return redirect("account_signup")


@public
def crisis_resources(request):
    return render(
        request,
        "members/crisis.html",
        {"organisation": Organisation.current(), "lines": CrisisLine.objects.all()},
    )


@signed_in
@require_POST
def keep_alive(request):
    """ "Stay signed in": the timeout middleware has already noted this request as activity."""
    request.session[SessionTimeoutMiddleware.SEEN] = time.time()
    return HttpResponse(status=204)
