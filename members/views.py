"""Pages of the sign-in rules themselves: the invitation link that starts an account, staying
signed in, and the crisis resources (public, one tap from every page). A person's own account
pages are in `accounts/`."""

import time

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members import invitations, services
from members.access import public, signed_in
from members.middleware import SessionTimeoutMiddleware
from members.models import CrisisLine, Invitation, Organisation, User

ACCOUNT_BACKEND = "members.auth_backends.AccountBackend"


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
    waiting = invitations.account_waiting(invitation)
    if waiting is not None:
        return _choose_password(request, invitation, waiting)
    invitations.remember(request, invitation)
    # The link reached this address's inbox: that is the proof a verification email would
    # ask for again. Signing up for this address needs no second email.
    get_adapter(request).stash_verified_email(request, invitation.email)
    return redirect("account_signup")


def _choose_password(request, invitation: Invitation, person: User):
    """An account made from a referral: choosing a password from the invitation makes it theirs
    (the link reached their inbox, so the address is theirs), and signs them in."""
    form = SetPasswordForm(person, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.start_account(
            invitation=invitation, person=person, password=form.cleaned_data["new_password1"]
        )
        login(request, person, backend=ACCOUNT_BACKEND)
        return redirect("home")
    context = {"form": form, "organisation": Organisation.current()}
    return render(request, "members/choose_password.html", context)


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
