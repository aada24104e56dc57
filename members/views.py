from django.contrib import messages
from django.shortcuts import redirect, render

from members import invitations
from members.access import public, signed_in
from members.models import Invitation, Organisation


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
        messages.info(request, "You are already signed in. Sign out first to use this invitation.")
        return redirect("home")
    invitations.remember(request, invitation)
    return redirect("account_signup")


@public
def crisis_resources(request):
    return render(request, "members/crisis.html", {"organisation": Organisation.current()})


@signed_in
def account_overview(request):
    return render(request, "members/account.html")
